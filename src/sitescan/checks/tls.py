"""The tls.* rules (rules/checks.toml): from the TLS probe's records and from what the browser saw.

Probe rules give one hit per HTTPS host (url ``https://host/``, subject ``host:port``, no phase); browser
rules one hit per page and subject, in the first phase that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from sitescan.artifacts import PHASE_ORDER, PageVisit, RequestRecord, TlsRecord
from sitescan.checks.engine import Evidence, Hit, check
from sitescan.urls import normalise

WEAK_PROTOCOLS = ("TLSv1", "TLSv1.1")
_MAX_AGE = re.compile(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|$)", re.IGNORECASE)


# -- from the TLS probe --------------------------------------------------------------------------
@check("tls.http-not-redirected")
def http_not_redirected(evidence: Evidence) -> Iterator[Hit]:
    for record in _probed(evidence):
        if record.redirects_http is False:  # None (port 80 not reachable) is no proof either way
            yield _host_hit(
                record, {"request": f"http://{_netloc(record.host)}/", "redirects_to_https": False}
            )


@check("tls.certificate-invalid")
def certificate_invalid(evidence: Evidence) -> Iterator[Hit]:
    for record in _probed(evidence):
        certificate = record.certificate
        if certificate is not None and not certificate.valid:
            yield _host_hit(
                record,
                {
                    "error": certificate.error,
                    "not_after": certificate.not_after,
                    "issuer": certificate.issuer,
                    "subject": certificate.subject,
                },
            )


@check("tls.certificate-expiring")
def certificate_expiring(evidence: Evidence) -> Iterator[Hit]:
    threshold = evidence.profile.certificate_expiring_days
    for record in _probed(evidence):
        certificate = record.certificate
        # An invalid (e.g. already expired) certificate is tls.certificate-invalid's finding.
        if (
            certificate is not None
            and certificate.valid
            and certificate.days_left is not None
            and certificate.days_left < threshold
        ):
            yield _host_hit(
                record,
                {
                    "days_left": certificate.days_left,
                    "not_after": certificate.not_after,
                    "threshold_days": threshold,
                },
            )


@check("tls.weak-protocol")
def weak_protocol(evidence: Evidence) -> Iterator[Hit]:
    for record in _probed(evidence):
        weak = [protocol for protocol in record.protocols if protocol in WEAK_PROTOCOLS]
        if weak:
            yield _host_hit(record, {"weak": weak, "accepted": list(record.protocols)})


@check("tls.hsts-missing")
def hsts_missing(evidence: Evidence) -> Iterator[Hit]:
    minimum = evidence.profile.hsts_min_max_age
    for record in _probed(evidence):
        max_age = hsts_max_age(record.hsts)
        if max_age is None or max_age < minimum:
            yield _host_hit(record, {"hsts": record.hsts, "max_age": max_age, "min_max_age": minimum})


def hsts_max_age(header: str | None) -> int | None:
    """The max-age of a Strict-Transport-Security value (directives are case-insensitive, RFC 6797)."""
    match = _MAX_AGE.search(header or "")
    return int(match[1]) if match else None


def _probed(evidence: Evidence) -> Iterator[TlsRecord]:
    if evidence.artifacts is None:
        return
    # A host the probe could not reach has no TLS facts to judge.
    yield from (record for record in evidence.artifacts.tls if record.https)


def _host_hit(record: TlsRecord, facts: dict[str, Any]) -> Hit:
    origin = f"https://{_netloc(record.host)}" + ("" if record.port == 443 else f":{record.port}")
    return Hit(url=f"{origin}/", subject=f"{record.host}:{record.port}", evidence=facts, phase=None)


def _netloc(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# -- from the browser ----------------------------------------------------------------------------
@check("tls.no-https")
def no_https(evidence: Evidence) -> Iterator[Hit]:
    seen: set[str] = set()
    for visit in _visits(evidence):
        if visit.final_url and _is_http(visit.final_url) and visit.url not in seen:
            seen.add(visit.url)  # one finding per page, whichever phases loaded it
            yield Hit(
                url=visit.url,
                subject=visit.final_url,
                evidence={"final_url": visit.final_url, "redirects": list(visit.redirects)},
                phase=None,
            )


@check("tls.mixed-content")
def mixed_content(evidence: Evidence) -> Iterator[Hit]:
    def hits(visit: PageVisit) -> Iterator[Hit]:
        if not _is_https(visit.final_url or visit.url):
            return
        for request in visit.requests:
            started = _first_http(request)
            if started is None or _is_main_document(visit, request):
                continue
            yield Hit(
                url=visit.url,
                subject=started,
                evidence={
                    "request": started,
                    "final_url": request.url,
                    "resource_type": request.resource_type,
                    "status": request.status,
                    "error": request.error,
                },
                phase=visit.phase,
            )
        # What the browser upgraded to https:// or blocked before sending: only its own report names it.
        # (A form's http:// action is reported there too: that is tls.insecure-form.)
        for mixed in visit.mixed_content:
            if mixed.resource_type == "Form":
                continue
            yield Hit(
                url=visit.url,
                subject=mixed.url,
                evidence={
                    "request": mixed.url,
                    "resolution": mixed.resolution,
                    "resource_type": mixed.resource_type,
                },
                phase=visit.phase,
            )

    yield from _first_phase(evidence, hits)


@check("tls.insecure-form")
def insecure_form(evidence: Evidence) -> Iterator[Hit]:
    def hits(visit: PageVisit) -> Iterator[Hit]:
        for form in visit.forms:
            if _is_http(form.action):
                facts = {"kind": "form", "action": form.action, "method": form.method}
                yield Hit(url=visit.url, subject=form.action, evidence=facts, phase=visit.phase)
        for beacon in visit.beacons:
            if _is_http(beacon.url):
                facts = {
                    "kind": "beacon",
                    "beacon": beacon.kind,
                    "url": beacon.url,
                    "initiator": beacon.initiator,
                }
                yield Hit(url=visit.url, subject=beacon.url, evidence=facts, phase=visit.phase)

    yield from _first_phase(evidence, hits)


def _visits(evidence: Evidence) -> list[PageVisit]:
    """The visits, earliest phase first (stable within a phase): the first phase seen is the one kept."""
    if evidence.artifacts is None:
        return []
    return sorted(evidence.artifacts.visits, key=lambda visit: PHASE_ORDER.index(visit.phase))


def _first_phase(evidence: Evidence, hits: Callable[[PageVisit], Iterable[Hit]]) -> Iterator[Hit]:
    """``hits(visit)`` for every visit, keeping one hit per (page, subject): the earliest phase's."""
    seen: set[tuple[str | None, str]] = set()
    for visit in _visits(evidence):
        for hit in hits(visit):
            if (hit.url, hit.subject) not in seen:
                seen.add((hit.url, hit.subject))
                yield hit


def _first_http(request: RequestRecord) -> str | None:
    """The first http:// address of the request's chain: a request upgraded or redirected to https://
    was still sent over plain HTTP first."""
    return next((url for url in (*request.redirect_chain, request.url) if _is_http(url)), None)


def _is_main_document(visit: PageVisit, request: RequestRecord) -> bool:
    # The page's own navigation (e.g. http:// redirected to https://) is tls.no-https's business.
    if request.resource_type != "Document":
        return False
    started = request.redirect_chain[0] if request.redirect_chain else request.url
    ends_at_page = visit.final_url is not None and normalise(request.url) == normalise(visit.final_url)
    return normalise(started) == normalise(visit.url) or ends_at_page


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme.lower() == "http"


def _is_https(url: str) -> bool:
    return urlsplit(url).scheme.lower() == "https"
