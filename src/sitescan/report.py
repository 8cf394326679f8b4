"""The report: the catalogue, the findings of the rules and the scan's context, in the shape of
``report.json`` (contract v1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sitescan.artifacts import ScanArtifacts
from sitescan.baseline import Baseline
from sitescan.catalogue import REPORT_SCHEMA, build_catalogue
from sitescan.checks.engine import SEVERITIES, Evidence, profile, run_checks
from sitescan.checks.facts import html_pages, privacy_link
from sitescan.classify import Classifier
from sitescan.config import Config

FAIL_ON = (*SEVERITIES, "never")
DEFAULT_FAIL_ON = "high"


def build_report(
    artifacts: ScanArtifacts,
    config: Config | None = None,
    profiles: Sequence[str] = (),
    fail_on: str = DEFAULT_FAIL_ON,
    classifier: Classifier | None = None,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """``profiles``: the command line's, else the config's, else the default (canada). ``baseline``
    marks the findings it accepts, here, so that every command and output sees the same verdict."""
    config = config or Config()
    classifier = classifier or Classifier.bundled()
    catalogue = build_catalogue(artifacts, classifier)
    chosen = profile(profiles or config.profiles, config.thresholds)
    evidence = Evidence(config, chosen, classifier, artifacts, catalogue)
    ran, findings = run_checks(evidence, "site")
    accepted = baseline.apply(findings) if baseline else None
    complete = not artifacts.interrupted
    summary = summarise(catalogue, findings, complete, fail_on)
    if accepted is not None:
        summary["baselined"] = accepted["accepted"]  # not in the counts
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "sitescan", "version": artifacts.tool_version},
        "targets": list(artifacts.targets),
        "started": artifacts.started,
        "finished": artifacts.finished,
        "profiles": list(chosen.names),
        "pages": catalogue["pages"],
        "cookies": catalogue["cookies"],
        "blocked_cookies": catalogue["blocked_cookies"],
        "third_parties": catalogue["third_parties"],
        "beacons": catalogue["beacons"],
        "storage": catalogue["storage"],
        "frames": catalogue["frames"],
        "requests": catalogue["requests"],
        "hits": catalogue["hits"],
        "consent": catalogue["consent"],
        "session_replay": catalogue["session_replay"],
        "fingerprinting": catalogue["fingerprinting"],
        "input_listeners": catalogue["input_listeners"],
        "leaks": catalogue["leaks"],
        "tls": [dataclasses.asdict(record) for record in artifacts.tls],
        "links": _links(evidence),
        "findings": findings,
        "baseline": accepted,
        "scan": {
            "browser": artifacts.browser,
            "settings": artifacts.settings,
            "sitemaps": list(artifacts.sitemaps),
            "notes": list(artifacts.notes),
            "complete": complete,
            "checks": ran,
            "config": config.source,
            # Whether cookies[].value and storage[].value hold the values (--keep-values) or are null.
            "values": "kept" if artifacts.settings.get("keep_values") else "redacted",
        },
        "summary": summary,
    }


def summarise(
    catalogue: dict[str, Any], findings: list[dict[str, Any]], complete: bool, fail_on: str
) -> dict[str, Any]:
    return {
        "pages": len(catalogue.get("pages", [])),
        "cookies": len(catalogue.get("cookies", [])),
        "third_parties": len(catalogue.get("third_parties", [])),
        "beacons": len(catalogue.get("beacons", [])),
        "findings": severity_counts(findings),
        "fail_on": fail_on,
        # A partial scan never looks clean.
        "verdict": "pass" if complete and not failing(findings, fail_on) else "fail",
    }


def severity_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    """How many findings of each severity count: those no baseline accepts."""
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        if not finding["baselined"]:
            counts[finding["severity"]] += 1
    return counts


def failing(findings: list[dict[str, Any]], fail_on: str) -> list[dict[str, Any]]:
    """The findings at or above ``fail_on`` that no baseline accepts."""
    if fail_on == "never":
        return []
    limit = SEVERITIES.index(fail_on)  # type: ignore[arg-type]
    return [f for f in findings if not f["baselined"] and SEVERITIES.index(f["severity"]) <= limit]


def _links(evidence: Evidence) -> list[dict[str, Any]]:
    """Per HTML page: its privacy-policy link, and for a policy page the contact it shows."""
    rows = []
    for visit in html_pages(evidence):
        rows.append(
            {
                "page": visit.url,
                "privacy": privacy_link(evidence, visit),
                "unsubscribe": None,  # e-mails only (sitescan email)
                "contact": visit.policy.emails[0] if visit.policy and visit.policy.emails else None,
            }
        )
    return rows
