"""Personal data leaving the page: sitescan types its probe visitor into the forms and finds the values in
third-party requests, as typed, URL-encoded, base64 or hashed; a form that talks to its own site only is
not flagged."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft202012Validator

from sitescan.artifacts import FilledField, PageVisit, RequestRecord
from sitescan.collect.forms import probe
from sitescan.leaks import find, leaks
from sitescan.schemas import load

from conftest import ScanHarness, ScanRun, start_internet

SHOP = "https://www.newsletter-shop.com"
EMAIL = probe().values["email"]


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from start_internet(tmp_path_factory, "leaks")


@pytest.fixture(scope="module")
def scanned(leaky: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    run = leaky.scan(tmp_path_factory.mktemp("leaks"), f"{SHOP}/", "--no-sitemap", "--consent", "none")
    assert run.returncode == 0, run.stderr
    return run


def test_each_value_the_tags_send_is_found_with_vendor_field_and_encoding(scanned: ScanRun):
    found = {
        (
            leak["page"],
            leak["vendor"],
            leak["host"],
            leak["kind"],
            leak["field"],
            leak["encoding"],
            leak["where"],
        )
        for leak in scanned.report["leaks"]
    }
    newsletter = f"{SHOP}/newsletter/"
    assert found == {
        # Meta pixel advanced matching: e-mail and phone normalised and hashed with SHA-256.
        (newsletter, "Meta Pixel", "www.facebook.com", "email", "email", "sha256", "url"),
        (newsletter, "Meta Pixel", "www.facebook.com", "phone", "phone", "sha256", "url"),
        # An analytics event with the address as a parameter.
        (newsletter, "Google Analytics", "www.google-analytics.com", "email", "email", "url-encoded", "url"),
        # A lead-capture tool posting the form as base64 JSON (no vendor in rules/: unknown stays None).
        (newsletter, None, "api.lead-tracker.net", "email", "email", "base64", "body"),
        (newsletter, None, "api.lead-tracker.net", "given_name", "first_name", "base64", "body"),
        (newsletter, None, "api.lead-tracker.net", "postal_code", "postal", "base64", "body"),
    }


def test_the_rule_finds_the_leaks_and_not_the_form_that_stays_home(scanned: ScanRun):
    findings = [f for f in scanned.report["findings"] if f["rule"] == "dataflow.pii-to-third-party"]
    assert {(f["url"], f["subject"], f["severity"], f["phase"]) for f in findings} == {
        (f"{SHOP}/newsletter/", subject, "critical", "before-consent")
        for subject in (
            "email to www.facebook.com",
            "phone to www.facebook.com",
            "email to www.google-analytics.com",
            "email to api.lead-tracker.net",
            "given_name to api.lead-tracker.net",
            "postal_code to api.lead-tracker.net",
        )
    }
    meta = next(f for f in findings if f["subject"] == "email to www.facebook.com")
    assert meta["evidence"]["sent"] == ["sha256 in the url"]
    assert meta["evidence"]["vendor"] == "Meta Pixel"


def test_the_probe_was_typed_and_the_own_site_got_it(scanned: ScanRun, leaky: ScanHarness):
    pages = {page["url"]: page for page in scanned.report["pages"]}
    assert pages[f"{SHOP}/newsletter/"]["filled"] == [
        "email (email)",
        "first_name (given_name)",
        "phone (phone)",
        "postal (postal_code)",
    ]
    assert pages[f"{SHOP}/contact-us/"]["filled"] == ["email (email)"]
    # The contact form's own validation request carried the address: it was typed, and it is no leak.
    validations = [r for r in leaky.browser_served() if r.path.startswith("/api/validate")]
    assert [parse_qs(urlsplit(r.path).query)["email"] for r in validations] == [[EMAIL]]
    assert not [leak for leak in scanned.report["leaks"] if leak["page"] == f"{SHOP}/contact-us/"]
    # Nothing was submitted.
    assert not [r for r in leaky.browser_served() if r.path in ("/subscribe", "/contact")]


def test_the_report_html_lists_the_leaks(scanned: ScanRun):
    html = (scanned.out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Personal data sent to third parties</h2>" in html
    assert "email (email)</td><td>sha256 in the url" in html


def test_no_fill_forms_types_nothing(leaky: ScanHarness, tmp_path):
    run = leaky.scan(tmp_path, f"{SHOP}/newsletter/", "--depth", "0", "--no-sitemap", "--consent", "none",
                     "--no-fill-forms")  # fmt: skip
    assert run.report["leaks"] == []
    assert run.report["pages"][0]["filled"] == []


# -- the search itself -------------------------------------------------------------------------------
FILLED_EMAIL = FilledField("email", "email", "Sitescan.Probe.4711@Example.com ")
NORMAL = "sitescan.probe.4711@example.com"
JSON_PAYLOAD = base64.b64encode(f'{{"em":"{NORMAL}"}}'.encode()).decode()
PREFIXED_PAYLOAD = base64.urlsafe_b64encode(f"xx{NORMAL}".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (f"https://t.example/c?email={NORMAL}", "plain"),
        ("https://t.example/c?e=SITESCAN.PROBE.4711%40EXAMPLE.COM", "url-encoded"),
        ("https://t.example/c?u=https%3A%2F%2Fx%2F%3Fe%3Dsitescan.probe.4711%2540example.com", "url-encoded"),
        (f"d={JSON_PAYLOAD}", "base64"),
        (f"d={PREFIXED_PAYLOAD}", "base64"),
        (f"ud[em]={hashlib.sha256(NORMAL.encode()).hexdigest()}", "sha256"),
        (f"h={hashlib.sha1(NORMAL.encode()).hexdigest().upper()}", "sha1"),
        (f"h={hashlib.md5(NORMAL.encode()).hexdigest()}", "md5"),
        ("https://t.example/c?email=someone.else%40example.com", None),
        (f"h={hashlib.sha256(b'someone.else@example.com').hexdigest()}", None),
    ],
)
def test_find_recognises_each_encoding(text: str, encoding: str | None):
    assert find(FILLED_EMAIL, text) == encoding


@pytest.mark.parametrize(
    ("filled", "text", "encoding"),
    [
        (FilledField("phone", "tel", "+1 514 555 0147"), "ph=15145550147", "plain"),
        (FilledField("phone", "tel", "+1 514 555 0147"), "ph=5145550147", "plain"),
        (
            FilledField("phone", "tel", "+1 514 555 0147"),
            f"ud[ph]={hashlib.sha256(b'15145550147').hexdigest()}",
            "sha256",
        ),
        (FilledField("postal_code", "zip", "H9Z 4K7"), "zp=h9z4k7", "plain"),
        (
            FilledField("given_name", "fn", "Quillon"),
            f"fn={hashlib.sha256(b'quillon').hexdigest()}",
            "sha256",
        ),
    ],
)
def test_find_knows_the_normal_forms_pixels_hash(filled: FilledField, text: str, encoding: str):
    assert find(filled, text) == encoding


def test_only_requests_to_other_sites_count():
    def request(url: str, body: str | None = None, referer: str | None = None) -> RequestRecord:
        return RequestRecord(
            url, "POST", "Fetch", None, None, "script", 204, None, body=body, referer=referer
        )

    visit = PageVisit(
        url=f"{SHOP}/form/",
        phase="before-consent",
        depth=0,
        filled=(FilledField("email", "email", EMAIL),),
        requests=(
            request(f"{SHOP}/api/validate?email={EMAIL}"),  # the shop's own site
            request("https://cdn.newsletter-shop.com/log", body=EMAIL),  # same site, other host
            request("https://tags.example/p", referer=f"{SHOP}/thanks/?email={EMAIL}"),  # a third party
        ),
    )
    assert [(leak.request.url, leak.where, leak.encoding) for leak in leaks(visit)] == [
        ("https://tags.example/p", "referer", "plain")
    ]


def test_a_form_submitted_to_an_allowed_endpoint_shows_what_its_answer_sends(leaky: ScanHarness, tmp_path):
    run = leaky.scan(tmp_path, f"{SHOP}/signup/", "--depth", "0", "--no-sitemap", "--consent", "none",
                     "--submit-forms", r"/thanks/$")  # fmt: skip
    page = run.report["pages"][0]
    assert page["navigated_to"] == f"{SHOP}/thanks/?email=sitescan.probe.4711%40example.com"
    # The thank-you page's analytics reports its address: the e-mail, URL-encoded twice over.
    assert [
        (leak["host"], leak["kind"], leak["encoding"], leak["where"]) for leak in run.report["leaks"]
    ] == [("www.google-analytics.com", "email", "url-encoded", "url")]
    visit = json.loads((tmp_path / "artifacts.json").read_text(encoding="utf-8"))["visits"][0]
    assert visit["filled"] == [
        {"kind": "email", "field": "email", "value": EMAIL, "submitted_to": f"{SHOP}/thanks/"}
    ]


def test_without_submit_forms_nothing_is_sent(leaky: ScanHarness, tmp_path):
    run = leaky.scan(tmp_path, f"{SHOP}/signup/", "--depth", "0", "--no-sitemap", "--consent", "none")
    assert run.report["pages"][0]["navigated_to"] is None
    assert run.report["leaks"] == []


def test_the_report_matches_its_schema(scanned: ScanRun):
    Draft202012Validator(load()).validate(scanned.report)
