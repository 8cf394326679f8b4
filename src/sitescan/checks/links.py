"""Links: every page links the privacy policy, and the policy loads over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

from sitescan.checks.engine import Evidence, Hit, check
from sitescan.checks.facts import html_pages, privacy_link
from sitescan.urls import normalise


@check("links.privacy-missing")
def privacy_missing(evidence: Evidence) -> Iterator[Hit]:
    for visit in html_pages(evidence):
        if normalise(visit.url) in _policy_pages(evidence):
            continue  # the policy itself
        if privacy_link(evidence, visit) is None:
            yield Hit(
                visit.url,
                "privacy link",
                {"links": len(visit.links), "configured": evidence.config.privacy_policy},
                visit.phase,
            )


@check("links.privacy-broken")
def privacy_broken(evidence: Evidence) -> Iterator[Hit]:
    if evidence.artifacts is None:
        return
    loads = {normalise(v.url): v for v in evidence.artifacts.visits if v.phase == "before-consent"}
    checked: set[str] = set()
    for visit in html_pages(evidence):
        target = privacy_link(evidence, visit)
        if target is None or normalise(target) in checked:
            continue
        checked.add(normalise(target))
        loaded = loads.get(normalise(target))
        final = (loaded.final_url or loaded.url) if loaded else target
        problem = None
        if not target.startswith("https://") or not final.startswith("https://"):
            problem = "not served over https"
        elif loaded is None:
            continue  # not visited (--max-pages): nothing to say about its status
        elif loaded.status is None or loaded.status >= 400:
            problem = f"status {loaded.status}" if loaded.status else (loaded.error or "no response")
        if problem:
            yield Hit(
                visit.url,
                target,
                {"link": target, "final_url": final, "status": loaded.status if loaded else None,
                 "problem": problem},
                visit.phase,
            )  # fmt: skip


def _policy_pages(evidence: Evidence) -> set[str]:
    assert evidence.artifacts is not None
    return {normalise(v.url) for v in evidence.artifacts.visits if v.policy is not None}
