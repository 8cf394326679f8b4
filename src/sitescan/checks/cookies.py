"""Cookies: their attributes and lifetimes, and the company's own declarations of them."""

from __future__ import annotations

from collections.abc import Iterator

from sitescan.artifacts import CookieRecord, PageVisit
from sitescan.checks.engine import Evidence, Hit, check
from sitescan.checks.facts import declared_cookie
from sitescan.classify import TRACKING_CATEGORIES
from sitescan.urls import host_of


def _each_cookie(evidence: Evidence) -> Iterator[tuple[PageVisit, CookieRecord]]:
    """Every cookie once (by name, domain and path), with the first visit that saw it set."""
    if evidence.artifacts is None:
        return
    seen: set[tuple[str, str, str]] = set()
    for visit in evidence.artifacts.visits:
        for cookie in visit.cookies:
            key = (cookie.name, cookie.domain, cookie.path)
            if key not in seen:
                seen.add(key)
                yield visit, cookie


def _subject(cookie: CookieRecord) -> str:
    return f"{cookie.name} {cookie.domain}"


@check("cookie.insecure")
def insecure(evidence: Evidence) -> Iterator[Hit]:
    for visit, cookie in _each_cookie(evidence):
        if not cookie.secure and (visit.final_url or visit.url).startswith("https://"):
            yield Hit(
                visit.url,
                _subject(cookie),
                {"cookie": cookie.name, "domain": cookie.domain, "set_by": cookie.set_by,
                 "initiator": cookie.initiator},
                visit.phase,
            )  # fmt: skip


@check("cookie.long-lived")
def long_lived(evidence: Evidence) -> Iterator[Hit]:
    limit = evidence.profile.max_cookie_days
    for visit, cookie in _each_cookie(evidence):
        if cookie.expires is None:
            continue
        days = round((cookie.expires - cookie.observed_at) / 86400, 1)
        if days > limit:
            yield Hit(
                visit.url,
                _subject(cookie),
                {
                    "cookie": cookie.name,
                    "domain": cookie.domain,
                    "lifetime_days": days,
                    "maximum_days": limit,
                },
                visit.phase,
            )


@check("cookie.undeclared")
def undeclared(evidence: Evidence) -> Iterator[Hit]:
    if not evidence.config.cookies:
        return  # nothing declared: nothing to hold the site to
    for visit, cookie in _each_cookie(evidence):
        if declared_cookie(evidence, cookie.name) is None:
            rule = evidence.classifier.cookie_rule(cookie.name, cookie.domain)
            yield Hit(
                visit.url,
                _subject(cookie),
                {"cookie": cookie.name, "domain": cookie.domain,
                 "category": rule.category if rule else "unknown", "vendor": rule.vendor if rule else None},
                visit.phase,
            )  # fmt: skip


@check("cookie.misdeclared")
def misdeclared(evidence: Evidence) -> Iterator[Hit]:
    for visit, cookie in _each_cookie(evidence):
        declared = declared_cookie(evidence, cookie.name)
        if declared is None or declared["category"] != "necessary":
            continue
        rule = evidence.classifier.cookie_rule(cookie.name, cookie.domain)
        setter = evidence.classifier.vendor_for_host(host_of(cookie.initiator)) if cookie.initiator else None
        if rule and rule.category in ("analytics", "marketing"):
            reason = f"sitescan data: {rule.vendor} {rule.category} cookie ({rule.pattern})"
        elif setter and setter.category in TRACKING_CATEGORIES:
            reason = f"set by {setter.name} ({setter.category}): {cookie.initiator}"
        else:
            continue
        yield Hit(
            visit.url,
            _subject(cookie),
            {"cookie": cookie.name, "declared": "necessary", "reason": reason},
            visit.phase,
        )
