"""`sitescan diff` and `sitescan merge` on real scans of the test internet (tests/sites/newtag).

The diff's "done when": two scans of one shop, before and after adding ONE tag (Hotjar) to its home page,
and the diff lists exactly that tag's cookies, hosts, beacon and storage as added, with their phases,
the findings they cause as new, and nothing gone.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sitescan.loopback import LoopbackInternet
from sitescan.schemas import load

from conftest import SITES, VENDORS, ScanHarness, ScanRun, run_sitescan

SHOP = "https://www.newtag-shop.com/"
BLOG = "https://www.newtag-blog.com/"
HOTJAR_TAG = '<script src="https://static.hotjar.com/c/hotjar-3210.js?sv=6"></script>'
ALL_PHASES = ["before-consent", "after-accept", "after-reject"]


@pytest.fixture(scope="module")
def newtag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScanHarness, Path]]:
    """The new-tag tree, served from a copy the test may change between scans."""
    tree = tmp_path_factory.mktemp("newtag") / "tree"
    shutil.copytree(SITES / "newtag", tree)
    internet = LoopbackInternet((tree, VENDORS))
    with internet:
        ca = internet.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem")
        yield ScanHarness(internet, ca), tree


@pytest.fixture(scope="module")
def before(newtag: tuple[ScanHarness, Path], tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    harness, _ = newtag
    run = harness.scan(tmp_path_factory.mktemp("before") / "out", SHOP, "--no-sitemap")
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def after(
    newtag: tuple[ScanHarness, Path], before: ScanRun, tmp_path_factory: pytest.TempPathFactory
) -> ScanRun:
    """The same shop once ONE tag is added to its home page (after `before` was scanned)."""
    harness, tree = newtag
    home = tree / "www.newtag-shop.com" / "index.html"
    page = home.read_text(encoding="utf-8")
    assert page.count("<!-- new tag -->") == 1
    home.write_text(page.replace("<!-- new tag -->", HOTJAR_TAG), encoding="utf-8")
    run = harness.scan(tmp_path_factory.mktemp("after") / "out", SHOP, "--no-sitemap")
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def blog(newtag: tuple[ScanHarness, Path], tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    harness, _ = newtag
    run = harness.scan(tmp_path_factory.mktemp("blog") / "out", BLOG, "--no-sitemap")
    assert run.returncode == 0, run.stderr
    return run


def one_error_line(done) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("sitescan: error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def added(diff: dict[str, Any], kind: str) -> dict[str, list[str]]:
    return {item["id"]: item["phases"] for item in diff["changes"][kind]["added"]}


# diff


def test_diff_lists_exactly_the_added_tag(before: ScanRun, after: ScanRun, tmp_path: Path):
    done = run_sitescan("diff", str(before.out / "report.json"), str(after.out / "report.json"),
                        "--out", str(tmp_path / "diff"))  # fmt: skip
    assert done.returncode == 0, done.stderr  # without --fail-on-new a diff only reports
    diff = json.loads((tmp_path / "diff" / "diff.json").read_text(encoding="utf-8"))
    # Hotjar runs ungated on the home page: in every phase.
    assert added(diff, "cookies") == {
        "_hjSessionUser_3210 .newtag-shop.com": ALL_PHASES,
        "_hjSession_3210 .newtag-shop.com": ALL_PHASES,
    }
    assert added(diff, "third_parties") == {"static.hotjar.com": ALL_PHASES, "in.hotjar.com": ALL_PHASES}
    assert added(diff, "beacons") == {"https://in.hotjar.com/api/v2/client/sites/3210/visit-data": ALL_PHASES}
    assert added(diff, "storage") == {"local https://www.newtag-shop.com _hjSessionUser_3210": ALL_PHASES}
    # The findings the tag causes are new; none other.
    new_findings = {(f["entry"]["rule"], f["entry"]["subject"], f["entry"]["phase"]) for f in diff["changes"]["findings"]["added"]}  # fmt: skip
    hotjar = ("_hjSessionUser_3210 .newtag-shop.com", "_hjSession_3210 .newtag-shop.com")
    hosts = ("static.hotjar.com", "in.hotjar.com")
    assert new_findings == {
        *(("consent.cookie-before-consent", c, "before-consent") for c in hotjar),
        *(("consent.cookie-after-reject", c, "after-reject") for c in hotjar),
        *(("cookie.insecure", c, "before-consent") for c in hotjar),
        *(("consent.tracker-before-consent", h, "before-consent") for h in hosts),
        *(("consent.tracker-after-reject", h, "after-reject") for h in hosts),
        # Hotjar records sessions: before consent, and after the visitor refused.
        ("dataflow.session-recording-before-consent", "Hotjar Recordings", "before-consent"),
        ("dataflow.session-recording-before-consent", "Hotjar Recordings", "after-reject"),
    }
    assert diff["new_findings"] == 12
    # Nothing went away, nothing already there changed phases.
    for kind, found in diff["changes"].items():
        assert found["removed"] == [] and found["changed"] == [], kind
    assert diff["summary"]["cookies"] == {"added": 2, "removed": 0, "changed": 0}
    assert diff["by_phase"] == {
        "before-consent": {"appeared": 6 + 7, "disappeared": 0},  # 6 items, 7 findings
        "after-accept": {"appeared": 6, "disappeared": 0},
        "after-reject": {"appeared": 6 + 5, "disappeared": 0},
    }
    # For people: concise, grouped, one line an item.
    lines = done.stderr.splitlines()
    assert (
        "+ cookie _hjSessionUser_3210 .newtag-shop.com [before-consent, after-accept, after-reject]  Hotjar analytics"
        in lines
    )
    assert (
        "+ third party static.hotjar.com [before-consent, after-accept, after-reject]  Hotjar session-replay tracker"
        in lines
    )
    assert not [line for line in lines if line.startswith(("-", "~"))]
    assert lines[-1] == "sitescan: 2 cookies, 2 third parties, 1 beacon, 1 storage item and 12 findings new"
    assert done.stdout.split() == [
        str(tmp_path / "diff" / name) for name in ("diff.json", "diff.md", "diff.html")
    ]
    markdown = (tmp_path / "diff" / "diff.md").read_text(encoding="utf-8")
    assert (
        "| new | \\_hjSessionUser\\_3210 .newtag-shop.com | before-consent, after-accept, after-reject |  | Hotjar analytics |"
        in markdown
    )
    page = (tmp_path / "diff" / "diff.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and "_hjSession_3210 .newtag-shop.com" in page


def test_fail_on_new_fails_on_new_findings_only(before: ScanRun, after: ScanRun):
    old, new = str(before.out / "report.json"), str(after.out / "report.json")
    done = run_sitescan("diff", old, new, "--fail-on-new")
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == "sitescan: 12 new findings (--fail-on-new)"
    # The other way round only removes: nothing new.
    done = run_sitescan("diff", new, old, "--fail-on-new")
    assert done.returncode == 0, done.stderr
    assert (
        "sitescan: 2 cookies, 2 third parties, 1 beacon, 1 storage item and 12 findings gone" in done.stderr
    )
    # A report folder is as good as its report.json; the same scan twice: no change.
    done = run_sitescan("diff", str(after.out), new, "--fail-on-new")
    assert (done.returncode, done.stderr.splitlines()[-1]) == (0, "sitescan: no change")


def test_fail_on_new_ignores_new_findings_a_baseline_accepts(before: ScanRun, after: ScanRun, tmp_path: Path):
    baseline = tmp_path / "baseline.toml"
    baseline.write_text(
        '[[accept]]\nrule = "consent.cookie-before-consent"\nsubject = "_hj*"\nreason = "r"\nexpires = 2099-01-01\n'
        '[[accept]]\nrule = "consent.cookie-after-reject"\nreason = "r"\nexpires = 2099-01-01\n'
        '[[accept]]\nrule = "consent.tracker-before-consent"\nsubject = "*.hotjar.com"\nreason = "r"\nexpires = 2099-01-01\n'
        '[[accept]]\nrule = "consent.tracker-after-reject"\nreason = "r"\nexpires = 2099-01-01\n'
        '[[accept]]\nrule = "cookie.insecure"\nsubject = "_hj*"\nreason = "r"\nexpires = 2099-01-01\n'
        '[[accept]]\nrule = "dataflow.session-recording-before-consent"\nreason = "r"\nexpires = 2099-01-01\n',
        encoding="utf-8",
    )
    accepted = tmp_path / "accepted"
    done = run_sitescan("check", str(after.out), "--baseline", str(baseline), "--out", str(accepted),
                        "--fail-on", "never")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run_sitescan("diff", str(before.out), str(accepted), "--fail-on-new", "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stderr
    diff = json.loads((tmp_path / "d" / "diff.json").read_text(encoding="utf-8"))
    assert (diff["summary"]["findings"]["added"], diff["new_findings"]) == (12, 0)  # listed, not failing
    assert "(baselined)" in next(line for line in done.stderr.splitlines() if line.startswith("+ finding"))


def changed_report(report: dict[str, Any], **tables: list[dict[str, Any]]) -> dict[str, Any]:
    return {**report, **tables}


def test_an_item_in_new_phases_is_changed(before: ScanRun, tmp_path: Path):
    """A cookie now also set before consent, and a storage item no longer seen after reject."""
    report = before.report
    cookies = [dict(c) for c in report["cookies"]]
    ga = next(c for c in cookies if c["name"] == "_ga")
    assert ga["phases"] == ["after-accept"]
    ga["phases"] = ["before-consent", "after-accept"]
    (tmp_path / "new.json").write_text(json.dumps(changed_report(report, cookies=cookies)), encoding="utf-8")
    done = run_sitescan("diff", str(before.out / "report.json"), str(tmp_path / "new.json"), "--fail-on-new")
    assert done.returncode == 0, done.stderr
    assert (
        "~ cookie _ga .newtag-shop.com now also [before-consent]  Google Analytics analytics"
        in done.stderr.splitlines()
    )
    assert done.stderr.splitlines()[-1] == "sitescan: 1 cookie changed"


def test_diff_escapes_what_the_site_controls(before: ScanRun, tmp_path: Path):
    report = before.report
    hostile = {**report["cookies"][0], "name": "<script>alert(1)</script>|*x*", "phases": ["before-consent"]}
    (tmp_path / "new.json").write_text(
        json.dumps(changed_report(report, cookies=[*report["cookies"], hostile])), encoding="utf-8"
    )
    done = run_sitescan(
        "diff", str(before.out / "report.json"), str(tmp_path / "new.json"), "--out", str(tmp_path / "d")
    )
    assert done.returncode == 0, done.stderr
    markdown = (tmp_path / "d" / "diff.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\|\\*x\\*" in markdown and "<script>" not in markdown
    page = (tmp_path / "d" / "diff.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|*x*" in page and "<script>" not in page


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("not json", "not a sitescan report (not JSON: Expecting value: line 1 column 1 (char 0))"),
        ('{"schema": "other/9", "findings": []}', "schema 'other/9': sitescan reads 'sitescan/1' only"),
        ('{"visits": []}', "not a sitescan report (no schema)"),
        (
            '{"schema": "sitescan/1", "findings": [], "cookies": [{"nom": "x"}]}',
            "not a sitescan report (cookies[0]: no 'name')",
        ),
    ],
)
def test_diff_refuses_what_is_no_report(before: ScanRun, tmp_path: Path, content: str | None, problem: str):
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    done = run_sitescan("diff", str(bad), str(before.out / "report.json"), "--fail-on-new")
    assert one_error_line(done) == f"sitescan: error: {bad}: {problem}"


# merge


def table_keys(report: dict[str, Any]) -> dict[str, set[Any]]:
    return {
        "pages": {p["url"] for p in report["pages"]},
        "cookies": {(c["name"], c["domain"], c["path"], c["partition_key"]) for c in report["cookies"]},
        "third_parties": {t["host"] for t in report["third_parties"]},
        "beacons": {(b["url"], b["kind"]) for b in report["beacons"]},
        "storage": {(s["origin"], s["kind"], s["key"]) for s in report["storage"]},
        "frames": {f["origin"] for f in report["frames"]},
        "findings": {f["fingerprint"] for f in report["findings"]},
    }


def test_merging_two_sites_gives_their_union(before: ScanRun, blog: ScanRun, tmp_path: Path):
    done = run_sitescan("merge", str(before.out / "report.json"), str(blog.out / "report.json"),
                        "--out", str(tmp_path / "m"), "--fail-on", "critical")  # fmt: skip
    assert done.returncode == 1, done.stderr  # the blog's YouTube embed: cookies after reject (critical)
    merged = json.loads((tmp_path / "m" / "report.json").read_text(encoding="utf-8"))
    shop_report, blog_report = before.report, blog.report
    shop, other = table_keys(shop_report), table_keys(blog_report)
    assert table_keys(merged) == {name: shop[name] | other[name] for name in shop}
    # Exact counts: the sites share only Google's two hosts.
    counts = {name: len(keys) for name, keys in table_keys(merged).items()}
    assert counts == {
        "pages": 3, "cookies": 9, "third_parties": 3, "beacons": len(shop["beacons"] | other["beacons"]),
        "storage": len(shop["storage"] | other["storage"]),
        "frames": len(shop["frames"] | other["frames"]),
        "findings": len(shop_report["findings"]) + len(blog_report["findings"]),
    }  # fmt: skip
    assert shop["third_parties"] & other["third_parties"] == {
        "www.googletagmanager.com",
        "www.google-analytics.com",
    }
    gtm = {r["host"]: r for r in merged["third_parties"]}["www.googletagmanager.com"]
    parts = [
        {t["host"]: t for t in r["third_parties"]}["www.googletagmanager.com"]
        for r in (shop_report, blog_report)
    ]
    assert gtm["requests"] == sum(p["requests"] for p in parts)
    assert gtm["pages"] == parts[0]["pages"] + parts[1]["pages"]
    assert len(merged["requests"]) == len(shop_report["requests"]) + len(blog_report["requests"])
    assert merged["targets"] == [SHOP, BLOG]
    summary = merged["summary"]
    assert summary["findings"] == {
        severity: shop_report["summary"]["findings"][severity] + blog_report["summary"]["findings"][severity]
        for severity in ("critical", "high", "medium", "low")
    }
    assert (summary["pages"], summary["cookies"], summary["third_parties"], summary["fail_on"], summary["verdict"]) == (
        3, 9, 3, "critical", "fail"
    )  # fmt: skip
    assert merged["started"] == shop_report["started"] and merged["finished"] == blog_report["finished"]
    assert merged["scan"]["complete"] is True
    # Consent per site: the report's block is the first site's, each site's is kept.
    assert merged["consent"] == shop_report["consent"]
    assert merged["consents"] == {
        "newtag-shop.com": shop_report["consent"],
        "newtag-blog.com": blog_report["consent"],
    }
    assert {t["host"] for t in merged["tls"]} == {"www.newtag-shop.com", "www.newtag-blog.com"}
    assert (tmp_path / "m" / "report.html").is_file()
    Draft202012Validator(load()).validate(merged)
    assert done.stdout.split() == [str(tmp_path / "m" / "report.html"), str(tmp_path / "m" / "report.json")]


def test_merging_a_report_with_itself_changes_nothing(after: ScanRun, tmp_path: Path):
    report = str(after.out / "report.json")
    done = run_sitescan("merge", report, str(after.out), "--out", str(tmp_path / "m"), "--format", "json")
    assert done.returncode == 0, done.stderr  # the scan's own --fail-on never
    merged = json.loads((tmp_path / "m" / "report.json").read_text(encoding="utf-8"))
    assert merged["scan"].pop("merged") == [
        {"file": report, "targets": [SHOP], "complete": True},
        {"file": str(after.out / "report.json"), "targets": [SHOP], "complete": True},
    ]
    assert merged == after.report


def test_a_partial_input_makes_the_merge_partial(before: ScanRun, blog: ScanRun, tmp_path: Path):
    partial = blog.report
    partial["scan"]["complete"] = False
    partial["summary"]["verdict"] = "fail"
    (tmp_path / "partial.json").write_text(json.dumps(partial), encoding="utf-8")
    done = run_sitescan("merge", str(before.out), str(tmp_path / "partial.json"), "--out", str(tmp_path / "m"),
                        "--fail-on", "never")  # fmt: skip
    assert one_error_line(done) == (
        f"sitescan: error: partial scan: {tmp_path / 'partial.json'}; the merged report is partial"
    )
    merged = json.loads((tmp_path / "m" / "report.json").read_text(encoding="utf-8"))
    assert (merged["scan"]["complete"], merged["summary"]["verdict"]) == (False, "fail")  # never looks clean


def test_merge_refuses_another_schema_or_an_unreadable_file(before: ScanRun, tmp_path: Path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**before.report, "schema": "sitescan/2"}), encoding="utf-8")
    done = run_sitescan("merge", str(before.out), str(other), "--out", str(tmp_path / "m"))
    assert (
        one_error_line(done)
        == f"sitescan: error: {other}: schema 'sitescan/2': sitescan reads 'sitescan/1' only"
    )
    done = run_sitescan(
        "merge", str(before.out), str(tmp_path / "missing.json"), "--out", str(tmp_path / "m")
    )
    assert one_error_line(done) == f"sitescan: error: {tmp_path / 'missing.json'}: no such file"
    assert not (tmp_path / "m").exists()  # refused before writing anything


def test_merged_baseline_blocks_count_an_entry_used_by_any_input_as_used(before: ScanRun, blog: ScanRun):
    from sitescan.merge import merge_reports

    entries = [
        {"line": n, "rule": rule, "url": None, "subject": None, "fingerprint": None, "reason": "r", "expires": "2099-01-01"}
        for n, rule in ((1, "links.privacy-missing"), (5, "cookie.long-lived"), (9, "cookie.insecure"))
    ]  # fmt: skip
    shop, other = before.report, blog.report
    for report, rule, unused in (
        (shop, "links.privacy-missing", entries[1:]),
        (other, "cookie.long-lived", [entries[0], entries[2]]),
    ):
        accepted = [f for f in report["findings"] if f["rule"] == rule]
        for finding in accepted:
            finding.update(baselined=True, baseline={"reason": "r", "expires": "2099-01-01"})
        report["baseline"] = {
            "file": "b.toml",
            "entries": 3,
            "accepted": len(accepted),
            "expired": [],
            "unused": unused,
        }
    merged = merge_reports([(Path("shop.json"), shop), (Path("blog.json"), other)], "never")
    accepted = [f for f in merged["findings"] if f["baselined"]]
    assert {f["rule"] for f in accepted} == {"links.privacy-missing", "cookie.long-lived"}
    assert merged["baseline"] == {
        "file": "b.toml",
        "entries": 3,
        "accepted": len(accepted),
        "expired": [],
        "unused": [entries[2]],
    }
    assert merged["summary"]["baselined"] == len(accepted)
    assert sum(merged["summary"]["findings"].values()) == len(merged["findings"]) - len(accepted)
    Draft202012Validator(load()).validate(merged)


def test_diff_shows_hidden_characters_and_keeps_a_lone_surrogate(before: ScanRun, tmp_path: Path):
    report = before.report
    hidden = {**report["cookies"][0], "name": "\u202egnp.exe\ud800", "phases": ["before-consent"]}
    # A lone surrogate reaches a report.json as its JSON escape (that is how report.json keeps it).
    (tmp_path / "new.json").write_text(
        json.dumps(changed_report(report, cookies=[*report["cookies"], hidden])), encoding="utf-8"
    )
    done = run_sitescan(
        "diff", str(before.out / "report.json"), str(tmp_path / "new.json"), "--out", str(tmp_path / "d")
    )
    assert done.returncode == 0, done.stderr
    assert "+ cookie <U+202E>gnp.exe<U+D800> " in done.stderr
    assert "\u202e" not in done.stderr
    for name in ("diff.md", "diff.html"):
        text = (tmp_path / "d" / name).read_text(encoding="utf-8")
        assert "<U+202E>gnp.exe<U+D800>" in text.replace("&lt;", "<").replace("&gt;", ">"), name
    added = json.loads((tmp_path / "d" / "diff.json").read_text(encoding="utf-8"))["changes"]["cookies"][
        "added"
    ]
    assert "\u202egnp.exe\ud800" in {cookie["id"].split(" ")[0] for cookie in added}
