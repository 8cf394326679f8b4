"""Consent phases end to end, on stand-ins of eight consent platforms (their real DOM: ids, classes, an
open shadow root, a cross-site iframe, a second-layer reject) and on home-made banners in English and
French. See tests/sites/consent/README.md for what each shop does in each phase."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitescan.collect.autoconsent import find_bundle

from conftest import ScanHarness, start_internet

GATED_HOSTS = {
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "connect.facebook.net",
    "www.facebook.com",
}
GATED_COOKIES = {"_ga", "_ga_TEST123", "_fbp", "fr"}
ALL_PHASES = ["before-consent", "after-accept", "after-reject"]

# host: (platform name, platform id, reject on the first layer, IAB TCF, the CMP's own third-party hosts)
PLATFORMS = {
    "www.onetrust-shop.com": ("OneTrust", "onetrust", True, False, {"cdn.cookielaw.org"}),
    "www.cookiebot-shop.com": (
        "Cookiebot (Usercentrics)",
        "cookiebot",
        True,
        False,
        {"consent.cookiebot.com"},
    ),
    "www.didomi-shop.com": ("Didomi", "didomi", True, True, {"sdk.privacy-center.org"}),
    # its banner lives in an open shadow root
    "www.usercentrics-shop.com": ("Usercentrics", "usercentrics", True, False, {"app.usercentrics.eu"}),
    # its banner lives in a cross-site iframe
    "www.sourcepoint-shop.com": ("Sourcepoint", "sourcepoint", True, True, {"cdn.privacy-mgmt.com"}),
    # its reject sits on the second layer
    "www.inmobi-shop.com": (
        "InMobi Choice (formerly Quantcast Choice)",
        "quantcast",
        False,
        True,
        {"cmp.inmobi.com"},
    ),
    "www.cookieyes-shop.com": ("CookieYes", "cookieyes", True, False, {"cdn-cookieyes.com"}),
    "www.complianz-shop.com": (
        "Complianz (WordPress)",
        "complianz",
        True,
        False,
        set(),
    ),  # served by the site
}


@pytest.fixture(scope="module")
def consent_internet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    for harness in start_internet(tmp_path_factory, "consent"):
        harness.autoconsent = True  # banners are what these tests are about: every engine, as users run it
        yield harness


@pytest.fixture(scope="module")
def scan_shop(consent_internet: ScanHarness, tmp_path_factory: pytest.TempPathFactory):
    reports: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], Path]] = {}

    def scan(host: str, *options: str) -> tuple[dict[str, Any], Path]:
        if (host, options) not in reports:
            out = tmp_path_factory.mktemp(host)
            run = consent_internet.scan(out, f"https://{host}/", "--no-sitemap", *options)
            assert run.returncode == 0, run.stderr
            reports[host, options] = (run.report, out)
        return reports[host, options]

    return scan


def phases_of(items: list[dict[str, Any]], key: str) -> dict[str, list[str]]:
    return {item[key]: item["phases"] for item in items}


@pytest.mark.parametrize("host", sorted(PLATFORMS))
def test_platform_found_both_choices_taken_and_proven(scan_shop, host):
    name, platform_id, first_layer_reject, tcf, cmp_hosts = PLATFORMS[host]
    report, out = scan_shop(host)
    consent = report["consent"]
    assert (consent["cmp"], consent["platform_id"], consent["banner"]) == (name, platform_id, True)
    assert (consent["engine"], consent["rule"]) == ("sitescan", platform_id)  # before autoconsent's turn
    assert (consent["accept"], consent["reject"], consent["first_layer_reject"]) == (
        True,
        True,
        first_layer_reject,
    )
    choices = {c["choice"]: c for c in consent["choices"]}
    for choice in ("accept", "reject"):
        assert (choices[choice]["taken"], choices[choice]["stored"], choices[choice]["verified"]) == (
            True,
            choice,
            True,
        )
        assert choices[choice]["banner_after"] is False and choices[choice]["error"] is None
    # Screenshots: the banner as first shown in each phase, and the page after each choice.
    assert [Path(s).name.split("-", 1)[1] for s in consent["screenshots"]] == [
        "before-consent-banner.png",
        "after-accept-banner.png",
        "after-accept-after-accept.png",
        "after-reject-banner.png",
        "after-reject-after-reject.png",
    ]
    assert all((out / shot).stat().st_size > 0 for shot in consent["screenshots"])
    # What each choice loads: the gated tags and their cookies after accepting only.
    third = phases_of(report["third_parties"], "host")
    assert set(third) == GATED_HOSTS | cmp_hosts
    assert all(third[gated] == ["after-accept"] for gated in GATED_HOSTS)
    assert all(third[own] == ALL_PHASES for own in cmp_hosts)
    cookies = phases_of(report["cookies"], "name")
    assert all(cookies[name] == ["after-accept"] for name in GATED_COOKIES)
    assert all(report["pages"][i]["phases"] == ALL_PHASES for i in range(2))
    if tcf:  # the TCF answer read back from the page agrees with the choice
        assert consent["tcf"]["after-accept"]["purposeConsents"] == list(range(1, 12))
        assert consent["tcf"]["after-reject"]["purposeConsents"] == []
        assert consent["tcf"]["after-reject"]["tcString"]
    else:
        assert consent["tcf"] is None


@pytest.mark.parametrize(
    ("host", "accept_label", "reject_label"),
    [
        ("www.generic-en-shop.com", "accept all", "reject all"),
        ("www.generic-fr-shop.ca", "tout accepter", "tout refuser"),
    ],
)
def test_home_made_banners_in_english_and_french(scan_shop, host, accept_label, reject_label):
    report, _ = scan_shop(host)
    consent = report["consent"]
    assert (consent["cmp"], consent["banner"], consent["accept"], consent["reject"]) == (
        "generic",
        True,
        True,
        True,
    )
    assert (consent["engine"], consent["rule"]) == ("sitescan", "generic")  # autoconsent knew none of them
    assert [(c["choice"], c["steps"]) for c in consent["choices"]] == [
        ("accept", [f"click {accept_label!r}"]),
        ("reject", [f"click {reject_label!r}"]),
    ]
    third = phases_of(report["third_parties"], "host")
    assert set(third) == GATED_HOSTS and all(phases == ["after-accept"] for phases in third.values())


def test_autoconsent_takes_a_platform_sitescan_does_not_know(scan_shop):
    bundle = find_bundle()
    assert bundle is not None, "make setup installs autoconsent (sitescan autoconsent install)"
    report, out = scan_shop("www.tarteaucitron-shop.ca")
    consent = report["consent"]
    engine = f"autoconsent {bundle.version}"
    assert {k: consent[k] for k in ("cmp", "engine", "rule", "banner", "accept", "reject")} == {
        "cmp": "tarteaucitron deny",
        "engine": engine,
        "rule": "tarteaucitron deny",
        "banner": True,
        "accept": True,
        "reject": True,
    }
    assert consent["first_layer_reject"] is None  # autoconsent does not say
    assert [
        {k: c[k] for k in ("choice", "engine", "steps", "stored", "banner_after", "verified", "error")}
        for c in consent["choices"]
    ] == [
        {
            "choice": "accept",
            "engine": engine,
            "steps": ["autoconsent optIn with rule 'tarteaucitron deny'"],
            "stored": None,  # autoconsent has no self-test for an opt-in: the popup closing proves it
            "banner_after": False,
            "verified": True,
            "error": None,
        },
        {
            "choice": "reject",
            "engine": engine,
            "steps": ["autoconsent optOut with rule 'tarteaucitron deny'"],
            "stored": "reject",  # its self-test read the tarteaucitron cookie
            "banner_after": False,
            "verified": True,
            "error": None,
        },
    ]
    assert [Path(s).name.split("-", 1)[1] for s in consent["screenshots"]] == [
        "before-consent-banner.png",
        "after-accept-after-accept.png",
        "after-reject-after-reject.png",
    ]
    assert all((out / shot).stat().st_size > 0 for shot in consent["screenshots"])
    third = phases_of(report["third_parties"], "host")
    assert set(third) == GATED_HOSTS and all(phases == ["after-accept"] for phases in third.values())
    cookies = phases_of(report["cookies"], "name")
    assert cookies == {
        "tarteaucitron": ["after-accept", "after-reject"],
        **{name: ["after-accept"] for name in GATED_COOKIES},
    }
    assert report["scan"]["settings"]["autoconsent"] == bundle.version


def test_without_autoconsent_the_generic_rules_take_the_same_banner(scan_shop):
    report, _ = scan_shop("www.tarteaucitron-shop.ca", "--no-autoconsent")
    consent = report["consent"]
    assert (consent["cmp"], consent["engine"], consent["accept"], consent["reject"]) == (
        "generic",
        "sitescan",
        True,
        True,
    )
    assert [(c["choice"], c["steps"], c["verified"]) for c in consent["choices"]] == [
        ("accept", ["click 'tout accepter'"], True),
        ("reject", ["click 'tout refuser'"], True),
    ]
    third = phases_of(report["third_parties"], "host")
    assert set(third) == GATED_HOSTS and all(phases == ["after-accept"] for phases in third.values())
    assert report["scan"]["settings"]["autoconsent"] is None


def test_a_banner_without_reject_is_reported(scan_shop):
    report, _ = scan_shop("www.no-reject-shop.com")
    consent = report["consent"]
    assert (consent["cmp"], consent["banner"], consent["accept"], consent["reject"]) == (
        "generic",
        True,
        True,
        False,
    )
    reject = next(c for c in consent["choices"] if c["choice"] == "reject")
    assert (reject["taken"], reject["verified"], reject["error"]) == (
        False,
        False,
        "the banner offers no reject button",
    )


def test_trackers_without_any_banner(scan_shop):
    report, _ = scan_shop("www.no-banner-shop.com")
    consent = report["consent"]
    assert (consent["cmp"], consent["banner"], consent["accept"], consent["reject"]) == (
        None,
        False,
        None,
        None,
    )
    third = phases_of(report["third_parties"], "host")
    assert set(third) == GATED_HOSTS and all(phases == ["before-consent"] for phases in third.values())
    assert report["scan"]["notes"] == [
        "no consent banner found on https://www.no-banner-shop.com/: no choice could be taken, so the "
        "after-accept and after-reject phases were not run"
    ]


def test_a_tag_that_ignores_the_reject_is_caught_after_reject(scan_shop):
    report, _ = scan_shop("www.leaky-shop.com")
    assert (report["consent"]["cmp"], report["consent"]["reject"]) == ("OneTrust", True)
    third = phases_of(report["third_parties"], "host")
    assert third["connect.facebook.net"] == ALL_PHASES  # hard-coded: before consent and after the reject
    assert third["www.facebook.com"] == ALL_PHASES
    assert third["www.googletagmanager.com"] == ["after-accept"]  # the gated tag obeys
    cookies = phases_of(report["cookies"], "name")
    assert cookies["_fbp"] == ALL_PHASES and cookies["_ga"] == ["after-accept"]


def test_google_consent_mode_states_are_read_from_the_hits(tmp_path_factory):
    for harness in start_internet(tmp_path_factory, "gcs"):
        run = harness.scan(tmp_path_factory.mktemp("gcs"), "https://www.example.com/", "--no-sitemap")
        assert run.returncode == 0, run.stderr
        assert run.report["consent"]["gcs"] == {"before-consent": ["G100", "G111"]}


def consent_findings(report: dict[str, Any]) -> set[tuple[str, str | None, str]]:
    return {
        (f["rule"], f["phase"], f["subject"]) for f in report["findings"] if f["rule"].startswith("consent.")
    }


@pytest.mark.parametrize("host", sorted(PLATFORMS))
def test_a_platform_that_gates_its_tags_breaks_no_consent_rule(scan_shop, host):
    report, _ = scan_shop(host)
    first_layer_reject = PLATFORMS[host][2]
    # Only InMobi's reject hides behind "MORE OPTIONS": a reject that is not on the first layer.
    assert consent_findings(report) == (
        set() if first_layer_reject else {("consent.no-reject", None, "reject")}
    )
    assert {"consent.cookie-after-reject", "consent.tracker-before-consent"} <= set(report["scan"]["checks"])


def test_the_leaky_pixel_is_found_before_consent_and_after_the_reject(scan_shop):
    report, _ = scan_shop("www.leaky-shop.com")
    pixel = {"_fbp .leaky-shop.com", "fr .facebook.com"}, {"connect.facebook.net", "www.facebook.com"}
    expected = {
        (rule, phase, subject)
        for phase, cookie_rule, tracker_rule in (
            ("before-consent", "consent.cookie-before-consent", "consent.tracker-before-consent"),
            ("after-reject", "consent.cookie-after-reject", "consent.tracker-after-reject"),
        )
        for rule, subjects in ((cookie_rule, pixel[0]), (tracker_rule, pixel[1]))
        for subject in subjects
    }
    assert consent_findings(report) == expected
    after_reject = next(f for f in report["findings"] if f["rule"] == "consent.tracker-after-reject")
    assert (after_reject["severity"], after_reject["evidence"]["vendor"]) == ("critical", "Meta Pixel")


def test_no_banner_no_reject_and_a_broken_reject_each_have_their_rule(scan_shop):
    no_banner, _ = scan_shop("www.no-banner-shop.com")
    trackers = {"connect.facebook.net", "www.facebook.com", "www.google-analytics.com"}
    cookies = {
        "_fbp .no-banner-shop.com",
        "_ga .no-banner-shop.com",
        "_ga_TEST123 .no-banner-shop.com",
        "fr .facebook.com",
    }
    assert consent_findings(no_banner) == {
        ("consent.banner-missing", "before-consent", "banner"),
        *(("consent.tracker-before-consent", "before-consent", host) for host in trackers),
        *(("consent.cookie-before-consent", "before-consent", cookie) for cookie in cookies),
    }
    missing = next(f for f in no_banner["findings"] if f["rule"] == "consent.banner-missing")
    assert missing["evidence"]["trackers"] == sorted(trackers)

    no_reject, _ = scan_shop("www.no-reject-shop.com")
    assert consent_findings(no_reject) == {("consent.no-reject", None, "reject")}
    assert next(f for f in no_reject["findings"] if f["rule"] == "consent.no-reject")["evidence"][
        "problem"
    ] == ("the banner offers no reject button")

    sticky, _ = scan_shop("www.sticky-banner-shop.com")
    # The reject did not take: what loads afterwards is no ignored refusal, so only the click is reported.
    assert consent_findings(sticky) == {("consent.choice-unconfirmed", "after-reject", "reject")}


def test_global_privacy_control_is_checked_for_california(scan_shop):
    ignored, _ = scan_shop("www.no-banner-shop.com", "--gpc", "--profile", "us-ca")
    assert consent_findings(ignored) == {
        ("consent.gpc-ignored", "gpc", host)
        for host in ("connect.facebook.net", "www.facebook.com", "www.google-analytics.com")
    }  # and no banner is asked for: the CCPA is an opt-out law
    honoured, _ = scan_shop("www.onetrust-shop.com", "--gpc", "--profile", "us-ca")
    assert consent_findings(honoured) == set()
    assert "consent.gpc-ignored" in honoured["scan"]["checks"] and honoured["profiles"] == ["us-ca"]
