"""Unit tests for CookieLine.parse: the name, Domain attribute and deletion of a Set-Cookie line (or a
document.cookie write), and where the jar stores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sitescan.collect.page import CookieLine


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("_ga=GA1.1.123.456", CookieLine("_ga", None, False)),
        ("_ga=GA1.1.123.456; Path=/; Secure; SameSite=Lax", CookieLine("_ga", None, False)),
        ("  sid = abc ; HttpOnly", CookieLine("sid", None, False)),
        ("a=b=c; Path=/", CookieLine("a", None, False)),  # the value may hold '='
        ("token=", CookieLine("token", None, False)),
        ("=only-a-value", CookieLine("", None, False)),
        ("only-a-value", CookieLine("", None, False)),  # no '=': a nameless cookie
        ("__Host-id=1; Secure; Path=/", CookieLine("__Host-id", None, False)),
        # Domain: lower-cased, a leading dot kept as written, an empty one ignored
        ("_ga=1; Domain=.Example.COM", CookieLine("_ga", ".example.com", False)),
        ("_ga=1; domain=Example.com; Path=/", CookieLine("_ga", "example.com", False)),
        ("_ga=1; DOMAIN=shop.example.com", CookieLine("_ga", "shop.example.com", False)),
        ("_ga=1; Domain=", CookieLine("_ga", None, False)),
        ("_ga=1; Domain=a.example.com; Domain=b.example.com", CookieLine("_ga", "b.example.com", False)),
        # deletion: Max-Age zero or negative, or an Expires in the past
        ("id=; Max-Age=0", CookieLine("id", None, True)),
        ("id=; max-age=-1", CookieLine("id", None, True)),
        ("id=; Max-Age=-3600; Domain=.example.com", CookieLine("id", ".example.com", True)),
        ("id=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", CookieLine("id", None, True)),
        ("id=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/", CookieLine("id", None, True)),
        # not a deletion
        ("id=1; Max-Age=3600", CookieLine("id", None, False)),
        ("id=1; Max-Age=abc", CookieLine("id", None, False)),  # an invalid Max-Age is ignored
        ("id=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", CookieLine("id", None, False)),
        ("id=1; Expires=not a date", CookieLine("id", None, False)),
    ],
)
def test_parse(line, expected):
    assert CookieLine.parse(line) == expected


def test_expires_is_compared_with_now():
    assert CookieLine.parse(f"id=1; Expires={http_date(timedelta(hours=-1))}").deletes is True
    assert CookieLine.parse(f"id=1; Expires={http_date(timedelta(hours=1))}").deletes is False


@pytest.mark.parametrize(
    ("line", "host", "stored"),
    [
        ("_ga=1; Domain=.Example.COM", "www.example.com", ".example.com"),
        ("_ga=1; Domain=example.com", "www.example.com", ".example.com"),
        ("_ga=1; Domain=shop.example.com", "shop.example.com", ".shop.example.com"),
        ("sid=1; Path=/", "www.example.com", "www.example.com"),
        ("sid=1; Domain=", "www.example.com", "www.example.com"),
    ],
)
def test_stored_domain(line, host, stored):
    assert CookieLine.parse(line).stored_domain(host) == stored


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("_ga=1; Domain = .example.com", CookieLine("_ga", ".example.com", False)),
        ("id=; Max-Age = 0", CookieLine("id", None, True)),
    ],
)
def test_attribute_names_are_trimmed(line, expected):
    assert CookieLine.parse(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "id=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "id=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=3600",
        "id=1; Max-Age=0; Max-Age=3600",
        "id=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
    ],
)
def test_the_lifetime_the_browser_uses_decides_deletion(line):
    assert CookieLine.parse(line).deletes is False
