"""ScanArtifacts survive to_dict -> JSON -> from_dict unchanged: nested records come back as the same
dataclasses and tuples stay tuples, so a report can be rebuilt from artifacts.json without a browser."""

from __future__ import annotations

import json

from sitescan.artifacts import (
    ARTIFACTS_SCHEMA,
    BeaconRecord,
    BlockedCookie,
    CookieRecord,
    FrameRecord,
    PageVisit,
    RequestRecord,
    ScanArtifacts,
    StorageRecord,
)

REQUEST = RequestRecord(
    url="https://www.google-analytics.com/g/collect?v=2&tid=G-1",
    method="POST",
    resource_type="Ping",
    frame_url="https://shop.example.com/",
    initiator="https://www.googletagmanager.com/gtag/js?id=G-1",
    initiator_type="script",
    status=204,
    error=None,
    redirect_chain=("https://region1.google-analytics.com/g/collect", "https://a.example.net/hop"),
    set_cookie_count=2,
)
FAILED_REQUEST = RequestRecord(
    url="https://ads.example.net/pixel.gif",
    method="GET",
    resource_type="Image",
    frame_url=None,
    initiator=None,
    initiator_type="other",
    status=None,
    error="net::ERR_NAME_NOT_RESOLVED",
)
COOKIE = CookieRecord(
    name="_ga",
    domain=".example.com",
    path="/",
    expires=1767225600.5,
    secure=True,
    http_only=False,
    same_site="Lax",
    partitioned=False,
    partition_key=None,
    set_by="script",
    initiator="https://www.googletagmanager.com/gtag/js?id=G-1",
    frame_url="https://shop.example.com/",
    observed_at=1735689600.25,
)
SESSION_COOKIE = CookieRecord(
    name="__Host-sid",
    domain="shop.example.com",
    path="/",
    expires=None,
    secure=True,
    http_only=True,
    same_site=None,
    partitioned=True,
    partition_key="https://example.com",
    set_by=None,
    initiator=None,
    frame_url=None,
    observed_at=1735689601.0,
)
VISIT = PageVisit(
    url="https://shop.example.com/",
    phase="after-accept",
    depth=1,
    final_url="https://shop.example.com/en/",
    status=200,
    content_type="text/html; charset=utf-8",
    title="Shop \u2013 Home",
    redirects=("https://shop.example.com/", "https://shop.example.com/en"),
    error=None,
    started=1735689599.75,
    duration=3.5,
    settled=False,
    requests=(REQUEST, FAILED_REQUEST),
    cookies=(COOKIE, SESSION_COOKIE),
    blocked_cookies=(
        BlockedCookie(
            name="tracker",
            domain=".ads.example.net",
            set_by="header",
            initiator="https://ads.example.net/pixel.gif",
            reasons=("ThirdPartyPhaseout", "SameSiteNoneInsecure"),
        ),
    ),
    storage=(
        StorageRecord("https://shop.example.com", "local", "cart"),
        StorageRecord("https://shop.example.com", "session", "ab-test"),
        StorageRecord("https://shop.example.com", "indexeddb", "firebase-heartbeat-database"),
    ),
    frames=(
        FrameRecord("https://shop.example.com/en/", "https://shop.example.com", None),
        FrameRecord(
            "https://www.youtube.com/embed/x", "https://www.youtube.com", "https://shop.example.com/en/"
        ),
    ),
    beacons=(
        BeaconRecord(
            "https://www.google-analytics.com/g/collect", "sendBeacon", "https://gtm.example/gtag.js"
        ),
        BeaconRecord("https://shop.example.com/ping", "ping", None),
    ),
    links=("https://shop.example.com/cart", "https://shop.example.com/privacy"),
    found_in_sitemap=True,
)
ARTIFACTS = ScanArtifacts(
    tool_version="0.1.0",
    targets=("https://shop.example.com/", "https://blog.example.com/"),
    started="2025-01-01T00:00:00+00:00",
    finished="2025-01-01T00:01:00+00:00",
    browser="Chromium 131.0.6778.33",
    settings={"max_pages": 25, "depth": None, "timeout": 20.0, "sitemap": True, "device": "iPhone 13"},
    visits=(VISIT, PageVisit(url="https://blog.example.com/", phase="before-consent", depth=0)),
    sitemaps=("https://shop.example.com/sitemap.xml",),
    notes=("sitemap https://blog.example.com/sitemap.xml answered 500",),
    interrupted=True,
)


def through_json(artifacts: ScanArtifacts) -> ScanArtifacts:
    return ScanArtifacts.from_dict(json.loads(json.dumps(artifacts.to_dict())))


def test_round_trip_through_json_is_equal():
    assert through_json(ARTIFACTS) == ARTIFACTS


def test_round_trip_keeps_types():
    back = through_json(ARTIFACTS)
    visit = back.visits[0]
    assert type(back.targets) is tuple
    assert type(back.visits) is tuple
    assert type(visit) is PageVisit
    assert type(visit.redirects) is tuple
    assert type(visit.requests) is tuple
    assert type(visit.requests[0]) is RequestRecord
    assert visit.requests[0].redirect_chain == REQUEST.redirect_chain
    assert type(visit.requests[0].redirect_chain) is tuple
    assert type(visit.cookies[1]) is CookieRecord
    assert type(visit.blocked_cookies[0]) is BlockedCookie
    assert type(visit.blocked_cookies[0].reasons) is tuple
    assert type(visit.storage[2]) is StorageRecord
    assert type(visit.frames[1]) is FrameRecord
    assert type(visit.beacons[0]) is BeaconRecord
    assert type(visit.links) is tuple
    assert type(back.sitemaps) is tuple
    assert type(back.notes) is tuple


def test_empty_artifacts_round_trip():
    empty = ScanArtifacts(tool_version="0.1.0", targets=(), started="s", finished="f", browser="b")
    back = through_json(empty)
    assert back == empty
    assert back.schema == ARTIFACTS_SCHEMA


def test_write_and_read(tmp_path):
    path = tmp_path / "artifacts.json"
    ARTIFACTS.write(path)
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == "sitescan-artifacts/1"
    assert ScanArtifacts.read(path) == ARTIFACTS


def test_fields_missing_from_older_artifacts_take_their_defaults():
    data = ARTIFACTS.to_dict()
    minimal_visit = {"url": "https://shop.example.com/", "phase": "gpc", "depth": 0}
    data["visits"] = [minimal_visit]
    del data["notes"]
    back = ScanArtifacts.from_dict(data)
    assert back.visits == (PageVisit(url="https://shop.example.com/", phase="gpc", depth=0),)
    assert back.notes == ()
