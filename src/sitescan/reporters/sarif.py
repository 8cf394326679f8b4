"""report.sarif: SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

One run per scanned site, each with its own category (``automationDetails.id = "sitescan/<site>/"``) so
that GitHub tracks and closes the alerts of each site apart; a site with no finding still gets its run,
which is what tells GitHub that its earlier alerts are fixed. A finding's location is the scheme-less
relative ``www.example.com/path``: GitHub rejects a whole upload whose URIs use a scheme other than the
checkout's ``file``. The full URL is in the message and the result's properties.

The grouping of findings by target site lives here and is shared with the JUnit reporter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import quote, urlsplit

from sitescan.checks.engine import RuleMeta, rule_catalogue
from sitescan.output import write_atomically
from sitescan.reporters.characters import visible
from sitescan.urls import site_of

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sitescan/v1"
# Where a reader of an alert learns what the tool is; the package metadata's home page wins if it has one.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub shows a numeric "security-severity" as critical (>= 9), high (>= 7), medium (>= 4) or low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.5"}
MAX_TEXT = 2000  # longest string kept from evidence: the upload limit is 10 MB gzipped
MAX_RESULTS = 25_000  # per run: GitHub refuses a run with more


# -- sites: shared with the JUnit reporter ---------------------------------------------------------
@dataclass
class SiteFindings:
    site: str  # "www.example.com" (with ":port" when not the default); an e-mail target's path as given
    host: str | None  # None for an e-mail target
    targets: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


def target_site(target: str) -> tuple[str, str | None]:
    """The site a start URL names (its host, with a non-default port) and its host; anything else (an
    e-mail file or folder) is its own site, with no host."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.hostname:
        return _netloc(target), parts.hostname.lower()
    return target, None


def findings_by_site(report: dict[str, Any]) -> list[SiteFindings]:
    """The report's targets grouped by site, in target order, with each finding under the site of its
    page: same host and port, then same host, then same registrable domain, then (for e-mails) the
    target it was found in; what matches nothing goes to the first site, so no finding is dropped."""
    sites: dict[str, SiteFindings] = {}
    for target in report.get("targets") or []:
        site, host = target_site(target)
        sites.setdefault(site, SiteFindings(site, host)).targets.append(target)
    if not sites:
        sites["sitescan"] = SiteFindings("sitescan", None)
    for finding in report.get("findings", []):
        sites[_site_for(finding.get("url"), sites)].findings.append(finding)
    return list(sites.values())


def _site_for(url: str | None, sites: dict[str, SiteFindings]) -> str:
    first = next(iter(sites))
    if not url:
        return first
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        if _netloc(url) in sites:
            return _netloc(url)
        host = parts.hostname.lower()
        for matches in (
            lambda entry: entry.host == host,
            lambda entry: entry.host is not None and site_of(entry.host) == site_of(host),
        ):
            found = [entry.site for entry in sites.values() if matches(entry)]
            if found:
                return found[0]
        return first
    # An e-mail: the file itself, or a folder that holds it.
    for entry in sites.values():
        if any(url == t or url.startswith(t.rstrip("/\\") + "/") for t in entry.targets):
            return entry.site
    return first


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port in (None, default) else f"{host}:{port}"


def relative_location(url: str | None, entry: SiteFindings) -> str:
    """A URI reference with no scheme for a page: ``www.example.com/checkout`` (the query and fragment
    dropped, a port as ``%3A8443`` so that the host cannot read as a scheme). An e-mail's relative path
    stays as it is; an absolute one becomes a file: URI, the one scheme GitHub accepts."""
    if not url:
        return _quote(f"{entry.site}/" if entry.host else entry.site)
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        # The browser's path is percent-encoded already: its escapes stay as they are.
        return _quote(_netloc(url)) + quote(parts.path or "/", safe=_SAFE + "%")
    path = url.replace("\\", "/")
    if PureWindowsPath(url).is_absolute() or path.startswith("/"):
        return "file://" + _quote(path if path.startswith("/") else f"/{path}")
    return _quote(path)


# Kept as they are in a path; ":" is not: in a first segment it would turn the host into a scheme.
_SAFE = "/@!$&'()*+,;=-._~"


def _quote(text: str) -> str:
    return quote(text, safe=_SAFE)


# -- the log ----------------------------------------------------------------------------------------
def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "report.sarif"
    text = json.dumps(sarif_log(report), indent=1, ensure_ascii=False)
    write_atomically(path, text + "\n", errors="replace")
    return path


def sarif_log(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [_run(report, entry) for entry in findings_by_site(report)],
    }


def _run(report: dict[str, Any], entry: SiteFindings) -> dict[str, Any]:
    scan = report.get("scan") or {}
    rule_ids = list(dict.fromkeys([*scan.get("checks", []), *(f["rule"] for f in entry.findings)]))
    rules = [_rule(rule_id, entry.findings) for rule_id in rule_ids]
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    summary = report.get("summary") or {}
    invocation: dict[str, Any] = {"executionSuccessful": bool(scan.get("complete", True))}
    for key, field_name in (("started", "startTimeUtc"), ("finished", "endTimeUtc")):
        if report.get(key):
            # SARIF writes UTC times with a "Z"; the report's are ISO 8601 with "+00:00".
            invocation[field_name] = str(report[key]).replace("+00:00", "Z")
    results = [_result(finding, entry, index[finding["rule"]]) for finding in entry.findings]
    properties: dict[str, Any] = {
        "targets": entry.targets,
        "profiles": report.get("profiles", []),
        "verdict": summary.get("verdict"),
        "fail_on": summary.get("fail_on"),
        "complete": bool(scan.get("complete", True)),
    }
    if len(results) > MAX_RESULTS:  # the findings come most severe first: the least severe are left out
        properties["results_omitted"] = len(results) - MAX_RESULTS
        results = results[:MAX_RESULTS]
    driver: dict[str, Any] = {
        "name": "sitescan",
        "version": str((report.get("tool") or {}).get("version", "")),
    }
    information = _information_uri()
    if information:  # optional in SARIF: given only when the package names its home
        driver["informationUri"] = information
    driver["rules"] = rules
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"sitescan/{entry.site}/"},
        "invocations": [invocation],
        "results": results,
        "properties": properties,
    }


def _rule(rule_id: str, findings: Iterable[dict[str, Any]]) -> dict[str, Any]:
    meta = rule_catalogue().get(rule_id)
    if meta is None:  # a report from another version of the catalogue: what the findings say
        seen = next((f for f in findings if f["rule"] == rule_id), {})
        title, severity = str(seen.get("title", rule_id)), str(seen.get("severity", "medium"))
        return {
            "id": rule_id,
            "shortDescription": {"text": title},
            "fullDescription": {"text": title},
            "help": {"text": title},
            "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
            "properties": {"severity": severity, "tags": _tags(rule_id)},
        }
    rule: dict[str, Any] = {
        "id": meta.id,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.checks},
        "help": {"text": meta.explained(), "markdown": _help_markdown(meta)},
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": {
            "severity": meta.severity,
            "security-severity": SECURITY_SEVERITY[meta.severity],
            "profiles": list(meta.profiles),
            "tags": _tags(meta.id),
        },
    }
    if meta.references:
        rule["helpUri"] = meta.references[0]
    return rule


def _tags(rule_id: str) -> list[str]:
    return ["privacy", "compliance", rule_id.split(".", 1)[0]]


def _help_markdown(meta: RuleMeta) -> str:
    # The catalogue is our own reviewed data, not the scanned site's: it is shown as written.
    parts = [
        f"**{meta.title}**",
        f"**What it checks.** {meta.checks}",
        f"**Why it matters.** {meta.rationale}",
        f"**How to fix it.** {meta.remediation}",
    ]
    if meta.references:
        parts.append("**References.**\n\n" + "\n".join(f"- <{ref}>" for ref in meta.references))
    return "\n\n".join(parts)


def _result(finding: dict[str, Any], entry: SiteFindings, rule_index: int) -> dict[str, Any]:
    url, phase, subject = finding.get("url"), finding.get("phase"), str(finding.get("subject", ""))
    where = f" on {url}" if url else ""
    when = f" ({phase})" if phase else ""
    message = f"{finding.get('title', finding['rule'])}: {subject}{where}{when}"
    result: dict[str, Any] = {
        "ruleId": finding["rule"],
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.get("severity", ""), "warning"),
        "message": {"text": _plain_message(message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": relative_location(url, entry)},
                    "region": {"startLine": 1},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: str(finding.get("fingerprint", ""))},
        "properties": {
            "url": url,
            "phase": phase,
            "subject": _clip(subject),
            "severity": finding.get("severity"),
            "evidence": _clipped(finding.get("evidence") or {}),
        },
    }
    if finding.get("baselined"):
        result["suppressions"] = [{"kind": "external", "justification": _clip(justification(finding))}]
    return result


def justification(finding: dict[str, Any]) -> str:
    """Why a baselined finding is accepted: the baseline entry's reason and expiry (``finding.baseline``)."""
    baseline = finding.get("baseline")
    if isinstance(baseline, dict) and baseline.get("reason"):
        expires = f" (until {baseline['expires']})" if baseline.get("expires") else ""
        return f"{baseline['reason']}{expires}"
    return "accepted in the baseline"


def _information_uri() -> str | None:
    try:
        meta = metadata("sitescan")
    except PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, uri = entry.partition(",")
        if label.strip().lower() in ("homepage", "source", "repository") and uri.strip():
            return uri.strip()
    return meta.get("Home-page") or None


# SARIF 2.1.0 3.11.5 and 3.11.6: in a plain text message "{n}" is a placeholder and "[text](target)" an
# embedded link that viewers render as one; "{", "}" are written "{{", "}}", and a bracket or backslash
# escaped with a backslash is plain text.
_MESSAGE_SYNTAX = re.compile(r"([\\\[\]])|([{}])")


def _plain_message(text: str) -> str:
    """A result's message: the site's text in it stays text in every viewer (no link, no placeholder,
    no hidden character)."""
    return _MESSAGE_SYNTAX.sub(
        lambda match: "\\" + match[1] if match[1] else match[2] * 2, visible(_clip(text))
    )


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _clipped(value: Any) -> Any:
    """The evidence with over-long strings shortened (it is small already; this is a guard)."""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, dict):
        return {str(k): _clipped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clipped(v) for v in value]
    return value
