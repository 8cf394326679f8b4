"""Bad input, missing browsers and unreachable targets: exit code 2 and one clear line, never a traceback."""

from __future__ import annotations

import pytest

from sitescan import browser
from sitescan.artifacts import PageVisit
from sitescan.cli import Progress
from sitescan.collect.crawl import CrawlState
from sitescan.errors import SitescanError

from conftest import ScanHarness, ScanRun, run_sitescan


def assert_one_line_error(done, *fragments: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("sitescan: error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0]
    return errors[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["scan", "not-a-url"], ["not a web address: 'not-a-url'"]),
        (["scan", "ftp://www.example.com/"], ["not a web address"]),
        (["scan", "https://exa mple.com/"], ["bad host name"]),
        (["scan", "https://www.example.com:99999/"], ["bad port"]),
        (["scan", "https://www.example.com/", "--connect-to", "nonsense"], ["bad --connect-to 'nonsense'"]),
        (["scan", "https://www.example.com/", "--connect-to", "a:1:b:70000"], ["out of range"]),
        (["scan", "https://www.example.com/", "--include", "("], ["bad --include '('"]),
        (["scan", "https://www.example.com/", "--format", "pdf"], ["bad --format 'pdf'"]),
        (["scan", "https://www.example.com/", "--max-pages", "0"], ["--max-pages"]),
        (["scan"], ["no URL to scan: give one, or list [[targets]] in the config file"]),
        (["scan", "--max-pages", "x"], ["Invalid value for '--max-pages'", "sitescan scan --help"]),
        (["frobnicate"], ["No such command"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragments, tmp_path):
    done = (
        run_sitescan(*args, "--out", str(tmp_path / "out"))
        if args[0] == "scan" and len(args) > 1
        else run_sitescan(*args)
    )
    assert_one_line_error(done, *fragments)
    assert not (tmp_path / "out").exists()  # refused before any browser started


def test_unknown_device_is_refused(tmp_path):
    done = run_sitescan(
        "scan",
        "https://www.example.com/",
        "--device",
        "Nokia 3310",
        "--block-unmapped",
        "--out",
        str(tmp_path),
    )
    assert_one_line_error(done, "unknown --device 'Nokia 3310'")


def test_a_broken_browser_override_is_refused(tmp_path):
    done = run_sitescan(
        "scan",
        "https://www.example.com/",
        "--out",
        str(tmp_path),
        env={"SITESCAN_CHROMIUM": "/nonexistent/chrome"},
    )
    assert_one_line_error(done, "SITESCAN_CHROMIUM=/nonexistent/chrome is not an executable file")


def test_without_any_browser_the_message_says_how_to_get_one(monkeypatch, tmp_path):
    class NoManagedBrowser:
        class chromium:
            executable_path = str(tmp_path / "not-installed" / "chrome")

    monkeypatch.delenv(browser.ENV_CHROMIUM, raising=False)
    monkeypatch.setattr(browser, "SYSTEM_CHROMIUMS", (str(tmp_path / "nothing-here"),))
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(SitescanError) as raised:
        browser.find_chromium(NoManagedBrowser)  # type: ignore[arg-type]
    assert str(raised.value) == browser.NO_BROWSER_HELP
    assert "apt-get install chromium" in str(raised.value) and "SITESCAN_CHROMIUM" in str(raised.value)


def test_browser_discovery_order(monkeypatch, tmp_path):
    managed = tmp_path / "managed-chrome"
    managed.write_text("#!/bin/sh\n")
    managed.chmod(0o755)
    override = tmp_path / "override-chrome"
    override.write_text("#!/bin/sh\n")
    override.chmod(0o755)

    class Managed:
        class chromium:
            executable_path = str(managed)

    monkeypatch.setenv(browser.ENV_CHROMIUM, str(override))
    assert browser.find_chromium(Managed) == str(override)  # type: ignore[arg-type]
    monkeypatch.delenv(browser.ENV_CHROMIUM)
    assert browser.find_chromium(Managed) == str(managed)  # type: ignore[arg-type]


def test_doctor_names_the_browser():
    done = run_sitescan("doctor")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("browser: /") and "(Chromium " in done.stdout


def test_an_unreachable_start_url_exits_2_and_still_writes_the_report(tmp_path):
    done = run_sitescan("scan", "https://nowhere.example.org/", "--block-unmapped", "--out", str(tmp_path))
    assert_one_line_error(done, "could not scan https://nowhere.example.org/", "ERR_NAME_NOT_RESOLVED")
    page = ScanRun(done.returncode, done.stdout, done.stderr, tmp_path).report["pages"][0]
    assert (page["url"], page["status"], page["error"]) == (
        "https://nowhere.example.org/",
        None,
        "net::ERR_NAME_NOT_RESOLVED at https://nowhere.example.org/",
    )


def test_a_staging_ca_is_trusted_only_when_given(shop_internet: ScanHarness, tmp_path):
    without_ca = [
        arg for arg in shop_internet.network_args() if arg not in ("--ca-cert", str(shop_internet.ca))
    ]
    done = run_sitescan(
        "scan", "https://www.example.com/hidden", "--no-sitemap", "--out", str(tmp_path), *without_ca
    )
    assert_one_line_error(done, "could not scan https://www.example.com/hidden", "ERR_CERT_AUTHORITY_INVALID")
    run = shop_internet.scan(tmp_path / "with-ca", "https://www.example.com/hidden", "--no-sitemap")
    assert run.returncode == 0, run.stderr
    assert run.report["pages"][0]["status"] == 200


def test_a_terminal_shows_one_bar_of_page_loads_done_and_each_phase_beside_it(capsys):
    progress = Progress()
    progress.tty = True
    progress.state(CrawlState("before-consent", 0, 1, 4))
    progress.visit(PageVisit(url="https://www.example.com/", phase="before-consent", depth=0, status=200))
    progress.state(CrawlState("before-consent", 1, 1, 4))
    progress.state(CrawlState("after-accept", 1, 1, 2))  # phases run side by side
    progress.state(CrawlState("before-consent", 4, 0, 4))
    progress.done()
    frames = capsys.readouterr().err.replace("\n", "\r").split("\r")
    shown = [frame.rstrip() for frame in frames if frame.strip()]
    assert shown == [
        "[------------------------] before-consent 0/4, 1 in flight",
        "[######------------------] before-consent 1/4, 1 in flight",
        "[########----------------] before-consent 1/4 · after-accept 1/2, 2 in flight",
        "[####################----] before-consent 4/4 · after-accept 1/2, 1 in flight",
    ]
