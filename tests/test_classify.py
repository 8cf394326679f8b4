"""Unit tests for sitescan.classify with the bundled data in rules/ (expectations read from those files),
plus the precedence rules on a small hand-made data set."""

from __future__ import annotations

import pytest

from sitescan.classify import Classifier, Endpoint, Vendor

GA = Vendor(
    "Google Analytics",
    "Google LLC",
    "US",
    "analytics",
    "https://developers.google.com/analytics/devguides/collection/ga4/cookie-usage",
)
GOOGLE_FONTS = Vendor(
    "Google Fonts", "Google LLC", "US", "fonts", "https://developers.google.com/fonts/faq/privacy"
)
GOOGLE_CDN = Vendor(
    "Google static content and APIs",
    "Google LLC",
    "US",
    "cdn",
    "https://policies.google.com/technologies/cookies",
)
GOOGLE_ADS = Vendor(
    "Google Ads", "Google LLC", "US", "marketing", "https://business.safety.google/adscookies/"
)
META_PIXEL = Vendor(
    "Meta Pixel",
    "Meta Platforms, Inc.",
    "US",
    "marketing",
    "https://www.facebook.com/privacy/policies/cookies/",
)
GA_COOKIES = "https://developers.google.com/analytics/devguides/collection/ga4/cookie-usage"


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return Classifier.bundled()


def test_bundled_is_loaded_once():
    assert Classifier.bundled() is Classifier.bundled()


# -- vendor_for_host ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("google-analytics.com", GA),
        ("region1.google-analytics.com", GA),
        ("www.google-analytics.com", GA),
        ("analytics.google.com", GA),
        ("REGION1.Google-Analytics.COM", GA),
        ("region1.google-analytics.com.", GA),
        # longest suffix wins across vendors: fonts.googleapis.com is Google Fonts, not googleapis.com
        ("fonts.googleapis.com", GOOGLE_FONTS),
        ("fonts.gstatic.com", GOOGLE_FONTS),
        ("storage.googleapis.com", GOOGLE_CDN),
        ("ajax.googleapis.com", GOOGLE_CDN),
        ("googleapis.com", GOOGLE_CDN),
        ("googleads.g.doubleclick.net", GOOGLE_ADS),
        ("connect.facebook.net", META_PIXEL),
        ("www.facebook.com", META_PIXEL),
    ],
)
def test_vendor_for_host(bundled, host, expected):
    assert bundled.vendor_for_host(host) == expected


@pytest.mark.parametrize(
    "host",
    [
        "unknown.example",
        "www.example.com",
        "notgoogleapis.com",  # a suffix of the text, not of the labels
        "google-analytics.com.evil.example",
        "com",
        "",
    ],
)
def test_vendor_for_unknown_host_is_none(bundled, host):
    assert bundled.vendor_for_host(host) is None


# -- cookie_rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "domain", "pattern", "vendor", "category", "hosts"),
    [
        ("_ga", ".example.com", "_ga", "Google Analytics", "analytics", ()),
        ("_ga_ABC123", ".example.com", "_ga_*", "Google Analytics", "analytics", ()),
        ("_ga_ABC123", "www.example.com", "_ga_*", "Google Analytics", "analytics", ()),
        ("OptanonConsent", ".example.com", "OptanonConsent", "OneTrust", "necessary", ()),
        ("IDE", ".doubleclick.net", "IDE", "Google Ads", "marketing", ("doubleclick.net",)),
        ("IDE", "ad.doubleclick.net", "IDE", "Google Ads", "marketing", ("doubleclick.net",)),
        ("IDE", ".DoubleClick.NET", "IDE", "Google Ads", "marketing", ("doubleclick.net",)),
        # an exact name beats a glob: AMP_TOKEN (Google Analytics), not AMP_* (Amplitude)
        ("AMP_TOKEN", ".example.com", "AMP_TOKEN", "Google Analytics", "analytics", ()),
        ("AMP_abc123", ".example.com", "AMP_*", "Amplitude", "analytics", ()),
        # the same name twice, told apart by the cookie's domain
        ("MUID", ".bing.com", "MUID", "Microsoft Bing", "marketing", ("bing.com", "microsoft.com")),
        ("MUID", ".clarity.ms", "MUID", "Microsoft Clarity", "marketing", ("clarity.ms",)),
    ],
)
def test_cookie_rule(bundled, name, domain, pattern, vendor, category, hosts):
    rule = bundled.cookie_rule(name, domain)
    assert rule is not None
    assert (rule.pattern, rule.vendor, rule.category, rule.hosts) == (pattern, vendor, category, hosts)


def test_cookie_rule_keeps_its_source(bundled):
    assert bundled.cookie_rule("_ga", ".example.com").source == GA_COOKIES


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("IDE", ".example.com"),  # IDE is tied to doubleclick.net: a first-party IDE is unknown
        ("IDE", ".notdoubleclick.net"),
        ("MUID", ".example.com"),
        ("sitescan_unknown_cookie", ".example.com"),
        ("_GA", ".example.com"),  # names are case-sensitive
        ("x_ga", ".example.com"),  # a pattern matches the whole name
    ],
)
def test_cookie_rule_unknown_is_none(bundled, name, domain):
    assert bundled.cookie_rule(name, domain) is None


def test_cookie_precedence_on_hand_made_rules():
    def cookie(pattern: str, vendor: str, hosts: tuple[str, ...] = ()) -> dict:
        entry = {"pattern": pattern, "vendor": vendor, "category": "analytics", "source": "s"}
        return {**entry, "hosts": list(hosts)} if hosts else entry

    classifier = Classifier(
        {},
        {
            "cookie": [
                cookie("*", "Anything"),
                cookie("ab*", "Short glob"),
                cookie("abc_*", "Long glob"),
                cookie("abc_1", "Exact"),
                cookie("abc_*", "Tied glob", ("tracker.test",)),
            ]
        },
        {},
    )
    assert classifier.cookie_rule("abc_1", "www.example.com").vendor == "Exact"
    assert classifier.cookie_rule("abc_2", "www.example.com").vendor == "Long glob"
    assert classifier.cookie_rule("abz", "www.example.com").vendor == "Short glob"
    assert classifier.cookie_rule("zzz", "www.example.com").vendor == "Anything"
    # a rule tied to the cookie's domain beats all others, even an exact name
    assert classifier.cookie_rule("abc_1", ".cdn.tracker.test").vendor == "Tied glob"


# -- endpoint_for ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path", "entry_host", "entry_path", "vendor"),
    [
        (
            "region1.google-analytics.com",
            "/g/collect",
            ".google-analytics.com",
            "/g/collect",
            "Google Analytics",
        ),
        (
            "www.google-analytics.com",
            "/g/collect?v=2",
            ".google-analytics.com",
            "/g/collect",
            "Google Analytics",
        ),
        ("www.google-analytics.com", "/collect", ".google-analytics.com", "/collect", "Google Analytics"),
        ("analytics.google.com", "/g/collect", "analytics.google.com", "/g/collect", "Google Analytics"),
        (
            "stats.g.doubleclick.net",
            "/g/collect",
            "stats.g.doubleclick.net",
            "/g/collect",
            "Google Analytics",
        ),
        ("www.facebook.com", "/tr", "www.facebook.com", "/tr", "Meta Pixel"),
        ("WWW.FACEBOOK.COM", "/tr/?id=1&ev=PageView", "www.facebook.com", "/tr", "Meta Pixel"),
        ("x.fls.doubleclick.net", "/activity;src=1", ".fls.doubleclick.net", "/activity", "Google Ads"),
        ("content.hotjar.io", "/anything/at/all", "content.hotjar.io", "/", "Hotjar"),
    ],
)
def test_endpoint_for(bundled, host, path, entry_host, entry_path, vendor):
    assert bundled.endpoint_for(host, path) == Endpoint(entry_host, entry_path, vendor)


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("region1.google-analytics.com", "/gtag/js"),  # the tag, not a collection endpoint
        ("www.googletagmanager.com", "/gtag/js"),
        ("x.analytics.google.com", "/g/collect"),  # an exact host entry does not match subdomains
        ("facebook.com", "/tr"),
        ("connect.facebook.net", "/en_US/fbevents.js"),
        ("www.example.com", "/g/collect"),  # a path alone is never enough
        ("google-analytics.com.evil.example", "/g/collect"),
    ],
)
def test_endpoint_for_non_endpoints_is_none(bundled, host, path):
    assert bundled.endpoint_for(host, path) is None
