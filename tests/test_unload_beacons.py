"""What a page sends as the visitor leaves it is that page's, although it happens while the tab loads
the next page. Chromium's DevTools do not show these requests (the browser sends them for a document
that is gone), but the cookies their answers set reach the jar: they are the page's that was left."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import start_internet

HOME = "https://www.leaving-shop.com/"
NEXT = "https://www.leaving-shop.com/next.html"


def test_beacons_sent_on_leaving_belong_to_the_page_left(tmp_path_factory):
    for harness in start_internet(tmp_path_factory, "unload"):
        out = tmp_path_factory.mktemp("unload")
        run = harness.scan(out, HOME, "--consent", "none", "--no-sitemap")
        assert run.returncode == 0, run.stderr
        visits = {v["url"]: v for v in json.loads(Path(out / "artifacts.json").read_text())["visits"]}
        assert list(visits) == [HOME, NEXT]
        home, last = visits[HOME], visits[NEXT]

        # Left for the next page, whose load and settle gave the answers time to arrive.
        assert {(c["name"], c["domain"]) for c in home["cookies"]} == {
            ("li_sugr", ".linkedin.com"),
            ("lidc", ".linkedin.com"),
        }
        # Left for a blank page at the end of the crawl: its own beacon sets nothing, and nothing of the
        # home page's is put on it.
        assert not last["cookies"]
        served = {(r.host, r.path) for r in harness.browser_served()}
        for page in ("home", "next"):  # the beacons were really sent
            assert ("www.google-analytics.com", f"/g/collect?v=2&en=page_leave&dl={page}") in served
