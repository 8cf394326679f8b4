"""Third parties: every site the pages contact is one the company declared."""

from __future__ import annotations

from collections.abc import Iterator

from sitescan.checks.engine import Evidence, Hit, check
from sitescan.urls import site_of


@check("thirdparty.undeclared")
def undeclared(evidence: Evidence) -> Iterator[Hit]:
    if not evidence.config.vendors:
        return  # no vendor list: the contract says the rule does not run
    declared = {
        domain.lower().lstrip(".") for v in evidence.config.vendors for domain in v.get("domains", ())
    }
    declared_sites = {site_of(domain) for domain in declared}
    for party in evidence.catalogue.get("third_parties", []):
        if party["site"] in declared_sites or party["host"] in declared:
            continue
        yield Hit(
            party["pages"][0] if party["pages"] else None,
            party["site"],
            {"site": party["site"], "host": party["host"], "vendor": party["vendor"],
             "category": party["category"], "phases": party["phases"]},
            party["phases"][0] if party["phases"] else None,
        )  # fmt: skip
