"""--max-pages, --depth, --include, --exclude and --no-sitemap decide exactly which pages are visited."""

from __future__ import annotations

import json

import pytest

from conftest import ScanHarness

HOME = "https://www.example.com/"


def visited(harness: ScanHarness, tmp_path, *args: str) -> list[str]:
    run = harness.scan(tmp_path, HOME, *args)
    assert run.returncode == 0, run.stderr
    return [page["url"].removeprefix("https://www.example.com") for page in run.report["pages"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--no-sitemap", "--depth", "0"], ["/"]),
        (["--depth", "0"], ["/", "/hidden"]),  # sitemap pages are start pages
        (["--no-sitemap", "--max-pages", "3"], ["/", "/products", "/about"]),
        (
            ["--no-sitemap", "--depth", "1", "--exclude", "search|old-|files/"],
            ["/", "/products", "/about", "/newsletter"],
        ),
        (
            ["--no-sitemap", "--include", "/products"],
            ["/", "/products", "/products/1"],
        ),  # the start URL always
    ],
)
def test_crawl_limits(shop_internet, tmp_path, args, expected):
    assert visited(shop_internet, tmp_path, *args) == expected


def test_har_files_per_phase(shop_internet, tmp_path):
    run = shop_internet.scan(tmp_path, "https://www.example.com/hidden", "--no-sitemap", "--har", "--gpc")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "har").iterdir()) == ["before-consent.har", "gpc.har"]
    entries = json.loads((tmp_path / "har" / "before-consent.har").read_text())["log"]["entries"]
    assert [e["request"]["url"] for e in entries if e["request"]["url"].endswith("/hidden")] == [
        "https://www.example.com/hidden"
    ]
