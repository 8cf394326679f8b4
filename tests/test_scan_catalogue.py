"""One real scan of the test shop (tests/sites/shop) and the exact catalogue it must produce."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import ScanHarness, ScanRun, start_internet

HOME = "https://www.example.com/"
PRODUCTS = "https://www.example.com/products"
LAMP = "https://www.example.com/products/1"
PHASES = ["before-consent"]
GTAG = "https://www.googletagmanager.com/gtag/js?id=G-TEST123"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScanRun, ScanHarness]]:
    """A private copy of the test internet, so its request log holds this scan's requests only."""
    for internet in start_internet(tmp_path_factory, "shop"):
        run = internet.scan(tmp_path_factory.mktemp("shop-report"), HOME)
        assert run.returncode == 0, run.stderr
        yield run, internet


@pytest.fixture(scope="module")
def report(shop: tuple[ScanRun, ScanHarness]) -> dict[str, Any]:
    return shop[0].report


def by(items: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(item[k] for k in keys): item for item in items}


def test_report_has_the_contract_shape(report):
    assert report["schema"] == "sitescan/1"
    assert report["tool"]["name"] == "sitescan"
    assert report["targets"] == [HOME]
    assert report["profiles"] == ["canada"]
    for key in (
        "started",
        "finished",
        "pages",
        "cookies",
        "third_parties",
        "storage",
        "consent",
        "tls",
        "links",
    ):
        assert key in report
    severities = [f["severity"] for f in report["findings"]]
    assert report["summary"] == {
        "pages": 9,
        "cookies": 14,
        "third_parties": 11,
        "beacons": 6,
        "findings": {s: severities.count(s) for s in ("critical", "high", "medium", "low")},
        "fail_on": "never",  # the harness's gate: this test is about the catalogue
        "verdict": "pass",
    }


def test_crawl_follows_same_site_links_once_each_and_reads_the_sitemap(report):
    pages = by(report["pages"], "url")
    assert list(pages) == [
        (HOME,),
        ("https://www.example.com/hidden",),  # only the sitemap (robots.txt -> index -> sitemap) names it
        (PRODUCTS,),
        ("https://www.example.com/about",),  # also linked as /about/ and /about#team: one page
        ("https://www.example.com/search?b=2&a=1",),  # also linked as :443/search?a=1&b=2#results
        ("https://www.example.com/old-about",),
        ("https://www.example.com/files/catalogue.pdf",),
        ("https://www.example.com/newsletter",),
        (LAMP,),
    ]
    # mailto:, javascript:, file:, tel: and the off-site www.example.org (linked, and in the sitemap)
    # are never visited.
    hidden = pages[("https://www.example.com/hidden",)]
    assert (hidden["in_sitemap"], hidden["depth"], hidden["title"]) == (True, 0, "Hidden")
    assert pages[(LAMP,)]["depth"] == 2
    assert all(page["phases"] == PHASES and page["error"] is None for page in report["pages"])
    assert report["scan"]["sitemaps"] == [
        "https://www.example.com/sitemap_index.xml",
        "https://www.example.com/sitemap-pages.xml",
    ]


def test_redirects_are_followed_and_recorded(report):
    page = by(report["pages"], "url")[("https://www.example.com/old-about",)]
    assert page["status"] == 200
    assert page["final_url"] == "https://www.example.com/about"
    assert page["redirects"] == ["https://www.example.com/old-about"]
    document = [
        r for r in report["requests"] if r["page"] == page["url"] and r["resource_type"] == "document"
    ]
    assert [(r["url"], r["redirect_chain"], r["status"]) for r in document] == [
        ("https://www.example.com/about", ["https://www.example.com/old-about"], 200)
    ]


def test_non_html_responses_are_recorded_but_not_crawled(report):
    pdf = by(report["pages"], "url")[("https://www.example.com/files/catalogue.pdf",)]
    assert (pdf["status"], pdf["content_type"], pdf["title"]) == (200, "application/pdf", None)
    assert [r["url"] for r in report["requests"] if r["page"] == pdf["url"]] == [pdf["url"]]


# name, domain, party, vendor, category, set_by, initiator, secure, http_only, same_site, lifetime (days)
EXPECTED_COOKIES = {
    ("session", "www.example.com", "first", None, "unknown", "header", HOME, True, True, "Lax", None),
    ("_ga", ".example.com", "first", "Google Analytics", "analytics", "script", GTAG, False, False, "Lax", 400),
    ("_ga_TEST123", ".example.com", "first", "Google Analytics", "analytics", "script", GTAG, False, False, "Lax", 400),
    ("_fbp", ".example.com", "first", "Meta Pixel", "marketing", "script",
     "https://connect.facebook.net/en_US/fbevents.js", False, False, "Lax", 90),
    ("_hjSessionUser_3210", ".example.com", "first", "Hotjar", "analytics", "script",
     "https://static.hotjar.com/c/hotjar-3210.js", False, False, "Lax", 365),
    ("_hjSession_3210", ".example.com", "first", "Hotjar", "analytics", "script",
     "https://static.hotjar.com/c/hotjar-3210.js", False, False, "Lax", 0.02),
    ("fr", ".facebook.com", "third", "Meta Pixel", "marketing", "header",
     "https://www.facebook.com/tr/?id=1234567890&ev=PageView&dl=https%3A%2F%2Fwww.example.com%2Fproducts",
     True, True, "None", 90),
    ("li_sugr", ".linkedin.com", "third", "LinkedIn Insight Tag", "marketing", "header",
     "https://px.ads.linkedin.com/collect/?pid=4242&fmt=gif&url=https%3A%2F%2Fwww.example.com%2Fproducts",
     True, False, "None", 90),
    ("lidc", ".linkedin.com", "third", "LinkedIn Insight Tag", "marketing", "header",
     "https://px.ads.linkedin.com/collect/?pid=4242&fmt=gif&url=https%3A%2F%2Fwww.example.com%2Fproducts",
     True, False, "None", 1),
    ("VISITOR_INFO1_LIVE", ".youtube.com", "third", "YouTube", "marketing", "header",
     "https://www.youtube.com/embed/dQw4w9WgXcQ", True, True, "None", 180),
    ("YSC", ".youtube.com", "third", "YouTube", "marketing", "header",
     "https://www.youtube.com/embed/dQw4w9WgXcQ", True, True, "None", None),
    # Written by a script inside the third-party YouTube frame.
    ("VISITOR_PRIVACY_METADATA", ".youtube.com", "third", "YouTube", "necessary", "script",
     "https://www.youtube.com/embed/dQw4w9WgXcQ", True, False, "None", 180),
    # Written by a script inside an unknown widget's frame: vendor and category stay unknown.
    ("wid_visitor", "widget.example.net", "third", None, "unknown", "script",
     "https://widget.example.net/widget.html", True, False, "None", 7),
    # A partitioned (CHIPS) cookie from the widget's pixel response.
    ("wid_chips", "widget.example.net", "third", None, "unknown", "header",
     "https://widget.example.net/pixel.gif", True, False, "None", 30),
}  # fmt: skip


def test_every_cookie_with_its_attributes_party_and_origin(report):
    seen = set()
    for c in report["cookies"]:
        lifetime = c["lifetime_days"]
        if lifetime is not None and lifetime >= 1:
            lifetime = round(lifetime)
        seen.add((c["name"], c["domain"], c["party"], c["vendor"], c["category"], c["set_by"], c["initiator"],
                  c["secure"], c["http_only"], c["same_site"], lifetime))  # fmt: skip
    assert seen == EXPECTED_COOKIES
    assert len(report["cookies"]) == len(EXPECTED_COOKIES)
    assert all(c["phases"] == PHASES for c in report["cookies"])
    partitioned = {c["name"]: c["partition_key"] for c in report["cookies"] if c["partitioned"]}
    assert partitioned == {"wid_chips": "https://example.com"}


def test_cookie_expiry_and_pages(report):
    cookies = by(report["cookies"], "name")
    assert cookies[("session",)]["expires"] is None
    assert cookies[("_ga",)]["expires"] > report["started"]
    # A cookie belongs to the page that set or changed it.
    assert cookies[("_ga",)]["pages"] == [HOME]
    assert cookies[("_fbp",)]["pages"] == [PRODUCTS]
    assert cookies[("VISITOR_INFO1_LIVE",)]["pages"] == [LAMP]
    assert cookies[("wid_visitor",)]["pages"] == [HOME]


def test_cookies_the_browser_refused_are_blocked_never_set(report):
    assert report["blocked_cookies"] == [
        {
            "name": "wid_insecure",
            "domain": "widget.example.net",
            "set_by": "script",
            "initiator": "https://widget.example.net/widget.html",
            "reasons": ["the browser did not store this document.cookie write"],
            "phases": PHASES,
            "pages": [HOME],
        },
        {
            "name": "wid_px",
            "domain": "widget.example.net",
            "set_by": "header",
            "initiator": "https://widget.example.net/pixel.gif",
            "reasons": ["SameSiteNoneInsecure"],
            "phases": PHASES,
            "pages": [HOME],
        },
    ]
    assert {c["name"] for c in report["cookies"]}.isdisjoint({"wid_insecure", "wid_px"})


def test_every_third_party_host(report):
    assert {
        (t["host"], t["site"], t["vendor"], t["category"], t["requests"], t["beacon"], tuple(t["resource_types"]))
        for t in report["third_parties"]
    } == {
        # googleapis.com is a private public suffix: each of its hosts is a site of its own.
        ("fonts.googleapis.com", "fonts.googleapis.com", "Google Fonts", "fonts", 1, False, ("stylesheet",)),
        ("www.googletagmanager.com", "googletagmanager.com", "Google Tag Manager", "tag-manager", 1, False,
         ("script",)),
        ("www.google-analytics.com", "google-analytics.com", "Google Analytics", "analytics", 1, True, ("ping",)),
        ("connect.facebook.net", "facebook.net", "Meta Pixel", "marketing", 1, False, ("script",)),
        ("www.facebook.com", "facebook.com", "Meta Pixel", "marketing", 1, True, ("image",)),
        ("snap.licdn.com", "licdn.com", "LinkedIn Insight Tag", "marketing", 1, False, ("script",)),
        ("px.ads.linkedin.com", "linkedin.com", "LinkedIn Insight Tag", "marketing", 1, True, ("image",)),
        ("static.hotjar.com", "hotjar.com", "Hotjar", "session-replay", 1, False, ("script",)),
        ("in.hotjar.com", "hotjar.com", "Hotjar", "session-replay", 1, True, ("fetch",)),
        ("www.youtube.com", "youtube.com", "YouTube", "video", 1, False, ("document",)),
        ("widget.example.net", "example.net", None, "unknown", 2, True, ("document", "image")),
    }  # fmt: skip
    # static.example.com serves the shop's own script: same site, first party, not listed.
    assert all(t["phases"] == PHASES for t in report["third_parties"])


def test_every_beacon(report):
    beacons = {(b["kind"], b["host"], b["vendor"], b["party"], b["initiator"]) for b in report["beacons"]}
    assert beacons == {
        ("sendBeacon", "www.google-analytics.com", "Google Analytics", "third", GTAG),
        ("pixel", "www.facebook.com", "Meta Pixel", "third", PRODUCTS),
        ("pixel", "px.ads.linkedin.com", "LinkedIn Insight Tag", "third", PRODUCTS),
        ("pixel", "widget.example.net", None, "third", HOME),  # a 1x1 <img>
        ("ping", "www.example.com", None, "first", None),  # <a ping>
        # Hotjar's upload leaves 3 seconds after load, as a keepalive fetch: the scan waits for it.
        ("keepalive", "in.hotjar.com", "Hotjar", "third", "https://static.hotjar.com/c/hotjar-3210.js"),
    }
    ga = next(b for b in report["beacons"] if b["kind"] == "sendBeacon")
    assert ga["url"].startswith("https://www.google-analytics.com/g/collect?v=2&tid=G-TEST123&cid=")
    assert ga["pages"] == [HOME]


def test_every_storage_item_per_origin(report):
    assert {(s["origin"], s["kind"], s["key"], s["party"]) for s in report["storage"]} == {
        ("https://www.example.com", "local", "cart", "first"),
        ("https://www.example.com", "session", "checkout_step", "first"),
        ("https://www.example.com", "indexeddb", "shop-cache", "first"),
        ("https://www.example.com", "local", "_hjSessionUser_3210", "first"),
        ("https://www.youtube.com", "local", "yt-remote-device-id", "third"),  # inside the YouTube frame
        ("https://www.youtube.com", "indexeddb", "YtIdbMeta", "third"),
    }


def test_third_party_frames(report):
    assert [(f["origin"], f["party"], f["urls"], f["pages"]) for f in report["frames"]] == [
        ("https://widget.example.net", "third", ["https://widget.example.net/widget.html"], [HOME]),
        ("https://www.youtube.com", "third", ["https://www.youtube.com/embed/dQw4w9WgXcQ"], [LAMP]),
    ]


def test_requests_carry_initiator_status_and_party(report):
    requests = by(report["requests"], "page", "url")
    ga = next(r for (page, url), r in requests.items() if url.startswith("https://www.google-analytics.com/"))
    assert (ga["method"], ga["resource_type"], ga["initiator"], ga["status"], ga["party"]) == (
        "POST",
        "ping",
        GTAG,
        204,
        "third",
    )
    script = requests[(HOME, "https://static.example.com/app.js")]
    assert (script["resource_type"], script["initiator"], script["status"], script["party"]) == (
        "script",
        HOME,
        200,
        "first",
    )


def test_the_catalogue_holds_exactly_what_the_server_answered(report, shop):
    """Nothing missed and nothing extra: every request the test internet answered during the scan is in
    the catalogue (but sitescan's own robots.txt and sitemap reads), and Chromium's background traffic
    (updates, accounts, ...) never happened."""
    _, internet = shop
    own_reads = {"/robots.txt", "/sitemap_index.xml", "/sitemap-pages.xml"}
    served = sorted(
        f"{r.scheme}://{r.host}{r.path}"
        for r in internet.browser_served()
        if urlsplit(r.path).path not in own_reads
    )
    caught = sorted(r["url"] for r in report["requests"])
    redirected = sorted(url for r in report["requests"] for url in r["redirect_chain"])
    assert sorted(caught + redirected) == served


def test_a_site_with_trackers_and_no_banner_has_no_consent_phases(report):
    consent = report["consent"]
    assert (consent["cmp"], consent["banner"], consent["accept"], consent["reject"]) == (
        None,
        False,
        None,
        None,
    )
    assert consent["choices"] == [] and consent["screenshots"] == []
    assert report["scan"]["notes"] == [
        "no consent banner found on https://www.example.com/: no choice could be taken, so the after-accept "
        "and after-reject phases were not run"
    ]
