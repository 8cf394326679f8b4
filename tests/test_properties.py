"""Properties that hold for any input (hypothesis): URL normal forms and start URLs, --connect-to rules,
the configuration file, report.json shapes and e-mails. Whatever the input, sitescan either reads it or
raises SitescanError (one line on stderr, exit 2): never another exception."""

from __future__ import annotations

import copy
import datetime
import functools
import html
import string
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sitescan.collect.email import parse_eml, read_message
from sitescan.config import COOKIE_CATEGORIES, WEBVIEWS, Config, HandedCookie, load_config
from sitescan.diff import diff_reports
from sitescan.errors import SitescanError
from sitescan.merge import merge_reports
from sitescan.netmap import ConnectTo, Proxy, check_browser_ws
from sitescan.schemas import load
from sitescan.shape import report_schema, schema_problem
from sitescan.urls import normalise, parse_target

# Modest, so that the whole file runs in seconds.
PROPERTY = settings(
    deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the files the examples write (each example overwrites its file)."""
    return tmp_path_factory.mktemp("properties")


# -- URLs -----------------------------------------------------------------------------------------------

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
NAMES = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LABEL, max_size=3),
    st.from_regex(r"[a-z]{2,6}", fullmatch=True),
)
HOSTS = st.one_of(NAMES, st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(lambda a: f"[{a}]"))
PORTS = st.one_of(st.none(), st.integers(1, 65535))
SEGMENTS = st.lists(st.text(string.ascii_letters + string.digits + "-._~", max_size=6), max_size=4)
QUERY = st.lists(st.tuples(st.text(max_size=5), st.text(max_size=5)), max_size=4)
SCHEMES = st.sampled_from(["http", "https"])
HTTP_PREFIXES = st.sampled_from(["http://", "https://", "HTTP://", "hTTpS://"])


def url_of(
    scheme: str, host: str, port: int | None, segments: list[str], query: list[tuple[str, str]]
) -> str:
    path = "".join(f"/{segment}" for segment in segments)
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}{f'?{urlencode(query)}' if query else ''}"


@PROPERTY
@given(HTTP_PREFIXES, st.text())
def test_normalise_never_raises_and_is_idempotent(prefix: str, rest: str):
    once = normalise(prefix + rest)
    assert normalise(once) == once
    assert "#" not in once  # fragments are dropped, whatever the URL


@PROPERTY
@given(st.text())
def test_normalise_of_any_text_is_idempotent(text: str):
    once = normalise(text)
    assert normalise(once) == once


@PROPERTY
@given(SCHEMES, HOSTS, PORTS, SEGMENTS, QUERY, st.text(max_size=8), st.data())
def test_trivially_equivalent_urls_have_one_normal_form(scheme, host, port, segments, query, fragment, data):
    url = url_of(scheme, host, port, segments, query)
    default = {"http": 80, "https": 443}[scheme]
    variant = url_of(
        scheme.upper(),
        host.upper(),
        port or default,  # the default port spelt out
        [*segments, ""] if segments else [],  # a trailing slash
        data.draw(st.permutations(query)),
    )
    assert normalise(f"{variant}#{fragment}") == normalise(url)


@PROPERTY
@given(st.text())
def test_parse_target_returns_a_web_address_or_raises_one_line(text: str):
    try:
        target = parse_target(text)
    except SitescanError as error:
        assert "\n" not in str(error)
        return
    assert target.startswith(("http://", "https://")) and "#" not in target
    assert parse_target(target) == target


FRAGMENTS = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=8)


@PROPERTY
@given(SCHEMES, HOSTS, PORTS, SEGMENTS, QUERY, st.one_of(st.none(), FRAGMENTS))
def test_parse_target_accepts_web_addresses_less_their_fragment(
    scheme, host, port, segments, query, fragment
):
    url = url_of(scheme, host, port, segments, query)
    given_url = url.replace(host, host.upper(), 1) + (f"#{fragment}" if fragment is not None else "")
    assert parse_target(given_url) == url
    assert normalise(parse_target(given_url)) == normalise(url)


# -- --connect-to, --proxy, --browser-ws --------------------------------------------------------------

RULE_HOSTS = st.one_of(
    st.just(""), NAMES, st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(lambda a: f"[{a}]")
)


@PROPERTY
@given(RULE_HOSTS, PORTS, RULE_HOSTS, PORTS, st.booleans())
def test_valid_connect_to_rules_parse_to_their_parts(from_host, from_port, to_host, to_port, shout):
    assume(to_host or to_port)
    text = f"{from_host}:{from_port or ''}:{to_host}:{to_port or ''}"
    rule = ConnectTo.parse(f"  {text.upper() if shout else text} ")
    assert rule == ConnectTo(from_host.strip("[]"), from_port, to_host.strip("[]"), to_port)


@PROPERTY
@given(st.one_of(st.text(), st.text(alphabet=":[]0123456789ab. ")))
def test_any_connect_to_text_parses_or_raises_one_line(text: str):
    try:
        rule = ConnectTo.parse(text)
    except SitescanError as error:
        assert str(error).startswith(f"bad --connect-to {text!r}: ") and "\n" not in str(error)
        return
    assert rule.to_host or rule.to_port
    assert all(port is None or 0 < port < 65536 for port in (rule.from_port, rule.to_port))


@PROPERTY
@given(st.sampled_from(["http://", "socks5://", "ws://", "wss://", ""]), st.text())
def test_any_proxy_or_browser_server_parses_or_raises_sitescan_error(prefix: str, rest: str):
    for parse in (Proxy.parse, check_browser_ws):
        try:
            parse(prefix + rest)
        except SitescanError as error:
            assert "\n" not in str(error)


# -- the configuration file ----------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string: quotes and backslashes escaped, control characters as \\uXXXX."""

    def escaped(c: str) -> str:
        if ord(c) < 0x20 or ord(c) == 0x7F:
            return f"\\u{ord(c):04x}"
        return "\\" + c if c in '"\\' else c

    return '"' + "".join(map(escaped, text)) + '"'


def toml_key(key: str) -> str:
    return (
        key
        if key and all(c in string.ascii_letters + string.digits + "_-" for c in key)
        else toml_string(key)
    )


def toml_value(value: Any) -> str:
    """Any value TOML holds, written inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


TOML_SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["https://www.example.com/", "canada", "analytics", "android", "Lax", "/"]),
)
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
TOP_KEYS = ("profiles", "privacy_policy", "vendors", "cookies", "targets", "essential_cookies",
            "policy_sections", "thresholds", "other")  # fmt: skip
TARGET_KEYS = ("url", "webview", "device", "user_agent", "headers", "cookies", "local_storage", "consent",
               "login", "webveiw")  # fmt: skip
TARGETS = st.dictionaries(st.sampled_from(TARGET_KEYS), TOML_VALUES, max_size=5)
CONFIG_DATA = st.dictionaries(
    st.sampled_from(TOP_KEYS),
    st.one_of(TOML_VALUES, st.lists(TARGETS, max_size=2)),
    max_size=5,
)
HEADERS = ("[[targets]]", "[[vendors]]", "[[cookies]]", "[thresholds]", "[targets.consent.accept]",
           "[targets.consent.reject]", "[targets.login]", "[tool.sitescan]", "[[tool.sitescan.targets]]")  # fmt: skip
TOML_LINES = st.lists(
    st.one_of(
        st.sampled_from(HEADERS),
        st.builds(
            lambda key, value: f"{key} = {toml_value(value)}",
            st.sampled_from(TOP_KEYS + TARGET_KEYS + ("name", "category", "max_cookie_days", "url_params")),
            TOML_VALUES,
        ),
    ),
    max_size=8,
)


def load_text(folder: Path, name: str, text: str) -> Config:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def loads_or_refuses(folder: Path, name: str, text: str) -> None:
    try:
        load_text(folder, name, text)
    except SitescanError as error:
        assert str(error).startswith(str(folder / name)) and "\n" not in str(error)


@PROPERTY
@given(CONFIG_DATA)
def test_any_values_for_the_known_keys_give_a_config_or_one_line(scratch: Path, data: dict[str, Any]):
    loads_or_refuses(scratch, "sitescan.toml", "\n".join(f"{k} = {toml_value(v)}" for k, v in data.items()))


@PROPERTY
@given(TOML_LINES, st.booleans())
def test_any_toml_ish_document_gives_a_config_or_one_line(scratch: Path, lines: list[str], pyproject: bool):
    loads_or_refuses(scratch, "pyproject.toml" if pyproject else "sitescan.toml", "\n".join(lines))


@PROPERTY
@given(st.text())
def test_any_text_gives_a_config_or_one_line(scratch: Path, text: str):
    loads_or_refuses(scratch, "sitescan.toml", text)


TEXT = st.text(min_size=1, max_size=10)
HANDED_COOKIES = st.builds(
    HandedCookie,
    TEXT,
    st.text(max_size=10),
    NAMES,
    st.from_regex(r"/[a-z/]{0,8}", fullmatch=True),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["Strict", "Lax", "None"]),
)
HEADER_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True)
STRING_TABLES = st.dictionaries(TEXT, st.text(max_size=10), max_size=3)


def cookie_table(cookie: HandedCookie) -> dict[str, Any]:
    return {"name": cookie.name, "value": cookie.value, "domain": cookie.domain, "path": cookie.path,
            "secure": cookie.secure, "http_only": cookie.http_only, "same_site": cookie.same_site}  # fmt: skip


@PROPERTY
@given(
    profiles=st.lists(st.sampled_from(["canada", "eu", "us-ca"]), unique=True),
    policy=st.one_of(st.none(), st.builds(url_of, SCHEMES, NAMES, PORTS, SEGMENTS, st.just([]))),
    vendors=st.lists(
        st.fixed_dictionaries({"name": TEXT, "domains": st.lists(NAMES, max_size=3)}), max_size=2
    ),
    cookies=st.lists(
        st.fixed_dictionaries({"name": TEXT, "category": st.sampled_from(COOKIE_CATEGORIES)}), max_size=2
    ),
    url=st.builds(url_of, SCHEMES, NAMES, PORTS, SEGMENTS, QUERY),
    webview=st.one_of(st.none(), st.sampled_from(WEBVIEWS)),
    device=st.one_of(st.none(), st.sampled_from(["Pixel 7", "iPhone 13"])),
    headers=st.dictionaries(
        HEADER_NAMES, st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10), max_size=2
    ),
    handed=st.lists(HANDED_COOKIES, max_size=2),
    storage=STRING_TABLES,
    url_params=STRING_TABLES.filter(bool),
    thresholds=st.dictionaries(
        st.sampled_from(["max_cookie_days", "certificate_expiring_days", "hsts_min_max_age"]),
        st.one_of(st.integers(0, 10**6), st.floats(0, 1e6)),
    ),
)
def test_a_valid_config_reads_back_as_written(scratch: Path, profiles, policy, vendors, cookies, url, webview,
                                              device, headers, handed, storage, url_params, thresholds):  # fmt: skip
    target: dict[str, Any] = {"url": url, "headers": headers, "cookies": [cookie_table(c) for c in handed],
                              "local_storage": storage}  # fmt: skip
    target |= {key: value for key, value in (("webview", webview), ("device", device)) if value}
    top: dict[str, Any] = {"profiles": profiles, "essential_cookies": ["session"], "thresholds": thresholds}
    if policy:
        top["privacy_policy"] = policy
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for name, tables in (("vendors", vendors), ("cookies", cookies), ("targets", [target])):
        for table in tables:
            lines += [f"[[{name}]]", *(f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items())]
    lines += ["[targets.consent.accept]", f"url_params = {toml_value(url_params)}"]
    config = load_text(scratch, "sitescan.toml", "\n".join(lines))
    assert config.profiles == tuple(profiles)
    assert config.privacy_policy == policy
    assert config.essential_cookies == ("session",)
    assert dict(config.thresholds) == thresholds
    assert (list(config.vendors), list(config.cookies)) == (vendors, cookies)
    (read,) = config.targets
    assert (read.url, read.webview, read.device) == (url, webview, device)
    assert (dict(read.headers), read.cookies, dict(read.local_storage)) == (headers, tuple(handed), storage)
    assert dict(read.consent_for("accept").url_params) == url_params  # type: ignore[union-attr]


# -- report.json ------------------------------------------------------------------------------------------

PAGE = "https://www.example.com/"
FINDING = {"rule": "cookie.long-lived", "severity": "low", "title": "Long-lived cookie", "url": PAGE,
           "phase": "after-accept", "subject": "_ga .example.com", "evidence": {"days": 730},
           "fingerprint": "0123456789abcdef", "baselined": False}  # fmt: skip
REPORT: dict[str, Any] = {
    "schema": "sitescan/1",
    "tool": {"name": "sitescan", "version": "0.1.0"},
    "targets": [PAGE],
    "started": "2026-01-01T00:00:00+00:00",
    "finished": "2026-01-01T00:01:00+00:00",
    "profiles": ["canada"],
    "pages": [{"url": PAGE, "final_url": PAGE, "status": 200, "title": "Shop", "phases": ["before-consent"],
               "error": None}],
    "cookies": [{"name": "_ga", "domain": ".example.com", "path": "/", "party": "first", "vendor": "Google",
                 "category": "analytics", "expires": "2028-01-01T00:00:00+00:00", "lifetime_days": 730,
                 "secure": True, "http_only": False, "same_site": "Lax", "phases": ["after-accept"],
                 "pages": [PAGE], "set_by": "script", "initiator": None}],
    "third_parties": [{"host": "www.google-analytics.com", "site": "google-analytics.com", "vendor": "Google",
                       "category": "analytics", "phases": ["after-accept"], "requests": 2, "beacon": True,
                       "resource_types": ["script"], "pages": [PAGE]}],
    "beacons": [{"url": "https://www.google-analytics.com/g/collect?v=2", "host": "www.google-analytics.com",
                 "kind": "sendBeacon", "party": "third", "phases": ["after-accept"], "pages": [PAGE]}],
    "storage": [{"origin": "https://www.example.com", "kind": "local", "key": "cart", "phases": ["before-consent"]}],
    "requests": [{"page": PAGE, "phase": "after-accept", "url": "https://www.google-analytics.com/g/collect",
                  "method": "POST", "resource_type": "ping", "status": 204, "party": "third"}],
    "consent": {"cmp": None, "banner": False, "accept": None, "reject": None, "tcf": None, "gpp": None,
                "screenshots": ["screenshots/banner.png"]},
    "tls": [{"host": "www.example.com", "port": 443, "https": True, "redirects_http": True,
             "protocols": ["TLSv1.3"], "certificate": None, "hsts": None}],
    "links": [{"page": PAGE, "privacy": None, "unsubscribe": None, "contact": None}],
    "findings": [FINDING],
    "scan": {"checks": ["cookie.long-lived"], "complete": True},
    "summary": {"pages": 1, "cookies": 1, "third_parties": 1,
                "findings": {"critical": 0, "high": 0, "medium": 0, "low": 1}, "fail_on": "high", "verdict": "pass"},
}  # fmt: skip
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False), st.text(max_size=6),
              st.sampled_from(["after-accept", "low", "third", "https://a.example/", "0123456789abcdef"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@st.composite
def mutated_reports(draw: st.DrawFn) -> dict[str, Any]:
    """The report with one place changed: a value replaced, a key removed or added."""
    report = copy.deepcopy(REPORT)
    node: Any = report
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        if not isinstance(node[key], dict | list) or draw(st.booleans()):
            break
        node = node[key]
    if not keys:
        return report
    change = draw(st.sampled_from(["replace", "remove", "add"]))
    if change == "replace":
        node[key] = draw(JSON_VALUES)
    elif change == "remove" and isinstance(node, dict):
        del node[key]
    elif isinstance(node, dict):
        node[draw(st.text(max_size=6))] = draw(JSON_VALUES)
    return report


def test_the_example_report_holds_to_the_schema():
    assert not list(Draft202012Validator(load()).iter_errors(REPORT))


def test_the_shape_check_knows_every_keyword_the_schema_uses():
    """sitescan.shape checks a part of JSON Schema: a keyword new to report.schema.json must be taught."""
    checked = {"type", "const", "enum", "properties", "required", "items", "minItems", "uniqueItems", "minimum",
               "maximum", "pattern", "anyOf", "not", "if", "then", "else", "$ref", "$defs"}  # fmt: skip
    annotations = {"$schema", "$id", "title", "description", "format"}
    used: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            used.update(schema)
            for key, value in schema.items():
                for member in value.values() if key in ("properties", "$defs") else [value]:
                    walk(member)
        elif isinstance(schema, list):
            for member in schema:
                walk(member)

    walk(load())
    assert used <= checked | annotations


@PROPERTY
@given(mutated_reports())
def test_the_shape_check_agrees_with_jsonschema(report: dict[str, Any]):
    assert (schema_problem(report, report_schema()) is None) == Draft202012Validator(load()).is_valid(report)


@PROPERTY
@given(mutated_reports())
def test_what_holds_to_the_schema_diffs_and_merges(report: dict[str, Any]):
    assume(schema_problem(report, report_schema()) is None)
    diff_reports(REPORT, report)
    merge_reports([(Path("a.json"), report), (Path("b.json"), REPORT)])


# -- e-mails ----------------------------------------------------------------------------------------------

HEADER_LINES = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["From", "Subject", "List-Unsubscribe", "Content-Type", "To"]), HEADER_NAMES
        ),
        st.text(max_size=30),
    ),
    max_size=5,
)
HTML_ISH = st.text(
    alphabet=st.sampled_from(list("<>/=\"'&;!-[]ahrefimgsrcpdivstyle: #x09azAZ \n\u00e9\u200b"))
)


@PROPERTY
@given(st.binary(max_size=300))
def test_any_bytes_as_a_message_parse_or_raise_sitescan_error(data: bytes):
    try:
        parse_eml(data, "m.eml")
    except SitescanError as error:
        assert str(error).startswith("m.eml: ") and "\n" not in str(error)


@PROPERTY
@given(HEADER_LINES, st.one_of(HTML_ISH, st.text(max_size=60)), st.sampled_from(["text/html", "text/plain"]))
def test_any_headers_and_body_parse_or_raise_sitescan_error(headers, body, content_type):
    lines = [f"{name}: {value}" for name, value in headers] + [f"Content-Type: {content_type}; charset=utf-8"]
    try:
        parse_eml(("\n".join(lines) + "\n\n" + body).encode("utf-8", "surrogatepass"), "m.eml")
    except SitescanError as error:
        assert "\n" not in str(error)


@PROPERTY
@given(st.one_of(st.binary(max_size=300), HTML_ISH.map(lambda text: text.encode())))
def test_any_template_reads_or_raises_sitescan_error(scratch: Path, data: bytes):
    path = scratch / "t.html"
    path.write_bytes(data)
    try:
        read_message(path)
    except SitescanError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)


LINK_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
HREFS = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=20)


@PROPERTY
@given(st.lists(st.tuples(HREFS, LINK_TEXT, st.booleans()), max_size=6), LINK_TEXT)
def test_the_links_found_are_exactly_those_written(scratch: Path, links, filler):
    """Each <a href> with its text, whatever they hold, in order; hidden ones marked (as NFC: how the
    reader compares text)."""
    body = "".join(
        f"<p>{html.escape(filler)}</p><div{' style=display:none' if hidden else ''}>"
        f'<a href="{html.escape(href)}">{html.escape(text)}</a></div>'
        for href, text, hidden in links
    )
    path = scratch / "links.html"
    path.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>', encoding="utf-8")
    message = read_message(path)
    nfc = functools.partial(unicodedata.normalize, "NFC")
    assert [(link.url, link.text, link.hidden) for link in message.links] == [
        (nfc(href), " ".join(nfc(text).split()), hidden) for href, text, hidden in links
    ]
