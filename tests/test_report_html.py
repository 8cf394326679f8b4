"""report.html in a real Chromium: every section renders, the tables sort and filter, it loads nothing
from anywhere, runs no script but its own, and a hostile page cannot inject markup or script into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from conftest import ScanRun, run_sitescan, start_internet

SECTIONS = [
    "Findings",
    "What each choice loads",
    "Consent",
    "TLS",
    "Privacy-policy links",
    "Cookies",
    "Third parties",
    "Web beacons",
    "What each tag was told",
    "Storage",
    "Pages",
]


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanRun]:
    for harness in start_internet(tmp_path_factory, "consent"):
        run = harness.scan(tmp_path_factory.mktemp("leaky"), "https://www.leaky-shop.com/", "--no-sitemap")
        assert run.returncode == 0, run.stderr
        yield run


class Opened:
    """A report opened in Chromium, with everything the page asked for and every error it hit."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console", lambda message: self.errors.append(message.text) if message.type == "error" else None
        )
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))


def open_report(chromium: Any, report_dir: Path) -> Opened:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    opened = Opened(page)
    page.goto((report_dir / "report.html").as_uri())
    return opened


def visible_rows(page: Page, table: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])", "rows => rows.map((row) => row.cells[0].textContent.trim())"
    )


def test_every_section_renders_and_nothing_is_loaded_from_anywhere(chromium, leaky: ScanRun):
    opened = open_report(chromium, leaky.out)
    page = opened.page
    assert page.eval_on_selector_all("h2", "hs => hs.map((h) => h.textContent)") == SECTIONS
    assert page.locator(".verdict").inner_text().lower() == leaky.report["summary"]["verdict"]
    assert page.locator(".shots img").count() == len(leaky.report["consent"]["screenshots"]) == 5
    # One file: the page itself, and its screenshots from data: URLs; no network, no script error.
    assert [url for url in opened.requests if not url.startswith("data:")] == [
        (leaky.out / "report.html").as_uri()
    ]
    assert opened.errors == [] and opened.dialogs == []
    page.screenshot(path=str(leaky.out / "report-page.png"), full_page=True)


def test_the_matrix_shows_what_each_choice_loads(chromium, leaky: ScanRun):
    page = open_report(chromium, leaky.out).page
    header = page.eval_on_selector_all("table.matrix thead th", "hs => hs.map((h) => h.textContent)")
    assert header == [
        "Cookie or third party",
        "Vendor",
        "Category",
        "before-consent",
        "after-accept",
        "after-reject",
    ]
    rows = {
        row[0]: row[3:]
        for row in page.eval_on_selector_all(
            "table.matrix tbody tr",
            "rows => rows.map((r) => Array.from(r.cells).map((c) => c.className.includes('bad') ? 'bad' : c.textContent.trim()))",
        )
    }
    # The pixel that ignores the reject: red before consent and after the reject, plain after accepting.
    assert rows["host connect.facebook.net"] == ["bad", "●", "bad"]
    assert rows["cookie _fbp .leaky-shop.com"] == ["bad", "●", "bad"]
    # The gated tag: only after accepting.
    assert rows["host www.googletagmanager.com"] == ["", "●", ""]
    assert rows["cookie _ga .leaky-shop.com"] == ["", "●", ""]


def test_tables_filter_by_text_and_phase_and_sort_by_column(chromium, leaky: ScanRun):
    page = open_report(chromium, leaky.out).page
    hosts = [t["host"] for t in leaky.report["third_parties"]]
    assert visible_rows(page, "third-parties") == hosts
    page.fill('.filter input[data-table="third-parties"]', "facebook")
    assert visible_rows(page, "third-parties") == [h for h in hosts if "facebook" in h]
    assert page.locator('.filter output[data-table="third-parties"]').inner_text() == f"2 of {len(hosts)}"

    cookies = leaky.report["cookies"]
    page.select_option('.filter select[data-table="cookies"]', "after-reject")
    assert visible_rows(page, "cookies") == [c["name"] for c in cookies if "after-reject" in c["phases"]]
    page.select_option('.filter select[data-table="cookies"]', "")
    page.click("#cookies thead th >> text=Name")
    names = sorted((c["name"] for c in cookies), key=str.casefold)
    assert visible_rows(page, "cookies") == names
    page.click("#cookies thead th >> text=Name")
    assert visible_rows(page, "cookies") == names[::-1]
    page.click("#cookies thead th >> text=Lifetime (days)")  # numbers sort as numbers, sessions first
    lifetimes = page.eval_on_selector_all(
        "#cookies tbody tr", "rows => rows.map((r) => r.cells[5].textContent)"
    )
    numbers = [float(x) for x in lifetimes if x != "session"]
    assert numbers == sorted(numbers) and lifetimes[: lifetimes.count("session")] == [
        "session"
    ] * lifetimes.count("session")


def test_a_hostile_page_cannot_inject_markup_or_script(chromium, tmp_path_factory: pytest.TempPathFactory):
    for harness in start_internet(tmp_path_factory, "hostile"):
        out = tmp_path_factory.mktemp("hostile-html")
        run = harness.scan(out, "https://www.example.com/", "--no-sitemap")
        assert run.returncode == 0, run.stderr
        opened = open_report(chromium, out)
        page = opened.page
        page.fill('.filter input[data-table="storage"]', "onerror")  # the payload, as text, filters fine
        assert visible_rows(page, "storage") == ["https://www.example.com"]
        assert opened.dialogs == [] and opened.errors == []
        assert page.locator("img[src='x'], svg, script:not(:last-of-type)").count() == 0
        assert page.get_by_text('<script>alert("title")</script>').count() == 1


def test_the_email_report_renders_its_findings_and_messages(chromium, tmp_path: Path):
    emails = Path(__file__).parent / "emails"
    done = run_sitescan("email", str(emails), "--out", str(tmp_path), "--exit-zero")
    assert done.returncode == 0, done.stderr
    opened = open_report(chromium, tmp_path)
    page = opened.page
    assert page.eval_on_selector_all("h2", "hs => hs.map((h) => h.textContent)") == ["Findings", "E-mails"]
    assert page.locator("#emails tbody tr").count() == 12
    page.fill('.filter input[data-table="emails"]', "hostile")
    assert visible_rows(page, "emails") == [str(emails / "hostile.html")]
    assert opened.errors == [] and opened.dialogs == []
    assert [u for u in opened.requests if not u.startswith("data:")] == [(tmp_path / "report.html").as_uri()]
