"""Whatever a scanned site puts in its pages reaches the report escaped, and an interrupted scan still
leaves a valid, partial report that never looks clean."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from conftest import start_internet


def test_site_content_is_escaped_in_the_html_report(tmp_path_factory):
    for harness in start_internet(tmp_path_factory, "hostile"):
        out = tmp_path_factory.mktemp("hostile-report")
        run = harness.scan(out, "https://www.example.com/", "--no-sitemap")
        assert run.returncode == 0, run.stderr
        report = run.report
        assert report["pages"][0]["title"] == '<script>alert("title")</script>'
        assert {s["key"] for s in report["storage"]} == {'<img src=x onerror=alert("key")>'}
        html = (out / "report.html").read_text(encoding="utf-8")
        # The report's own sorting script is its one script; nothing from the site became markup.
        assert html.count("<script") == 1 and "<img" not in html and "<svg" not in html
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(&#34;key&#34;)&gt;" in html


def test_an_interrupted_scan_writes_a_partial_report_and_exits_2(tmp_path_factory):
    for harness in start_internet(tmp_path_factory, "slow"):
        out = tmp_path_factory.mktemp("interrupted")
        command = [sys.executable, "-m", "sitescan", "scan", "https://www.example.com/", "--out", str(out)]
        process = subprocess.Popen(
            [*command, *harness.network_args()], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        assert process.stderr is not None
        while time.monotonic() < deadline:  # wait until two pages are done, then cancel as CI does
            line = process.stderr.readline()
            if line.startswith("[before-consent #2]"):
                break
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 2
        assert "Traceback" not in stderr
        assert f"sitescan: error: interrupted; partial report written to {out}" in stderr
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["scan"]["complete"] is False
        assert report["summary"]["verdict"] == "fail"
        assert 2 <= report["summary"]["pages"] < 30
        assert (out / "report.html").exists()
        # Nothing the browser loaded is lost: the page read but not yet left (its cookies unknown), and
        # the page still loading, are reported with what became of them.
        loaded = {
            f"https://www.example.com{r.path}" for r in harness.browser_served() if r.path.endswith("/")
        }
        pages = {page["url"]: page for page in report["pages"]}
        assert loaded <= set(pages)
        errors = {page["error"] for page in pages.values()} - {None}
        assert errors <= {
            "the scan was stopped before this visit was finished: its cookies are unknown",
            "the scan was stopped while this page was loading",
        }
