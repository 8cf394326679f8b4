"""Integrity tests for the consent-banner rules in rules/consent/ (no network, no browser)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import soupsieve

CONSENT = Path(__file__).parent.parent / "rules" / "consent"
PLATFORMS_FILE = CONSENT / "platforms.toml"
GENERIC_FILE = CONSENT / "generic.toml"

STR_KEYS = ("id", "name", "source", "banner", "frame")
STR_LIST_KEYS = ("detect_selectors", "detect_globals", "detect_scripts")
CHOICE_KEYS = ("accept", "reject")
READBACK_KEYS = ("accepted", "rejected")
REQUIRED_KEYS = {*STR_KEYS, *STR_LIST_KEYS, *CHOICE_KEYS, *READBACK_KEYS, "tcf"}
OPTIONAL_KEYS = {"notes"}
STEP_KINDS = {"click", "click_all", "wait", "eval"}
SELECTOR_STEP_KINDS = {"click", "click_all", "wait"}
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
GLOBAL_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

# Platforms the scanner must know, by id.
REQUIRED_PLATFORMS = {
    "onetrust",
    "cookiebot",
    "didomi",
    "quantcast",
    "trustarc",
    "usercentrics",
    "sourcepoint",
    "osano",
    "cookieyes",
    "termly",
    "complianz",
    "klaro",
    "iubenda",
    "axeptio",
    "borlabs",
    "civic",
    "funding-choices",
    "cookie-script",
    "moove-gdpr",
    "vanilla-cookieconsent",
    "consentmanager",
}
GENERIC_LISTS = ("banner_words", "accept_texts", "reject_texts", "settings_texts")
GENERIC_OPTIONAL_LISTS = ("save_texts",)


def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


PLATFORMS: list[dict] = _load(PLATFORMS_FILE)["platform"]
GENERIC: dict = _load(GENERIC_FILE)
IDS = [p.get("id", f"#{i}") for i, p in enumerate(PLATFORMS)]


def _steps(platform: dict):
    for key in CHOICE_KEYS:
        for n, alternative in enumerate(platform[key]):
            for m, step in enumerate(alternative):
                yield f"{key}[{n}][{m}]", step


def _selectors(platform: dict):
    """Every CSS selector string of a platform, with where it came from."""
    for n, sel in enumerate(platform["detect_selectors"]):
        yield f"detect_selectors[{n}]", sel
    yield "banner", platform["banner"]
    for where, step in _steps(platform):
        for kind in SELECTOR_STEP_KINDS & step.keys():
            yield f"{where}.{kind}", step[kind]


def _all_selectors():
    for platform in PLATFORMS:
        for where, sel in _selectors(platform):
            yield pytest.param(sel, id=f"{platform['id']}:{where}")


def _all_readbacks():
    for platform in PLATFORMS:
        for key in READBACK_KEYS:
            for n, entry in enumerate(platform[key]):
                yield pytest.param(entry, id=f"{platform['id']}:{key}[{n}]")


# ---------------------------------------------------------------- platforms.toml


def test_platform_count_and_required_names():
    assert len(PLATFORMS) >= 21
    assert {p["id"] for p in PLATFORMS} >= REQUIRED_PLATFORMS


def test_ids_unique():
    assert len(IDS) == len(set(IDS)), sorted(i for i in IDS if IDS.count(i) > 1)


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_platform_keys_and_types(platform):
    keys = set(platform)
    assert keys >= REQUIRED_KEYS, f"missing {sorted(REQUIRED_KEYS - keys)}"
    assert keys <= REQUIRED_KEYS | OPTIONAL_KEYS, f"unknown {sorted(keys - REQUIRED_KEYS - OPTIONAL_KEYS)}"
    for key in STR_KEYS:
        assert isinstance(platform[key], str), key
    for key in ("id", "name", "source", "banner"):
        assert platform[key].strip(), f"{key} is empty"
    assert ID_RE.match(platform["id"]), platform["id"]
    for key in STR_LIST_KEYS:
        value = platform[key]
        assert isinstance(value, list), key
        assert all(isinstance(v, str) and v.strip() for v in value), key
        assert len(value) == len(set(value)), f"duplicate in {key}"
    assert isinstance(platform["tcf"], bool)
    if "notes" in platform:
        assert isinstance(platform["notes"], str)
        assert platform["notes"].strip()


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_platform_is_detectable(platform):
    signals = platform["detect_selectors"] + platform["detect_globals"] + platform["detect_scripts"]
    assert signals, "no detection signal"


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_globals_are_identifiers(platform):
    for name in platform["detect_globals"]:
        assert GLOBAL_RE.match(name), name


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_source_is_https(platform):
    assert platform["source"].startswith("https://"), platform["source"]
    assert " " not in platform["source"]


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_choices_shape(platform):
    for key in CHOICE_KEYS:
        alternatives = platform[key]
        assert isinstance(alternatives, list), key
        assert alternatives, f"{key} has no alternative"
        for n, alternative in enumerate(alternatives):
            assert isinstance(alternative, list), f"{key}[{n}] is not a list of steps"
            assert alternative, f"{key}[{n}] is empty"


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_steps_shape(platform):
    for where, step in _steps(platform):
        assert isinstance(step, dict), f"{where} is not an inline table"
        kinds = STEP_KINDS & step.keys()
        assert len(kinds) == 1, f"{where} needs exactly one of {sorted(STEP_KINDS)}, has {sorted(kinds)}"
        extra = step.keys() - STEP_KINDS - {"frame"}
        assert not extra, f"{where} has unknown keys {sorted(extra)}"
        (kind,) = kinds
        assert isinstance(step[kind], str), where
        assert step[kind].strip(), f"{where} is empty"
        if "frame" in step:
            assert isinstance(step["frame"], str), where
            assert step["frame"].strip(), f"{where} has an empty frame"


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_first_step_of_first_alternative_is_an_element(platform):
    """The engine picks the first alternative whose first step's element is visible: an
    alternative that starts with eval is a fallback, so it never comes first."""
    for key in CHOICE_KEYS:
        first = platform[key][0][0]
        assert "eval" not in first, f"{key}[0] starts with eval"


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_eval_alternatives_come_last(platform):
    for key in CHOICE_KEYS:
        starts = ["eval" in alt[0] for alt in platform[key]]
        if True in starts:
            first_eval = starts.index(True)
            assert all(starts[first_eval:]), f"{key}: a click alternative follows an eval one"


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_detection_and_banner_stay_inside_one_root(platform):
    """detect_selectors and banner are queried one document / shadow root at a time, so a selector that
    starts at a known shadow host and descends into it would never match."""
    shadow_hosts = ("#usercentrics-root ", "#usercentrics-cmp-ui ", "#cmpwrapper ")
    for sel in [*platform["detect_selectors"], platform["banner"]]:
        for part in sel.split(","):
            assert not part.strip().startswith(shadow_hosts), sel


@pytest.mark.parametrize("selector", list(_all_selectors()))
def test_selector_compiles(selector):
    soupsieve.compile(selector)


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_readbacks_shape(platform):
    for key in READBACK_KEYS:
        assert isinstance(platform[key], list), key


@pytest.mark.parametrize("entry", list(_all_readbacks()))
def test_readback_entry(entry):
    assert isinstance(entry, dict)
    if "cookie" in entry:
        assert set(entry) == {"cookie", "matches"}, sorted(entry)
        assert isinstance(entry["cookie"], str)
        assert entry["cookie"].strip()
        assert isinstance(entry["matches"], str)
        assert entry["matches"]
        re.compile(entry["matches"])
    else:
        assert set(entry) == {"js"}, sorted(entry)
        assert isinstance(entry["js"], str)
        assert entry["js"].strip()
        # The engine evaluates Boolean(expression): a Promise would always count as true.
        assert "Promise" not in entry["js"]
        assert ".then(" not in entry["js"]


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_has_some_readback_or_tcf(platform):
    assert platform["accepted"] or platform["tcf"]
    assert platform["rejected"] or platform["tcf"]


def test_required_platforms_from_the_brief():
    by_id = {p["id"]: p for p in PLATFORMS}
    usercentrics = by_id["usercentrics"]
    shadow_hosts = " ".join(usercentrics["detect_selectors"])
    assert "#usercentrics-root" in shadow_hosts
    assert "#usercentrics-cmp-ui" in shadow_hosts
    sourcepoint_frames = {step.get("frame", "") for _, step in _steps(by_id["sourcepoint"])}
    assert "message_id" in sourcepoint_frames


# ---------------------------------------------------------------- readback regex behaviour


def _cookie_rule(platform_id: str, key: str, cookie: str) -> re.Pattern[str]:
    platform = next(p for p in PLATFORMS if p["id"] == platform_id)
    entry = next(e for e in platform[key] if e.get("cookie") == cookie)
    return re.compile(entry["matches"])


@pytest.mark.parametrize(
    ("platform_id", "cookie", "value", "accepted", "rejected"),
    [
        (
            "onetrust",
            "OptanonConsent",
            "isGpcEnabled=0&groups=C0001:1,C0002:1,C0003:1,C0004:1&geolocation=AT;9",
            True,
            False,
        ),
        (
            "onetrust",
            "OptanonConsent",
            "isGpcEnabled=0&interactionCount=1&groups=C0001:1,C0002:0,C0004:0&geolocation=;",
            False,
            True,
        ),
        (
            "onetrust",
            "OptanonConsent",
            "isGpcEnabled=0&interactionCount=0&groups=C0001:1,C0002:0,C0004:0&geolocation=;",
            False,
            False,
        ),
        (
            "onetrust",
            "OptanonConsent",
            "interactionCount=2&groups=C0001%3A1%2CC0002%3A0%2CSTACK42%3A0&x=1",
            False,
            True,
        ),
        (
            "cookiebot",
            "CookieConsent",
            "{stamp:'x',necessary:true,preferences:true,statistics:true,marketing:true,method:'explicit'}",
            True,
            False,
        ),
        (
            "cookiebot",
            "CookieConsent",
            "{stamp:'x',necessary:true,preferences:false,statistics:false,marketing:false,method:'explicit'}",
            False,
            True,
        ),
        (
            "cookieyes",
            "cookieyes-consent",
            "consentid:abc,consent:yes,action:yes,advertisement:yes",
            True,
            False,
        ),
        (
            "cookieyes",
            "cookieyes-consent",
            "consentid:abc,consent:no,action:yes,advertisement:no",
            False,
            True,
        ),
        (
            "cookieyes",
            "cookieyes-consent",
            "consentid:,consent:no,action:,necessary:yes,advertisement:no",
            False,
            False,
        ),
        (
            "civic",
            "CookieControl",
            '{"optionalCookies":{"analytics":"accepted","ads":"accepted"}}',
            True,
            False,
        ),
        (
            "civic",
            "CookieControl",
            '{"optionalCookies":{"analytics":"revoked","ads":"revoked"}}',
            False,
            True,
        ),
        ("moove-gdpr", "moove_gdpr_popup", '{"strict":"1","thirdparty":"1","advanced":"1"}', True, False),
        ("moove-gdpr", "moove_gdpr_popup", '{"strict":"1","thirdparty":"0","advanced":"0"}', False, True),
        (
            "borlabs",
            "borlabs-cookie",
            '{"consents":{"essential":["borlabs-cookie"],"statistics":["ga"]}}',
            True,
            False,
        ),
        ("borlabs", "borlabs-cookie", '{"consents":{"essential":["borlabs-cookie"]},"uid":"x"}', False, True),
    ],
)
def test_cookie_regexes_tell_accept_from_reject(platform_id, cookie, value, accepted, rejected):
    assert bool(_cookie_rule(platform_id, "accepted", cookie).search(value)) is accepted
    assert bool(_cookie_rule(platform_id, "rejected", cookie).search(value)) is rejected


# ---------------------------------------------------------------- generic.toml


def test_generic_source():
    assert isinstance(GENERIC["source"], str)
    assert GENERIC["source"].strip()
    assert "https://" in GENERIC["source"]


@pytest.mark.parametrize("key", GENERIC_LISTS + GENERIC_OPTIONAL_LISTS)
def test_generic_lists(key):
    if key in GENERIC_OPTIONAL_LISTS and key not in GENERIC:
        pytest.skip(f"{key} is optional")
    values = GENERIC[key]
    assert isinstance(values, list)
    assert values, f"{key} is empty"
    for value in values:
        assert isinstance(value, str), value
        assert value == value.lower(), f"{key}: {value!r} is not lower-case"
        assert value == " ".join(value.split()), f"{key}: {value!r} is not whitespace-normalised"
        assert value, key
    assert len(values) == len(set(values)), f"{key} has duplicates"


def test_generic_known_keys():
    assert set(GENERIC) <= {"source", *GENERIC_LISTS, *GENERIC_OPTIONAL_LISTS}
    assert set(GENERIC_LISTS) <= set(GENERIC)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("reject_texts", "tout refuser"),
        ("reject_texts", "reject all"),
        ("reject_texts", "necessary only"),
        ("reject_texts", "continuer sans accepter"),
        ("reject_texts", "uniquement les témoins nécessaires"),
        ("accept_texts", "tout accepter"),
        ("accept_texts", "accept all"),
        ("banner_words", "témoins"),
        ("banner_words", "cookie"),
        ("settings_texts", "gérer les préférences"),
    ],
)
def test_generic_contains(key, text):
    assert text in GENERIC[key]


def test_generic_lists_do_not_overlap():
    accept, reject, settings = (set(GENERIC[k]) for k in ("accept_texts", "reject_texts", "settings_texts"))
    assert not accept & reject
    assert not accept & settings
    assert not reject & settings


@pytest.mark.parametrize("key", ("accept_texts", "reject_texts", "settings_texts", "save_texts"))
def test_generic_most_specific_first(key):
    """A label that contains another one as a whole word sequence is more specific and comes first:
    'accept all' before 'accept', 'tout refuser' before 'refuser'."""
    values = GENERIC.get(key, [])
    for i, later in enumerate(values):
        for earlier in values[:i]:
            assert not re.search(rf"(^|\s){re.escape(earlier)}(\s|$)", later), (
                f"{key}: {later!r} (more specific) comes after {earlier!r}"
            )
