"""Scanning behind a login ([targets.login]): each phase logs in with credentials from the environment,
the members' pages are catalogued, and the credentials appear in no output, though the test site echoes
the username into titles, a link's query, a cookie name and a storage key, and its login form is GET (the
password travels in a URL)."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

from sitescan.artifacts import LinkRecord
from sitescan.config import load_config
from sitescan.errors import SitescanError
from sitescan.redact import Secrets

from conftest import ScanHarness, ScanRun, start_internet

SITE = "https://www.members-shop.com"
LOGIN_PAGE = f"{SITE}/account/login/"
# The test site's member (its login page checks them): distinctive, so that a leak cannot go unseen.
USERNAME = "scan.member-7qz@members-shop.test"
PASSWORD = "Kx9 v&w+Q!ux3 tz"
WRONG_PASSWORD = "Wr0ng pa55 zq!8"
CREDENTIALS = {"MEMBERS_SCAN_USER": USERNAME, "MEMBERS_SCAN_PASSWORD": PASSWORD}
REDACTED_QUERY = "email=[redacted]&password=[redacted]"


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "login")


def write_config(path: Path, login_lines: str = 'logged_in = ".account-menu"') -> Path:
    config = path / "sitescan.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            [[targets]]
            url = "{SITE}/"

            [targets.login]
            url = "{LOGIN_PAGE}"
            username_env = "MEMBERS_SCAN_USER"
            password_env = "MEMBERS_SCAN_PASSWORD"
            """
        )
        + login_lines
        + "\n",
        encoding="utf-8",
    )
    return config


def spellings(value: str) -> set[str]:
    """How an output could carry ``value``: as typed, percent-encoded (forms, URLs), HTML-escaped."""
    return {value, quote(value, safe=""), quote_plus(value), html.escape(value)}


def leaks(run: ScanRun, *values: str) -> list[str]:
    """Where any spelling of ``values`` appears: each output file (raw bytes) and stdout/stderr."""
    found = []
    outputs = {str(path): path.read_bytes() for path in sorted(run.out.rglob("*")) if path.is_file()}
    outputs |= {"stdout": run.stdout.encode(), "stderr": run.stderr.encode()}
    for name, content in outputs.items():
        for value in values:
            found += [f"{name}: {form}" for form in spellings(value) if form.encode() in content]
    return found


def logout_requests(harness: ScanHarness, since: int) -> list[str]:
    return [
        r.path
        for r in harness.browser_served()[since:]
        if r.path.startswith(("/account/logout", "/account/goodbye"))
    ]


def test_the_members_pages_are_scanned_and_the_credentials_appear_in_no_output(members, tmp_path):
    mark = len(members.browser_served())
    # The fields and the button by selector (the defaults find them in the tests of wrong credentials).
    selectors = 'username_field = "#email"\npassword_field = "#password"\nsubmit = "#login button"\n'
    config = write_config(tmp_path, selectors + 'logged_in = ".account-menu"')
    run = members.scan(
        tmp_path / "out",
        "--config", str(config), "--gpc", "--format", "html,json,junit,sarif,md",
        env=CREDENTIALS,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = run.report

    # Logged in in every phase: the members' pages show their own titles (the username echoed, taken
    # out), never the login page a visitor without a session is sent to.
    every_phase = ["before-consent", "after-accept", "after-reject", "gpc"]
    assert [(p["url"], p["title"], p["phases"]) for p in report["pages"]] == [
        (LOGIN_PAGE, "Sign in", every_phase),  # the login's own visit, then the crawl's (linked from /)
        (f"{SITE}/", "Members Shop", every_phase),
        (f"{SITE}/privacy/", "Privacy policy", every_phase),
        (f"{SITE}/account/", "Your account: [redacted]", every_phase),
        (f"{SITE}/account/orders/?customer=[redacted]", "Your orders: [redacted]", every_phase),
    ]
    assert report["scan"]["settings"]["logins"] == [LOGIN_PAGE]

    # The session cookie is the login's: recorded in the phases that take no consent choice (the login
    # comes before the choice in the others); the request that set it has the credentials taken out.
    cookies = {c["name"]: c for c in report["cookies"]}
    session = cookies["member_session"]
    assert {k: session[k] for k in ("set_by", "http_only", "secure", "phases", "pages")} == {
        "set_by": "header",
        "http_only": True,
        "secure": True,
        "phases": ["before-consent", "gpc"],
        "pages": [LOGIN_PAGE],
    }
    assert cookies["greeted_[redacted]"]["phases"] == every_phase
    assert [s["key"] for s in report["storage"]] == ["recent_user:[redacted]"]
    # The form's submission, redirected to the account.
    redirected = [
        (r["phase"], r["redirect_chain"], r["url"]) for r in report["requests"] if r["redirect_chain"]
    ]
    assert redirected == [
        (phase, [f"{SITE}/account/session?{REDACTED_QUERY}"], f"{SITE}/account/")
        for phase in ("before-consent", "gpc")
    ]

    # No way out was taken: neither the address that says logout (linked, and listed in the sitemap) nor
    # the link only whose text says so.
    assert logout_requests(members, mark) == []
    assert leaks(run, USERNAME, PASSWORD, "member-7qz") == []  # and a part of it, however escaped


@pytest.mark.parametrize(("password", "state"), [(None, "not set"), ("", "empty")], ids=["unset", "empty"])
def test_a_missing_variable_is_a_one_line_error_naming_it(members, tmp_path, password, state):
    config = write_config(tmp_path)
    env = {"MEMBERS_SCAN_USER": USERNAME} | ({} if password is None else {"MEMBERS_SCAN_PASSWORD": password})
    run = members.scan(tmp_path / "out", "--config", str(config), env=env)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"sitescan: error: {config}:7: targets[0].login.password_env: the environment variable "
        f"MEMBERS_SCAN_PASSWORD is {state}"
    ]
    assert leaks(run, USERNAME) == []


@pytest.mark.parametrize(
    ("login_lines", "reason"),
    [
        (
            'logged_in = ".account-menu"',
            ".account-menu did not appear within 3 s of submitting the form: check MEMBERS_SCAN_USER "
            "and MEMBERS_SCAN_PASSWORD",
        ),
        (
            "",
            "the page after submitting the form still asks for a password: check MEMBERS_SCAN_USER and "
            "MEMBERS_SCAN_PASSWORD (or give logged_in)",
        ),
    ],
    ids=["logged-in-selector", "form-comes-back"],
)
def test_wrong_credentials_stop_the_scan_before_any_page(members, tmp_path, login_lines, reason):
    """A failed login is an error (exit 2), not a scan of the public site that could pass for the
    members' area; and the next phases do not try the wrong password again."""
    mark = len(members.browser_served())
    config = write_config(tmp_path, login_lines)
    wrong = {"MEMBERS_SCAN_USER": USERNAME, "MEMBERS_SCAN_PASSWORD": WRONG_PASSWORD}
    run = members.scan(tmp_path / "out", "--config", str(config), "--timeout", "3", env=wrong)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"sitescan: error: could not log in at {LOGIN_PAGE} (before-consent): {reason}"
    ]
    assert list(run.out.iterdir()) == []  # no report that could pass for a scan of the members' area
    # One attempt (the later phases never start), the right fields filled: the default ones.
    attempts = [r.path for r in members.browser_served()[mark:] if r.path.startswith("/account/login/?")]
    assert [parse_qs(urlsplit(path).query) for path in attempts] == [
        {"email": [USERNAME], "password": [WRONG_PASSWORD]}
    ]
    assert leaks(run, USERNAME, WRONG_PASSWORD) == []


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "--har",
            "--har cannot be used with a login ([targets.login]): a HAR file records the login form's data "
            "and the session's cookies as they were sent",
        ),
        (
            "--keep-values",
            "--keep-values cannot be used with a login ([targets.login]): the report would hold the session "
            "cookie, which opens the account while it is valid",
        ),
    ],
)
def test_options_that_would_record_the_session_are_refused_with_a_login(members, tmp_path, flag, message):
    config = write_config(tmp_path)
    run = members.scan(tmp_path / "out", "--config", str(config), flag, env=CREDENTIALS)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"sitescan: error: {message}"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'password = "hunter2 in the file"',
            "targets[0].login.password: credentials never go in the config file: put the password in an "
            "environment variable and name it with password_env",
        ),
        (
            'username = "hunter2 in the file"',
            "targets[0].login.username: credentials never go in the config file: put the username in an "
            "environment variable and name it with username_env",
        ),
    ],
)
def test_credentials_in_the_config_file_are_refused_without_echoing_them(tmp_path, line, message):
    config = write_config(tmp_path, line)
    with pytest.raises(SitescanError) as raised:
        load_config(config)
    assert str(raised.value) == f"{config}:8: {message}"


def test_an_env_key_holding_a_pasted_password_is_refused_without_echoing_it(tmp_path):
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace('"MEMBERS_SCAN_PASSWORD"', '"hunter2"')
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SitescanError) as raised:
        load_config(config)
    assert str(raised.value) == (
        f"{config}:7: targets[0].login.password_env: must name an environment variable (A-Z, 0-9 and _)"
    )


def test_the_login_page_must_be_on_the_targets_site(tmp_path):
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace(LOGIN_PAGE, "https://accounts.example.org/login")
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SitescanError) as raised:
        load_config(config)
    assert (
        str(raised.value)
        == f"{config}:5: targets[0].login.url: must be on the target's site (members-shop.com)"
    )


def test_a_secret_is_redacted_however_a_site_spells_it():
    secrets = Secrets((USERNAME, PASSWORD))
    assert repr(secrets) == "Secrets(2 values)"  # whatever prints the options, never the values
    spelled = {
        "typed, in another case": "Welcome, SCAN.MEMBER-7QZ@members-shop.test!",
        "form-encoded": "/account/session?email=scan.member-7qz%40members-shop.test&password=Kx9+v%26w%2BQ%21ux3+tz",
        "percent-encoded": "greeted_scan.member-7qz%40members-shop.test",
        "encoded twice": "next=%2Fx%3Fp%3DKx9%2520v%2526w%252BQ%2521ux3%2520tz",
    }
    assert {how: secrets.scrub(text) for how, text in spelled.items()} == {
        "typed, in another case": "Welcome, [redacted]!",
        "form-encoded": f"/account/session?{REDACTED_QUERY}",
        "percent-encoded": "greeted_[redacted]",
        "encoded twice": "next=%2Fx%3Fp%3D[redacted]",
    }
    # Dataclasses, tuples, lists and dict keys too (artifacts, visits).
    assert secrets.scrub({USERNAME: [LinkRecord(PASSWORD, "x"), 1, None]}) == {
        "[redacted]": [LinkRecord("[redacted]", "x"), 1, None]
    }
    assert Secrets().scrub(USERNAME) == USERNAME
