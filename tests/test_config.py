"""The configuration file: found where users put it, checked with errors that name file, line and key,
and its [[targets]] hand an app's cookies, storage and headers to the web view."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sitescan.config import Config, HandedCookie, Target, load_config
from sitescan.errors import SitescanError

from conftest import ScanHarness, run_sitescan, start_internet


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_no_file_means_an_empty_config(tmp_path):
    assert load_config(None, tmp_path) == Config()


def test_sitescan_toml_wins_over_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.sitescan]\nprofiles = ["eu"]\n')
    assert load_config(None, tmp_path).profiles == ("eu",)
    write(tmp_path / "sitescan.toml", 'profiles = ["canada"]\n')
    assert load_config(None, tmp_path).profiles == ("canada",)


def test_a_pyproject_without_the_table_is_no_config(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "shop"\n')
    assert load_config(None, tmp_path) == Config()


def test_the_contract_example_parses(tmp_path):
    config = load_config(
        write(
            tmp_path / "sitescan.toml",
            """
            profiles = ["canada"]
            privacy_policy = "https://www.iqommerce.com/privacy"

            [[vendors]]
            name = "Google"
            domains = ["google.com", "google-analytics.com", "googletagmanager.com"]
            purposes = ["analytics"]

            [[cookies]]
            name = "_ga*"
            category = "analytics"
            vendor = "Google"

            [[targets]]
            url = "https://app.iqommerce.com/"
            webview = "android"
            headers = { "X-App-Version" = "5.2" }
            cookies = [{ name = "consent", value = "analytics:no", domain = "app.iqommerce.com" }]
            """,
        )
    )
    assert config.privacy_policy == "https://www.iqommerce.com/privacy"
    assert config.vendors[0]["domains"] == ["google.com", "google-analytics.com", "googletagmanager.com"]
    assert config.cookies[0] == {"name": "_ga*", "category": "analytics", "vendor": "Google"}
    assert config.targets == (
        Target(
            url="https://app.iqommerce.com/",
            webview="android",
            headers=(("X-App-Version", "5.2"),),
            cookies=(HandedCookie("consent", "analytics:no", "app.iqommerce.com"),),
        ),
    )
    assert config.target_for("https://other.example/") == Target("https://other.example/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('profiles = "canada"\n', "sitescan.toml:1: profiles: must be a list of profile names"),
        ("privacy_policy = 'privacy'\n", "sitescan.toml:1: privacy_policy: not a web address: 'privacy'"),
        (
            '[[cookies]]\nname = "_ga"\ncategory = "tracking"\n',
            "sitescan.toml:3: cookies[0].category: must be one of necessary, preferences, analytics, marketing",
        ),
        (
            '[[targets]]\nurl = "https://a.example.com/"\n\n[[targets]]\nurl = "https://b.example.com/"\nwebview = "windows"\n',
            "sitescan.toml:6: targets[1].webview: must be 'android' or 'ios'",
        ),
        ('[[targets]]\nwebview = "ios"\n', "sitescan.toml:1: targets[0].url: must be a URL string"),
        (
            '[[targets]]\nurl = "https://a.example.com/"\ncookies = [{ name = "c", domain = "a.example.com" }]\n',
            "sitescan.toml:3: targets[0].cookies[0].value: must be a string",
        ),
        (
            "[[vendors]]\nname = 'X'\ndomains = 'x.com'\n",
            "sitescan.toml:3: vendors[0].domains: must be a list of strings",
        ),
        (
            '[[targets]]\nurl = "https://a.example.com/"\n\n[targets.consent.accept]\nurl_params = { consent = 1 }\n',
            "sitescan.toml:5: targets[0].consent.accept.url_params: must be a table of strings",
        ),
        (
            '[[targets]]\nurl = "https://a.example.com/"\n[targets.consent.reject]\n'
            'cookies = [{ name = "c", value = "v" }]\n',
            "sitescan.toml:4: targets[0].consent.reject.cookies[0].domain: must be a string",
        ),
        (
            '[[targets]]\nurl = "https://a.example.com/"\n[targets.consent.later]\nurl_params = {}\n',
            "sitescan.toml:1: targets[0].consent: must hold [targets.consent.accept] and/or "
            "[targets.consent.reject]",
        ),
        ("profiles = [\n", "sitescan.toml: not valid TOML:"),
    ],
)
def test_errors_name_the_file_line_and_key(tmp_path, text, message):
    path = write(tmp_path / "sitescan.toml", text)
    with pytest.raises(SitescanError) as raised:
        load_config(None, tmp_path)
    assert str(raised.value).startswith(str(path.parent / message))


def test_a_bad_config_exits_2_with_one_line(tmp_path):
    config = write(
        tmp_path / "sitescan.toml", '[[targets]]\nurl = "https://a.example.com/"\nwebview = "tv"\n'
    )
    done = run_sitescan("scan", "--config", str(config), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"sitescan: error: {config}:3: targets[0].webview: must be 'android' or 'ios'"
    )


def test_a_missing_config_file_is_refused(tmp_path):
    done = run_sitescan("scan", "https://www.example.com/", "--config", str(tmp_path / "nope.toml"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"sitescan: error: --config {tmp_path / 'nope.toml'}: no such file"


@pytest.fixture(scope="module")
def app_internet(tmp_path_factory: pytest.TempPathFactory):
    yield from start_internet(tmp_path_factory, "app")


def test_a_target_hands_the_app_state_to_its_web_view(app_internet: ScanHarness, tmp_path):
    config = write(
        tmp_path / "sitescan.toml",
        """
        [[targets]]
        url = "https://www.example.com/"
        webview = "android"
        headers = { "X-App-Version" = "5.2" }
        cookies = [{ name = "consent", value = "analytics:no", domain = "www.example.com" }]
        local_storage = { "app_session" = "handed-over" }
        """,
    )
    run = app_internet.scan(tmp_path / "out", "--config", str(config), "--no-sitemap")  # no URL: the config's
    assert run.returncode == 0, run.stderr
    report = run.report
    assert report["targets"] == ["https://www.example.com/"]
    # The page saw the handed-over cookie and storage; the handed-over cookie is no page's doing.
    assert {c["name"] for c in report["cookies"]} == {"saw_consent_true", "saw_session_true"}
    assert {(s["key"], s["origin"]) for s in report["storage"]} == {
        ("app_session", "https://www.example.com")
    }
    served = app_internet.browser_served()
    page = [r for r in served if r.host == "www.example.com" and r.path == "/"][-1]
    assert page.headers["x-app-version"] == "5.2"
    assert "; wv)" in page.headers["user-agent"]
    partner = [r for r in served if r.host == "widget.example.net"][-1]
    assert "x-app-version" not in partner.headers  # the app's header never goes to third parties


WEBVIEW_CONSENT = """
[[targets]]
url = "https://webview.example.org/"
webview = "ios"
[targets.consent.accept]
url_params = { consent = "granted" }
[targets.consent.reject]
cookies = [{ name = "app_consent", value = "%s", domain = "webview.example.org" }]
local_storage = { consent = "denied" }
"""
TAG_HOSTS = {
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "connect.facebook.net",
    "www.facebook.com",
}


def test_an_app_hands_each_consent_choice_to_its_web_view(app_internet: ScanHarness, tmp_path):
    config = write(tmp_path / "sitescan.toml", WEBVIEW_CONSENT % "denied")
    run = app_internet.scan(tmp_path / "out", "--config", str(config), "--no-sitemap")
    assert run.returncode == 0, run.stderr
    report = run.report
    consent = report["consent"]
    # No banner anywhere: the phases come from what the app hands over, and the report says which.
    assert (consent["cmp"], consent["banner"], consent["accept"], consent["reject"]) == (
        None,
        False,
        True,
        True,
    )
    assert consent["handed_over"] == {
        "after-accept": ["URL parameter consent=granted"],
        "after-reject": ["cookie app_consent", "localStorage consent"],
    }
    assert [
        (c["phase"], c["page"], c["engine"], c["rule"], c["stored"], c["verified"], c["error"])
        for c in consent["choices"]
    ] == [
        ("after-accept", "https://webview.example.org/?consent=granted", "handed-over",
         "targets.consent.accept", "accept", True, None),
        ("after-reject", "https://webview.example.org/", "handed-over",
         "targets.consent.reject", "reject", True, None),
    ]  # fmt: skip
    third = {t["host"]: t["phases"] for t in report["third_parties"]}
    assert set(third) == TAG_HOSTS and all(phases == ["after-accept"] for phases in third.values())
    pages = {p["url"]: p["phases"] for p in report["pages"]}
    assert pages == {
        "https://webview.example.org/": ["before-consent", "after-accept", "after-reject"],
        "https://webview.example.org/?consent=granted": ["after-accept"],
        "https://webview.example.org/page2": ["before-consent", "after-accept", "after-reject"],
    }
    cookies = {(c["name"], c["phases"][0]) for c in report["cookies"]}
    assert ("app_consent", "after-accept") in cookies  # set by the page from the URL parameter


def test_a_hand_over_the_page_does_not_understand_is_an_error(app_internet: ScanHarness, tmp_path):
    config = write(tmp_path / "sitescan.toml", WEBVIEW_CONSENT % "no")
    run = app_internet.scan(tmp_path / "out", "--config", str(config), "--no-sitemap", "--consent", "reject")
    assert run.returncode == 0, run.stderr
    consent = run.report["consent"]
    assert (consent["reject"], consent["accept"]) == (False, None)
    (choice,) = consent["choices"]
    assert (choice["verified"], choice["error"]) == (
        False,
        "the site replaced the handed-over cookie app_consent",
    )
