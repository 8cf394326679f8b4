"""Baselines: accepted findings with a reason and an expiry (--baseline), written by --write-baseline.

One real scan of the compliance tree's bad shop (25 findings, tests/test_site_rules.py) that also writes
a baseline; everything else re-checks that scan with `sitescan check` (no browser) or reads files.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sitescan.baseline import TODO_REASON, load_baseline
from sitescan.errors import SitescanError
from sitescan.schemas import load
from test_site_rules import BAD, BAD_CONFIG, EXPECTED_BAD, scan_with

from conftest import ScanHarness, ScanRun, run_sitescan, start_internet

TODAY = date.today()
LATER = TODAY + timedelta(days=30)


@pytest.fixture(scope="module")
def compliance(tmp_path_factory: pytest.TempPathFactory):
    yield from start_internet(tmp_path_factory, "compliance")


@pytest.fixture(scope="module")
def bad_scan(compliance: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    """The bad shop, scanned once; the scan also writes a baseline of all its findings."""
    out = tmp_path_factory.mktemp("bad") / "out"
    run = scan_with(compliance, out, f"{BAD}/", BAD_CONFIG, "--fail-on", "high",
                    "--write-baseline", str(out.parent / "written.toml"))  # fmt: skip
    assert run.returncode == 1, run.stderr
    return run


def check(scan: ScanRun, out: Path, baseline: str | None, *args: str) -> tuple[Any, dict[str, Any]]:
    """`sitescan check` of the bad scan with this baseline text; the process and its report."""
    options = ["--config", str(scan.out.parent / "out.toml"), "--out", str(out), "--format", "json"]
    if baseline is not None:
        (out.parent / f"{out.name}.toml").write_text(baseline, encoding="utf-8")
        options += ["--baseline", str(out.parent / f"{out.name}.toml")]
    done = run_sitescan("check", str(scan.out), *options, *args)
    report = (
        json.loads((out / "report.json").read_text(encoding="utf-8"))
        if (out / "report.json").exists()
        else {}
    )
    return done, report


def entry(rule: str, expires: date = LATER, reason: str = "reviewed", **fields: str) -> str:
    lines = ["[[accept]]", f'rule = "{rule}"', *(f'{key} = "{value}"' for key, value in fields.items())]
    return "\n".join([*lines, f'reason = "{reason}"', f"expires = {expires.isoformat()}", ""])


def baselined(report: dict[str, Any]) -> set[tuple[str, str | None, str]]:
    return {(f["rule"], f["url"], f["subject"]) for f in report["findings"] if f["baselined"]}


def test_entries_accept_what_they_match(bad_scan: ScanRun, tmp_path: Path):
    weak = next(f for f in bad_scan.report["findings"] if f["rule"] == "tls.weak-protocol")
    baseline = (
        entry("cookie.long-lived", subject="remember_me *")  # a glob on the subject
        + entry("consent.cookie-before-consent", url=f"{BAD}/*", subject="_fbp *")  # and on the page
        + entry("tls.weak-protocol", fingerprint=weak["fingerprint"], reason="legacy terminals until March")
        + entry("thirdparty.undeclared")  # any page, any subject
    )
    done, report = check(bad_scan, tmp_path / "out", baseline, "--fail-on", "high")
    assert done.returncode == 1, done.stderr  # other high findings remain
    assert baselined(report) == {
        ("cookie.long-lived", f"{BAD}/", "remember_me www.bad-shop.ca"),
        ("consent.cookie-before-consent", f"{BAD}/", "_fbp .bad-shop.ca"),
        ("tls.weak-protocol", f"{BAD}/", "www.bad-shop.ca:443"),
        ("thirdparty.undeclared", f"{BAD}/", "facebook.com"),
        ("thirdparty.undeclared", f"{BAD}/", "facebook.net"),
    }
    assert len(report["findings"]) == len(EXPECTED_BAD)  # accepted findings stay in the report
    # They neither count nor fail: 1 critical, 12 high, 9 medium, 3 low before.
    assert report["summary"]["findings"] == {"critical": 1, "high": 10, "medium": 7, "low": 2}
    assert report["summary"]["baselined"] == 5
    accepted = {f["rule"]: f["baseline"] for f in report["findings"] if f["baselined"]}
    assert accepted["tls.weak-protocol"] == {
        "reason": "legacy terminals until March",
        "expires": LATER.isoformat(),
    }
    assert all("baseline" not in f for f in report["findings"] if not f["baselined"])
    block = report["baseline"]
    assert (block["file"], block["entries"], block["accepted"], block["expired"], block["unused"]) == (
        str(tmp_path / "out.toml"), 4, 5, [], []
    )  # fmt: skip
    lines = done.stderr.splitlines()
    assert (
        "LOW      cookie.long-lived https://www.bad-shop.ca/ [before-consent]: remember_me www.bad-shop.ca (baselined)"
        in lines
    )
    assert f"sitescan: baseline {tmp_path / 'out.toml'}: 5 findings accepted, 0 expired, 0 unused" in lines


def test_accepting_every_failing_finding_passes_the_run(bad_scan: ScanRun, tmp_path: Path):
    failing_rules = sorted(
        {f["rule"] for f in bad_scan.report["findings"] if f["severity"] in ("critical", "high")}
    )
    done, report = check(
        bad_scan, tmp_path / "out", "".join(entry(rule) for rule in failing_rules), "--fail-on", "high"
    )
    assert done.returncode == 0, done.stderr
    assert report["summary"]["findings"] == {"critical": 0, "high": 0, "medium": 9, "low": 3}
    assert report["summary"]["verdict"] == "pass"
    assert report["baseline"]["accepted"] == 13
    # Without the baseline the same check fails: the acceptance is the baseline's doing.
    done, _ = check(bad_scan, tmp_path / "plain", None, "--fail-on", "high")
    assert done.returncode == 1


def test_an_expired_entry_accepts_nothing_and_says_so(bad_scan: ScanRun, tmp_path: Path):
    baseline = (
        entry("tls.no-https", expires=date(2020, 1, 31))  # expired: the critical finding counts again
        + entry("cookie.insecure", subject="nothing-like-this *")  # live, matches nothing
        + entry("cookie.long-lived", expires=TODAY)  # its last day: still accepts
    )
    done, report = check(bad_scan, tmp_path / "out", baseline, "--fail-on", "critical")
    assert done.returncode == 1, done.stderr  # the critical finding is no longer accepted
    no_https = next(f for f in report["findings"] if f["rule"] == "tls.no-https")
    assert no_https["baselined"] is False
    assert baselined(report) == {("cookie.long-lived", f"{BAD}/", "remember_me www.bad-shop.ca")}
    file = tmp_path / "out.toml"
    block = report["baseline"]
    assert block["expired"] == [
        {"line": 1, "rule": "tls.no-https", "url": None, "subject": None, "fingerprint": None, "reason": "reviewed",
         "expires": "2020-01-31", "findings": [no_https["fingerprint"]]}
    ]  # fmt: skip
    assert [(e["line"], e["rule"]) for e in block["unused"]] == [(5, "cookie.insecure")]
    assert (block["entries"], block["accepted"]) == (3, 1)
    lines = done.stderr.splitlines()
    assert (
        f"sitescan: warning: {file}:1: baseline entry for tls.no-https expired on 2020-01-31; "
        "it accepts nothing now (1 finding count again)"
    ) in lines
    assert f"sitescan: note: {file}:5: baseline entry for cookie.insecure matched no finding" in lines
    assert not [line for line in lines if line.startswith("sitescan: error:")]
    Draft202012Validator(load()).validate(report)  # the baseline block as the schema has it


def test_an_expired_entry_alone_does_not_fail_the_run(bad_scan: ScanRun, tmp_path: Path):
    baseline = entry("tls.no-https") + entry("cookie.long-lived", expires=date(2020, 1, 31))
    done, report = check(bad_scan, tmp_path / "out", baseline, "--fail-on", "critical")
    assert done.returncode == 0, done.stderr  # the low finding it stopped accepting is below --fail-on
    assert report["summary"]["verdict"] == "pass"
    assert [e["rule"] for e in report["baseline"]["expired"]] == ["cookie.long-lived"]
    assert "expired on 2020-01-31" in done.stderr


def test_the_scan_writes_a_baseline_that_accepts_exactly_its_findings(bad_scan: ScanRun, tmp_path: Path):
    written = bad_scan.out.parent / "written.toml"
    assert str(written) in bad_scan.stdout.splitlines()
    assert (
        f"sitescan: wrote {written} accepting 25 findings: replace each TODO reason before committing it"
        in bad_scan.stderr
    )
    text = written.read_text(encoding="utf-8")
    entries = tomllib.loads(text)["accept"]
    assert len(entries) == len(EXPECTED_BAD)
    assert {e["fingerprint"] for e in entries} == {f["fingerprint"] for f in bad_scan.report["findings"]}
    assert {(e["reason"], e["expires"]) for e in entries} == {(TODO_REASON, TODAY + timedelta(days=90))}
    # Grouped by rule, most severe first, each group under a comment; url and subject as comments.
    assert (
        text.index("# tls.no-https (critical)")
        < text.index("# consent.banner-missing (high)")
        < text.index("# cookie.long-lived (low)")
    )
    assert '# subject = "remember_me www.bad-shop.ca"' in text
    assert Counter(e["rule"] for e in entries) == Counter(rule for rule, _, _ in EXPECTED_BAD)
    # Read back: it accepts exactly those findings, and says the reasons are still to be written.
    done, report = check(bad_scan, tmp_path / "out", text, "--fail-on", "low")
    assert done.returncode == 0, done.stderr
    assert baselined(report) == EXPECTED_BAD
    assert report["summary"]["findings"] == {"critical": 0, "high": 0, "medium": 0, "low": 0}
    assert (report["baseline"]["accepted"], report["baseline"]["expired"], report["baseline"]["unused"]) == (
        25,
        [],
        [],
    )
    assert (
        f"sitescan: warning: {tmp_path / 'out.toml'}: 25 entries still give the reason written by --write-baseline: "
        "say why each is accepted"
    ) in done.stderr.splitlines()


def test_the_scan_applies_a_baseline(bad_scan: ScanRun, compliance: ScanHarness, tmp_path: Path):
    run = scan_with(compliance, tmp_path / "again", f"{BAD}/", BAD_CONFIG, "--fail-on", "low",
                    "--baseline", str(bad_scan.out.parent / "written.toml"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = run.report
    assert baselined(report) == EXPECTED_BAD and report["summary"]["verdict"] == "pass"
    assert (tmp_path / "again" / "report.html").read_text(encoding="utf-8").count("baselined") >= 25


def test_writing_a_baseline_keeps_the_reasons_already_given(bad_scan: ScanRun, tmp_path: Path):
    baseline = entry("cookie.long-lived", reason="remember-me is opt-in", expires=date(2027, 3, 31))
    done, _ = check(
        bad_scan,
        tmp_path / "out",
        baseline,
        "--fail-on",
        "never",
        "--write-baseline",
        str(tmp_path / "new.toml"),
    )
    assert done.returncode == 0, done.stderr
    entries = tomllib.loads((tmp_path / "new.toml").read_text(encoding="utf-8"))["accept"]
    kept = [e for e in entries if e["rule"] == "cookie.long-lived"]
    assert [(e["reason"], e["expires"]) for e in kept] == [("remember-me is opt-in", date(2027, 3, 31))]
    assert sum(1 for e in entries if e["reason"] == TODO_REASON) == 24


def test_values_from_the_site_are_quoted_safely(tmp_path: Path):
    from sitescan.baseline import write_baseline

    finding = {"rule": "cookie.insecure", "severity": "medium", "title": "t", "url": 'https://x.ca/"\n[[accept]]',
               "subject": 'a"b\\c\x7f', "phase": "before-consent", "fingerprint": "0123456789abcdef", "baselined": False}  # fmt: skip
    write_baseline([finding], tmp_path / "b.toml")
    baseline = load_baseline(tmp_path / "b.toml")
    (only,) = baseline.entries
    assert (only.rule, only.fingerprint, only.reason) == ("cookie.insecure", "0123456789abcdef", TODO_REASON)
    assert tomllib.loads((tmp_path / "b.toml").read_text(encoding="utf-8"))["accept"][0].keys() == {
        "rule", "fingerprint", "reason", "expires"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            '[[accept]]\nrule = "cookie.long-live"\nreason = "r"\nexpires = 2027-01-01\n',
            2,
            "accept[0].rule: unknown rule 'cookie.long-live' (did you mean 'cookie.long-lived'?): sitescan rules lists them",
        ),
        (
            '[[accept]]\nreason = "r"\nexpires = 2027-01-01\n',
            1,
            "accept[0].rule: missing: the id of the rule whose findings this accepts",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nreason = "r"\nexpires = 2027-01-01\n\n[[accept]]\nrule = "cookie.insecure"\nexpires = 2027-01-01\n',
            6,
            "accept[1].reason: missing: say why the finding is accepted (and who reviewed it)",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nreason = "r"\n',
            1,
            "accept[0].expires: missing: the date after which the entry accepts nothing (expires = 2027-03-31)",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nreason = "r"\nexpires = "2027-01-01"\n',
            4,
            'accept[0].expires: must be a TOML date such as 2027-03-31 (no quotes, no time), not "2027-01-01"',
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nreason = "r"\nexpires = 2027-01-01T10:00:00\n',
            4,
            "accept[0].expires: must be a TOML date such as 2027-03-31 (no quotes, no time), not 2027-01-01T10:00:00",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nsubject = "_ga [x"\nreason = "r"\nexpires = 2027-01-01\n',
            3,
            "accept[0].subject: bad glob '_ga [x': unclosed or empty [...]",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nurl = "www.example.com/*"\nreason = "r"\nexpires = 2027-01-01\n',
            3,
            "accept[0].url: 'www.example.com/*' matches no page: a glob on the page's URL starts with https://",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nfingerprint = "0123456789abcdef"\nsubject = "_ga"\nreason = "r"\nexpires = 2027-01-01\n',
            3,
            "accept[0].fingerprint: accepts one finding exactly: give it, or url/subject, not both",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nfingerprint = "xyz"\nreason = "r"\nexpires = 2027-01-01\n',
            3,
            "accept[0].fingerprint: must be a finding's fingerprint: 16 hexadecimal digits",
        ),
        (
            '[[accept]]\nrule = "cookie.insecure"\nreasons = "r"\nexpires = 2027-01-01\n',
            3,
            "accept[0].reasons: unknown key: an [[accept]] entry has rule, url, subject, fingerprint, reason, expires",
        ),
        (
            '[[acept]]\nrule = "cookie.insecure"\n',
            1,
            "acept: unknown key: a baseline holds [[accept]] tables only",
        ),
    ],
)
def test_a_bad_baseline_is_one_line_naming_file_line_and_key(
    tmp_path: Path, text: str, line: int, problem: str
):
    path = tmp_path / "sitescan-baseline.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SitescanError) as raised:
        load_baseline(path)
    assert str(raised.value) == f"{path}:{line}: {problem}"


def test_bad_baselines_stop_check_and_scan_with_exit_2(
    bad_scan: ScanRun, compliance: ScanHarness, tmp_path: Path
):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[accept]]\nrule = "cookie.insecure"\nreason = "r"\nexpires = 2027-13-01\n', encoding="utf-8"
    )
    for done in (
        run_sitescan("check", str(bad_scan.out), "--baseline", str(bad), "--out", str(tmp_path / "c")),
        compliance.scan(tmp_path / "s", f"{BAD}/", "--baseline", str(bad)),
    ):
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines() == [
            f"sitescan: error: {bad}: not valid TOML: Expected newline or end of document after a statement (at line 4, column 15)"
        ]
    assert not (tmp_path / "c").exists() and not (tmp_path / "s").exists()  # refused before any work
    done = run_sitescan(
        "check", str(bad_scan.out), "--baseline", str(tmp_path / "none.toml"), "--out", str(tmp_path / "c")
    )
    assert (done.returncode, done.stderr.strip()) == (
        2,
        f"sitescan: error: --baseline {tmp_path / 'none.toml'}: no such file",
    )


def test_e_mails_take_a_baseline_too(tmp_path: Path):
    emails = Path(__file__).parent / "emails"
    baseline = tmp_path / "b.toml"
    baseline.write_text(entry("email.unsubscribe-missing", subject="*"), encoding="utf-8")
    done = run_sitescan(
        "email", str(emails / "no-unsubscribe.eml"), "--out", str(tmp_path / "e"), "--baseline", str(baseline)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "e" / "report.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["baselined"]) for f in report["findings"]] == [("email.unsubscribe-missing", True)]
    assert (report["summary"]["findings"]["critical"], report["summary"]["verdict"]) == (0, "pass")
    assert report["baseline"]["accepted"] == 1
