"""A broken, hostile site (tests/sites/hostile/www.broken-shop.com): every page that misbehaves is
recorded with what went wrong, the scan goes on, and the well-behaved pages beside them are catalogued in
full. Crashes are real: the test kills the browser's processes while a page is loading."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ScanHarness, ScanRun, start_internet

SHOP = "https://www.broken-shop.com"
TIMEOUT = 5
UNRESPONSIVE = f"the page stopped responding: a script kept its renderer busy for {TIMEOUT} s"
NOT_LOADED = f"the page did not finish loading within {TIMEOUT} s"
BUDGET = 10


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from start_internet(tmp_path_factory, "hostile")


@pytest.fixture(scope="module")
def broken_scan(hostile: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanRun, float]:
    out = tmp_path_factory.mktemp("broken-shop")
    started = time.monotonic()
    run = hostile.scan(
        out, f"{SHOP}/", "--no-sitemap", "--consent", "none", "--timeout", str(TIMEOUT), "--max-time", "150"
    )
    return run, time.monotonic() - started


def pages_by_url(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {page["url"]: page for page in report["pages"]}


def visits_by_url(out: Path) -> dict[str, dict[str, Any]]:
    artifacts = json.loads((out / "artifacts.json").read_text(encoding="utf-8"))
    return {visit["url"]: visit for visit in artifacts["visits"]}


def test_every_failure_is_recorded_on_its_page_and_the_scan_completes(broken_scan):
    run, elapsed = broken_scan
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    report = run.report
    assert report["scan"]["complete"] is True
    assert elapsed < 150
    outcome = {url: (page["status"], page["error"]) for url, page in pages_by_url(report).items()}
    assert outcome == {
        f"{SHOP}/": (200, None),
        f"{SHOP}/about/": (200, None),
        f"{SHOP}/contact/": (200, None),
        f"{SHOP}/never-loads/": (200, NOT_LOADED),
        f"{SHOP}/stalled/": (None, NOT_LOADED),
        f"{SHOP}/busy-loop/": (200, UNRESPONSIVE),
        f"{SHOP}/dialogs/": (200, None),
        f"{SHOP}/popups/": (200, None),
        f"{SHOP}/download/": (200, None),
        f"{SHOP}/files/price-list.zip": (200, None),
        f"{SHOP}/loop-a": (None, f"net::ERR_TOO_MANY_REDIRECTS at {SHOP}/loop-a"),
        f"{SHOP}/heavy/": (200, None),
        f"{SHOP}/missing/": (404, None),
        f"{SHOP}/server-error/": (500, None),
        f"{SHOP}/unavailable/": (503, None),
        "https://expired.broken-shop.com/": (
            None,
            "net::ERR_CERT_DATE_INVALID at https://expired.broken-shop.com/",
        ),
        f"{SHOP}/runaway/": (200, None),
        f"{SHOP}/escape/": (200, None),
        f"{SHOP}/service-worker/": (200, None),
        f"{SHOP}/websocket/": (200, None),
        f"{SHOP}/crash/": (200, NOT_LOADED),
    }


def test_the_well_behaved_pages_are_fully_catalogued(broken_scan):
    run, _ = broken_scan
    report = run.report
    cookies = {(c["name"], c["domain"]): c["pages"] for c in report["cookies"]}
    # runaway/ took itself to about/, which wrote its cookie again there
    assert cookies[("seen_about", "www.broken-shop.com")] == [f"{SHOP}/about/", f"{SHOP}/runaway/"]
    assert cookies[("seen_contact", "www.broken-shop.com")] == [f"{SHOP}/contact/"]
    assert cookies[("shop_session", "www.broken-shop.com")] == [f"{SHOP}/"]
    # Each pixel answer writes fr again: the good pages, and the two that moved on to a pixel's page.
    assert cookies[("fr", ".facebook.com")] == [
        f"{SHOP}/",
        f"{SHOP}/about/",
        f"{SHOP}/contact/",
        f"{SHOP}/runaway/",
        f"{SHOP}/escape/",
    ]
    facebook = next(t for t in report["third_parties"] if t["host"] == "www.facebook.com")
    # The pixel on the good pages, the page that left for Facebook, and the service worker's reports
    # on the navigations it answered.
    assert facebook["pages"] == [
        f"{SHOP}/",
        f"{SHOP}/about/",
        f"{SHOP}/contact/",
        f"{SHOP}/runaway/",
        f"{SHOP}/escape/",
        f"{SHOP}/websocket/",
        f"{SHOP}/crash/",
    ]
    pages = pages_by_url(report)
    assert pages[f"{SHOP}/dialogs/"]["dialogs"] == [
        "alert: Welcome!",
        "confirm: Stay?",
        "prompt: Your name?",
        "beforeunload: ",
    ]
    assert pages[f"{SHOP}/about/"]["title"] == "Broken Shop: about"
    assert pages[f"{SHOP}/never-loads/"]["title"] == "Never loads"  # read although it never loaded
    assert pages[f"{SHOP}/unavailable/"]["title"] == "Down for maintenance"
    assert pages[f"{SHOP}/heavy/"]["title"] == "Heavy"


def test_dialogs_are_answered_and_popups_closed(broken_scan):
    run, _ = broken_scan
    visits = visits_by_url(run.out)
    assert visits[f"{SHOP}/dialogs/"]["dialogs"] == [
        "alert: Welcome!",
        "confirm: Stay?",
        "prompt: Your name?",
        "beforeunload: ",  # raised by this page as the tab left it, and accepted
    ]
    assert visits[f"{SHOP}/popups/"]["popups"] == [
        f"{SHOP}/popup-target/",
        "https://www.facebook.com/tr/?id=77&ev=Popup",
        "about:blank",
    ]
    assert visits[f"{SHOP}/popups/"]["dialogs"] == []
    assert f"{SHOP}/popup-target/" not in pages_by_url(run.report)  # a popup is not crawled


def test_pages_that_move_on_are_recorded_where_they_ended(broken_scan):
    run, _ = broken_scan
    pages = pages_by_url(run.report)
    assert pages[f"{SHOP}/runaway/"]["final_url"] == f"{SHOP}/runaway/"
    assert pages[f"{SHOP}/runaway/"]["navigated_to"] == f"{SHOP}/about/?from=runaway"
    assert pages[f"{SHOP}/escape/"]["final_url"] == f"{SHOP}/escape/"
    assert pages[f"{SHOP}/escape/"]["navigated_to"] == "https://www.facebook.com/tr/?id=77&ev=Escape"
    assert pages[f"{SHOP}/about/"]["navigated_to"] is None
    html = (run.out / "report.html").read_text(encoding="utf-8")
    assert f"then went to {SHOP}/about/?from=runaway" in html
    assert "dialog dismissed: alert: Welcome!" in html
    assert "tried to open a window: https://www.facebook.com/tr/?id=77&amp;ev=Popup" in html


def test_websockets_and_service_worker_requests_are_catalogued(broken_scan, hostile):
    run, _ = broken_scan
    visits = visits_by_url(run.out)

    def requests(url: str) -> list[tuple[str, str, int | None, str]]:
        return [
            (r["url"], r["resource_type"], r["status"], r["initiator_type"])
            for r in visits[url]["requests"]
            if "favicon" not in r["url"]
        ]

    assert requests(f"{SHOP}/service-worker/") == [
        (f"{SHOP}/service-worker/", "Document", 200, "other"),
        (f"{SHOP}/sw.js", "Script", 200, "serviceworker"),
    ]
    # The worker answers the next page's navigation, and reports it to a third party on the way.
    assert requests(f"{SHOP}/websocket/") == [
        (f"{SHOP}/websocket/", "Document", 200, "other"),
        ("https://www.facebook.com/tr/?id=77&ev=ServiceWorker", "Fetch", 200, "serviceworker"),
        ("wss://www.broken-shop.com/socket", "WebSocket", 101, "script"),
    ]
    messages = [r.body for r in hostile.browser_served() if r.method == "WEBSOCKET"]
    assert messages == [b'{"event":"page_view","path":"/websocket/"}']


def test_the_crawler_follows_only_web_links_on_its_site(broken_scan, hostile):
    run, _ = broken_scan
    urls = set(pages_by_url(run.report))
    assert all(
        url.startswith(("https://www.broken-shop.com/", "https://expired.broken-shop.com/")) for url in urls
    )
    names = {c["name"] for c in run.report["cookies"]}
    assert not names & {"followed_javascript", "followed_data"}
    contacted = {r.host for r in hostile.browser_served()}
    assert contacted == {"www.broken-shop.com", "www.facebook.com"}  # expired's TLS handshake failed


def test_downloads_are_recorded_not_saved(broken_scan):
    run, _ = broken_scan
    zip_visit = visits_by_url(run.out)[f"{SHOP}/files/price-list.zip"]
    assert (zip_visit["status"], zip_visit["content_type"]) == (200, "application/zip")
    assert sorted(p.name for p in run.out.iterdir()) == ["artifacts.json", "report.html", "report.json"]


def test_the_time_budget_ends_the_scan_with_a_partial_report(hostile, tmp_path):
    # Long enough for the browser to start and the first pages to load on a busy machine, far too short
    # for the 21 pages (four of which wait --timeout out).
    started = time.monotonic()
    run = hostile.scan(
        tmp_path,
        f"{SHOP}/",
        "--no-sitemap",
        "--consent",
        "none",
        "--timeout",
        str(TIMEOUT),
        "--max-time",
        str(BUDGET),
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 2
    assert run.error_lines == [
        f"sitescan: error: the time budget ran out (--max-time {BUDGET} s); partial report written to {tmp_path}"
    ]
    report = run.report
    assert report["scan"]["complete"] is False
    assert report["summary"]["verdict"] == "fail"
    scanned = report["summary"]["pages"]
    assert 1 <= scanned < 21
    assert f"{21 - scanned} page visits were not made" in " ".join(report["scan"]["notes"])
    # No page starts after the budget; the one under way gets its own --timeout (a busy page up to
    # three: load, settle, read), and leaving the tab takes a few seconds more.
    assert elapsed < BUDGET + 3 * TIMEOUT + 20


# -- crashes: the test kills the browser's processes while the crash page is loading ---------------
def _descendants(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process under ``root``."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append((child, commands.get(child, "")))
            stack.append(child)
    return found


def _kill_when_requested(hostile: ScanHarness, path: str, chooses: Any) -> threading.Thread:
    """Once the browser asks for ``path``, kill the Chromium processes ``chooses`` picks."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(r.path == path for r in hostile.browser_served()):
                for pid, command in _descendants(os.getpid()):
                    if chooses(command):
                        os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def _is_renderer(command: str) -> bool:
    return "chromium" in command and "--type=renderer" in command


def _is_browser(command: str) -> bool:
    return "chromium" in command and "--user-data-dir=" in command and "--type=" not in command


@pytest.mark.parametrize(
    ("kill", "error", "note"),
    [
        (_is_renderer, "the page's renderer crashed", None),
        (
            _is_browser,
            "the browser crashed during this visit",
            "the browser crashed during the before-consent phase and was restarted (restart 1 of at most 3)",
        ),
    ],
    ids=["renderer", "browser"],
)
def test_a_crash_is_recorded_on_its_page_and_the_scan_goes_on(hostile, tmp_path, kill, error, note):
    hostile.internet.served.clear()
    pages_file = tmp_path / "pages.txt"  # after the start page: the crash page, then one more
    pages_file.write_text(f"{SHOP}/crash/\n{SHOP}/contact/\n", encoding="utf-8")
    watcher = _kill_when_requested(hostile, "/assets/crash-signal.gif", kill)
    out = tmp_path / "report"
    run = hostile.scan(
        out, f"{SHOP}/about/", "--urls", str(pages_file), "--depth", "0", "--no-sitemap",
        "--consent", "none", "--timeout", "15",
    )  # fmt: skip
    watcher.join(timeout=1)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    report = run.report
    pages = pages_by_url(report)
    # A dead browser takes the page it showed but had not finished with it: that page is visited again.
    assert set(pages) == {f"{SHOP}/about/", f"{SHOP}/crash/", f"{SHOP}/contact/"}
    assert pages[f"{SHOP}/crash/"]["error"].startswith(error)
    assert (pages[f"{SHOP}/contact/"]["status"], pages[f"{SHOP}/contact/"]["error"]) == (200, None)
    cookies = {(c["name"], c["domain"]): c["pages"] for c in report["cookies"]}
    assert cookies[("seen_about", "www.broken-shop.com")] == [f"{SHOP}/about/"]
    assert cookies[("seen_contact", "www.broken-shop.com")] == [f"{SHOP}/contact/"]
    assert report["scan"]["complete"] is True
    crash_notes = [n for n in report["scan"]["notes"] if "crashed" in n]
    assert crash_notes == (
        [
            f"{note}: each phase went on as a new visitor (cookies and storage gone), after taking its consent choice again"
        ]
        if note
        else []
    )
