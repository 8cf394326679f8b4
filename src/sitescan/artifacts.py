"""What the collectors observed, as typed, JSON-serialisable records.

Artifacts are evidence only: no verdicts, no vendor names. A scan writes them to ``artifacts.json`` so
that the report can be rebuilt, and the rules re-run, without a browser.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

ARTIFACTS_SCHEMA = "sitescan-artifacts/1"

Phase = Literal["before-consent", "after-accept", "after-reject", "gpc"]
BeaconKind = Literal["sendBeacon", "keepalive", "ping", "pixel", "endpoint"]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the browser sent it (a redirect chain is one record, ending at ``url``)."""

    url: str
    method: str
    resource_type: str
    frame_url: str | None
    initiator: str | None  # the script or document that caused it, where the browser says
    initiator_type: str
    status: int | None  # None: no response (failed or still pending when the page was left)
    error: str | None
    redirect_chain: tuple[str, ...] = ()  # earlier URLs, first to last, before ``url``
    set_cookie_count: int = 0


@dataclass(frozen=True)
class CookieRecord:
    """A cookie in the browser's jar after a page visit (its value is never kept)."""

    name: str
    domain: str  # as the browser stores it: ".youtube.com" (domain cookie) or "www.youtube.com" (host-only)
    path: str
    expires: float | None  # seconds since the epoch; None for a session cookie
    secure: bool
    http_only: bool
    same_site: str | None  # "Strict" | "Lax" | "None"; None when the browser records no attribute
    partitioned: bool
    partition_key: str | None  # the top-level site of a partitioned (CHIPS) cookie
    set_by: Literal["header", "script"] | None  # None: set by neither a response seen nor a page script
    initiator: str | None  # the response URL (header) or the script URL (script) that set it
    frame_url: str | None  # the document in which the setting script ran
    observed_at: float  # when the jar was read, seconds since the epoch (to compute the lifetime)


@dataclass(frozen=True)
class BlockedCookie:
    """A cookie a site tried to set and the browser refused: recorded as blocked, never as set."""

    name: str
    domain: str
    set_by: Literal["header", "script"]
    initiator: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class StorageRecord:
    origin: str
    kind: Literal["local", "session", "indexeddb"]
    key: str  # the key (local/session storage) or database name (IndexedDB)


@dataclass(frozen=True)
class FrameRecord:
    url: str
    origin: str
    parent_url: str | None


@dataclass(frozen=True)
class BeaconRecord:
    url: str
    kind: BeaconKind
    initiator: str | None


@dataclass(frozen=True)
class ConsentRecord:
    """What happened with the consent banner on one page visit."""

    platform: str | None  # the platform's name, "generic" for a home-made banner, None: no banner found
    platform_id: str | None
    banner_visible: bool
    choice: Literal["accept", "reject"] | None  # None: only looked (before any consent)
    engine: str | None = None  # what found the banner: "sitescan", "autoconsent VERSION", "handed-over"
    rule: str | None = None  # the engine's rule: a platform id, "generic", an autoconsent rule name
    taken: bool = False  # the choice's steps ran
    steps: tuple[str, ...] = ()
    first_layer: bool | None = False  # a single click on the banner's first layer (None: not known)
    stored: str | None = None  # the choice the platform's cookie or API reports afterwards
    banner_after: bool | None = None  # the banner still shows after the choice
    verified: bool = False  # the stored state (or, for a home-made banner, its closing) confirms the choice
    error: str | None = None
    signals: dict[str, Any] = field(default_factory=dict)  # TCF, GPP, Consent Mode after the visit
    screenshots: tuple[str, ...] = ()  # file names in the report folder


@dataclass(frozen=True)
class PageVisit:
    """One page loaded in one phase, and everything observed while it was open."""

    url: str  # as queued (normalised)
    phase: Phase
    depth: int
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    title: str | None = None
    redirects: tuple[str, ...] = ()  # the main document's redirect chain, before final_url
    error: str | None = None  # why the page could not be (fully) loaded; the visit is kept
    started: float = 0.0
    duration: float = 0.0
    settled: bool = True  # False: --timeout ended the wait for the page to go quiet
    requests: tuple[RequestRecord, ...] = ()
    cookies: tuple[CookieRecord, ...] = ()  # set or changed during this visit
    blocked_cookies: tuple[BlockedCookie, ...] = ()
    storage: tuple[StorageRecord, ...] = ()
    frames: tuple[FrameRecord, ...] = ()
    beacons: tuple[BeaconRecord, ...] = ()
    links: tuple[str, ...] = ()  # every http(s) link on the page, normalised
    found_in_sitemap: bool = False
    consent: ConsentRecord | None = None  # the banner was looked for (and a choice taken) on this visit


@dataclass(frozen=True)
class ScanArtifacts:
    tool_version: str
    targets: tuple[str, ...]
    started: str
    finished: str
    browser: str
    settings: dict[str, Any] = field(default_factory=dict)
    visits: tuple[PageVisit, ...] = ()
    sitemaps: tuple[str, ...] = ()  # sitemap URLs read
    notes: tuple[str, ...] = ()  # operational remarks: a sitemap that could not be read, ...
    interrupted: bool = False
    schema: str = ARTIFACTS_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanArtifacts:
        return _build(cls, data)

    @classmethod
    def read(cls, path: Path) -> ScanArtifacts:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


T = TypeVar("T")


def _build(kind: type[T], data: dict[str, Any]) -> T:
    hints = get_type_hints(kind)
    values = {
        f.name: _convert(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data
    }
    return kind(**values)


def _convert(hint: Any, value: Any) -> Any:
    origin = get_origin(hint)
    if value is None:
        return None
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)  # type: ignore[arg-type]
    if origin is tuple:
        item = get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in get_args(hint) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    return value
