"""Integrity tests for the classification data in rules/ (no network, no browser)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

RULES = Path(__file__).parent.parent / "rules"
VENDORS_FILE = RULES / "trackers" / "vendors.toml"
COOKIES_FILE = RULES / "cookies" / "patterns.toml"
ENDPOINTS_FILE = RULES / "trackers" / "endpoints.toml"

VENDOR_CATEGORIES = {
    "analytics",
    "marketing",
    "social",
    "session-replay",
    "tag-manager",
    "consent",
    "cdn",
    "fonts",
    "video",
    "chat",
    "payments",
    "security",
    "maps",
    "support",
    "ab-testing",
}
COOKIE_CATEGORIES = {"necessary", "preferences", "analytics", "marketing"}
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")

# Cookie vendors that are deliberately not third-party hosts in vendors.toml
# (web frameworks, self-hosted tools, IAB frameworks, plugins without a host).
COOKIE_VENDORS_WITHOUT_HOSTS = {
    "Snowplow",
    "Jakarta Servlet containers",
    "PHP",
    "ASP.NET",
    "Django",
    "Angular / Laravel",
    "Laravel",
    "Express",
    "CodeIgniter",
    "WordPress",
    "WooCommerce",
    "IAB Europe TCF",
    "IAB CCPA Framework",
    "Complianz",
    "Borlabs Cookie",
    "vanilla-cookieconsent",
    "Klaro",
    "Moove GDPR Cookie Compliance",
    "Microsoft Azure App Service",
}


def _load(path: Path, table: str) -> list[dict]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == {table}, f"{path.name}: only [[{table}]] tables expected, got {sorted(data)}"
    return data[table]


@pytest.fixture(scope="module")
def vendors() -> list[dict]:
    return _load(VENDORS_FILE, "vendor")


@pytest.fixture(scope="module")
def cookies() -> list[dict]:
    return _load(COOKIES_FILE, "cookie")


@pytest.fixture(scope="module")
def endpoints() -> list[dict]:
    return _load(ENDPOINTS_FILE, "endpoint")


def _check_strings(entry: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        assert key in entry, f"{where}: missing {key!r}"
        assert isinstance(entry[key], str) and entry[key].strip(), (
            f"{where}: {key!r} must be a non-empty string"
        )
        assert entry[key] == entry[key].strip(), f"{where}: {key!r} has surrounding whitespace"
    assert entry["source"].startswith("https://"), f"{where}: source must be an https URL"
    assert " " not in entry["source"], f"{where}: source contains a space"


def _host_matches(host: str, entry_host: str) -> bool:
    return host == entry_host or host.endswith("." + entry_host)


def vendor_for_host(vendors: list[dict], host: str) -> dict | None:
    """Longest matching host entry wins (the documented matching rule)."""
    best, best_len = None, -1
    for v in vendors:
        for h in v["hosts"]:
            if _host_matches(host, h) and len(h) > best_len:
                best, best_len = v, len(h)
    return best


def _glob_literal_len(pattern: str) -> int:
    return len(pattern.replace("*", ""))


def cookie_entry(cookies: list[dict], name: str, domain: str = "example.org") -> dict | None:
    """Reference precedence: host-restricted > exact > longest literal glob."""
    candidates = []
    for c in cookies:
        if "hosts" in c and not any(_host_matches(domain.lstrip("."), h) for h in c["hosts"]):
            continue
        if "*" in c["pattern"]:
            if not fnmatch.fnmatchcase(name, c["pattern"].replace("[", "[[]")):
                continue
        elif c["pattern"] != name:
            continue
        candidates.append(c)
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda c: ("hosts" in c, "*" not in c["pattern"], _glob_literal_len(c["pattern"])),
    )


# ---------------------------------------------------------------- vendors


def test_vendor_count(vendors):
    assert len(vendors) >= 90


def test_vendor_entries_well_formed(vendors):
    allowed = {"name", "company", "country", "category", "hosts", "source"}
    for i, v in enumerate(vendors):
        where = f"vendor #{i} {v.get('name')!r}"
        assert set(v) <= allowed, f"{where}: unexpected keys {set(v) - allowed}"
        _check_strings(v, ("name", "company", "country", "category", "source"), where)
        assert re.fullmatch(r"[A-Z]{2}", v["country"]), f"{where}: country must be ISO alpha-2"
        assert v["category"] in VENDOR_CATEGORIES, f"{where}: bad category {v['category']!r}"
        assert isinstance(v["hosts"], list) and v["hosts"], f"{where}: hosts must be a non-empty list"
        for h in v["hosts"]:
            assert isinstance(h, str) and HOST_RE.match(h), f"{where}: bad host {h!r}"
        assert len(set(v["hosts"])) == len(v["hosts"]), f"{where}: duplicate host in entry"


def test_vendor_names_unique(vendors):
    names = [v["name"] for v in vendors]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, f"duplicate vendor names: {dupes}"


def test_no_host_in_two_vendors(vendors):
    seen: dict[str, str] = {}
    for v in vendors:
        for h in v["hosts"]:
            assert h not in seen, f"host {h!r} in both {seen[h]!r} and {v['name']!r}"
            seen[h] = v["name"]


@pytest.mark.parametrize(
    "host, name, category",
    [
        ("www.googletagmanager.com", "Google Tag Manager", "tag-manager"),
        ("googletagmanager.com", "Google Tag Manager", "tag-manager"),
        ("www.google-analytics.com", "Google Analytics", "analytics"),
        ("region1.google-analytics.com", "Google Analytics", "analytics"),
        ("analytics.google.com", "Google Analytics", "analytics"),
        ("googleads.g.doubleclick.net", "Google Ads", "marketing"),
        ("www.googleadservices.com", "Google Ads", "marketing"),
        ("pagead2.googlesyndication.com", "Google Ads", "marketing"),
        ("fonts.googleapis.com", "Google Fonts", "fonts"),
        ("fonts.gstatic.com", "Google Fonts", "fonts"),
        ("ajax.googleapis.com", "Google static content and APIs", "cdn"),
        ("maps.googleapis.com", "Google Maps", "maps"),
        ("www.youtube-nocookie.com", "YouTube", "video"),
        ("i.ytimg.com", "YouTube", "video"),
        ("www.recaptcha.net", "reCAPTCHA", "security"),
        ("www.google.com", "Google", "marketing"),
        ("connect.facebook.net", "Meta Pixel", "marketing"),
        ("www.facebook.com", "Meta Pixel", "marketing"),
        ("snap.licdn.com", "LinkedIn Insight Tag", "marketing"),
        ("px.ads.linkedin.com", "LinkedIn Insight Tag", "marketing"),
        ("static.licdn.com", "LinkedIn static content", "cdn"),
        ("static.hotjar.com", "Hotjar", "session-replay"),
        ("analytics.tiktok.com", "TikTok Pixel", "marketing"),
        ("bat.bing.com", "Microsoft Advertising UET", "marketing"),
        ("www.clarity.ms", "Microsoft Clarity", "session-replay"),
        ("static.ads-twitter.com", "X (Twitter) Ads", "marketing"),
        ("analytics.twitter.com", "X (Twitter) Ads", "marketing"),
        ("platform.twitter.com", "X (Twitter)", "social"),
        ("s.amazon-adsystem.com", "Amazon Ads", "marketing"),
        ("dpm.demdex.net", "Adobe Analytics", "analytics"),
        ("assets.adobedtm.com", "Adobe Experience Platform Tags (Launch)", "tag-manager"),
        ("tags.tiqcdn.com", "Tealium iQ", "tag-manager"),
        ("match.adsrvr.org", "The Trade Desk", "marketing"),
        ("ib.adnxs.com", "Xandr (Microsoft Invest)", "marketing"),
        ("sb.scorecardresearch.com", "comScore", "analytics"),
        ("mc.yandex.ru", "Yandex Metrica", "analytics"),
        ("cdn.cookielaw.org", "OneTrust", "consent"),
        ("consent.cookiebot.com", "Cookiebot", "consent"),
        ("cdnjs.cloudflare.com", "cdnjs", "cdn"),
        ("challenges.cloudflare.com", "Cloudflare Turnstile", "security"),
        ("cdn.jsdelivr.net", "jsDelivr", "cdn"),
        ("js.stripe.com", "Stripe", "payments"),
        ("use.typekit.net", "Adobe Fonts (Typekit)", "fonts"),
        ("player.vimeo.com", "Vimeo", "video"),
    ],
)
def test_well_known_hosts(vendors, host, name, category):
    v = vendor_for_host(vendors, host)
    assert v is not None, f"{host} matches no vendor"
    assert (v["name"], v["category"]) == (name, category)


def test_unrelated_host_matches_nothing(vendors):
    assert vendor_for_host(vendors, "example.org") is None
    # suffix matching is on label boundaries only
    assert vendor_for_host(vendors, "notgoogle-analytics.com") is None


# ---------------------------------------------------------------- cookies


def test_cookie_count(cookies):
    assert len(cookies) >= 170


def test_cookie_entries_well_formed(cookies):
    allowed = {"pattern", "vendor", "category", "hosts", "source"}
    for i, c in enumerate(cookies):
        where = f"cookie #{i} {c.get('pattern')!r}"
        assert set(c) <= allowed, f"{where}: unexpected keys {set(c) - allowed}"
        _check_strings(c, ("pattern", "vendor", "category", "source"), where)
        assert c["category"] in COOKIE_CATEGORIES, f"{where}: bad category {c['category']!r}"
        assert c["pattern"].strip("*"), f"{where}: pattern must not be only wildcards"
        assert not re.search(r"[\s;,=\"]", c["pattern"]), f"{where}: character not allowed in a cookie name"
        if "hosts" in c:
            assert isinstance(c["hosts"], list) and c["hosts"], f"{where}: hosts must be a non-empty list"
            for h in c["hosts"]:
                assert isinstance(h, str) and HOST_RE.match(h), f"{where}: bad host {h!r}"


def test_no_duplicate_cookie_pattern_with_overlapping_hosts(cookies):
    by_pattern: dict[str, list[dict]] = {}
    for c in cookies:
        by_pattern.setdefault(c["pattern"], []).append(c)
    for pattern, entries in by_pattern.items():
        for a_i, a in enumerate(entries):
            for b in entries[a_i + 1 :]:
                assert "hosts" in a and "hosts" in b, f"{pattern!r}: duplicate, one entry matches all hosts"
                overlap = [
                    (ha, hb)
                    for ha in a["hosts"]
                    for hb in b["hosts"]
                    if _host_matches(ha, hb) or _host_matches(hb, ha)
                ]
                assert not overlap, f"{pattern!r}: duplicate entries with overlapping hosts {overlap}"


def test_cookie_vendors_spelled_as_in_vendors_toml(vendors, cookies):
    names = {v["name"] for v in vendors}
    lower = {n.lower(): n for n in names}
    unknown = set()
    for c in cookies:
        vendor = c["vendor"]
        if vendor in names:
            continue
        assert vendor.lower() not in lower, (
            f"{c['pattern']!r}: vendor {vendor!r} should be spelled {lower[vendor.lower()]!r}"
        )
        unknown.add(vendor)
    # Every vendor that is not in vendors.toml must be a deliberate, reviewed exception.
    assert unknown == COOKIE_VENDORS_WITHOUT_HOSTS, (
        f"new: {sorted(unknown - COOKIE_VENDORS_WITHOUT_HOSTS)}, "
        f"stale: {sorted(COOKIE_VENDORS_WITHOUT_HOSTS - unknown)}"
    )


def test_generic_names_are_host_restricted(cookies):
    generic = {
        "NID",
        "IDE",
        "id",
        "uid",
        "i",
        "mc",
        "bcookie",
        "lidc",
        "bscookie",
        "fr",
        "sb",
        "datr",
        "SID",
        "HSID",
        "SSID",
        "APISID",
        "SAPISID",
        "MUID",
        "UID",
        "guest_id",
        "DSID",
        "YSC",
    }
    for c in cookies:
        if c["pattern"] in generic:
            assert "hosts" in c, f"{c['pattern']!r} is generic and must carry hosts"


def test_consent_manager_cookies_are_necessary(vendors, cookies):
    consent_vendors = {v["name"] for v in vendors if v["category"] == "consent"}
    consent_vendors |= {
        "IAB Europe TCF",
        "IAB CCPA Framework",
        "Complianz",
        "Borlabs Cookie",
        "vanilla-cookieconsent",
        "Klaro",
        "Moove GDPR Cookie Compliance",
    }
    for c in cookies:
        if c["vendor"] in consent_vendors:
            assert c["category"] == "necessary", f"{c['pattern']!r} ({c['vendor']}) must be necessary"


@pytest.mark.parametrize(
    "name, domain, vendor, category",
    [
        ("_ga", "example.org", "Google Analytics", "analytics"),
        ("_ga_ABC123XYZ", "example.org", "Google Analytics", "analytics"),
        ("_gid", "example.org", "Google Analytics", "analytics"),
        ("_gat_UA-1234-1", "example.org", "Google Analytics", "analytics"),
        ("__utma", "example.org", "Google Analytics", "analytics"),
        ("AMP_TOKEN", "example.org", "Google Analytics", "analytics"),
        ("_gcl_au", "example.org", "Google Ads", "marketing"),
        ("IDE", ".doubleclick.net", "Google Ads", "marketing"),
        ("NID", ".google.com", "Google", "marketing"),
        ("CONSENT", ".google.com", "Google", "necessary"),
        ("__Secure-3PSID", ".google.com", "Google", "marketing"),
        ("VISITOR_INFO1_LIVE", ".youtube.com", "YouTube", "marketing"),
        ("_fbp", "example.org", "Meta Pixel", "marketing"),
        ("fr", ".facebook.com", "Meta Pixel", "marketing"),
        ("bcookie", ".linkedin.com", "LinkedIn Insight Tag", "marketing"),
        ("li_gc", ".linkedin.com", "LinkedIn Insight Tag", "necessary"),
        ("_hjSessionUser_123456", "example.org", "Hotjar", "analytics"),
        ("_hjSession_123456", "example.org", "Hotjar", "analytics"),
        ("_uetvid", "example.org", "Microsoft Advertising UET", "marketing"),
        ("MUID", ".bing.com", "Microsoft Bing", "marketing"),
        ("MUID", ".clarity.ms", "Microsoft Clarity", "marketing"),
        ("_clck", "example.org", "Microsoft Clarity", "analytics"),
        ("ttcsid_C1234", "example.org", "TikTok Pixel", "marketing"),
        ("mp_0123456789abcdef_mixpanel", "example.org", "Mixpanel", "analytics"),
        ("AMP_0123456789", "example.org", "Amplitude", "analytics"),
        ("_hp2_id.12345", "example.org", "Heap", "analytics"),
        ("AMCV_ABC%40AdobeOrg", "example.org", "Adobe Analytics", "analytics"),
        ("_pk_id.1.1fff", "example.org", "Matomo", "analytics"),
        ("intercom-id-abc123", "example.org", "Intercom", "preferences"),
        ("__hstc", "example.org", "HubSpot", "analytics"),
        ("__cf_bm", "example.org", "Cloudflare", "necessary"),
        ("__stripe_mid", "example.org", "Stripe", "necessary"),
        ("PHPSESSID", "example.org", "PHP", "necessary"),
        ("OptanonConsent", "example.org", "OneTrust", "necessary"),
        ("OptanonAlertBoxClosed", "example.org", "OneTrust", "necessary"),
        ("CookieConsent", "example.org", "Cookiebot", "necessary"),
        ("euconsent-v2", "example.org", "IAB Europe TCF", "necessary"),
        ("cmplz_marketing", "example.org", "Complianz", "necessary"),
        ("_iub_cs-123456", "example.org", "iubenda", "necessary"),
        ("__cmpconsentx12345", "example.org", "consentmanager.net", "necessary"),
        ("_shopify_y", "example.org", "Shopify", "analytics"),
        ("_ym_uid", "example.org", "Yandex Metrica", "analytics"),
    ],
)
def test_well_known_cookies(cookies, name, domain, vendor, category):
    c = cookie_entry(cookies, name, domain)
    assert c is not None, f"{name} on {domain} matches no entry"
    assert (c["vendor"], c["category"]) == (vendor, category)


@pytest.mark.parametrize("name", ["NID", "IDE", "id", "uid", "i", "mc", "bcookie", "lidc", "fr", "MUID"])
def test_generic_names_do_not_match_first_party(cookies, name):
    assert cookie_entry(cookies, name, "shop.example.org") is None


def test_required_cookie_names_present(cookies):
    patterns = {c["pattern"] for c in cookies}
    required = {
        "_ga",
        "_ga_*",
        "_gid",
        "_gat",
        "_gat_*",
        "_gac_*",
        "_gcl_au",
        "_gcl_aw",
        "_gcl_dc",
        "__utma",
        "__utmb",
        "__utmc",
        "__utmz",
        "__utmt",
        "__utmv",
        "_fbp",
        "_fbc",
        "fr",
        "_hjSessionUser_*",
        "_hjSession_*",
        "_hjid",
        "_uetsid",
        "_uetvid",
        "_uetmsclkid",
        "MUID",
        "_clck",
        "_clsk",
        "CLID",
        "_ttp",
        "_tt_enable_cookie",
        "ttcsid*",
        "li_sugr",
        "bcookie",
        "lidc",
        "UserMatchHistory",
        "AnalyticsSyncHistory",
        "li_gc",
        "bscookie",
        "li_fat_id",
        "IDE",
        "DSID",
        "test_cookie",
        "NID",
        "1P_JAR",
        "AEC",
        "SOCS",
        "CONSENT",
        "VISITOR_INFO1_LIVE",
        "YSC",
        "VISITOR_PRIVACY_METADATA",
        "__Secure-ROLLOUT_TOKEN",
        "_pin_unauth",
        "_pinterest_ct_ua",
        "_scid",
        "_sctr",
        "_rdt_uuid",
        "_twclid",
        "personalization_id",
        "guest_id",
        "muc_ads",
        "ajs_anonymous_id",
        "ajs_user_id",
        "mp_*_mixpanel",
        "AMP_*",
        "_hp2_id.*",
        "_hp2_ses_props.*",
        "fs_uid",
        "s_cc",
        "s_sq",
        "s_vi",
        "s_fid",
        "AMCV_*",
        "AMCVS_*",
        "demdex",
        "dextp",
        "_pk_id.*",
        "_pk_ses.*",
        "MATOMO_SESSID",
        "optimizelyEndUserId",
        "_vwo_uuid*",
        "_vis_opt_*",
        "intercom-id-*",
        "intercom-session-*",
        "intercom-device-id-*",
        "__hstc",
        "hubspotutk",
        "__hssc",
        "__hssrc",
        "_mkto_trk",
        "__kla_id",
        "_cs_id",
        "_cs_s",
        "cf_clearance",
        "__cf_bm",
        "__cfruid",
        "_cfuvid",
        "AWSALB",
        "AWSALBCORS",
        "JSESSIONID",
        "PHPSESSID",
        "ASP.NET_SessionId",
        "csrftoken",
        "XSRF-TOKEN",
        "__stripe_mid",
        "__stripe_sid",
        "OptanonConsent",
        "OptanonAlertBoxClosed",
        "CookieConsent",
        "CookieConsentBulkTicket",
        "euconsent-v2",
        "usprivacy",
        "didomi_token",
        "cookieyes-consent",
        "cmplz_*",
        "_iub_cs-*",
        "axeptio_*",
        "borlabs-cookie",
        "cc_cookie",
        "klaro",
        "notice_preferences",
        "notice_gdpr_prefs",
        "cmapi_cookie_privacy",
        "osano_consentmanager",
        "osano_consentmanager_uuid",
        "CookieScriptConsent",
        "moove_gdpr_popup",
        "__cmpconsent*",
        "__cmpcc*",
        "addtl_consent",
        "tk_ai",
        "_shopify_y",
        "_shopify_s",
        "_tracking_consent",
        "cart",
        "_ym_uid",
        "_ym_d",
        "yandexuid",
        "_pinterest_sess",
        "sb",
        "datr",
    }
    missing = required - patterns
    assert not missing, f"missing cookie patterns: {sorted(missing)}"


# ---------------------------------------------------------------- endpoints


def test_endpoint_count(endpoints):
    assert len(endpoints) >= 30


def test_endpoint_entries_well_formed(vendors, endpoints):
    names = {v["name"] for v in vendors}
    allowed = {"host", "path", "vendor", "source"}
    seen = set()
    for i, e in enumerate(endpoints):
        where = f"endpoint #{i} {e.get('host')}{e.get('path')}"
        assert set(e) <= allowed, f"{where}: unexpected keys {set(e) - allowed}"
        _check_strings(e, ("host", "path", "vendor", "source"), where)
        assert HOST_RE.match(e["host"].removeprefix(".")), f"{where}: bad host"
        assert e["path"].startswith("/"), f"{where}: path must start with /"
        assert e["vendor"] in names, f"{where}: vendor {e['vendor']!r} not in vendors.toml"
        key = (e["host"], e["path"])
        assert key not in seen, f"{where}: duplicate endpoint"
        seen.add(key)


def _endpoint_for(endpoints, host: str, path: str) -> dict | None:
    for e in endpoints:
        h = e["host"]
        host_ok = host.endswith(h) if h.startswith(".") else host == h
        if host_ok and path.startswith(e["path"]):
            return e
    return None


@pytest.mark.parametrize(
    "host, path, vendor",
    [
        ("www.google-analytics.com", "/g/collect", "Google Analytics"),
        ("region1.google-analytics.com", "/g/collect", "Google Analytics"),
        ("www.google-analytics.com", "/j/collect", "Google Analytics"),
        ("www.facebook.com", "/tr/", "Meta Pixel"),
        ("px.ads.linkedin.com", "/collect/", "LinkedIn Insight Tag"),
        ("bat.bing.com", "/action/0", "Microsoft Advertising UET"),
        ("analytics.tiktok.com", "/api/v2/pixel", "TikTok Pixel"),
        ("ct.pinterest.com", "/v3/", "Pinterest Tag"),
        ("tr.snapchat.com", "/p", "Snap Pixel"),
        ("alb.reddit.com", "/rp.gif", "Reddit Pixel"),
        ("t.co", "/i/adsct", "X (Twitter) Ads"),
        ("y.clarity.ms", "/collect", "Microsoft Clarity"),
        ("googleads.g.doubleclick.net", "/pagead/viewthroughconversion/123/", "Google Ads"),
        ("api.segment.io", "/v1/t", "Segment"),
        ("abc.sc.omtrdc.net", "/b/ss/rsid/1/JS-2.22.0", "Adobe Analytics"),
        ("o123.ingest.sentry.io", "/api/1/envelope/", "Sentry"),
        ("mc.yandex.ru", "/watch/123", "Yandex Metrica"),
    ],
)
def test_well_known_endpoints(endpoints, host, path, vendor):
    e = _endpoint_for(endpoints, host, path)
    assert e is not None, f"{host}{path} is not a known endpoint"
    assert e["vendor"] == vendor
