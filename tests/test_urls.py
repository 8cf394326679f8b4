"""Unit tests for sitescan.urls: one spelling per page, user-given start URLs, and the browser's idea of
a site (registrable domain from tldextract's bundled snapshot, never the network)."""

from __future__ import annotations

import socket

import pytest

from sitescan import urls
from sitescan.errors import SitescanError
from sitescan.urls import cookie_site, normalise, origin_of, parse_target, site_of

# -- normalise ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # the fragment is dropped
        ("https://example.com/a#top", "https://example.com/a"),
        ("https://example.com/#", "https://example.com/"),
        # default ports are dropped, other ports kept (443 is not the default for http)
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        # host (and scheme) lower-cased, path case kept
        ("HTTPS://WWW.Example.COM/Path/To", "https://www.example.com/Path/To"),
        # trailing slash removed, except for the root path; an empty path is the root
        ("https://example.com/a/b/", "https://example.com/a/b"),
        ("https://example.com/a//", "https://example.com/a"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        # query parameters sorted, blank values kept
        ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
        ("https://example.com/p?b=&a=1", "https://example.com/p?a=1&b="),
        # IPv6 literals keep their brackets
        ("https://[::1]:443/x/", "https://[::1]/x"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        # everything at once
        ("HTTPS://Shop.Example.COM:443/Cart/?z=&b=2&a=1#summary", "https://shop.example.com/Cart?a=1&b=2&z="),
    ],
)
def test_normalise(url, expected):
    assert normalise(url) == expected


def test_normalise_makes_reordered_queries_equal():
    assert normalise("https://example.com/p?b=2&a=1") == normalise("https://example.com/p?a=1&b=2")


def test_normalise_keeps_different_pages_apart():
    assert normalise("https://example.com/p?a=1") != normalise("https://example.com/p?a=2")
    assert normalise("https://example.com/p?a=") != normalise("https://example.com/p")
    assert normalise("https://example.com/P") != normalise("https://example.com/p")
    assert normalise("http://example.com/") != normalise("https://example.com/")
    assert normalise("https://example.com:8443/") != normalise("https://example.com/")


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://Shop.Example.COM:443/Cart/?z=&b=2&a=1#summary",
        "http://example.com:8080/a/b/",
        "https://[::1]/x/?b=1&a=",
    ],
)
def test_normalise_is_idempotent(url):
    once = normalise(url)
    assert normalise(once) == once


# -- parse_target -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.example.com/", "https://www.example.com/"),
        ("http://www.example.com/shop?id=3", "http://www.example.com/shop?id=3"),
        ("https://www.example.com/about#team", "https://www.example.com/about"),
        ("  https://www.example.com:8443/a#b  ", "https://www.example.com:8443/a"),
        ("https://[::1]:8443/", "https://[::1]:8443/"),
    ],
)
def test_parse_target_accepts_http_and_https_and_strips_the_fragment(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "expected_message"),
    [
        (
            "ftp://x",
            "not a web address: 'ftp://x' (expected http://HOST/... or https://HOST/...)",
        ),
        (
            "www.example.com",
            "not a web address: 'www.example.com' (expected http://HOST/... or https://HOST/...)",
        ),
        (
            "https://",
            "not a web address: 'https://' (expected http://HOST/... or https://HOST/...)",
        ),
        (
            "javascript:alert(1)",
            "not a web address: 'javascript:alert(1)' (expected http://HOST/... or https://HOST/...)",
        ),
        ("https://host:99999/", "not a web address: 'https://host:99999/' (bad port)"),
        ("https://host:http/", "not a web address: 'https://host:http/' (bad port)"),
    ],
)
def test_parse_target_rejects_what_is_not_a_web_address(text, expected_message):
    with pytest.raises(SitescanError) as caught:
        parse_target(text)
    assert str(caught.value) == expected_message


def test_parse_target_error_stays_on_one_line_for_input_with_a_newline():
    with pytest.raises(SitescanError) as caught:
        parse_target("ftp://x\nsecond line")
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "not a web address: 'ftp://x\\nsecond line' (expected http://HOST/... or https://HOST/...)"
    )


# -- site_of --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.example.com", "example.com"),
        ("example.com", "example.com"),
        ("WWW.Example.COM", "example.com"),
        ("www.example.com.", "example.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("deep.a.b.c.example.org", "example.org"),
        # private suffixes count, as they do for the browser
        ("alice.github.io", "alice.github.io"),
        ("www.alice.github.io", "alice.github.io"),
        ("bob.github.io", "bob.github.io"),
        # IP addresses and single labels are their own site
        ("127.0.0.1", "127.0.0.1"),
        ("192.168.0.10", "192.168.0.10"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("localhost", "localhost"),
        ("LOCALHOST", "localhost"),
    ],
)
def test_site_of(host, expected):
    assert site_of(host) == expected


def test_two_github_io_tenants_are_two_sites():
    assert site_of("alice.github.io") != site_of("bob.github.io")


def test_cookie_site_and_origin_of():
    assert cookie_site(".www.youtube.com") == "youtube.com"
    assert cookie_site("shop.example.co.uk") == "example.co.uk"
    assert origin_of("HTTPS://Shop.Example.com:443/a?b#c") == "https://shop.example.com"
    assert origin_of("http://example.com:8080/a") == "http://example.com:8080"


def test_site_of_never_touches_the_network(monkeypatch):
    attempts: list[str] = []

    def refuse(name):
        def blocked(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"network use during a unit test ({name})")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    # Forget the loaded suffix list so that it is read again while the network is refused (tldextract
    # would fall back to its snapshot silently after a failed fetch: hence `attempts`, not just answers).
    monkeypatch.setattr(urls._EXTRACT, "_extractor", None)

    # Host names used nowhere else: site_of is lru_cached.
    assert site_of("shop.offline-probe-alpha.co.uk") == "offline-probe-alpha.co.uk"
    assert site_of("carol.offline-probe-beta.github.io") == "offline-probe-beta.github.io"
    assert site_of("x.y.offline-probe-gamma.com.au") == "offline-probe-gamma.com.au"
    assert site_of("www.offline-probe-delta.com") == "offline-probe-delta.com"
    assert attempts == []


def test_parse_target_rejects_a_host_with_a_space():
    with pytest.raises(SitescanError):
        parse_target("https://exa mple.com/")
