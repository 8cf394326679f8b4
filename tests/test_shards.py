"""--shard K/N splits the URL set (start URLs, sitemap, --urls) the same way in every CI job, and
`sitescan merge` of the shards' reports equals one run over the whole set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ScanHarness, ScanRun, run_sitescan

HOME = "https://www.example.com/"
# The shop's pages (tests/test_scan_catalogue.py): the URL set a release job hands the shards.
PAGES = [
    "https://www.example.com/hidden",
    "https://www.example.com/products",
    "https://www.example.com/about",
    "https://www.example.com/search?b=2&a=1",
    "https://www.example.com/old-about",
    "https://www.example.com/files/catalogue.pdf",
    "https://www.example.com/newsletter",
    "https://www.example.com/products/1",
]


def scan(shop_internet: ScanHarness, out: Path, *args: str) -> ScanRun:
    run = shop_internet.scan(out, HOME, "--consent", "none", *args)
    assert run.returncode == 0, run.stderr
    return run


def identities(report: dict) -> dict[str, set]:
    return {
        "pages": {(p["url"], p["status"]) for p in report["pages"]},
        "cookies": {(c["name"], c["domain"], tuple(c["phases"])) for c in report["cookies"]},
        "third_parties": {(t["host"], tuple(t["phases"]), t["requests"]) for t in report["third_parties"]},
        "findings": {f["fingerprint"] for f in report["findings"]},
    }


def test_two_shards_merged_equal_one_run_over_the_whole_url_set(shop_internet: ScanHarness, tmp_path: Path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(PAGES), encoding="utf-8")
    whole = scan(shop_internet, tmp_path / "whole", "--urls", str(urls), "--shard", "1/1")
    first = scan(shop_internet, tmp_path / "first", "--urls", str(urls), "--shard", "1/2")
    second = scan(shop_internet, tmp_path / "second", "--urls", str(urls), "--shard", "2/2")
    pages = {p["url"] for p in whole.report["pages"]}
    shares = [{p["url"] for p in run.report["pages"]} - {HOME} for run in (first, second)]
    # A real split: every page but the start URL (which every shard scans, for the banner) is in one share.
    assert shares[0] and shares[1] and not shares[0] & shares[1]
    assert shares[0] | shares[1] | {HOME} == pages == {HOME, *PAGES}
    assert first.report["scan"]["settings"]["shard"] == "1/2"
    done = run_sitescan(
        "merge",
        str(first.out / "report.json"),
        str(second.out / "report.json"),
        "--out",
        str(tmp_path / "merged"),
    )
    assert done.returncode in (0, 1), done.stderr
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert identities(merged) == identities(whole.report)
    # The same split every time: a shard is a pure function of the URL set.
    again = scan(shop_internet, tmp_path / "again", "--urls", str(urls), "--shard", "1/2")
    assert {p["url"] for p in again.report["pages"]} == {p["url"] for p in first.report["pages"]}


def test_a_url_list_adds_pages_to_scan(shop_internet: ScanHarness, tmp_path: Path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# pages the release touched\nhttps://www.example.com/hidden\n\n", encoding="utf-8")
    run = scan(
        shop_internet,
        tmp_path / "out",
        "--no-sitemap",
        "--max-pages",
        "2",
        "--depth",
        "0",
        "--urls",
        str(urls),
    )
    assert [p["url"] for p in run.report["pages"]] == [HOME, "https://www.example.com/hidden"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "3/2"], "bad --shard '3/2': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--shard", "x"], "bad --shard 'x': give K/N with 1 <= K <= N, e.g. 2/4"),
    ],
)
def test_a_bad_shard_is_one_line_and_exit_2(args, message):
    done = run_sitescan("scan", HOME, *args)
    assert (done.returncode, done.stderr.strip()) == (2, f"sitescan: error: {message}")


def test_a_bad_url_list_names_its_line(tmp_path: Path):
    urls = tmp_path / "urls.txt"
    urls.write_text("https://www.example.com/a\nnot a url\n", encoding="utf-8")
    done = run_sitescan("scan", HOME, "--urls", str(urls))
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"sitescan: error: --urls {urls}:2: ")
