"""Consent: a banner where tracking needs one, a reject as easy as accept, and what each phase loads."""

from __future__ import annotations

from collections.abc import Iterator

from sitescan.checks.engine import Evidence, Hit, check
from sitescan.checks.facts import needs_consent, tracking_requests, visits_in


def _consent_block(evidence: Evidence) -> dict:
    return evidence.catalogue.get("consent") or {}


@check("consent.banner-missing")
def banner_missing(evidence: Evidence) -> Iterator[Hit]:
    consent = _consent_block(evidence)
    if consent.get("banner") is not False or consent.get("handed_over"):
        return  # a banner was found, an app hands consent over, or nobody looked (--consent none)
    trackers = sorted(
        {t.host for v in visits_in(evidence, "before-consent") for t in tracking_requests(evidence, v)}
    )
    cookies = sorted(
        {
            c.name
            for v in visits_in(evidence, "before-consent")
            for c in v.cookies
            if needs_consent(evidence, c)[0]
        }
    )
    if trackers or cookies:
        looked = [v.url for v in visits_in(evidence, "before-consent") if v.consent is not None]
        yield Hit(
            looked[0] if looked else None,
            "banner",
            {"trackers": trackers, "cookies": cookies, "looked_on": looked},
            "before-consent",
        )


@check("consent.no-reject")
def no_reject(evidence: Evidence) -> Iterator[Hit]:
    consent = _consent_block(evidence)
    if not consent.get("cmp"):
        return
    rejects = [c for c in consent.get("choices", []) if c["choice"] == "reject"]
    if not rejects:
        return  # the reject was not tried (--consent accept)
    reject = rejects[0]
    if not reject["taken"]:
        problem = reject["error"] or "no reject control"
    elif consent.get("first_layer_reject") is False:
        problem = "the reject is only on a second layer: " + "; ".join(reject["steps"])
    else:
        return  # on the first layer, or not known (autoconsent does not say)
    yield Hit(
        reject["page"], "reject", {"cmp": consent["cmp"], "problem": problem, "steps": reject["steps"]}, None
    )


@check("consent.choice-unconfirmed")
def choice_unconfirmed(evidence: Evidence) -> Iterator[Hit]:
    for choice in _consent_block(evidence).get("choices", []):
        if choice["taken"] and not choice["verified"]:
            yield Hit(
                choice["page"],
                choice["choice"],
                {"engine": choice["engine"], "steps": choice["steps"], "stored": choice["stored"],
                 "error": choice["error"]},
                choice["phase"],
            )  # fmt: skip


def _cookies_needing_consent(evidence: Evidence, phase: str) -> Iterator[Hit]:
    for visit in visits_in(evidence, phase):
        for cookie in visit.cookies:
            needed, category, source = needs_consent(evidence, cookie)
            if needed:
                yield Hit(
                    visit.url,
                    f"{cookie.name} {cookie.domain}",
                    {"cookie": cookie.name, "domain": cookie.domain, "category": category, "source": source,
                     "set_by": cookie.set_by, "initiator": cookie.initiator},
                    phase,
                )  # fmt: skip


def _tracking(evidence: Evidence, phase: str) -> Iterator[Hit]:
    for visit in visits_in(evidence, phase):
        for tracking in tracking_requests(evidence, visit):
            yield Hit(
                visit.url,
                tracking.host,
                {"host": tracking.host, "vendor": tracking.vendor, "category": tracking.category,
                 "request": tracking.url, "beacon": tracking.beacon},
                phase,
            )  # fmt: skip


def _page_independent(hits: Iterator[Hit]) -> Iterator[Hit]:
    """One finding per subject (the first page it showed on): a tag on every page is one problem."""
    seen: set[str] = set()
    for hit in hits:
        if hit.subject not in seen:
            seen.add(hit.subject)
            yield hit


def _reject_confirmed(evidence: Evidence) -> bool:
    return bool(_consent_block(evidence).get("reject"))


@check("consent.cookie-before-consent")
def cookie_before_consent(evidence: Evidence) -> Iterator[Hit]:
    yield from _page_independent(_cookies_needing_consent(evidence, "before-consent"))


@check("consent.tracker-before-consent")
def tracker_before_consent(evidence: Evidence) -> Iterator[Hit]:
    yield from _page_independent(_tracking(evidence, "before-consent"))


@check("consent.cookie-after-reject")
def cookie_after_reject(evidence: Evidence) -> Iterator[Hit]:
    # After a reject that did not take, what loads is no proof of an ignored refusal (choice-unconfirmed).
    if _reject_confirmed(evidence):
        yield from _page_independent(_cookies_needing_consent(evidence, "after-reject"))


@check("consent.tracker-after-reject")
def tracker_after_reject(evidence: Evidence) -> Iterator[Hit]:
    if _reject_confirmed(evidence):
        yield from _page_independent(_tracking(evidence, "after-reject"))


@check("consent.gpc-ignored")
def gpc_ignored(evidence: Evidence) -> Iterator[Hit]:
    yield from _page_independent(_tracking(evidence, "gpc"))
