"""Bad input of every kind (issue #7): one line on stderr, "sitescan: error: ..." naming the culprit (the
flag, or the file, its line and key), exit code 2, never a traceback. No browser starts: sitescan's own
``main`` runs in the test's process, which would fail on any exception that escaped it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from sitescan.artifacts import ScanArtifacts
from sitescan.cli import main
from sitescan.collect import email
from sitescan.config import Config
from sitescan.report import build_report

from conftest import run_sitescan

URL = "https://www.example.com/"
ARTIFACTS = ScanArtifacts(
    "0.1.0", (URL,), "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00", "Chromium"
)
REPORT = build_report(ARTIFACTS, Config())
FINDING = {"rule": "cookie.long-lived", "severity": "low", "title": "Long-lived cookie", "url": URL,
           "phase": "after-accept", "subject": "_ga .example.com", "evidence": {}, "fingerprint": "0123456789abcdef",
           "baselined": False}  # fmt: skip


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no sitescan.toml or pyproject.toml is found by chance."""
    monkeypatch.chdir(tmp_path)


def sitescan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Exit code and stderr lines of ``sitescan ARGS``, run in this process."""
    argv = sys.argv
    sys.argv = ["sitescan", *args]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    return int(exited.value.code or 0), capsys.readouterr().err.splitlines()


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line of a refused run, less "sitescan: error: "."""
    code, lines = sitescan(capsys, *args)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("sitescan: error: "), lines
    return lines[0].removeprefix("sitescan: error: ")


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Reading ``path`` fails as without permission (the tests may run as root, whom chmod does not stop)."""
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


# -- start URLs ------------------------------------------------------------------------------------------

EXPECTED_URL = "expected http://HOST/... or https://HOST/..."


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", EXPECTED_URL),
        ("file:///etc/passwd", EXPECTED_URL),
        ("https:///shop", EXPECTED_URL),  # an empty host
        ("http://", EXPECTED_URL),
        ("   ", EXPECTED_URL),
        ("%%% garbage %%%", EXPECTED_URL),
        ("https://[::1/", "bad IPv6 address"),  # no closing bracket: urlsplit raised ValueError
        ("https://[zz::1]/", "bad IPv6 address"),
        ("https://[1.2.3.4]/", "bad IPv6 address"),
        ("https://[fe80::1%25eth0]/", "bad IPv6 address"),
        ("https://[::1]x/", "bad port"),
        ("https://www.example.com:0/", "bad port"),
        ("https://www.example.com:-1/", "bad port"),
        ("https://www.example.com:80:80/", "bad port"),
        ("https://www..example.com/", "bad host name"),
        ("https://./", "bad host name"),
        ("https://999.1.1.1/", "bad IPv4 address"),
        ("https://1.2.3.4.5/", "bad IPv4 address"),
        ("https://www.example.com/a b", "spaces and control characters must be percent-encoded"),
        ("https://www.example.com/\x07", "spaces and control characters must be percent-encoded"),
    ],
)
def test_a_bad_start_url_is_refused_before_any_browser(capsys, tmp_path, url, reason):
    out = tmp_path / "out"
    assert refused(capsys, "scan", url, "--out", str(out)) == f"not a web address: {url!r} ({reason})"
    assert not out.exists()


# -- scan options ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--connect-to", "a:1:b"], "bad --connect-to 'a:1:b': expected HOST1:PORT1:HOST2:PORT2"),
        (["--connect-to", "a:1:b:2:3"], "bad --connect-to 'a:1:b:2:3': expected HOST1:PORT1:HOST2:PORT2"),
        (["--connect-to", "a:x:b:2"], "bad --connect-to 'a:x:b:2': expected HOST1:PORT1:HOST2:PORT2"),
        (["--connect-to", "a:1:b:\uff18"], "bad --connect-to 'a:1:b:\uff18': expected HOST1:PORT1:HOST2:PORT2"),
        (["--connect-to", "a b:1:c:2"], "bad --connect-to 'a b:1:c:2': bad host name 'a b'"),
        (["--connect-to", "a:1:[zz]:2"], "bad --connect-to 'a:1:[zz]:2': bad IPv6 address '[zz]'"),
        (["--connect-to", "a:0:b:1"], "bad --connect-to 'a:0:b:1': port 0 out of range"),
        (["--connect-to", "a:1::"], "bad --connect-to 'a:1::': names no destination host or port"),
        (["--connect-to", ":443::8443"], "--connect-to with an empty HOST1 needs a destination host (HOST2)"),
        (["--shard", "0/2"], "bad --shard '0/2': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--shard", "1/0"], "bad --shard '1/0': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--shard", "x/y"], "bad --shard 'x/y': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--shard", "-1/2"], "bad --shard '-1/2': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--shard", "1/"], "bad --shard '1/': give K/N with 1 <= K <= N, e.g. 2/4"),
        (["--proxy", "http://proxy.example"], "bad --proxy 'http://proxy.example': expected http://HOST:PORT or socks5://HOST:PORT"),
        (["--proxy", "http://proxy.example:0"], "bad --proxy 'http://proxy.example:0': bad port"),
        (["--proxy", "http://proxy.example:99999"], "bad --proxy 'http://proxy.example:99999': bad port"),
        (["--proxy", "http://pro xy:8080"], "bad --proxy 'http://pro xy:8080': bad host name"),
        (["--proxy", "socks5://[::1:1080"], "bad --proxy 'socks5://[::1:1080': expected http://HOST:PORT or socks5://HOST:PORT"),
        (["--proxy", "http://proxy.example:8080/pac"], "bad --proxy 'http://proxy.example:8080/pac': a proxy URL has no path or query"),
        (["--browser-ws", "ws://"], "bad --browser-ws 'ws://': expected ws://HOST:PORT/ or wss://..."),
        (["--browser-ws", "ws://127.0.0.1:99999/"], "bad --browser-ws 'ws://127.0.0.1:99999/': bad port"),
        (["--browser-ws", "wss://[::1/"], "bad --browser-ws 'wss://[::1/': bad IPv6 address"),
        (["--browser-ws", "ws://bad host:3000/"], "bad --browser-ws 'ws://bad host:3000/': bad host name"),
    ],
)  # fmt: skip
def test_a_bad_option_is_refused_before_any_browser(capsys, tmp_path, args, message):
    out = tmp_path / "out"
    assert refused(capsys, "scan", URL, *args, "--out", str(out)) == message
    assert not out.exists()


def test_a_url_list_that_is_no_text_or_no_file_is_named(capsys, tmp_path):
    binary = tmp_path / "urls.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    assert (
        refused(capsys, "scan", URL, "--urls", str(binary))
        == f"--urls {binary}: not a text file (UTF-8) of URLs"
    )
    missing = tmp_path / "missing.txt"
    assert (
        refused(capsys, "scan", URL, "--urls", str(missing)) == f"--urls {missing}: No such file or directory"
    )


def test_an_unknown_device_suggests_the_names_meant(capsys, tmp_path):
    out = tmp_path / "out"
    message = refused(capsys, "scan", URL, "--device", "pixel7", "--out", str(out))
    assert message.startswith("unknown --device 'pixel7': did you mean 'Pixel 7'")  # the closest first
    assert message.endswith("?")
    assert not out.exists()


def test_an_unknown_device_like_no_other_names_two_that_are(capsys):
    assert refused(capsys, "scan", URL, "--device", "Qzxqzx") == (
        "unknown --device 'Qzxqzx': not one of Playwright's device names, such as 'Pixel 7' or 'iPhone 15'"
    )


# -- the configuration file -------------------------------------------------------------------------------

TARGET = '[[targets]]\nurl = "https://app.example.com/"\n'


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("sitescan.toml", 'profiles = ["eu"\nprivacy_policy = "x"\n', ": not valid TOML: Unclosed array (at line 2, column 1)"),
        ("sitescan.toml", "profiles = [\n", ": not valid TOML: Invalid value (at the end, line 2)"),
        ("sitescan.toml", TARGET + "webview = android\n", ": not valid TOML: Invalid value (at line 3, column 11)"),
        ("sitescan.toml", 'profiles = ["mars"]\n', ":1: profiles: unknown profile 'mars': choose from canada, eu, us-ca"),
        ("sitescan.toml", 'privacy_policy = "https://[::1/privacy"\n', ":1: privacy_policy: not a web address: 'https://[::1/privacy' (bad IPv6 address)"),
        ("sitescan.toml", "[thresholds]\nmax_cookie_days = nan\n", ":2: thresholds.max_cookie_days: must be a number, 0 or more"),
        ("sitescan.toml", "[thresholds]\nmax_cookie_days = inf\n", ":2: thresholds.max_cookie_days: must be a number, 0 or more"),
        ("sitescan.toml", "[thresholds]\nhsts_min_max_age = true\n", ":2: thresholds.hsts_min_max_age: must be a number, 0 or more"),
        ("sitescan.toml", "[thresholds]\nmax_days = 30\n", ":2: thresholds.max_days: unknown threshold: choose from max_cookie_days, certificate_expiring_days, hsts_min_max_age"),
        ("sitescan.toml", '[[vendors]]\ndomains = ["google.com"]\n', ":1: vendors[0].name: must be a non-empty string"),
        ("sitescan.toml", '[[cookies]]\nname = "_ga"\ncategory = "analytics"\nvendor = ""\n', ":4: cookies[0].vendor: must be a non-empty string"),
        ("sitescan.toml", 'essential_cookies = "session"\n', ":1: essential_cookies: must be a list of strings"),
        ("sitescan.toml", TARGET + 'webveiw = "ios"\n', ":3: targets[0].webveiw: unknown key: did you mean 'webview'?"),
        ("sitescan.toml", TARGET + 'device = "Qzxqzx"\n', ":3: targets[0].device: unknown device 'Qzxqzx': not one of Playwright's device names, such as 'Pixel 7' or 'iPhone 15'"),
        ("sitescan.toml", TARGET + 'headers = { "X App" = "5.2" }\n', ":3: targets[0].headers: 'X App' is not a header name"),
        ("sitescan.toml", TARGET + 'headers = { "X-App" = "5.2\\r\\nX-Evil: 1" }\n', ":3: targets[0].headers: the value of 'X-App' holds a line break or NUL"),
        ("sitescan.toml", TARGET + 'cookies = [{ name = "c", value = "v", domain = "app.example.com", samesite = "Lax" }]\n', ":3: targets[0].cookies[0].samesite: unknown key: did you mean 'same_site'?"),
        ("sitescan.toml", TARGET + 'cookies = [{ name = "c", value = "v", domain = "app.example.com", secure = "yes" }]\n', ":3: targets[0].cookies[0].secure: must be true or false"),
        ("sitescan.toml", TARGET + 'cookies = [{ name = "c", value = "v", domain = "app.example.com", path = "app" }]\n', ":3: targets[0].cookies[0].path: must be a path starting with /"),
        ("sitescan.toml", TARGET + "consent = { accept = 3 }\n", ":3: targets[0].consent.accept: must set cookies, local_storage and/or url_params"),
        ("sitescan.toml", TARGET + "\n[targets.consent.reject]\ncookie = []\n", ":4: targets[0].consent.reject: must set cookies, local_storage and/or url_params"),
        ("sitescan.toml", TARGET + '\n[[targets]]\nurl = "https://b.example.com/"\n[targets.consent.accept]\nlocal_storage = { consent = 1 }\n', ":7: targets[1].consent.accept.local_storage: must be a table of strings"),
        ("pyproject.toml", "[tool]\nsitescan = 3\n", ":2: [tool.sitescan]: must be a table"),
        ("pyproject.toml", '[tool.other]\nprofiles = 1\n[tool.sitescan]\nprofiles = "eu"\n', ":4: [tool.sitescan] profiles: must be a list of profile names"),
        ("pyproject.toml", "[tool.sitescan.thresholds]\nmax_cookie_days = -1\n", ":2: [tool.sitescan] thresholds.max_cookie_days: must be a number, 0 or more"),
        ("pyproject.toml", '[[tool.sitescan.cookies]]\nname = "_ga"\ncategory = "tracking"\n', ":3: [tool.sitescan] cookies[0].category: must be one of necessary, preferences, analytics, marketing"),
    ],
)  # fmt: skip
def test_a_bad_config_names_the_file_line_and_key(capsys, tmp_path, name, text, message):
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert refused(capsys, "scan", URL, "--config", str(config), "--out", str(out)) == f"{config}{message}"
    assert not out.exists()


def test_a_config_that_is_not_utf8_names_its_line(capsys, tmp_path):
    config = tmp_path / "sitescan.toml"
    config.write_bytes(b'profiles = ["eu"]\npolicy_sections = ["Donn\xe9es"]\n')
    assert refused(capsys, "scan", URL, "--config", str(config)) == (
        f"{config}:2: not UTF-8 (byte 0xe9): a TOML file is UTF-8 text"
    )


def test_an_unreadable_config_is_named(capsys, tmp_path, monkeypatch):
    config = tmp_path / "sitescan.toml"
    config.write_text('profiles = ["eu"]\n', encoding="utf-8")
    unreadable(monkeypatch, config)
    assert refused(capsys, "scan", URL) == f"{config}: cannot read: Permission denied"  # found, not given


def test_a_folder_given_as_the_config_is_refused(capsys, tmp_path):
    assert refused(capsys, "scan", URL, "--config", str(tmp_path)) == (
        f"Invalid value for '--config': File '{tmp_path}' is a directory. (see sitescan scan --help)"
    )


def test_an_unknown_profile_in_the_config_stops_check_before_the_rules(capsys, tmp_path):
    """It used to pass the config and fail with a traceback once the rules ran (after a whole scan)."""
    (tmp_path / "artifacts.json").write_text(json.dumps(ARTIFACTS.to_dict()), encoding="utf-8")
    config = tmp_path / "sitescan.toml"
    config.write_text('profiles = ["canada", "mars"]\n', encoding="utf-8")
    assert refused(capsys, "check", str(tmp_path)) == (
        f"{config}:1: profiles: unknown profile 'mars': choose from canada, eu, us-ca"
    )


def test_broken_bundled_rule_data_is_one_line_too(capsys, tmp_path, monkeypatch):
    """Users point at no rule files of their own; a broken bundled one is a packaging bug, said so."""

    class BrokenRules:
        def joinpath(self, name: str) -> BrokenRules:
            return self

        def read_text(self, encoding: str) -> str:
            return "[unsubscribe\n"

    template = tmp_path / "t.html"
    template.write_text("<p>Hello</p>", encoding="utf-8")
    email.keywords.cache_clear()
    monkeypatch.setattr(email, "files", lambda package: BrokenRules())
    try:
        assert refused(capsys, "email", str(template), "--out", str(tmp_path / "out")) == (
            "sitescan's bundled rules/links/keywords.toml is broken (Expected ']' at the end of a table "
            "declaration (at line 1, column 13)): reinstall sitescan"
        )
    finally:
        email.keywords.cache_clear()


# -- e-mails ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("garbage.eml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an e-mail message (binary data)"),
        ("garbage.html", b"\x00\x01\x02\xff\xfe binary", "not an HTML template (binary data)"),
        ("empty.eml", b"", "not an e-mail message (an empty file)"),
        ("blank.html", b" \n\t\n", "not an HTML template (an empty file)"),
        ("notes.eml", b"Dear customer,\nthis is no message.\n", "not an e-mail message (no headers)"),
        ("report.pdf", b"%PDF-1.7", "not an e-mail file (expected .eml or .html)"),
    ],
)
def test_a_file_that_is_no_email_is_named(capsys, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out"
    assert refused(capsys, "email", str(path), "--out", str(out)) == f"{path}: {reason}"
    assert not out.exists()


def test_an_unreadable_email_is_named(capsys, tmp_path, monkeypatch):
    path = tmp_path / "welcome.eml"
    path.write_text("From: shop@example.com\n\nHello\n", encoding="utf-8")
    unreadable(monkeypatch, path)
    assert refused(capsys, "email", str(path)) == f"{path}: cannot read: Permission denied"


def test_a_pipe_named_like_an_email_is_not_read(capsys, tmp_path):
    """Reading a FIFO would wait for a writer forever."""
    path = tmp_path / "stream.eml"
    os.mkfifo(path)
    assert refused(capsys, "email", str(path)) == f"{path}: not a file"


def test_a_template_in_a_legacy_charset_is_read_as_browsers_do(capsys, tmp_path):
    """Not UTF-8 is no error for a template: undeclared, it is windows-1252, as in browsers."""
    path = tmp_path / "legacy.html"
    path.write_bytes("<p>Se désabonner</p>".encode("cp1252"))
    code, lines = sitescan(capsys, "email", str(path), "--out", str(tmp_path / "out"))
    assert code == 1 and not [line for line in lines if "error" in line]  # audited: findings, no error
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["emails"][0]["charset"] == "cp1252"


# -- report.json for diff and merge -----------------------------------------------------------------------


def changed(**keys: Any) -> str:
    return json.dumps({**REPORT, **keys})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "an empty file"),
        (" \n", "an empty file"),
        ('{"schema": "sitescan/1", "tool": {', "not JSON: Expecting property name enclosed in double quotes: line 1 column 35 (char 34)"),
        ("[1, 2]", "no schema"),
        (json.dumps({k: v for k, v in REPORT.items() if k != "tool"}), "no 'tool'"),
        (changed(targets=[]), "targets: must not be empty"),
        (changed(findings={}), "findings: expected an array, got an object"),
        (changed(findings=[{**FINDING, "severity": "severe"}]), 'findings[0].severity: expected one of "critical", "high", "medium", "low", got "severe"'),
        (changed(findings=[{**FINDING, "fingerprint": 7}]), "findings[0].fingerprint: expected a string, got 7"),
        (changed(cookies=[{"nom": "_ga"}]), "cookies[0]: no 'name'"),
        (changed(storage="cart"), 'storage: expected an array, got "cart"'),
        (changed(scan={"checks": [], "complete": "yes"}), 'scan.complete: expected true or false, got "yes"'),
        (changed(summary={**REPORT["summary"], "fail_on": "sometimes"}), 'summary.fail_on: expected one of "critical", "high", "medium", "low", "never", got "sometimes"'),
        (changed(baseline=3), "baseline: expected an object or null, got 3"),
        (changed(emails=[], summary={**REPORT["summary"], "emails": 0}), "must not have 'pages'"),  # e-mails or a site
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["diff", "merge"])
def test_a_corrupt_report_is_named_with_the_key(capsys, tmp_path, command, content, reason):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(REPORT), encoding="utf-8")
    bad.write_text(content, encoding="utf-8")
    args = (
        [str(good), str(bad)] if command == "diff" else [str(good), str(bad), "--out", str(tmp_path / "out")]
    )
    assert refused(capsys, command, *args) == f"{bad}: not a sitescan report ({reason})"
    assert not (tmp_path / "out").exists()


def test_a_report_that_is_binary_is_named(capsys, tmp_path):
    bad = tmp_path / "report.json"
    bad.write_bytes(b'{"schema": "sitescan/1"}\n\xff\xfe\x00')
    assert (
        refused(capsys, "diff", str(bad), str(bad))
        == f"{bad}: not a sitescan report (not UTF-8 text: line 2)"
    )


def test_a_report_folder_without_a_report(capsys, tmp_path):
    assert refused(capsys, "merge", str(tmp_path)) == f"{tmp_path / 'report.json'}: no such file"


def test_an_unreadable_report_is_named(capsys, tmp_path, monkeypatch):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT), encoding="utf-8")
    unreadable(monkeypatch, report)
    assert refused(capsys, "merge", str(report)) == f"{report}: cannot read: Permission denied"


def test_merge_copies_no_screenshot_from_outside_the_report_folder(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "secret.txt").write_text("not a screenshot", encoding="utf-8")
    consent = {**REPORT["consent"], "screenshots": ["../secret.txt", str(tmp_path / "secret.txt")]}
    (tmp_path / "in" / "report.json").write_text(changed(consent=consent), encoding="utf-8")
    out = tmp_path / "merged" / "out"
    code, _ = sitescan(capsys, "merge", str(tmp_path / "in"), "--out", str(out))
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "merged").iterdir()) == ["out"]  # no ../secret.txt beside it


# -- artifacts.json for check -----------------------------------------------------------------------------


def artifacts(**keys: Any) -> str:
    return json.dumps({**ARTIFACTS.to_dict(), **keys})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a sitescan artifacts file (an empty file)"),
        (artifacts()[:60], "not a sitescan artifacts file (not JSON: Unterminated string starting at: line 1 column 39 (char 38))"),
        ("[]", "not a sitescan artifacts file (expected an object, got an array)"),
        (json.dumps(REPORT), "schema 'sitescan/1': sitescan reads 'sitescan-artifacts/1' only"),
        (json.dumps({k: v for k, v in ARTIFACTS.to_dict().items() if k != "browser"}), "not a sitescan artifacts file (no 'browser')"),
        (artifacts(targets=URL), f'not a sitescan artifacts file (targets: expected an array, got "{URL}")'),
        (artifacts(visits=3), "not a sitescan artifacts file (visits: expected an array, got 3)"),
        (artifacts(visits=[{"url": URL, "phase": "later"}]), 'not a sitescan artifacts file (visits[0].phase: expected one of "before-consent", "after-accept", "after-reject", "gpc", got "later")'),
        (artifacts(visits=[{"url": URL, "phase": "gpc"}]), "not a sitescan artifacts file (visits[0]: no 'depth')"),
        (artifacts(tls=[{"host": 443}]), "not a sitescan artifacts file (tls[0].host: expected a string, got 443)"),
        (artifacts(interrupted="no"), 'not a sitescan artifacts file (interrupted: expected true or false, got "no")'),
    ],
)  # fmt: skip
def test_check_names_what_is_wrong_in_artifacts_json(capsys, tmp_path, content, message):
    source = tmp_path / "scan" / "artifacts.json"
    source.parent.mkdir()
    source.write_text(content, encoding="utf-8")
    assert (
        refused(capsys, "check", str(source.parent), "--out", str(tmp_path / "out")) == f"{source}: {message}"
    )
    assert not (tmp_path / "out").exists()


def test_check_on_a_folder_named_artifacts_json(capsys, tmp_path):
    (tmp_path / "artifacts.json").mkdir()
    assert (
        refused(capsys, "check", str(tmp_path)) == f"{tmp_path / 'artifacts.json'}: is a folder, not a file"
    )


def test_check_on_unreadable_artifacts(capsys, tmp_path, monkeypatch):
    source = tmp_path / "artifacts.json"
    source.write_text(artifacts(), encoding="utf-8")
    unreadable(monkeypatch, source)
    assert refused(capsys, "check", str(tmp_path)) == f"{source}: cannot read: Permission denied"


# -- the console script itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "https://[::1/"], "not a web address: 'https://[::1/' (bad IPv6 address)"),
        (["diff", "{tmp}/missing.json", "{tmp}/missing.json"], "{tmp}/missing.json: no such file"),
    ],
)
def test_the_console_script_prints_one_line_and_no_traceback(tmp_path, args, message):
    done = run_sitescan(*(arg.format(tmp=tmp_path) for arg in args))
    assert (done.returncode, done.stderr) == (2, f"sitescan: error: {message.format(tmp=tmp_path)}\n")
