"""What several checks need to know about the evidence: which cookie needs consent, which request
tracks, which page links the privacy policy. Facts only; each check decides what is a problem."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass

from sitescan.artifacts import CookieRecord, PageVisit
from sitescan.catalogue import beacon_urls
from sitescan.checks.engine import Evidence
from sitescan.classify import TRACKING_CATEGORIES
from sitescan.urls import host_of, normalise, site_of, url_site


def visits_in(evidence: Evidence, phase: str) -> Iterator[PageVisit]:
    if evidence.artifacts is not None:
        yield from (v for v in evidence.artifacts.visits if v.phase == phase)


def declared_cookie(evidence: Evidence, name: str) -> dict[str, str] | None:
    """The config's [[cookies]] entry naming this cookie (by name or glob)."""
    return next((c for c in evidence.config.cookies if fnmatch.fnmatchcase(name, c["name"])), None)


def is_essential(evidence: Evidence, name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in evidence.config.essential_cookies)


def cookie_category(evidence: Evidence, cookie: CookieRecord) -> tuple[str, str]:
    """The cookie's category and who says so: sitescan's data first (what the cookie is), else the
    company's declaration, else unknown."""
    rule = evidence.classifier.cookie_rule(cookie.name, cookie.domain)
    if rule is not None:
        return rule.category, f"sitescan data: {rule.vendor} ({rule.pattern})"
    declared = declared_cookie(evidence, cookie.name)
    if declared is not None:
        return declared["category"], f"declared in {evidence.config.source}"
    return "unknown", "no data and not declared"


def needs_consent(evidence: Evidence, cookie: CookieRecord) -> tuple[bool, str, str]:
    category, source = cookie_category(evidence, cookie)
    needed = category in evidence.profile.consent_cookie_categories and not is_essential(
        evidence, cookie.name
    )
    return needed, category, source


@dataclass(frozen=True)
class Tracking:
    """A request from a page to a third party that tracks: a tracking vendor's host, or a beacon."""

    host: str
    vendor: str | None
    category: str
    url: str
    beacon: str | None  # the beacon kind, when the request was sent as one


def tracking_requests(evidence: Evidence, visit: PageVisit) -> Iterator[Tracking]:
    page_site = url_site(visit.final_url or visit.url)
    beacons = beacon_urls(visit, evidence.classifier)
    for request in visit.requests:
        host = host_of(request.url)
        if not host or site_of(host) == page_site:
            continue
        vendor = evidence.classifier.vendor_for_host(host)
        beacon = beacons.get(request.url)
        if (vendor and vendor.category in TRACKING_CATEGORIES) or beacon:
            yield Tracking(
                host,
                vendor.name if vendor else None,
                vendor.category if vendor else "unknown",
                request.url,
                beacon,
            )


def html_pages(evidence: Evidence) -> Iterator[PageVisit]:
    """Each HTML page that loaded, once (its first visit)."""
    if evidence.artifacts is None:
        return
    seen: set[str] = set()
    for visit in evidence.artifacts.visits:
        key = normalise(visit.url)
        if key in seen or visit.error or visit.status is None or visit.status >= 400:
            continue
        if (visit.content_type or "") not in ("text/html", "application/xhtml+xml"):
            continue
        seen.add(key)
        yield visit


def privacy_link(evidence: Evidence, visit: PageVisit) -> str | None:
    """The page's link to the privacy policy: the configured URL if linked, else a link that names it."""
    configured = evidence.config.privacy_policy
    if configured and normalise(configured) in {normalise(link) for link in visit.links}:
        return configured
    return visit.privacy_links[0].url if visit.privacy_links else None
