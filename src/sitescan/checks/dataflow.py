"""Data flows: what a visitor types reaching third parties, and what scripts start on their own: session
recording before consent, browser fingerprinting, third parties listening to what the visitor types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sitescan.artifacts import PHASE_ORDER
from sitescan.checks.engine import Evidence, Hit, check
from sitescan.checks.facts import visits_in
from sitescan.dataflow import describe_target, recording_requests, third_party_listener, watches_typing
from sitescan.urls import host_of


@check("dataflow.session-recording-before-consent")
def session_recording_before_consent(evidence: Evidence) -> Iterator[Hit]:
    phases = ["before-consent"]
    # After a reject that did not take, what loads is no proof of an ignored refusal (choice-unconfirmed).
    if (evidence.catalogue.get("consent") or {}).get("reject"):
        phases.append("after-reject")
    for phase in phases:
        seen: set[str] = set()  # one finding per product and phase: a tag on every page is one problem
        for visit in visits_in(evidence, phase):
            for request, recorder in recording_requests(visit, evidence.classifier):
                if recorder.product in seen:
                    continue
                seen.add(recorder.product)
                yield Hit(
                    visit.url,
                    recorder.product,
                    {"vendor": recorder.vendor, "product": recorder.product, "host": host_of(request.url),
                     "request": request.url, "resource_type": request.resource_type.lower(),
                     "source": recorder.source},
                    phase,
                )  # fmt: skip


@check("dataflow.fingerprinting")
def fingerprinting(evidence: Evidence) -> Iterator[Hit]:
    """One finding per technique and script, at the first page and phase it showed on."""
    found: dict[str, tuple[Hit, dict[str, Any]]] = {}
    for phase in PHASE_ORDER:
        for visit in visits_in(evidence, phase):
            for record in visit.fingerprinting:
                subject = f"{record.technique} {record.script or visit.url}"
                if subject not in found:
                    details = {"technique": record.technique, "script": record.script, "page": visit.url,
                               "phase": phase, "document": record.frame_url, "details": record.details,
                               "phases": [], "pages": []}  # fmt: skip
                    found[subject] = (Hit(visit.url, subject, details, phase), details)
                _add_sighting(found[subject][1], visit.url, phase)
    for hit, _ in found.values():
        yield hit


@check("dataflow.keylogging")
def keylogging(evidence: Evidence) -> Iterator[Hit]:
    """A third party's script listening to keyboard or input events on the page or its fields: it can read
    what the visitor types before anything is submitted. One finding per script."""
    found: dict[str, tuple[Hit, dict[str, Any]]] = {}
    for phase in PHASE_ORDER:
        for visit in visits_in(evidence, phase):
            for listener in visit.input_listeners:
                script = third_party_listener(listener)
                if script is None or not watches_typing(listener):
                    continue
                if script not in found:
                    vendor = evidence.classifier.vendor_for_host(host_of(script))
                    details = {"script": script, "vendor": vendor.name if vendor else None,
                               "page": visit.url, "phase": phase,
                               "events": [], "targets": [], "phases": [], "pages": []}  # fmt: skip
                    found[script] = (Hit(visit.url, script, details, phase), details)
                details = found[script][1]
                _add_once(details["events"], listener.event)
                _add_once(details["targets"], describe_target(listener))
                _add_sighting(details, visit.url, phase)
    for hit, _ in found.values():
        yield hit


def _add_once(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _add_sighting(details: dict[str, Any], page: str, phase: str) -> None:
    _add_once(details["phases"], phase)
    _add_once(details["pages"], page)


@check("dataflow.pii-to-third-party")
def pii_to_third_party(evidence: Evidence) -> Iterator[Hit]:
    """One finding per page, phase, third-party host and value: the ways it was sent are the evidence."""
    grouped: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    for leak in evidence.catalogue.get("leaks", []):
        key = (leak["page"], leak["phase"], leak["host"], leak["kind"])
        grouped.setdefault(key, []).append(leak)
    for (page, phase, host, kind), found in grouped.items():
        first = found[0]
        yield Hit(
            page,
            f"{kind} to {host}",
            {
                "vendor": first["vendor"],
                "host": host,
                "value": kind,
                "fields": sorted({leak["field"] for leak in found}),
                "sent": sorted({f"{leak['encoding']} in the {leak['where']}" for leak in found}),
                "request": first["url"],
            },
            phase,
        )
