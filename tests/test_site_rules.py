"""The rule catalogue end to end: a compliant shop gives no finding, and each problem planted in the bad
shop gives exactly its finding, with evidence (tests/sites/compliance/README.md lists them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ScanHarness, ScanRun, run_sitescan, start_internet

GOOD_CONFIG = """
privacy_policy = "https://www.good-shop.ca/privacy"
policy_sections = ["What Personal Information Do We Collect", "How we collect your data",
                   "Administrative information"]
[[vendors]]
name = "Google"
domains = ["google.com", "google-analytics.com", "googletagmanager.com"]
purposes = ["analytics"]
[[cookies]]
name = "session"
category = "necessary"
"""
BAD_CONFIG = """
policy_sections = ["What we collect", "How to reach us"]
[[vendors]]
name = "Google"
domains = ["google.com", "google-analytics.com", "googletagmanager.com"]
purposes = ["analytics"]
[[cookies]]
name = "_fbp"
category = "necessary"
[[cookies]]
name = "remember_me"
category = "preferences"
[[cookies]]
name = "fr"
category = "marketing"
"""
META_VENDOR = """
[[vendors]]
name = "Meta"
domains = ["facebook.net", "facebook.com"]
purposes = ["marketing"]
"""
BAD = "https://www.bad-shop.ca"
EXPECTED_BAD = {
    ("consent.banner-missing", f"{BAD}/", "banner"),
    ("consent.tracker-before-consent", f"{BAD}/", "connect.facebook.net"),
    ("consent.tracker-before-consent", f"{BAD}/", "www.facebook.com"),
    ("consent.cookie-before-consent", f"{BAD}/", "_fbp .bad-shop.ca"),
    ("consent.cookie-before-consent", f"{BAD}/", "fr .facebook.com"),
    ("cookie.insecure", f"{BAD}/", "_fbp .bad-shop.ca"),
    ("cookie.insecure", f"{BAD}/", "legacy_id www.bad-shop.ca"),
    ("cookie.long-lived", f"{BAD}/", "remember_me www.bad-shop.ca"),
    ("cookie.misdeclared", f"{BAD}/", "_fbp .bad-shop.ca"),
    ("cookie.undeclared", f"{BAD}/", "legacy_id www.bad-shop.ca"),
    ("thirdparty.undeclared", f"{BAD}/", "facebook.com"),
    ("thirdparty.undeclared", f"{BAD}/", "facebook.net"),
    ("links.privacy-missing", f"{BAD}/page2", "privacy link"),
    ("form.no-privacy-link", f"{BAD}/page2", f"{BAD}/deals-alert"),
    ("form.preticked-consent", f"{BAD}/newsletter", "http://www.bad-shop.ca/subscribe newsletter"),
    ("tls.insecure-form", f"{BAD}/newsletter", "http://www.bad-shop.ca/subscribe"),
    ("links.privacy-broken", f"{BAD}/legal", "http://www.bad-shop.ca/privacy-2019"),
    ("tls.no-https", "http://www.bad-shop.ca/privacy-2019", "http://www.bad-shop.ca/privacy-2019"),
    ("tls.mixed-content", f"{BAD}/legal", "http://www.bad-shop.ca/seal.png"),
    ("policy.contact-missing", f"{BAD}/privacy", "contact"),
    ("policy.effective-date-missing", f"{BAD}/privacy", "effective date"),
    ("policy.section-missing", f"{BAD}/privacy", "How to reach us"),
    ("tls.weak-protocol", f"{BAD}/", "www.bad-shop.ca:443"),
    ("tls.hsts-missing", f"{BAD}/", "www.bad-shop.ca:443"),
    ("tls.http-not-redirected", f"{BAD}/", "www.bad-shop.ca:443"),
}


@pytest.fixture(scope="module")
def compliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "compliance")


def scan_with(harness: ScanHarness, out: Path, url: str, config: str, *args: str) -> ScanRun:
    config_file = out.parent / f"{out.name}.toml"
    config_file.write_text(config, encoding="utf-8")
    return harness.scan(out, url, "--no-sitemap", "--config", str(config_file), *args)


@pytest.fixture(scope="module")
def bad_scan(compliance: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    run = scan_with(
        compliance, tmp_path_factory.mktemp("bad") / "out", f"{BAD}/", BAD_CONFIG, "--fail-on", "high"
    )
    assert run.returncode == 1, run.stderr  # findings at or above high
    return run


def found(report: dict[str, Any]) -> set[tuple[str, str | None, str]]:
    return {(f["rule"], f["url"], f["subject"]) for f in report["findings"]}


def test_the_compliant_shop_breaks_no_rule(compliance: ScanHarness, tmp_path: Path):
    run = scan_with(
        compliance, tmp_path / "out", "https://www.good-shop.ca/", GOOD_CONFIG, "--fail-on", "low"
    )
    assert run.returncode == 0, run.stderr
    report = run.report
    assert report["findings"] == []
    assert report["summary"]["verdict"] == "pass"
    site_rules = [
        line.split()[0] for line in run_sitescan("rules", "--profile", "canada").stdout.splitlines()
    ]
    assert report["scan"]["checks"] == [r for r in site_rules if not r.startswith("email.")]
    # What the checks looked at: the policy page was read, every page links it, TLS is sound.
    assert {row["page"]: row["privacy"] for row in report["links"]} == {
        "https://www.good-shop.ca/": "https://www.good-shop.ca/privacy",
        "https://www.good-shop.ca/privacy": "https://www.good-shop.ca/privacy",
        "https://www.good-shop.ca/signup": "https://www.good-shop.ca/privacy",
        "https://www.good-shop.ca/fr/": "https://www.good-shop.ca/privacy",
    }
    assert next(r for r in report["links"] if r["contact"])["contact"] == "privacy@good-shop.ca"
    (tls,) = report["tls"]
    assert (
        tls["host"],
        tls["protocols"],
        tls["hsts"],
        tls["redirects_http"],
        tls["certificate"]["valid"],
    ) == (
        "www.good-shop.ca",
        ["TLSv1.2", "TLSv1.3"],
        "max-age=31536000",
        True,
        True,
    )


def test_each_planted_problem_gives_exactly_its_finding(bad_scan: ScanRun):
    report = bad_scan.report
    assert found(report) == EXPECTED_BAD
    assert len(report["findings"]) == len(EXPECTED_BAD)
    assert report["summary"]["findings"] == {"critical": 1, "high": 12, "medium": 9, "low": 3}
    assert report["summary"]["verdict"] == "fail"
    by_rule = {f["rule"]: f for f in report["findings"]}
    # Evidence a reader can act on.
    assert by_rule["cookie.long-lived"]["evidence"]["lifetime_days"] == 400.0
    assert by_rule["form.preticked-consent"]["evidence"]["label"] == "Yes, send me offers and promotions"
    assert by_rule["form.preticked-consent"]["evidence"]["collects"] == ["first_name", "email"]
    assert by_rule["tls.weak-protocol"]["evidence"]["weak"] == ["TLSv1", "TLSv1.1"]
    assert (
        by_rule["cookie.misdeclared"]["evidence"]["reason"]
        == "sitescan data: Meta Pixel marketing cookie (_fbp)"
    )
    assert by_rule["links.privacy-broken"]["evidence"]["problem"] == "not served over https"
    assert by_rule["tls.mixed-content"]["evidence"]["resolution"] == "MixedContentAutomaticallyUpgraded"
    # Findings are ordered most severe first, and each line reaches the CI log.
    assert [f["severity"] for f in report["findings"]][:2] == ["critical", "high"]
    assert (
        "HIGH     consent.banner-missing https://www.bad-shop.ca/ [before-consent]: banner" in bad_scan.stderr
    )


def test_fingerprints_ignore_what_changes_between_runs(
    bad_scan: ScanRun, compliance: ScanHarness, tmp_path: Path
):
    again = scan_with(compliance, tmp_path / "again", f"{BAD}/", BAD_CONFIG, "--exit-zero")
    assert again.returncode == 0  # --exit-zero, despite the findings
    assert {f["fingerprint"] for f in again.report["findings"]} == {
        f["fingerprint"] for f in bad_scan.report["findings"]
    }


def test_check_reruns_the_rules_without_a_browser(bad_scan: ScanRun, tmp_path: Path):
    # Another profile: California does not ask for a banner or consent before tracking.
    done = run_sitescan("check", str(bad_scan.out), "--profile", "us-ca", "--out", str(tmp_path / "ca"),
                        "--config", str(bad_scan.out.parent / "out.toml"))  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "ca" / "report.json").read_text())
    expected = {f for f in EXPECTED_BAD if not f[0].startswith("consent.")}
    assert found(report) == expected and report["profiles"] == ["us-ca"]
    # Another config: with no vendor list and no cookie declarations, those rules do not run.
    done = run_sitescan("check", str(bad_scan.out), "--out", str(tmp_path / "plain"), "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "plain" / "report.json").read_text())
    assert found(report) == {
        f for f in EXPECTED_BAD if f[0] not in ("thirdparty.undeclared", "cookie.undeclared", "cookie.misdeclared",
                                                "policy.section-missing")
    }  # fmt: skip
    assert (tmp_path / "plain" / "report.html").is_file()
    # The vendor list complete: no undeclared third party.
    complete = tmp_path / "complete.toml"
    complete.write_text(BAD_CONFIG + META_VENDOR, encoding="utf-8")
    done = run_sitescan(
        "check", str(bad_scan.out), "--config", str(complete), "--out", str(tmp_path / "complete")
    )
    report = json.loads((tmp_path / "complete" / "report.json").read_text())
    assert found(report) == {f for f in EXPECTED_BAD if f[0] != "thirdparty.undeclared"}


def test_check_refuses_a_folder_that_is_no_scan(tmp_path: Path):
    done = run_sitescan("check", str(tmp_path))
    assert (done.returncode, done.stderr.strip()) == (
        2,
        f"sitescan: error: {tmp_path}: no artifacts.json (is it a sitescan report folder?)",
    )
