"""From artifacts to the report's catalogue: pages, cookies, third parties, beacons, storage, frames.

Observations from every visit are merged by identity (a cookie by name, domain and path; a third party by
host), keeping the phases and pages in which each was seen. Party is judged against the page the
observation was made on, vendors and categories come from ``rules/`` data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sitescan.artifacts import PHASE_ORDER, PageVisit, ScanArtifacts
from sitescan.classify import COOKIE_CATEGORIES, TRACKING_CATEGORIES, Classifier
from sitescan.dataflow import describe_target, recording_requests, third_party_listener
from sitescan.hits import report_hits
from sitescan.leaks import leaks
from sitescan.urls import cookie_site, host_of, site_of, url_site

REPORT_SCHEMA = "sitescan/1"


def _ordered_phases(phases: Iterable[str]) -> list[str]:
    return sorted(set(phases), key=PHASE_ORDER.index)


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _seen_on(entry: dict[str, Any], visit: PageVisit) -> None:
    entry["phases"] = _ordered_phases([*entry["phases"], visit.phase])
    if visit.url not in entry["pages"]:
        entry["pages"].append(visit.url)


def _page_site(visit: PageVisit) -> str:
    return url_site(visit.final_url or visit.url)


def build_catalogue(artifacts: ScanArtifacts, classifier: Classifier | None = None) -> dict[str, Any]:
    classifier = classifier or Classifier.bundled()
    visits = artifacts.visits
    beacons = [beacon_urls(visit, classifier) for visit in visits]
    return {
        "pages": _pages(visits),
        "cookies": _cookies(visits, classifier),
        "blocked_cookies": _blocked_cookies(visits),
        "third_parties": _third_parties(visits, beacons, classifier),
        "beacons": _beacons(visits, beacons, classifier),
        "storage": _storage(visits),
        "frames": _frames(visits),
        "requests": _requests(visits),
        "hits": report_hits(visits),
        "consent": _consent(visits),
        "session_replay": _session_replay(visits, classifier),
        "fingerprinting": _fingerprinting(visits, classifier),
        "input_listeners": _input_listeners(visits, classifier),
        "leaks": _leaks(visits, classifier),
    }


def _pages(visits: Iterable[PageVisit]) -> list[dict[str, Any]]:
    pages: dict[str, dict[str, Any]] = {}
    for visit in visits:
        page = pages.setdefault(
            visit.url,
            {
                "url": visit.url,
                "final_url": visit.final_url,
                "status": visit.status,
                "title": visit.title,
                "phases": [],
                "error": visit.error,
                "content_type": visit.content_type,
                "redirects": list(visit.redirects),
                "navigated_to": visit.navigated_to,
                "filled": [f"{filled.field} ({filled.kind})" for filled in visit.filled],
                "dialogs": list(visit.dialogs),
                "popups": list(visit.popups),
                "depth": visit.depth,
                "in_sitemap": visit.found_in_sitemap,
                "settled": visit.settled,
            },
        )
        page["phases"] = _ordered_phases([*page["phases"], visit.phase])
        page["error"] = page["error"] or visit.error
    return list(pages.values())


def _cookies(visits: Iterable[PageVisit], classifier: Classifier) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
    for visit in visits:
        page_site = _page_site(visit)
        for cookie in visit.cookies:
            key = (cookie.name, cookie.domain, cookie.path, cookie.partition_key)
            rule = classifier.cookie_rule(cookie.name, cookie.domain)
            vendor = rule.vendor if rule else _vendor_name(classifier, cookie.domain.lstrip("."))
            lifetime = (
                None if cookie.expires is None else round((cookie.expires - cookie.observed_at) / 86400, 2)
            )
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = {
                    "name": cookie.name,
                    "domain": cookie.domain,
                    "path": cookie.path,
                    "party": "first" if cookie_site(cookie.domain) == page_site else "third",
                    "vendor": vendor,
                    "category": rule.category if rule and rule.category in COOKIE_CATEGORIES else "unknown",
                    "expires": _iso(cookie.expires),
                    "lifetime_days": lifetime,
                    "secure": cookie.secure,
                    "http_only": cookie.http_only,
                    "same_site": cookie.same_site,
                    "partitioned": cookie.partitioned,
                    "partition_key": cookie.partition_key,
                    "phases": [],
                    "pages": [],
                    "set_by": cookie.set_by,
                    "initiator": cookie.initiator,
                    "value": cookie.value,  # as first seen; None: not recorded (see scan.values)
                }
            elif lifetime is not None and (
                entry["lifetime_days"] is None or lifetime > entry["lifetime_days"]
            ):
                entry["expires"], entry["lifetime_days"] = _iso(cookie.expires), lifetime
            entry["set_by"] = entry["set_by"] or cookie.set_by
            entry["initiator"] = entry["initiator"] or cookie.initiator
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda c: (c["party"], c["domain"].lstrip("."), c["name"]))


def _blocked_cookies(visits: Iterable[PageVisit]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for visit in visits:
        for blocked in visit.blocked_cookies:
            entry = merged.setdefault(
                (blocked.name, blocked.domain, blocked.set_by),
                {
                    "name": blocked.name,
                    "domain": blocked.domain,
                    "set_by": blocked.set_by,
                    "initiator": blocked.initiator,
                    "reasons": list(blocked.reasons),
                    "phases": [],
                    "pages": [],
                },
            )
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda c: (c["domain"].lstrip("."), c["name"]))


def _vendor_name(classifier: Classifier, host: str) -> str | None:
    vendor = classifier.vendor_for_host(host)
    return vendor.name if vendor else None


def beacon_urls(visit: PageVisit, classifier: Classifier) -> dict[str, str]:
    """URL -> beacon kind, for this visit: what the page sent as a beacon, and known collection hits."""
    kinds = {beacon.url: beacon.kind for beacon in visit.beacons}
    for request in visit.requests:
        if request.url not in kinds:
            parts = urlsplit(request.url)
            if classifier.endpoint_for(parts.hostname or "", parts.path or "/"):
                kinds[request.url] = "endpoint"
    return kinds


def _third_parties(
    visits: Iterable[PageVisit], beacons_per_visit: list[dict[str, str]], classifier: Classifier
) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for visit, beacons in zip(visits, beacons_per_visit, strict=True):
        page_site = _page_site(visit)
        for request in visit.requests:
            host = host_of(request.url)
            if site_of(host) == page_site:
                continue
            vendor = classifier.vendor_for_host(host)
            entry = merged.setdefault(
                host,
                {
                    "host": host,
                    "site": site_of(host),
                    "vendor": vendor.name if vendor else None,
                    "company": vendor.company if vendor else None,
                    "country": vendor.country if vendor else None,
                    "category": vendor.category if vendor else "unknown",
                    "tracker": bool(vendor and vendor.category in TRACKING_CATEGORIES),
                    "phases": [],
                    "requests": 0,
                    "beacon": False,
                    "resource_types": [],
                    "pages": [],
                },
            )
            entry["requests"] += 1
            entry["beacon"] = entry["beacon"] or request.url in beacons
            entry["phases"] = _ordered_phases([*entry["phases"], visit.phase])
            resource_type = request.resource_type.lower()
            if resource_type not in entry["resource_types"]:
                entry["resource_types"] = sorted([*entry["resource_types"], resource_type])
            if visit.url not in entry["pages"]:
                entry["pages"].append(visit.url)
    return sorted(merged.values(), key=lambda t: (t["site"], t["host"]))


def _beacons(
    visits: Iterable[PageVisit], beacons_per_visit: list[dict[str, str]], classifier: Classifier
) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for visit, kinds in zip(visits, beacons_per_visit, strict=True):
        page_site = _page_site(visit)
        initiators = {beacon.url: beacon.initiator for beacon in visit.beacons}
        for url, kind in kinds.items():
            host = host_of(url)
            endpoint = classifier.endpoint_for(host, urlsplit(url).path or "/")
            vendor = endpoint.vendor if endpoint else _vendor_name(classifier, host)
            entry = merged.setdefault(
                (url, kind),
                {
                    "url": url,
                    "host": host,
                    "kind": kind,
                    "party": "first" if site_of(host) == page_site else "third",
                    "vendor": vendor,
                    "initiator": initiators.get(url),
                    "phases": [],
                    "pages": [],
                },
            )
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda b: (b["host"], b["url"], b["kind"]))


def _leaks(visits: Iterable[PageVisit], classifier: Classifier) -> list[dict[str, Any]]:
    """The probe visitor's values found in requests to third parties, one entry per page, phase, host,
    field and way of sending."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    for visit in visits:
        for leak in leaks(visit):
            host = host_of(leak.request.url)
            key = (visit.url, visit.phase, host, leak.field, leak.encoding, leak.where)
            found.setdefault(
                key,
                {
                    "page": visit.url,
                    "phase": visit.phase,
                    "vendor": _vendor_name(classifier, host),
                    "host": host,
                    "site": site_of(host),
                    "kind": leak.kind,
                    "field": leak.field,
                    "encoding": leak.encoding,
                    "where": leak.where,
                    "url": leak.request.url,
                },
            )
    return list(found.values())


def _storage(visits: Iterable[PageVisit]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for visit in visits:
        page_site = _page_site(visit)
        for item in visit.storage:
            entry = merged.setdefault(
                (item.origin, item.kind, item.key),
                {
                    "origin": item.origin,
                    "kind": item.kind,
                    "key": item.key,
                    "value": item.value,  # as first seen; None: not recorded, or a database
                    "party": "first" if url_site(item.origin) == page_site else "third",
                    "phases": [],
                    "pages": [],
                },
            )
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda s: (s["origin"], s["kind"], s["key"]))


def _frames(visits: Iterable[PageVisit]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for visit in visits:
        page_site = _page_site(visit)
        for frame in visit.frames:
            entry = merged.setdefault(
                frame.origin,
                {
                    "origin": frame.origin,
                    "party": "first" if url_site(frame.origin) == page_site else "third",
                    "urls": [],
                    "phases": [],
                    "pages": [],
                },
            )
            if frame.url not in entry["urls"]:
                entry["urls"].append(frame.url)
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda f: f["origin"])


def _session_replay(visits: Iterable[PageVisit], classifier: Classifier) -> list[dict[str, Any]]:
    """Session-recording products the pages loaded or sent to, by product."""
    merged: dict[str, dict[str, Any]] = {}
    for visit in visits:
        for request, recorder in recording_requests(visit, classifier):
            entry = merged.setdefault(
                recorder.product,
                {"vendor": recorder.vendor, "product": recorder.product, "source": recorder.source,
                 "hosts": [], "requests": 0, "phases": [], "pages": []},
            )  # fmt: skip
            entry["requests"] += 1
            if host_of(request.url) not in entry["hosts"]:
                entry["hosts"].append(host_of(request.url))
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda r: r["product"])


def _fingerprinting(visits: Iterable[PageVisit], classifier: Classifier) -> list[dict[str, Any]]:
    """Fingerprinting by technique and script, with what the first sighting showed."""
    merged: dict[tuple[str, str | None], dict[str, Any]] = {}
    for visit in visits:
        page_site = _page_site(visit)
        for record in visit.fingerprinting:
            host = host_of(record.script or "")
            entry = merged.setdefault(
                (record.technique, record.script),
                {"technique": record.technique, "script": record.script, "host": host or None,
                 "party": "first" if not host or site_of(host) == page_site else "third",
                 "vendor": _vendor_name(classifier, host) if host else None,
                 "details": record.details, "phases": [], "pages": []},
            )  # fmt: skip
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda f: (f["technique"], f["script"] or ""))


def _input_listeners(visits: Iterable[PageVisit], classifier: Classifier) -> list[dict[str, Any]]:
    """Keyboard and input listeners by the script that attached them (the innermost on the stack)."""
    merged: dict[tuple[str | None, str], dict[str, Any]] = {}
    for visit in visits:
        for listener in visit.input_listeners:
            party = "third" if third_party_listener(listener) else "first"
            script = listener.scripts[0] if listener.scripts else None
            host = host_of(script or "")
            entry = merged.setdefault(
                (script, party),
                {"script": script, "host": host or None, "party": party,
                 "vendor": _vendor_name(classifier, host) if host else None,
                 "events": [], "targets": [], "phases": [], "pages": []},
            )  # fmt: skip
            if listener.event not in entry["events"]:
                entry["events"].append(listener.event)
            if describe_target(listener) not in entry["targets"]:
                entry["targets"].append(describe_target(listener))
            _seen_on(entry, visit)
    return sorted(merged.values(), key=lambda entry: (entry["party"] != "third", entry["script"] or ""))


def _requests(visits: Iterable[PageVisit]) -> list[dict[str, Any]]:
    rows = []
    for visit in visits:
        page_site = _page_site(visit)
        for request in visit.requests:
            rows.append(
                {
                    "page": visit.url,
                    "phase": visit.phase,
                    "url": request.url,
                    "method": request.method,
                    "resource_type": request.resource_type.lower(),
                    "initiator": request.initiator,
                    "status": request.status,
                    "error": request.error,
                    "party": "first" if url_site(request.url) == page_site else "third",
                    "redirect_chain": list(request.redirect_chain),
                }
            )
    return rows


def _consent(visits: Iterable[PageVisit]) -> dict[str, Any]:
    """The banner, the choices taken on it and the consent signals read back, per phase."""
    records = [(visit, visit.consent) for visit in visits if visit.consent is not None]
    found = next((r for _, r in records if r.platform), None)
    outcome: dict[str, bool | None] = {"accept": None, "reject": None}
    first_layer_reject = None
    choices = []
    for visit, record in records:
        if record.choice:
            outcome[record.choice] = bool(outcome[record.choice] or record.verified)
            if record.choice == "reject" and record.taken:
                first_layer_reject = record.first_layer
            choices.append(
                {
                    "phase": visit.phase,
                    "page": visit.url,
                    "choice": record.choice,
                    "engine": record.engine,
                    "rule": record.rule,
                    "taken": record.taken,
                    "steps": list(record.steps),
                    "stored": record.stored,
                    "banner_after": record.banner_after,
                    "verified": record.verified,
                    "error": record.error,
                }
            )

    def per_phase(signal: str) -> dict[str, Any] | None:
        values = {
            visit.phase: record.signals.get(signal) for visit, record in records if record.signals.get(signal)
        }
        return values or None

    return {
        "gcs": _google_consent_states(visits),
        "cmp": found.platform if found else None,
        "platform_id": found.platform_id if found else None,
        "engine": found.engine if found else None,
        "rule": found.rule if found else None,
        "banner": any(r.banner_visible for _, r in records) if records else None,
        "accept": outcome["accept"],
        "reject": outcome["reject"],
        "first_layer_reject": first_layer_reject,
        "tcf": per_phase("tcf"),
        "gpp": per_phase("gpp"),
        "consent_mode": per_phase("consent_mode"),
        "choices": choices,
        # What the app handed its web view in place of a banner choice, by the phase it defines.
        "handed_over": {
            visit.phase: list(record.steps) for visit, record in records if record.engine == "handed-over"
        }
        or None,
        "screenshots": [shot for _, r in records for shot in r.screenshots],
    }


# Google tags report the consent state they ran under in the gcs parameter of their hits: G1xy, x for
# ad_storage and y for analytics_storage (1 granted, 0 denied).
GOOGLE_HIT_HOSTS = ("google-analytics.com", "googletagmanager.com", "doubleclick.net", "googleadservices.com")


def _google_consent_states(visits: Iterable[PageVisit]) -> dict[str, list[str]] | None:
    """The distinct gcs values of Google hits, per phase."""
    states: dict[str, list[str]] = {}
    for visit in visits:
        for request in visit.requests:
            parts = urlsplit(request.url)
            if not (parts.hostname or "").endswith(GOOGLE_HIT_HOSTS):
                continue
            for value in parse_qs(parts.query).get("gcs", []):
                phase_states = states.setdefault(visit.phase, [])
                if value not in phase_states:
                    phase_states.append(value)
    return states or None
