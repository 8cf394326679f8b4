"""--concurrency N loads N pages of a phase at once in tabs of one browser context, which share a cookie
jar: what each page set must still be told apart, so a scan's catalogue is the same at any concurrency."""

from __future__ import annotations

from pathlib import Path

from conftest import ScanHarness

HOME = "https://www.example.com/"


def attribution(report: dict) -> dict[str, set]:
    """Every cookie, third party and beacon with the pages it was seen on, and every finding."""
    return {
        "pages": {(p["url"], p["status"]) for p in report["pages"]},
        "cookies": {
            (c["name"], c["domain"], tuple(c["phases"]), tuple(sorted(c["pages"]))) for c in report["cookies"]
        },
        "third_parties": {(t["host"], tuple(t["phases"]), t["requests"]) for t in report["third_parties"]},
        # A beacon's query holds a client id and a time: its endpoint is what a scan must find.
        "beacons": {(b["url"].split("?", 1)[0], tuple(b["phases"])) for b in report["beacons"]},
        "findings": {f["fingerprint"] for f in report["findings"]},
    }


def test_three_tabs_at_once_catalogue_each_page_as_one_tab_does(shop_internet: ScanHarness, tmp_path: Path):
    one = shop_internet.scan(tmp_path / "one", HOME, "--consent", "none", "--concurrency", "1")
    three = shop_internet.scan(tmp_path / "three", HOME, "--consent", "none", "--concurrency", "3")
    assert one.returncode == three.returncode == 0, (one.stderr, three.stderr)
    assert three.report["scan"]["settings"]["concurrency"] == 3
    expected = attribution(one.report)
    # The shop's pages set cookies of their own: a jar shared by three tabs must not blur them.
    assert any(len(pages) == 1 and pages[0] != HOME for *_, pages in expected["cookies"])
    assert attribution(three.report) == expected
