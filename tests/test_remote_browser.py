"""--browser-ws: a scan driven in a remote Playwright browser server (`playwright run-server`, started here
on loopback) finds what a local scan finds. The remote browser cannot be given --connect-to, so both scans
reach the test internet through its proxy (--proxy), which refuses every other host (hermetic)."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright
import pytest

from sitescan.fetch import Fetcher
from sitescan.netmap import NetworkMap, Proxy

from conftest import ScanHarness, ScanRun, run_sitescan, start_internet

PLAYWRIGHT_PACKAGE = Path(playwright.__file__).parent / "driver" / "package"
# Where the server looks for its browsers (per revision), relative to PLAYWRIGHT_BROWSERS_PATH.
SERVER_BROWSERS = {
    "chromium-headless-shell": "chromium_headless_shell-{}/chrome-headless-shell-linux64/chrome-headless-shell",
    "chromium": "chromium-{}/chrome-linux64/chrome",
}
ONETRUST = "https://www.onetrust-shop.com/"
LEAKY = "https://www.leaky-shop.com/"  # OneTrust with a hard-coded Meta pixel: a third-party cookie at once


@pytest.fixture(scope="module")
def consent_internet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "consent")


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`playwright run-server` on loopback; its ws:// URL. The server launches its browsers from
    PLAYWRIGHT_BROWSERS_PATH: laid out there is the Chromium the local scans drive (`sitescan doctor`), so
    both scans run the same engine (and no Playwright download is needed)."""
    if not sys.platform.startswith("linux") or os.uname().machine != "x86_64":
        pytest.skip("the server's browser layout below is linux-x64's")
    doctor = run_sitescan("doctor")
    assert doctor.returncode == 0, doctor.stderr
    executable = re.search(r"^browser: (.+) \(Chromium \d+\)$", doctor.stdout, re.MULTILINE)
    assert executable, doctor.stdout
    root = tmp_path_factory.mktemp("server-browsers")
    revisions = {
        b["name"]: b["revision"]
        for b in json.loads((PLAYWRIGHT_PACKAGE / "browsers.json").read_text())["browsers"]
    }
    for name, layout in SERVER_BROWSERS.items():
        path = root / layout.format(revisions[name])
        path.parent.mkdir(parents=True)
        path.symlink_to(executable[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(root)},
        start_new_session=True,  # its browsers are killed with it (process group)
    )
    try:
        ready, _, _ = select.select([server.stdout], [], [], 60)
        line = server.stdout.readline() if ready and server.stdout else ""
        match = re.search(r"Listening on (ws://\S+)", line)
        assert match, f"the browser server did not start: {line!r}"
        yield match[1]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def scan(internet: ScanHarness, out: Path, url: str, *args: str) -> ScanRun:
    done = run_sitescan(
        "scan", url, *args, "--proxy", internet.internet.proxy_url(), "--ca-cert", str(internet.ca),
        "--no-autoconsent", "--fail-on", "never", "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return ScanRun(done.returncode, done.stdout, done.stderr, out)


def catalogue(report: dict[str, Any], leave_out: frozenset[str] = frozenset()) -> dict[str, set[Any]]:
    """What a scan found, without the cookies named in ``leave_out`` (nor findings about them)."""
    return {
        "findings": {
            (f["rule"], f["url"], f["phase"], f["subject"])
            for f in report["findings"]
            if not any(name in f["subject"] for name in leave_out)
        },
        "cookies": {
            (c["name"], c["domain"], tuple(c["phases"]))
            for c in report["cookies"]
            if c["name"] not in leave_out
        },
        "third_parties": {(t["host"], tuple(t["phases"])) for t in report["third_parties"]},
        "pages": {(p["url"], p["status"]) for p in report["pages"]},
    }


def test_a_remote_browser_finds_what_a_local_one_finds(
    consent_internet: ScanHarness, browser_server: str, tmp_path: Path
):
    # The OneTrust shop before consent and after reject: its banner, its first-party consent cookie and
    # the platform's third-party scripts, and no third-party cookie, which the remote browser's profile
    # may block (see the next test).
    args = ("--consent", "reject", "--max-pages", "4")
    local = scan(consent_internet, tmp_path / "local", ONETRUST, *args)
    remote = scan(consent_internet, tmp_path / "remote", ONETRUST, *args, "--browser-ws", browser_server)
    found = catalogue(remote.report)
    assert found == catalogue(local.report)
    assert {"before-consent", "after-reject"} <= {
        phase for _, _, phases in found["cookies"] for phase in phases
    }
    assert "cdn.cookielaw.org" in {host for host, _ in found["third_parties"]}
    scanned = remote.report["scan"]
    assert scanned["settings"]["browser_ws"] == browser_server
    assert scanned["browser"].startswith("remote Chromium ") and browser_server in scanned["browser"]
    assert any("third-party cookies can be missing" in note for note in scanned["notes"])
    assert any("accepted every certificate" in note for note in scanned["notes"])


def test_a_third_party_cookie_the_remote_browser_refuses_is_recorded_as_blocked(
    consent_internet: ScanHarness, browser_server: str, tmp_path: Path
):
    args = ("--consent", "none", "--max-pages", "1")
    local = scan(consent_internet, tmp_path / "local", LEAKY, *args)
    remote = scan(consent_internet, tmp_path / "remote", LEAKY, *args, "--browser-ws", browser_server)
    # The Meta pixel's `fr` (.facebook.com, SameSite=None): kept by sitescan's own browser, refused by
    # the server's default profile, and then listed with the browser's reason, not silently lost.
    assert "fr" in {c["name"] for c in local.report["cookies"]}
    assert "fr" not in {c["name"] for c in remote.report["cookies"]}
    artifacts = json.loads((remote.out / "artifacts.json").read_text(encoding="utf-8"))
    blocked = [b for visit in artifacts["visits"] for b in visit["blocked_cookies"] if b["name"] == "fr"]
    assert blocked and all("UserPreferences" in b["reasons"] for b in blocked), blocked
    # Everything else is the same.
    assert catalogue(remote.report, frozenset({"fr"})) == catalogue(local.report, frozenset({"fr"}))


def test_the_proxy_carries_sitescans_own_requests_and_refuses_other_hosts(consent_internet: ScanHarness):
    fetcher = Fetcher(
        NetworkMap(proxy=Proxy.parse(consent_internet.internet.proxy_url())), consent_internet.ca
    )
    assert fetcher.get(ONETRUST, "test").status == 200  # HTTPS through CONNECT, checked against the CA
    assert fetcher.get("http://www.onetrust-shop.com/", "test").status == 200
    with pytest.raises(OSError, match=re.escape("the proxy refused www.example.org:443: HTTP/1.1 502")):
        fetcher.get("https://www.example.org/", "test")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--browser-ws", "http://127.0.0.1:1/"],
            "bad --browser-ws 'http://127.0.0.1:1/': expected ws://HOST:PORT/ or wss://...",
        ),
        (
            ["--browser-ws", "ws://127.0.0.1:1/", "--connect-to", "::127.0.0.1:8443"],
            "--connect-to and --block-unmapped cannot be sent to a remote browser (--browser-ws): give it a "
            "--proxy that reaches the hosts instead",
        ),
        (
            ["--proxy", "ftp://127.0.0.1:1"],
            "bad --proxy 'ftp://127.0.0.1:1': expected http://HOST:PORT or socks5://HOST:PORT",
        ),
        (
            ["--proxy", "http://127.0.0.1:1", "--block-unmapped"],
            "--proxy cannot be combined with --connect-to or --block-unmapped: the proxy decides where "
            "connections go",
        ),
    ],
)
def test_bad_remote_options_are_one_line_and_exit_2(args: list[str], message: str):
    done = run_sitescan("scan", ONETRUST, *args)
    assert (done.returncode, done.stderr.strip()) == (2, f"sitescan: error: {message}")


def test_an_unreachable_browser_server_is_one_line_and_exit_2(tmp_path: Path):
    done = run_sitescan(
        "scan", ONETRUST, "--browser-ws", "ws://127.0.0.1:9/", "--no-sitemap", "--out", str(tmp_path)
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith(
        "sitescan: error: --browser-ws ws://127.0.0.1:9/: cannot use the browser server ("
    )
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
