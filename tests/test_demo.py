"""`sitescan demo` works offline, prints where its report is, and finds the storefront's planted problems."""

from __future__ import annotations

import json

from conftest import run_sitescan


def test_the_demo_scans_the_storefront_and_finds_its_problems(tmp_path):
    out = tmp_path / "demo"
    done = run_sitescan("demo", "--out", str(out))
    assert done.returncode == 0, done.stderr  # the findings are the point: the demo itself succeeds
    assert done.stderr.strip().splitlines()[-1] == f"sitescan demo: open {out.resolve() / 'report.html'}"
    report = json.loads((out / "report.json").read_text())
    consent = report["consent"]
    assert (consent["cmp"], consent["accept"], consent["reject"]) == ("generic", True, True)
    # The planted problems: a Meta pixel and a YouTube embed that ignore the banner, a newsletter box
    # ticked in advance; and what the real tags do (cookies without Secure, _ga's 400 days).
    assert {f["rule"] for f in report["findings"]} == {
        "consent.cookie-before-consent",
        "consent.tracker-before-consent",
        "consent.cookie-after-reject",
        "consent.tracker-after-reject",
        "form.preticked-consent",
        "cookie.insecure",
        "cookie.long-lived",
    }
    assert {f["subject"] for f in report["findings"] if f["rule"] == "consent.tracker-after-reject"} == {
        "connect.facebook.net",
        "www.facebook.com",
    }
    assert report["summary"]["verdict"] == "fail"
