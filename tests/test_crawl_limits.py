"""--max-pages, --depth, --include, --exclude and --no-sitemap decide exactly which pages are visited."""

from __future__ import annotations

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
