"""sitescan sees a page as a visitor's browser shows it: no automation tells, and the apps' web views
and phones when asked. The test page writes what it can tell about its visitor as cookie names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import ScanHarness, start_internet

HOME = "https://www.example.com/"


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "identity")


def facts(harness: ScanHarness, tmp_path, *args: str) -> tuple[set[str], str]:
    run = harness.scan(tmp_path, HOME, "--no-sitemap", "--max-pages", "1", *args)
    assert run.returncode == 0, run.stderr
    names = {c["name"] for c in run.report["cookies"]}
    user_agent = [r.headers["user-agent"] for r in harness.browser_served() if r.path == "/"][-1]
    return names, user_agent


def test_a_desktop_visitor_without_automation_tells(identity, tmp_path):
    names, user_agent = facts(identity, tmp_path)
    assert names == {
        "webdriver_false",
        "headless_false",
        "wv_false",
        "safari_true",
        "iphone_false",
        "touch_false",
        "gpc_false",
        "width_1280",
    }
    assert "HeadlessChrome" not in user_agent and "Chrome/" in user_agent


def test_android_web_view(identity, tmp_path):
    names, user_agent = facts(identity, tmp_path, "--webview", "android")
    assert {"webdriver_false", "headless_false", "wv_true", "touch_true", "width_412"} <= names
    assert "; wv)" in user_agent and "Android" in user_agent


def test_ios_web_view_has_no_safari_token(identity, tmp_path):
    names, user_agent = facts(identity, tmp_path, "--webview", "ios")
    assert {"wv_false", "safari_false", "iphone_true", "touch_true", "width_390"} <= names
    assert "Safari/" not in user_agent and "iPhone" in user_agent


def test_a_playwright_device(identity, tmp_path):
    names, user_agent = facts(identity, tmp_path, "--device", "Pixel 7")
    assert {"touch_true", "width_412", "wv_false", "headless_false"} <= names
    assert "Pixel 7" in user_agent


def test_the_gpc_phase_sends_global_privacy_control(identity, tmp_path):
    mark = len(identity.browser_served())
    run = identity.scan(tmp_path, HOME, "--no-sitemap", "--max-pages", "1", "--gpc")
    assert run.returncode == 0, run.stderr
    phases = {c["name"]: c["phases"] for c in run.report["cookies"]}
    assert phases["gpc_false"] == ["before-consent"]
    assert phases["gpc_true"] == ["gpc"]
    assert run.report["pages"][0]["phases"] == ["before-consent", "gpc"]
    pages = [r for r in identity.browser_served()[mark:] if r.path == "/"]
    assert [r.headers.get("sec-gpc") for r in pages] == [None, "1"]
