"""junit.xml: the scan as test results for GitLab, Jenkins and Azure DevOps.

The model: one ``testsuite`` per target site (``name`` and every ``classname`` = the site), and in it,
for each rule that ran, either one empty (passed) test case named by the rule id when the rule found
nothing on that site, or one test case per finding, named ``"<rule-id> <page-url> <subject>"`` (with
`` [<phase>]`` added where the same rule, page and subject were found in more than one phase), holding
a ``<failure type="<severity>">``, or ``<skipped>`` when a baseline accepts it. So for a site::

    tests    = rules ran + findings - rules with at least one finding
    failures = findings not baselined
    skipped  = baselined findings

A scan that did not complete adds one test case with an ``<error>`` to each site: a partial scan must
never read as all green. Everything is built with ElementTree, so the scanned site's text is escaped.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from sitescan.checks.engine import rule_catalogue
from sitescan.output import write_atomically
from sitescan.reporters.characters import visible
from sitescan.reporters.sarif import SiteFindings, findings_by_site, justification

MAX_TEXT = 4000  # longest evidence text kept in a failure's body (GitLab's limit is 30 MB a file)
INCOMPLETE_CASE = "sitescan.scan-complete"


def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "junit.xml"
    tree = ET.ElementTree(junit_tree(report))
    ET.indent(tree)
    write_atomically(path, ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True) + "\n")
    return path


def junit_tree(report: dict[str, Any]) -> ET.Element:
    checks: list[str] = list((report.get("scan") or {}).get("checks", []))
    complete = bool((report.get("scan") or {}).get("complete", True))
    root = ET.Element("testsuites", name="sitescan")
    totals = Counter[str]()
    for entry in findings_by_site(report):
        suite = _suite(report, entry, checks, complete)
        root.append(suite)
        for key in ("tests", "failures", "errors", "skipped"):
            totals[key] += int(suite.get(key, "0"))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    return root


def _suite(report: dict[str, Any], entry: SiteFindings, checks: list[str], complete: bool) -> ET.Element:
    suite = ET.Element("testsuite", name=_text(entry.site))
    if report.get("started"):
        suite.set("timestamp", str(report["started"]))
    properties = ET.SubElement(suite, "properties")
    summary = report.get("summary") or {}
    for name, value in (
        ("targets", " ".join(entry.targets)),
        ("profiles", " ".join(report.get("profiles", []))),
        ("verdict", summary.get("verdict")),
        ("fail_on", summary.get("fail_on")),
        ("sitescan.version", (report.get("tool") or {}).get("version")),
    ):
        ET.SubElement(properties, "property", name=name, value=_text(str(value or "")))

    by_rule: dict[str, list[dict[str, Any]]] = {rule: [] for rule in checks}
    for finding in entry.findings:
        by_rule.setdefault(finding["rule"], []).append(finding)
    names = _names(entry.findings)
    counts = Counter[str]()
    for rule, findings in by_rule.items():
        if not findings:
            _case(suite, entry.site, rule)
            counts["tests"] += 1
        for finding in findings:
            case = _case(suite, entry.site, names[id(finding)])
            counts["tests"] += 1
            if finding.get("baselined"):
                message = f"baselined: {justification(finding)}"
                ET.SubElement(case, "skipped", message=_text(message))
                counts["skipped"] += 1
            else:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=_text(str(finding.get("severity", ""))),
                    message=_text(_message(finding)),
                )
                failure.text = _text(_details(finding))
                counts["failures"] += 1
    if not complete:
        case = _case(suite, entry.site, INCOMPLETE_CASE)
        notes = "; ".join((report.get("scan") or {}).get("notes", []))
        error = ET.SubElement(case, "error", type="incomplete", message="the scan did not complete")
        error.text = _text(notes or "the scan was interrupted or a target could not be scanned")
        counts["tests"] += 1
        counts["errors"] += 1
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    return suite


def _case(suite: ET.Element, site: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=_text(site), name=_text(name))


def _names(findings: list[dict[str, Any]]) -> dict[int, str]:
    """A unique test-case name for each finding: GitLab drops test cases whose names repeat."""
    base = {id(f): f"{f['rule']} {f.get('url') or '-'} {f.get('subject', '')}" for f in findings}
    repeats = Counter(base.values())
    names: dict[int, str] = {}
    for finding in findings:
        name = base[id(finding)]
        if repeats[name] > 1 and finding.get("phase"):
            name = f"{name} [{finding['phase']}]"
        names[id(finding)] = name
    taken = Counter(names.values())
    for finding in findings:  # still the same (the fingerprint differs by construction): say which
        if taken[names[id(finding)]] > 1:
            names[id(finding)] += f" #{finding.get('fingerprint', '')}"
    return names


def _message(finding: dict[str, Any]) -> str:
    return f"{finding.get('title', finding['rule'])}: {finding.get('subject', '')}"


def _details(finding: dict[str, Any]) -> str:
    evidence = json.dumps(finding.get("evidence") or {}, ensure_ascii=False, sort_keys=True)
    if len(evidence) > MAX_TEXT:
        evidence = evidence[: MAX_TEXT - 1] + "…"
    lines = [
        f"rule: {finding['rule']} ({finding.get('severity')})",
        f"title: {finding.get('title')}",
        f"page: {finding.get('url') or '-'}",
        f"phase: {finding.get('phase') or '-'}",
        f"subject: {finding.get('subject', '')}",
        f"evidence: {evidence}",
        f"fingerprint: {finding.get('fingerprint', '')}",
    ]
    meta = rule_catalogue().get(finding["rule"])
    if meta is not None:
        lines.append(f"fix: {meta.remediation}")
    return "\n".join(lines)


def _text(value: str) -> str:
    """ElementTree escapes markup but writes characters XML 1.0 forbids (most controls, lone
    surrogates, U+FFFE) as they are, which no parser accepts: those, and the other hidden characters,
    are shown as ``<U+XXXX>``."""
    return visible(value)
