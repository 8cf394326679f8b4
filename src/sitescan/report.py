"""The report: the catalogue plus the scan's context, in the shape of ``report.json`` (contract v1)."""

from __future__ import annotations

from typing import Any

from sitescan.artifacts import ScanArtifacts
from sitescan.catalogue import REPORT_SCHEMA, build_catalogue
from sitescan.classify import Classifier

SEVERITIES = ("critical", "high", "medium", "low")
DEFAULT_PROFILES = ("canada",)


def build_report(artifacts: ScanArtifacts, classifier: Classifier | None = None) -> dict[str, Any]:
    catalogue = build_catalogue(artifacts, classifier)
    findings: list[dict[str, Any]] = []
    complete = not artifacts.interrupted
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "sitescan", "version": artifacts.tool_version},
        "targets": list(artifacts.targets),
        "started": artifacts.started,
        "finished": artifacts.finished,
        "profiles": artifacts.settings.get("profiles") or list(DEFAULT_PROFILES),
        "pages": catalogue["pages"],
        "cookies": catalogue["cookies"],
        "blocked_cookies": catalogue["blocked_cookies"],
        "third_parties": catalogue["third_parties"],
        "beacons": catalogue["beacons"],
        "storage": catalogue["storage"],
        "frames": catalogue["frames"],
        "requests": catalogue["requests"],
        "consent": catalogue["consent"],
        # Filled by the TLS probe and the link checks.
        "tls": [],
        "links": [],
        "findings": findings,
        "scan": {
            "browser": artifacts.browser,
            "settings": artifacts.settings,
            "sitemaps": list(artifacts.sitemaps),
            "notes": list(artifacts.notes),
            "complete": complete,
            "checks": [],  # the rule ids that ran; none yet: this report is a catalogue
        },
        "summary": {
            "pages": len(catalogue["pages"]),
            "cookies": len(catalogue["cookies"]),
            "third_parties": len(catalogue["third_parties"]),
            "beacons": len(catalogue["beacons"]),
            "findings": {severity: 0 for severity in SEVERITIES},
            # A partial scan never looks clean.
            "verdict": "pass" if complete and not findings else "fail",
        },
    }
