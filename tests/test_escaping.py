"""Nothing leaks: whatever a scanned site (or an audited e-mail) writes stays text in every output, and
cookie and storage values stay out of them unless --keep-values asks for them.

tests/sites/payloads puts script, markup, Markdown, XML and Unicode payloads in every value a scan
records (see its README); a hostile .eml does the same for ``sitescan email``. Each output is checked as
it is read: report.html in Chromium with every control used, once as written and once without its
Content-Security-Policy (escaping alone must hold); summary.md as the Markdown GitHub renders (no
Markdown library is installed to render it: no tag, link, image, code span, emphasis or cell break may
come from a value); junit.xml with an XML parser; report.sarif against the SARIF 2.1.0 schema, with
plain-text messages.
"""

from __future__ import annotations

import base64
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from playwright.sync_api import Browser, Dialog, Page, Route

from sitescan.artifacts import MAX_STORAGE_VALUE
from sitescan.reporters.characters import visible
from sitescan.schemas import load

from conftest import ScanHarness, ScanRun, run_sitescan, start_internet

SITE = Path(__file__).parent / "sites" / "payloads"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"
HOME = "https://www.payload-shop.com/"
SHOP = "https://www.payload-shop.com"
WIDGETS = "https://cdn.payload-widgets.net"
FORMATS = "html,json,junit,sarif,md"
OUTPUTS = {"artifacts.json", "report.html", "report.json", "junit.xml", "report.sarif", "summary.md"}
# The policy's headings (payloads) reach a finding's evidence through policy.section-missing.
CONFIG = 'policy_sections = ["Contact us"]\n'

_PAYLOADS_TEXT = (SITE / "www.payload-shop.com" / "assets" / "payloads.json").read_text(encoding="utf-8")
_ROUTES_TEXT = (SITE / "routes.toml").read_text(encoding="utf-8")


def _expand(value: Any) -> Any:
    """payloads.json with "@LONG@" spelled out, as the pages do."""
    if isinstance(value, str):
        return value.replace("@LONG@", "L" * 3000)
    if isinstance(value, list):
        return [_expand(item) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    return value


PAYLOADS: dict[str, Any] = _expand(json.loads(_PAYLOADS_TEXT))
_SET_COOKIE = next(r for r in tomllib.loads(_ROUTES_TEXT)["route"] if r["path"] == "/")["headers"][0][1]
HEADER_COOKIE, _, _rest = _SET_COOKIE.partition("=")
# Every cookie the site stores, by name: its value.
COOKIES: dict[str, str] = {
    **dict(PAYLOADS["cookies"]),
    PAYLOADS["widget_cookie"][0]: PAYLOADS["widget_cookie"][1],
    HEADER_COOKIE: _rest.split(";")[0],
}


def _stored(value: str) -> str:
    """A storage value as --keep-values records it: cut to MAX_STORAGE_VALUE characters."""
    return value if len(value) <= MAX_STORAGE_VALUE else value[: MAX_STORAGE_VALUE - 1] + "…"


# Every storage item, by (origin, kind, key): its value as recorded (a database has none).
STORAGE: dict[tuple[str, str, str], str | None] = {
    **{(SHOP, "local", key): _stored(value) for key, value in PAYLOADS["local"]},
    **{(SHOP, "session", key): _stored(value) for key, value in PAYLOADS["session"]},
    **{(SHOP, "indexeddb", name): None for name in PAYLOADS["indexeddb"]},
    **{(WIDGETS, "local", key): _stored(value) for key, value in PAYLOADS["frame_local"]},
}
# Each value starts with a marker no other text holds; the refused cookies' never reach the jar.
MARKERS = sorted(set(re.findall(r"VAL-\w+-\w+", _PAYLOADS_TEXT + _ROUTES_TEXT)))
REFUSED = sorted(value.split(" ")[0].split(";")[0] for _, value in PAYLOADS["refused_cookies"])
KEPT = sorted(set(MARKERS) - set(REFUSED))

# What no output may show as it is (sitescan.reporters.characters writes each as <U+XXXX>).
HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # controls but tab, line feed, carriage return
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    "\ud800-\udfff\ufffe\uffff]"  # lone surrogates, noncharacters
)
# A character preceded by an even number of backslashes (none included): not escaped.
UNESCAPED_MD = re.compile(r"(?<!\\)(?:\\\\)*([\[\]`*_~|<>])")

# The hostile e-mail: its subject, sender, List-Unsubscribe and links hold the payloads. It is built here,
# not kept in tests/emails/, whose tests list every file there with its one planted problem.
EMAIL_SUBJECT = "Sale <script>alert(1)</script> [x](javascript:alert(1)) | `{0}` \x01\x07 \u202egnp.exe"
EMAIL_FROM = '"><img src=x onerror=alert(1)>'
EMAIL_LINK = "http://www.payload-shop.com/sale?q=<script>alert(1)</script>|[x](javascript:alert(1)){0}"
EMAIL_BODY = """<!doctype html><html><body>
<p><a href="http://www.payload-shop.com/sale?q=&lt;script&gt;alert(1)&lt;/script&gt;|[x](javascript:alert(1)){0}">Shop
&lt;svg onload=alert(1)&gt; [x](javascript:alert(1)) \u202egnp.exe</a></p>
<img src="https://evil.example/open.gif?u=&quot;&gt;&lt;svg onload=alert(1)&gt;" width="1" height="1" alt="">
<p>Payload Shop Inc., 1250 boul. Ren\u00e9-L\u00e9vesque O., Montr\u00e9al QC H3B 4W8</p>
<p><a href="https://www.payload-shop.com/unsubscribe?u=[x](javascript:alert(1))">Unsubscribe
&lt;script&gt;alert(1)&lt;/script&gt;</a></p>
</body></html>
"""


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


HOSTILE_EML = (
    f"From: =?utf-8?b?{_encoded(EMAIL_FROM)}?= <news@payload-shop.com>\r\n"
    "To: you@example.com\r\n"
    f"Subject: =?utf-8?b?{_encoded(EMAIL_SUBJECT)}?=\r\n"
    "List-Unsubscribe: <https://www.payload-shop.com/unsub?u=[x](javascript:alert(1))|{0}>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(EMAIL_BODY.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
)


# -- the scans and the e-mail audit -------------------------------------------------------------------
@pytest.fixture(scope="module")
def payload_internet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "payloads")


def scan_payloads(harness: ScanHarness, out: Path, *extra: str) -> ScanRun:
    config = out.parent / "sitescan.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # Two fresh-profile phases (before-consent, gpc): the report's matrix of phases shows too.
    done = run_sitescan(
        "scan", HOME, "--format", FORMATS, "--consent", "none", "--gpc", "--config", str(config),
        "--fail-on", "never", "--no-autoconsent", "--out", str(out), *extra, *harness.network_args(),
        env={"GITHUB_STEP_SUMMARY": ""},  # inside GitHub Actions: not into the job's summary
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return ScanRun(done.returncode, done.stdout, done.stderr, out)


@pytest.fixture(scope="module")
def redacted(payload_internet: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    return scan_payloads(payload_internet, tmp_path_factory.mktemp("redacted") / "out")


@pytest.fixture(scope="module")
def kept(payload_internet: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    return scan_payloads(payload_internet, tmp_path_factory.mktemp("kept") / "out", "--keep-values")


@pytest.fixture(scope="module")
def hostile_email(tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    folder = tmp_path_factory.mktemp("email")
    message = folder / "hostile.eml"
    message.write_text(HOSTILE_EML, encoding="ascii", newline="")
    out = folder / "out"
    done = run_sitescan(
        "email", str(message), "--out", str(out), "--format", FORMATS, "--exit-zero",
        env={"GITHUB_STEP_SUMMARY": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return ScanRun(done.returncode, done.stdout, done.stderr, out)


@pytest.fixture(scope="module")
def sarif_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def outputs_of(run: ScanRun) -> dict[str, str]:
    """Every file the run wrote, by name, as text."""
    return {p.name: p.read_bytes().decode("utf-8", "replace") for p in run.out.rglob("*") if p.is_file()}


# -- the scan recorded the payloads as the site wrote them (else the checks below prove nothing) -----
def test_the_report_holds_every_payload_as_the_site_wrote_it(redacted: ScanRun):
    report = redacted.report
    pages = {page["url"]: page for page in report["pages"]}
    # Chromium drops the title's C0 controls and collapses its spaces; the rest, a lone surrogate too,
    # arrives as written (report.json writes the surrogate as its JSON escape).
    assert pages[HOME]["title"] == " ".join(re.sub("[\x00-\x08]", "", PAYLOADS["title"]).split())
    assert pages[HOME]["title"].endswith("\u202egnp.exe \ud800")
    assert "\\ud800" in (redacted.out / "report.json").read_text(encoding="utf-8")
    assert {c["name"] for c in report["cookies"]} == set(COOKIES)
    (header_cookie,) = (c for c in report["cookies"] if c["name"] == HEADER_COOKIE)
    assert header_cookie["path"] == "/<svg onload=alert(7)>"
    assert {c["name"] for c in report["blocked_cookies"]} == {name for name, _ in PAYLOADS["refused_cookies"]}
    assert {(s["origin"], s["kind"], s["key"]) for s in report["storage"]} == set(STORAGE)
    assert report["frames"][0]["urls"] == [f"{WIDGETS}/frame.html?{PAYLOADS['frame_query']}"]
    assert [b["url"] for b in report["beacons"]] == [
        f"{WIDGETS}/collect?e=[x](javascript:alert(1))|{{0}}*_`&q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E"
    ]
    go = pages[f"{SHOP}/go"]
    assert go["final_url"] == f"{SHOP}/landing/[x](javascript:alert(1))?q=|pipe|{{0}}`code`"
    broken = next(page for url, page in pages.items() if url.startswith(f"{SHOP}/broken?"))
    assert broken["error"].endswith(f" at {broken['url']}")
    assert report["scan"]["notes"] == [
        f"sitemap {SHOP}/sitemap.xml?s=<script>alert(4)</script>|[x](javascript:alert(1)) is not valid XML: "
        "syntax error: line 1, column 0"
    ]
    assert {link["contact"] for link in report["links"] if link["contact"]} == {PAYLOADS["mailto"]}
    evidence = {f["rule"]: f["evidence"] for f in report["findings"]}
    assert evidence["policy.section-missing"]["headings"] == PAYLOADS["headings"]
    assert evidence["form.preticked-consent"] == {
        "form": PAYLOADS["form"]["action"],
        "checkbox": PAYLOADS["form"]["checkbox"],
        "label": PAYLOADS["form"]["label"],
        "collects": [PAYLOADS["form"]["email"]],
    }


# -- report.html in Chromium --------------------------------------------------------------------------
# What the templates make in <body>: anything else came from a value.
BODY_TAGS = {
    "header", "main", "h1", "h2", "h3", "p", "div", "span", "b", "strong", "code", "pre", "br", "ul", "li",
    "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "input", "select", "option", "output",
    "figure", "img", "figcaption", "script",
}  # fmt: skip
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">\n')


class Guarded:
    """A report opened in Chromium with every way a payload could act watched: a dialog,
    ``window.__pwned``, a script or console error, and any request but the file itself (each aborted)."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.uri = path.as_uri()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.route("**/*", self._route)
        self.page.goto(self.uri)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Route) -> None:
        if route.request.url == self.uri:
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def use_every_control(self) -> int:
        """Open every fold, sort every column both ways, filter every table by a payload and by every
        phase; returns how many controls were used."""
        page, used = self.page, 0
        for summary in page.locator("summary").all():
            summary.click()
            used += 1
        for header in page.locator("table.data thead th").all():
            header.click()
            header.click()
            used += 1
        for box in page.locator(".filter input").all():
            box.fill('"><img src=x onerror=alert(1)>')
            box.fill("")
            used += 1
        for select in page.locator(".filter select").all():
            for value in select.locator("option").evaluate_all("options => options.map((o) => o.value)"):
                select.select_option(value)
                used += 1
        return used

    def assert_nothing_ran(self) -> None:
        assert self.page.evaluate("typeof window.__pwned") == "undefined"
        assert (self.dialogs, self.errors, self.requests) == ([], [], [])
        markup = self.page.evaluate(
            """() => {
              const all = [...document.body.querySelectorAll('*')];
              return {
                tags: [...new Set(all.map((e) => e.localName))],
                handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith('on')),
                scripts: document.scripts.length,
                images: [...document.images].filter((i) => !i.src.startsWith('data:image/png;')).length,
                text: document.body.textContent,
              };
            }"""
        )
        assert set(markup["tags"]) <= BODY_TAGS
        assert (markup["handlers"], markup["scripts"], markup["images"]) == ([], 1, 0)
        assert HIDDEN.findall(markup["text"]) == []  # shown as <U+XXXX>, never acted on

    def cells(self, table: str, column: int, inner: str = "") -> list[str]:
        """The text of one column of a table's rows (of ``inner`` inside each cell, where it has one)."""
        return self.page.eval_on_selector_all(
            f"#{table} tbody tr",
            "(rows, [column, inner]) => rows.map((r) => r.cells[column])"
            ".map((c) => (inner && c.querySelector(inner) || c).textContent)",
            [column, inner],
        )


def without_csp(report: Path, folder: Path) -> Path:
    """A copy of the report without its Content-Security-Policy: the escaping alone must hold."""
    html = report.read_text(encoding="utf-8")
    assert len(CSP.findall(html)) == 1
    copy = folder / "report-without-csp.html"
    copy.write_text(CSP.sub("", html), encoding="utf-8")
    return copy


@pytest.mark.parametrize("scan", ["redacted", "kept", "hostile_email"])
@pytest.mark.parametrize("policy", ["with its CSP", "without a CSP"])
def test_no_payload_runs_or_loads_in_report_html(
    chromium: Browser, request: pytest.FixtureRequest, scan: str, policy: str, tmp_path: Path
):
    run: ScanRun = request.getfixturevalue(scan)
    report = run.out / "report.html"
    guarded = Guarded(chromium, report if policy == "with its CSP" else without_csp(report, tmp_path))
    try:
        assert guarded.use_every_control() > 10
        guarded.assert_nothing_ran()
    finally:
        guarded.page.close()


def test_report_html_shows_every_payload_as_text(chromium: Browser, redacted: ScanRun):
    report = redacted.report
    html = (redacted.out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=&#34;" in html
    assert "\u202e" not in html and "&lt;U+202E&gt;gnp.exe" in html
    guarded = Guarded(chromium, redacted.out / "report.html")
    try:
        titles = dict(zip(guarded.cells("pages", 0), guarded.cells("pages", 2), strict=True))
        assert titles[HOME] == visible(next(p["title"] for p in report["pages"] if p["url"] == HOME))
        assert titles[HOME].endswith(" <U+202E>gnp.exe <U+D800>")
        assert set(guarded.cells("cookies", 0)) == {visible(name) for name in COOKIES}
        assert set(guarded.cells("storage", 2)) == {visible(key) for _, _, key in STORAGE}
        controls = "<U+0000><U+0001><U+0002><U+0003><U+0004><U+0005><U+0006><U+0007><U+0008>"
        assert f"]]> &amp; & {controls} <U+FFFE>" in guarded.cells("storage", 2)
        # Redacted: no Value column, and the report says so once.
        headers = guarded.page.eval_on_selector_all("#cookies thead th", "hs => hs.map((h) => h.textContent)")
        assert headers[:2] == ["Name", "Domain"]
        assert html.count("values are redacted") == 1
    finally:
        guarded.page.close()


# -- summary.md ---------------------------------------------------------------------------------------
OWN_TAGS = re.compile(r"<details><summary>[^<>]*</summary>|</details>")


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the rows of the table that follows the line starting with ``header``."""
    lines = text[text.index(header) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return [rows[0], *rows[2:]]  # the header, then the rows under the delimiter row


def assert_inert_markdown(text: str) -> None:
    """No tag, entity, link, image, code span, emphasis or cell break of a value's own: the only HTML is
    the report's folds, every table row is as wide as its header, hidden characters are shown."""
    body = OWN_TAGS.sub("", text).replace("**", "")  # the report's own folds and bold labels
    assert [m.group(1) for m in UNESCAPED_MD.finditer(body)] == [
        "|" for line in body.splitlines() if line.startswith("|") for _ in re.findall(r"(?<!\\)\|", line)
    ]  # unescaped, only the pipes that make the tables
    assert re.findall(r"&(?!amp;|lt;|gt;)", text) == []
    assert HIDDEN.findall(text) == []
    tables = re.findall(r"(?m)(?:^\|.*\n)+", text)
    assert tables
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
        assert len(widths) == 1, table


@pytest.mark.parametrize("scan", ["redacted", "kept", "hostile_email"])
def test_summary_md_is_inert_markdown(request: pytest.FixtureRequest, scan: str):
    assert_inert_markdown((request.getfixturevalue(scan).out / "summary.md").read_text(encoding="utf-8"))


def test_summary_md_shows_the_payloads_escaped(redacted: ScanRun):
    text = (redacted.out / "summary.md").read_text(encoding="utf-8")
    names = [row[0] for row in table_rows(text, "<details><summary>Cookies")[1:]]
    assert sorted(names) == sorted(
        [
            '"&gt;&lt;svg onload',
            r"&lt;script&gt;alert\(6\)&lt;/script&gt;",
            r"\[x\]\(javascript:alert\(1\)\)\|\`\{0\}\`",
            r"widget\_&lt;b&gt;bold&lt;/b&gt;",
            r"&lt;U\+202E&gt;gnp.exe",
        ]
    )
    (home,) = (row for row in table_rows(text, "<details><summary>Pages")[1:] if row[0] == HOME)
    assert home[2].startswith(
        r'Home &lt;script&gt;window.\_\_pwned\=1&lt;/script&gt; "&gt;&lt;img src\=x onerror\="window.\_\_pwned\=1"&gt;'
        r" \[x\]\(javascript:alert\(1\)\) \!\[x\]\(https://evil.example/p.gif\) \| pipe \| \`code\`"
    )


# -- junit.xml ----------------------------------------------------------------------------------------
JUNIT_TAGS = {"testsuites", "testsuite", "properties", "property", "testcase", "failure", "skipped", "error"}
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@pytest.mark.parametrize("scan", ["redacted", "kept", "hostile_email"])
def test_junit_xml_is_well_formed_and_values_are_only_text(request: pytest.FixtureRequest, scan: str):
    path = request.getfixturevalue(scan).out / "junit.xml"
    raw = path.read_text(encoding="utf-8")
    assert NOT_XML.findall(raw) == [] and "]]>" not in raw
    root = ET.parse(path).getroot()  # well-formed
    assert {element.tag for element in root.iter()} <= JUNIT_TAGS
    for element in root.iter():
        assert HIDDEN.findall(" ".join([element.text or "", *element.attrib.values()])) == []


def test_junit_xml_keeps_the_payloads_as_written(redacted: ScanRun):
    cases = ET.parse(redacted.out / "junit.xml").getroot().findall("testsuite/testcase")
    insecure = {c.get("name") for c in cases if c.get("name", "").startswith("cookie.insecure ")}
    assert insecure == {f"cookie.insecure {HOME} {visible(name)} www.payload-shop.com" for name in COOKIES}
    assert f"cookie.insecure {HOME} <U+202E>gnp.exe www.payload-shop.com" in insecure
    section = next(c for c in cases if c.get("name", "").startswith("policy.section-missing "))
    failure = section.find("failure")
    assert failure is not None and failure.text is not None
    assert (
        '"Legal ]]> &amp; & \\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b <U+FFFE> <U+D800>"'
        in failure.text
    )
    assert '"Who we are <script>window.__pwned=1</script>"' in failure.text


# -- report.sarif -------------------------------------------------------------------------------------
@pytest.mark.parametrize("scan", ["redacted", "kept", "hostile_email"])
def test_sarif_is_valid_and_its_messages_are_plain_text(
    request: pytest.FixtureRequest, scan: str, sarif_validator: Draft7Validator
):
    log = json.loads((request.getfixturevalue(scan).out / "report.sarif").read_text(encoding="utf-8"))
    assert [error.message for error in sarif_validator.iter_errors(log)] == []
    results = [result for run in log["runs"] for result in run["results"]]
    assert results
    for result in results:
        assert set(result["message"]) == {"text"}  # no Markdown
        text = result["message"]["text"]
        assert re.findall(r"(?<!\\)(?:\\\\)*[\[\]]", text) == []  # no embedded link: every bracket escaped
        assert re.findall("[{}]", re.sub(r"\{\{|\}\}", "", text)) == []  # no placeholder
        assert HIDDEN.findall(text) == []


def test_sarif_messages_escape_links_and_placeholders_and_keep_the_subject(redacted: ScanRun):
    log = json.loads((redacted.out / "report.sarif").read_text(encoding="utf-8"))
    name = "[x](javascript:alert(1))|`{0}`"
    (result,) = (
        r
        for r in log["runs"][0]["results"]
        if r["ruleId"] == "cookie.insecure" and r["properties"]["subject"] == f"{name} www.payload-shop.com"
    )
    assert result["message"]["text"] == (
        "Cookie set on an HTTPS page without Secure: \\[x\\](javascript:alert(1))|`{{0}}` "
        f"www.payload-shop.com on {HOME} (before-consent)"
    )


# -- report.json --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scan", ["redacted", "kept", "hostile_email"])
def test_report_json_matches_its_schema(request: pytest.FixtureRequest, scan: str):
    report = request.getfixturevalue(scan).report
    assert [error.message for error in Draft202012Validator(load()).iter_errors(report)] == []


# -- cookie and storage values ------------------------------------------------------------------------
def test_values_are_redacted_by_default(redacted: ScanRun):
    report = redacted.report
    assert (report["scan"]["values"], report["scan"]["settings"]["keep_values"]) == ("redacted", False)
    assert {c["name"]: c["value"] for c in report["cookies"]} == dict.fromkeys(COOKIES)
    assert {(s["origin"], s["kind"], s["key"]): s["value"] for s in report["storage"]} == dict.fromkeys(
        STORAGE
    )
    outputs = outputs_of(redacted)
    assert set(outputs) == OUTPUTS
    seen = {**outputs, "stdout": redacted.stdout, "stderr": redacted.stderr}
    assert [(marker, name) for marker in MARKERS for name, text in seen.items() if marker in text] == []


def test_keep_values_records_them_in_report_json_and_html_only(chromium: Browser, kept: ScanRun):
    report = kept.report
    assert (report["scan"]["values"], report["scan"]["settings"]["keep_values"]) == ("kept", True)
    assert {c["name"]: c["value"] for c in report["cookies"]} == COOKIES
    assert {(s["origin"], s["kind"], s["key"]): s["value"] for s in report["storage"]} == STORAGE
    longest = STORAGE[(SHOP, "local", PAYLOADS["local"][4][0])]
    assert longest is not None and len(longest) == MAX_STORAGE_VALUE and longest.endswith("L…")
    outputs = outputs_of(kept)
    where = {marker: sorted(name for name, text in outputs.items() if marker in text) for marker in MARKERS}
    assert where == {
        **{marker: ["artifacts.json", "report.html", "report.json"] for marker in KEPT},
        **{marker: [] for marker in REFUSED},  # a cookie the browser refused has no value to keep
    }
    assert [marker for marker in MARKERS if marker in kept.stdout + kept.stderr] == []
    # In the HTML, escaped: text, never markup.
    html = outputs["report.html"]
    assert "VAL-l1-Hy5 &#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html
    assert "VAL-s1-Xe2 &lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    guarded = Guarded(chromium, kept.out / "report.html")
    try:
        shown = dict(zip(guarded.cells("cookies", 0), guarded.cells("cookies", 1, "code.value"), strict=True))
        assert shown == {visible(name): visible(value) for name, value in COOKIES.items()}
        keys = guarded.cells("storage", 2)
        values = guarded.cells("storage", 3, "code.value")
        assert dict(zip(keys, values, strict=True)) == {
            visible(key): visible(value or "") for (_, _, key), value in STORAGE.items()
        }
        # A long value is folded: its start and its length, the whole value inside.
        long_value = COOKIES[PAYLOADS["cookies"][2][0]]
        summaries = guarded.page.eval_on_selector_all(
            "#cookies details.value summary", "s => s.map((e) => e.textContent)"
        )
        assert summaries == [f"{long_value[:48]}… ({len(long_value)} characters)"]
    finally:
        guarded.page.close()


def test_check_rebuilds_the_kept_values_from_artifacts_json(kept: ScanRun, tmp_path: Path):
    done = run_sitescan(
        "check", str(kept.out), "--out", str(tmp_path), "--format", "json",
        "--config", str(kept.out.parent / "sitescan.toml"), "--fail-on", "never",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rebuilt = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert rebuilt["scan"]["values"] == "kept"
    assert (rebuilt["cookies"], rebuilt["storage"]) == (kept.report["cookies"], kept.report["storage"])


# -- the e-mail report --------------------------------------------------------------------------------
def test_the_email_report_shows_the_hostile_message_as_text(chromium: Browser, hostile_email: ScanRun):
    (entry,) = hostile_email.report["emails"]
    assert (entry["subject"], entry["from"]["name"]) == (EMAIL_SUBJECT, EMAIL_FROM)
    assert entry["list_unsubscribe"] == ["https://www.payload-shop.com/unsub?u=[x](javascript:alert(1))|{0}"]
    assert entry["insecure_links"] == [EMAIL_LINK]
    assert [pixel["url"] for pixel in entry["pixels"]] == [
        'https://evil.example/open.gif?u="><svg onload=alert(1)>'
    ]
    guarded = Guarded(chromium, hostile_email.out / "report.html")
    try:
        assert guarded.cells("emails", 1) == [visible(EMAIL_SUBJECT)]
        assert guarded.cells("emails", 1)[0].endswith(" <U+0001><U+0007> <U+202E>gnp.exe")
        assert guarded.cells("emails", 2)[0].startswith(f"{EMAIL_FROM} ")
    finally:
        guarded.page.close()
    junit = ET.parse(hostile_email.out / "junit.xml").getroot()
    names = {case.get("name") for case in junit.iter("testcase")}
    assert f"email.insecure-link {hostile_email.report['targets'][0]} {EMAIL_LINK}" in names


def test_the_ci_log_shows_hidden_characters_and_acts_on_none(redacted: ScanRun):
    """Finding lines go to terminals and CI logs: a site's control characters are written as <U+XXXX>."""
    assert visible(redacted.stderr) == redacted.stderr
    assert any(
        "<U+202E>" in line for line in redacted.stderr.splitlines() if line.startswith(("HIGH", "MEDIUM"))
    )
