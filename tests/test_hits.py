"""Hit decoding (rules/trackers/hits.toml, sitescan.hits): each tag's hits read from realistic requests,
and a real scan of the tags tree (tests/sites/tags) whose report lists, per phase, what each vendor was
told, and shows it (escaped) in report.html."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sitescan.artifacts import RequestRecord
from sitescan.hits import MAX_FIELD_VALUE, bundled_tags, decode, google_consent
from sitescan.schemas import load
from sitescan.shape import report_schema, schema_problem

from conftest import ScanRun, start_internet

SHOP = "https://www.tagged-shop.com/"
LAMP = "https://www.tagged-shop.com/lamp"
EMAIL_HASH = hashlib.sha256(b"visitor@example.com").hexdigest()
DENIED = dict.fromkeys(("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"), "denied")
GRANTED = dict.fromkeys(DENIED, "granted")


def request(url: str, method: str = "GET", body: str | None = None) -> RequestRecord:
    return RequestRecord(url, method, "Ping", SHOP, None, "script", 204, None, body=body)


def decoded(url: str, method: str = "GET", body: str | None = None) -> list[tuple[Any, ...]]:
    return [
        (h.tag, h.vendor, h.account, h.event, h.page, h.fields, h.user_data, h.consent)
        for h in decode(request(url, method, body))
    ]


# --- the data ---------------------------------------------------------------------------------------


def test_every_tag_names_a_known_vendor_and_its_sources():
    rules = files("sitescan.rules")
    data = tomllib.loads(rules.joinpath("trackers/hits.toml").read_text(encoding="utf-8"))
    vendors = {
        v["name"] for v in tomllib.loads(rules.joinpath("trackers/vendors.toml").read_text())["vendor"]
    }
    ids = [entry["id"] for entry in data["tag"]]
    assert len(ids) == len(set(ids))
    for tag in bundled_tags():
        assert tag.vendor in vendors, tag.id
        assert tag.source and all(s.startswith("https://") for s in tag.source), tag.id
        assert tag.endpoints and tag.methods <= {"GET", "POST"}, tag.id


# --- Google Consent Mode ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gcs", "gcd", "states"),
    [
        ("G100", "13p3p3p3p5", ("denied", "denied", "denied", "denied")),  # denied by default
        ("G111", "13r3r3r3r5", ("granted", "granted", "granted", "granted")),  # denied, then granted
        ("G101", "11q1v1q1t5", ("denied", "granted", "denied", "granted")),
        (None, "13l3m3n3u1", (None, "denied", "granted", "denied")),  # l: not set
        ("G110", None, ("granted", "denied", None, None)),  # v1: the two storage signals only
        ("G100", "13z3z3t3t1", ("denied", "denied", "granted", "granted")),  # z: unknown, gcs says
        ("G1", "13z3", (None, None, None, None)),  # neither readable: nothing guessed
    ],
)
def test_google_consent_mode_is_decoded_from_gcs_and_gcd(gcs, gcd, states):
    signals = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
    assert google_consent(gcs, gcd) == {"gcs": gcs, "gcd": gcd, **dict(zip(signals, states, strict=True))}


def test_a_hit_without_consent_mode_states_none():
    assert google_consent(None, None) is None


# --- each tag ---------------------------------------------------------------------------------------


def test_ga4_page_view_with_its_consent_state():
    url = (
        "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&gtm=45je4&gcs=G100&gcd=13p3p3p3p5"
        "&cid=171.172&dl=https%3A%2F%2Fwww.tagged-shop.com%2F&dr=https%3A%2F%2Fsearch.example%2F"
        "&dt=Tagged%20Shop&sid=1700000000&en=page_view&ep.page_type=home&up.tier=gold"
    )
    assert decoded(url, "POST") == [
        ("ga4", "Google Analytics", "G-ABC123", "page_view", SHOP,
         {"dt": "Tagged Shop", "dr": "https://search.example/", "cid": "171.172", "sid": "1700000000",
          "ep.page_type": "home", "up.tier": "gold", "gtm": "45je4"},
         (), {"gcs": "G100", "gcd": "13p3p3p3p5", **DENIED}),
    ]  # fmt: skip


def test_ga4_batch_one_event_a_line_over_the_urls_parameters():
    url = "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&gcs=G111&dl=https%3A%2F%2Fwww.tagged-shop.com%2Flamp"
    body = "en=view_item&ep.item_id=nuit&epn.value=25\r\nen=scroll&epn.percent_scrolled=90\r\n"
    consent = {"gcs": "G111", "gcd": None, "ad_storage": "granted", "analytics_storage": "granted",
               "ad_user_data": None, "ad_personalization": None}  # fmt: skip
    assert decoded(url, "POST", body) == [
        (
            "ga4",
            "Google Analytics",
            "G-ABC123",
            "view_item",
            LAMP,
            {"ep.item_id": "nuit", "epn.value": "25"},
            (),
            consent,
        ),
        ("ga4", "Google Analytics", "G-ABC123", "scroll", LAMP, {"epn.percent_scrolled": "90"}, (), consent),
    ]


def test_ga4_measurement_protocol_json_events():
    body = (
        '{"client_id":"171.172","user_id":"u-9","consent":{"ad_user_data":"DENIED"},'
        '"events":[{"name":"purchase","params":{"page_location":"https://www.tagged-shop.com/lamp",'
        '"transaction_id":"T-1","value":25}},{"name":"login","params":{"method":"e-mail"}}]}'
    )
    url = "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t"
    assert decoded(url, "POST", body) == [
        ("ga4-measurement-protocol", "Google Analytics", "G-ABC123", "purchase", LAMP,
         {"client_id": "171.172", "user_id": "u-9", "params.transaction_id": "T-1", "params.value": "25",
          "consent.ad_user_data": "DENIED"}, ("user_id",), None),
        ("ga4-measurement-protocol", "Google Analytics", "G-ABC123", "login", None,
         {"client_id": "171.172", "user_id": "u-9", "params.method": "e-mail", "consent.ad_user_data": "DENIED"},
         ("user_id",), None),
    ]  # fmt: skip


def test_google_ads_conversion_and_remarketing():
    conversion = (
        "https://www.googleadservices.com/pagead/conversion/857395262/?label=VQ4ACK-S1nAQ&value=25.00"
        "&currency_code=CAD&oid=T-1&gcs=G111&gcd=13v3v3v3v5&url=https%3A%2F%2Fwww.tagged-shop.com%2Flamp"
        "&guid=ON&script=0"
    )
    assert decoded(conversion) == [
        ("google-ads-conversion", "Google Ads", "857395262", "conversion", LAMP,
         {"label": "VQ4ACK-S1nAQ", "value": "25.00", "currency_code": "CAD", "oid": "T-1", "guid": "ON", "script": "0"},
         (), {"gcs": "G111", "gcd": "13v3v3v3v5", **GRANTED}),
    ]  # fmt: skip
    first_party = "https://www.google.com/pagead/1p-conversion/857395262/?en=purchase&value=25&gcs=G100"
    assert [(t, a, e) for t, _, a, e, *_ in decoded(first_party)] == [
        ("google-ads-conversion", "857395262", "purchase")
    ]
    remarketing = (
        "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/857395262/?gcd=13p3p3p3p5"
        "&tiba=Tagged%20Shop&data=event%3Dpage_view%3Becomm_pagetype%3Dhome&url=https%3A%2F%2Fwww.tagged-shop.com%2F"
    )
    assert decoded(remarketing) == [
        ("google-ads-remarketing", "Google Ads", "857395262", "remarketing", SHOP,
         {"tiba": "Tagged Shop", "data": "event=page_view;ecomm_pagetype=home"}, (),
         {"gcs": None, "gcd": "13p3p3p3p5", **DENIED}),
    ]  # fmt: skip


def test_meta_pixel_image_hit_and_form_post_with_custom_and_user_data():
    image = (
        "https://www.facebook.com/tr/?id=424242&ev=PageView&dl=https%3A%2F%2Fwww.tagged-shop.com%2F"
        f"&rl=&if=false&ts=1700000000000&ud[em]={EMAIL_HASH}&noscript=1"
    )
    assert decoded(image) == [
        ("meta-pixel", "Meta Pixel", "424242", "PageView", SHOP,
         {"rl": "", "ud[em]": EMAIL_HASH, "if": "false", "ts": "1700000000000", "noscript": "1"},
         ("ud[em]",), None),
    ]  # fmt: skip
    form = f"id=424242&ev=Lead&dl=https%3A%2F%2Fwww.tagged-shop.com%2Flamp&cd%5Bvalue%5D=25&cd%5Bcurrency%5D=CAD&ud%5Bem%5D={EMAIL_HASH}&eid=ev-1"
    assert decoded("https://www.facebook.com/tr/", "POST", form) == [
        ("meta-pixel", "Meta Pixel", "424242", "Lead", LAMP,
         {"cd[value]": "25", "cd[currency]": "CAD", "ud[em]": EMAIL_HASH, "eid": "ev-1"}, ("ud[em]",), None),
    ]  # fmt: skip


def test_linkedin_insight_page_view_and_conversion():
    page = "https://px.ads.linkedin.com/collect/?pid=4242&fmt=gif&url=https%3A%2F%2Fwww.tagged-shop.com%2F&time=1700000000000"
    assert decoded(page) == [
        (
            "linkedin-insight",
            "LinkedIn Insight Tag",
            "4242",
            "page view",
            SHOP,
            {"time": "1700000000000"},
            (),
            None,
        )
    ]
    conversion = "https://px.ads.linkedin.com/collect/?pid=4242&conversionId=987654&fmt=gif"
    assert decoded(conversion) == [
        (
            "linkedin-insight",
            "LinkedIn Insight Tag",
            "4242",
            "conversion",
            None,
            {"conversionId": "987654"},
            (),
            None,
        )
    ]


def test_tiktok_pixel_json_body():
    body = (
        '{"event":"CompletePayment","message_id":"m-1","context":{"pixel":{"code":"CHITS0001"},'
        '"page":{"url":"https://www.tagged-shop.com/lamp","referrer":"https://www.tagged-shop.com/"},'
        f'"user":{{"email":"{EMAIL_HASH}"}}}},"properties":{{"value":25,"currency":"CAD","contents":[{{"content_id":"nuit"}}]}}}}'
    )
    assert decoded("https://analytics.tiktok.com/api/v2/pixel", "POST", body) == [
        ("tiktok-pixel", "TikTok Pixel", "CHITS0001", "CompletePayment", LAMP,
         {"context.page.referrer": SHOP, "properties.value": "25", "properties.currency": "CAD",
          "properties.contents.0.content_id": "nuit", "context.user.email": EMAIL_HASH, "message_id": "m-1"},
         ("context.user.email",), None),
    ]  # fmt: skip


def test_microsoft_uet_page_load_and_custom_event():
    page = "https://bat.bing.com/action/0?ti=5000042&Ver=2&evt=pageLoad&p=https%3A%2F%2Fwww.tagged-shop.com%2F&tl=Tagged%20Shop&rn=123456&mid=6f0c"
    assert decoded(page) == [
        ("microsoft-uet", "Microsoft Advertising UET", "5000042", "pageLoad", SHOP,
         {"tl": "Tagged Shop", "mid": "6f0c"}, (), None),
    ]  # fmt: skip
    custom = "https://bat.bing.com/action/0?ti=5000042&Ver=2&evt=custom&ea=add_to_cart&ec=shop&el=nuit&ev=25&gv=25&gc=CAD&p=https%3A%2F%2Fwww.tagged-shop.com%2Flamp"
    assert decoded(custom) == [
        ("microsoft-uet", "Microsoft Advertising UET", "5000042", "add_to_cart", LAMP,
         {"evt": "custom", "ec": "shop", "el": "nuit", "ev": "25", "gv": "25", "gc": "CAD"}, (), None),
    ]  # fmt: skip


def test_x_pixel_events_parameter_and_single_event_tag():
    universal = (
        "https://analytics.twitter.com/1/i/adsct?txn_id=o8xyz&p_id=Twitter"
        "&events=%5B%5B%22pageview%22%2C%7B%7D%5D%5D&tw_document_href=https%3A%2F%2Fwww.tagged-shop.com%2F"
    )
    assert decoded(universal) == [
        (
            "x-pixel",
            "X (Twitter) Ads",
            "o8xyz",
            "pageview",
            SHOP,
            {"events.0.1": "{}", "p_id": "Twitter"},
            (),
            None,
        )
    ]
    single = "https://t.co/i/adsct?txn_id=o01jm&p_id=Twitter&tw_sale_amount=25&tw_order_quantity=1"
    assert decoded(single) == [
        ("x-pixel", "X (Twitter) Ads", "o01jm", None, None,
         {"tw_sale_amount": "25", "tw_order_quantity": "1", "p_id": "Twitter"}, (), None),
    ]  # fmt: skip


def test_snap_pixel_form_and_json_bodies():
    form = (
        f"pid=snap-1&e=PAGE_VIEW&pl=https%3A%2F%2Fwww.tagged-shop.com%2F&u_hem={EMAIL_HASH}&ts=1700000000000"
    )
    assert decoded("https://tr.snapchat.com/p", "POST", form) == [
        (
            "snap-pixel",
            "Snap Pixel",
            "snap-1",
            "PAGE_VIEW",
            SHOP,
            {"u_hem": EMAIL_HASH, "ts": "1700000000000"},
            ("u_hem",),
            None,
        )
    ]
    body = '{"pixel_id":"snap-1","event_type":"PURCHASE","page_url":"https://www.tagged-shop.com/lamp","price":"25","currency":"CAD"}'
    assert decoded("https://tr.snapchat.com/p", "POST", body) == [
        ("snap-pixel", "Snap Pixel", "snap-1", "PURCHASE", LAMP, {"price": "25", "currency": "CAD"}, (), None)
    ]


def test_requests_no_tag_sends_are_not_hits():
    assert decode(request("https://www.google-analytics.com/analytics.js")) == []
    assert decode(request("https://www.facebook.com/tr/?id=1&ev=PageView", "PUT")) == []
    assert decode(request("https://evil.example/g/collect?en=page_view")) == []


def test_long_values_are_cut_and_a_body_that_is_no_form_is_shown_as_it_is():
    long_value = "x" * 500
    (hit,) = decode(request(f"https://www.facebook.com/tr/?id=1&ev=ViewContent&cd[content_ids]={long_value}"))
    assert hit.fields["cd[content_ids]"] == "x" * (MAX_FIELD_VALUE - 1) + "…"
    (hit,) = decode(request("https://tr.snapchat.com/p", "POST", "opaque-binary-ish"))
    assert (hit.event, hit.fields) == (None, {"(body)": "opaque-binary-ish"})


# --- a scan -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanRun]:
    for harness in start_internet(tmp_path_factory, "tags"):
        run = harness.scan(tmp_path_factory.mktemp("tags-report"), SHOP, "--no-sitemap")
        assert run.returncode == 0, run.stderr
        yield run


GA = ("Google Analytics", "G-HITS01")
META = ("Meta Pixel", "424242")
UET = ("Microsoft Advertising UET", "5000042")
TIKTOK = ("TikTok Pixel", "CHITS0001")
PROMOTION = {"ep.promotion_name": "<img src=x onerror=alert(1)>Spring sale", "epn.value": "25"}
CID = {"cid": "1000000001.1700000000"}
SHOP_TITLE = {"dt": "Tagged Shop"}
LAMP_TITLE = {"dt": "Nuit lamp - Tagged Shop"}
TIKTOK_USER = {"context.user.email": EMAIL_HASH}
TIKTOK_HITS = [
    (LAMP, *TIKTOK, "Pageview", LAMP, {"context.page.referrer": "", **TIKTOK_USER}, None),
    (LAMP, *TIKTOK, "ViewContent", LAMP,
     {"context.page.referrer": "", "properties.content_id": "nuit-lamp", "properties.value": "25",
      "properties.currency": "CAD", **TIKTOK_USER}, None),
]  # fmt: skip

# Per phase: (seen on, vendor, account, event, page the tag reported, fields, gcd letter of every signal;
# None for tags that state no Consent Mode).
# Google Analytics runs in every phase under Consent Mode: denied by default (p) until the visitor
# accepts (the start page reloaded, and the next page: denied by default, granted by update, r) or
# rejects (q). The TikTok Pixel ignores the banner, with the visitor's hashed e-mail.
EXPECTED_HITS = {
    "before-consent": [
        (SHOP, *GA, "page_view", SHOP, SHOP_TITLE, "p"),
        (LAMP, *GA, "page_view", LAMP, LAMP_TITLE, "p"),
        (LAMP, *GA, "view_promotion", LAMP, {**LAMP_TITLE, **PROMOTION}, "p"),
        *TIKTOK_HITS,
    ],
    "after-accept": [
        (SHOP, *GA, "page_view", SHOP, SHOP_TITLE, "p"),
        (SHOP, *GA, "page_view", SHOP, {**SHOP_TITLE, **CID}, "r"),
        (LAMP, *GA, "page_view", LAMP, {**LAMP_TITLE, **CID}, "r"),
        (LAMP, *GA, "view_promotion", LAMP, {**LAMP_TITLE, **CID, **PROMOTION}, "r"),
        (LAMP, *META, "PageView", LAMP, {"ud[em]": EMAIL_HASH}, None),
        (LAMP, *META, "Lead", LAMP, {"cd[value]": "25", "cd[currency]": "CAD", "ud[em]": EMAIL_HASH}, None),
        (LAMP, *UET, "pageLoad", LAMP, {"tl": "Nuit lamp - Tagged Shop"}, None),
        (LAMP, *UET, "add_to_cart", LAMP,
         {"evt": "custom", "ec": "shop", "el": "nuit-lamp", "ev": "25", "gv": "25", "gc": "CAD", "tl": "Nuit lamp - Tagged Shop"}, None),
        *TIKTOK_HITS,
    ],
    "after-reject": [
        (SHOP, *GA, "page_view", SHOP, SHOP_TITLE, "p"),
        (SHOP, *GA, "page_view", SHOP, SHOP_TITLE, "q"),
        (LAMP, *GA, "page_view", LAMP, LAMP_TITLE, "q"),
        (LAMP, *GA, "view_promotion", LAMP, {**LAMP_TITLE, **PROMOTION}, "q"),
        *TIKTOK_HITS,
    ],
}  # fmt: skip


def shown(hit: dict[str, Any]) -> tuple[Any, ...]:
    consent = hit["consent"]
    letter = consent["gcd"][2] if consent else None
    return (hit["seen_on"], hit["vendor"], hit["account"], hit["event"], hit["page"], hit["fields"], letter)


def test_the_report_lists_what_each_vendor_was_told_per_phase(tagged: ScanRun):
    hits = tagged.report["hits"]
    for phase, expected in EXPECTED_HITS.items():
        assert [shown(h) for h in hits if h["phase"] == phase] == expected, phase
    assert {h["phase"] for h in hits} == set(EXPECTED_HITS)


def test_google_hits_state_consent_mode_denied_then_granted(tagged: ScanRun):
    states = {
        (h["phase"], h["seen_on"], h["event"], h["consent"]["gcs"]): {k: h["consent"][k] for k in DENIED}
        for h in tagged.report["hits"]
        if h["vendor"] == "Google Analytics"
    }
    assert states[("before-consent", LAMP, "view_promotion", "G100")] == DENIED
    assert states[("after-accept", LAMP, "view_promotion", "G111")] == GRANTED
    assert states[("after-reject", LAMP, "view_promotion", "G100")] == DENIED


def test_hashed_user_data_is_marked(tagged: ScanRun):
    marked = {(h["vendor"], tuple(h["user_data"])) for h in tagged.report["hits"] if h["user_data"]}
    assert marked == {("Meta Pixel", ("ud[em]",)), ("TikTok Pixel", ("context.user.email",))}


def test_the_html_report_shows_what_each_tag_was_told_escaped(tagged: ScanRun, chromium):
    html = (tagged.out / "report.html").read_text(encoding="utf-8")
    assert "<h2>What each tag was told</h2>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;Spring sale" in html
    assert "<img src=x" not in html
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto((tagged.out / "report.html").as_uri())
    tables = page.locator("#hits table")
    assert page.eval_on_selector_all("#hits h3", "hs => hs.map((h) => h.textContent)") == [
        "before-consent",
        "after-accept",
        "after-reject",
    ]
    accepted = tables.nth(1).inner_text()
    for text in ("Meta Pixel", "Lead", "cd[value] (custom data) = 25", f"ud[em] (user data (advanced matching, SHA-256)) = {EMAIL_HASH}",
                 "ad_storage: granted", "gcs=G111 gcd=13r3r3r3r1", "<img src=x onerror=alert(1)>Spring sale"):  # fmt: skip
        assert text in accepted, text
    assert tables.locator("img").count() == 0 and dialogs == []
    page.close()


def test_the_report_with_its_hits_matches_the_schema(tagged: ScanRun):
    report = tagged.report
    Draft202012Validator(load()).validate(report)
    assert schema_problem(report, report_schema()) is None
    old = {key: value for key, value in report.items() if key != "hits"}  # reports made before hits
    Draft202012Validator(load()).validate(old)
