"""``sitescan email``: audit e-mail templates (.html) and messages (.eml) against the e-mail rules.

Reads the files (never renders or fetches anything in them), runs the rules of kind "email" and returns
the report in the shape of ``report.json`` (contract v1: schema, tool, targets, findings, summary, ...),
with an ``emails`` catalogue, one entry per message, in place of a site scan's pages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitescan import __version__
from sitescan.artifacts import EmailMessage
from sitescan.baseline import Baseline
from sitescan.catalogue import REPORT_SCHEMA
from sitescan.checks.engine import Evidence, profile, run_checks
from sitescan.classify import Classifier
from sitescan.collect.email import SUFFIXES, read_message
from sitescan.config import Config
from sitescan.errors import SitescanError
from sitescan.report import DEFAULT_FAIL_ON, failing, severity_counts


def audit_emails(
    paths: Sequence[Path],
    profile_names: Sequence[str],
    config: Config,
    fail_on: str = DEFAULT_FAIL_ON,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """Audit the files (folders: every .eml and .html inside, sorted) under the profiles (none: the
    config's, else canada). Raises SitescanError, naming the file, for one that does not exist or cannot
    be read or parsed, and for an unknown profile. As for a site scan, ``baseline`` marks the findings it
    accepts, and the verdict fails on the others at or above fail_on."""
    started = _now()
    # An unknown profile fails before any file is read.
    chosen = profile(profile_names or config.profiles, config.thresholds)
    messages = tuple(read_message(path, shown) for path, shown in email_files(paths))
    classifier = Classifier.bundled()
    ran, findings = run_checks(
        Evidence(config=config, profile=chosen, classifier=classifier, emails=messages), "email"
    )
    accepted = baseline.apply(findings) if baseline else None
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "sitescan", "version": __version__},
        "targets": [str(path) for path in paths],
        "started": started,
        "finished": _now(),
        "profiles": list(chosen.names),
        "emails": [_entry(message, classifier) for message in messages],
        "findings": findings,
        "scan": {"checks": ran, "complete": True},
        "summary": {
            "emails": len(messages),
            "findings": severity_counts(findings),
            "fail_on": fail_on,
            "verdict": "fail" if failing(findings, fail_on) else "pass",
        },
    }
    if accepted is not None:  # as a site report: accepted findings neither count nor fail
        report["summary"]["baselined"] = accepted["accepted"]
        report["baseline"] = accepted
    return report


def email_files(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Each file to read and the name the report gives it: files as given; a folder's .eml and .html
    files (at any depth), sorted. A folder with none is an error: an audit of nothing is no pass."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
            if not inside:
                raise SitescanError(f"{path}: no .eml or .html file in this folder")
            found += [(p, str(p)) for p in inside]
        elif not path.exists():
            raise SitescanError(f"{path}: no such file")
        else:
            found.append((path, str(path)))
    return list(dict.fromkeys(found))  # a file named twice is audited once


def _entry(message: EmailMessage, classifier: Classifier) -> dict[str, Any]:
    """The catalogue entry: what the message is and shows (facts; the verdicts are the findings)."""
    unsubscribe = message.unsubscribe
    return {
        "path": message.path,
        "kind": message.kind,
        "subject": message.subject,
        "from": (
            {"name": message.from_name, "address": message.from_address}
            if message.from_name or message.from_address
            else None
        ),
        "body": message.body,
        "charset": message.charset,
        "unsubscribe": (
            {
                "url": unsubscribe.url,
                "text": unsubscribe.text,
                "position": unsubscribe.position,
                "part": unsubscribe.part,
            }
            if unsubscribe
            else None
        ),
        "list_unsubscribe": list(message.list_unsubscribe),
        "list_unsubscribe_post": message.list_unsubscribe_post,
        "links": len(message.links),
        "insecure_links": sorted(
            {link.url for link in message.links if link.url.lower().startswith("http://")}
            | {image.src for image in message.images if image.src.lower().startswith("http://")}
        ),
        # Open-tracking beacons: catalogued like a site's beacons; not a finding of their own.
        "pixels": [_pixel(image.src, image.hidden, classifier) for image in message.images if image.pixel],
        "sender": {
            "names": list(message.sender_names),
            "postal_addresses": list(message.postal_addresses),
            "emails": list(message.contact_emails),
            "phones": list(message.contact_phones),
            "web": list(message.contact_web),
        },
        "text_length": message.text_length,
    }


def _pixel(url: str, hidden: bool, classifier: Classifier) -> dict[str, Any]:
    try:
        host = (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        host = None
    vendor = classifier.vendor_for_host(host) if host else None
    return {"url": url, "host": host, "vendor": vendor.name if vendor else None, "hidden": hidden}


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds")
