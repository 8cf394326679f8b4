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

from sitescan.output import write_atomically

ARTIFACTS_SCHEMA = "sitescan-artifacts/1"

Phase = Literal["before-consent", "after-accept", "after-reject", "gpc"]
PHASE_ORDER: tuple[Phase, ...] = get_args(Phase)
BeaconKind = Literal["sendBeacon", "keepalive", "ping", "pixel", "endpoint"]


MAX_REQUEST_BODY = 65_536


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
    # What the request carried besides its URL, for reading what a tag was told: the body as text (cut at
    # MAX_REQUEST_BODY characters; None when there was none, or the browser did not hand it over) and the
    # Referer header (the page address a third party is given).
    body: str | None = None
    referer: str | None = None


@dataclass(frozen=True)
class CookieRecord:
    """A cookie in the browser's jar after a page visit (its value only with --keep-values)."""

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
    value: str | None = None  # None: not recorded (the default; --keep-values records it)


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
    # With --keep-values, a local/session item's value (cut to MAX_STORAGE_VALUE characters, ending in
    # "…"); None otherwise, and for a database.
    value: str | None = None


MAX_STORAGE_VALUE = 4096  # a cookie's own limit: a page may store megabytes under one key


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
class MixedContentRecord:
    """An http:// subresource of an https:// page, as the browser reported it (Audits domain)."""

    url: str
    resolution: str  # "MixedContentBlocked", "MixedContentAutomaticallyUpgraded", "MixedContentWarning"
    resource_type: str | None
    page_url: str | None


@dataclass(frozen=True)
class LinkRecord:
    """A link whose text or address names a privacy policy (rules/links/keywords.toml)."""

    url: str
    text: str


@dataclass(frozen=True)
class FormField:
    kind: str  # the input's type ("email", "tel", "checkbox", ...), or "textarea" / "select"
    name: str
    autocomplete: str
    label: str  # the visible label (its <label>, aria-label or placeholder), whitespace collapsed
    checked: bool  # checkboxes and radios: ticked when the page was read


@dataclass(frozen=True)
class FilledField:
    """A field sitescan typed its probe visitor's value into (rules/dataflow/probe.toml)."""

    kind: str  # which value: "email", "phone", "given_name", "family_name", "name", "postal_code"
    field: str  # the field's name, id or label
    value: str  # the probe's value, as typed
    submitted_to: str | None = None  # the form's action, when sitescan submitted it (--submit-forms)


@dataclass(frozen=True)
class FormRecord:
    action: str  # absolute URL the form submits to
    method: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class PolicyPageRecord:
    """What the privacy policy page shows: read on pages that are (or are linked as) the policy."""

    emails: tuple[str, ...]  # addresses in its text and mailto: links
    dates: tuple[str, ...]  # lines naming an effective / last-updated date
    headings: tuple[str, ...]  # h1-h4 texts


Technique = Literal["canvas", "audio", "webrtc", "fonts"]


@dataclass(frozen=True)
class FingerprintRecord:
    """A browser-fingerprinting technique, seen in the calls a script made (instrument.js says which)."""

    technique: Technique
    script: str | None  # the calling script's URL (an inline script: its document's); None: not known
    frame_url: str  # the document it ran in
    # What was seen: canvas {method, width, height, text}; audio {method, oscillator, compressor,
    # sample_rate}; webrtc {data_channel}; fonts {method, families}.
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListenerRecord:
    """A listener for keyboard or input events (keydown, keyup, keypress, input, change, beforeinput)."""

    event: str
    target: str  # "window", "document", "input", "textarea", "select", "form", "editable", or a tag name
    field_type: str | None  # an input's type
    field_name: str | None  # a field's or form's name (else id)
    scripts: tuple[str, ...]  # the script URLs on the stack when it was attached, innermost first
    frame_url: str  # the document it was attached in
    via: Literal["addEventListener", "property"]  # addEventListener, or an on<event> property


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
    navigated_to: str | None = None  # where the page took itself once loaded (script, meta refresh)
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
    mixed_content: tuple[MixedContentRecord, ...] = ()
    privacy_links: tuple[LinkRecord, ...] = ()
    forms: tuple[FormRecord, ...] = ()
    policy: PolicyPageRecord | None = None
    found_in_sitemap: bool = False
    consent: ConsentRecord | None = None  # the banner was looked for (and a choice taken) on this visit
    filled: tuple[FilledField, ...] = ()  # what sitescan typed into the page's forms (never submitted)
    dialogs: tuple[str, ...] = ()  # "alert: text", ...: what the page asked; every dialog was dismissed
    popups: tuple[str, ...] = ()  # windows the page tried to open (blocked, or closed at once): not visited
    fingerprinting: tuple[FingerprintRecord, ...] = ()  # techniques scripts used on this page (instrument.js)
    input_listeners: tuple[ListenerRecord, ...] = ()  # keyboard / input event listeners and who attached them


@dataclass(frozen=True)
class CertificateRecord:
    valid: bool  # the chain verifies (with --ca-cert where given) and names the host
    error: str | None  # why it does not
    not_after: str | None  # ISO 8601
    days_left: int | None
    issuer: str | None
    subject: str | None


@dataclass(frozen=True)
class TlsRecord:
    """The TLS probe's view of one HTTPS host (outside the browser, through the same --connect-to)."""

    host: str
    port: int
    https: bool  # a TLS handshake completed
    redirects_http: bool | None  # http://host/ answers with a redirect to https:// (None: not reachable)
    protocols: tuple[str, ...]  # accepted among "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
    certificate: CertificateRecord | None
    hsts: str | None  # the Strict-Transport-Security header of https://host/
    error: str | None = None  # why the host could not be probed at all


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
    tls: tuple[TlsRecord, ...] = ()
    interrupted: bool = False
    schema: str = ARTIFACTS_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanArtifacts:
        return _build(cls, data)

    @classmethod
    def read(cls, path: Path) -> ScanArtifacts:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


class VisitLog:
    """A running scan's page visits, each written to ``path`` as one JSON line as soon as its page is
    done: memory stays flat however large the site, and a scan killed outright leaves what it saw. Only
    what the scan itself needs later (each page's outcome, the hosts to probe) stays in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8")
        self.count = 0
        self.outcomes: dict[str, tuple[int | None, str | None]] = {}  # url -> (status, error)
        self.final_urls: set[str] = set()

    def append(self, visit: PageVisit, group: int = 0) -> None:
        self._file.write(json.dumps([group, dataclasses.asdict(visit)]) + "\n")
        self._file.flush()
        self.count += 1
        self.outcomes[visit.url] = (visit.status, visit.error)
        self.final_urls.add(visit.final_url or visit.url)

    def __len__(self) -> int:
        return self.count

    def read(self) -> tuple[PageVisit, ...]:
        """Every visit: group by group (start URLs that shared a set-up), each group's phases one after
        another (they ran side by side), each phase in the order its pages were done."""
        self._file.flush()
        entries = []
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                group, data = json.loads(line)
                entries.append((group, PHASE_ORDER.index(data["phase"]), _build(PageVisit, data)))
        entries.sort(key=lambda entry: entry[:2])
        return tuple(visit for _, _, visit in entries)

    def close(self) -> None:
        """Stop writing and remove the file (once the artifacts hold the visits)."""
        self._file.close()
        self.path.unlink(missing_ok=True)


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


@dataclass(frozen=True)
class EmailLink:
    """A link in an e-mail body: an HTML ``<a href>`` / ``<area href>``, or a URL written in a text part."""

    url: str  # as written (entity-decoded, surrounding whitespace removed)
    text: str  # its visible text (with the alt text of images inside it), whitespace collapsed
    part: Literal["html", "text"]
    index: int  # order among the links of its part, from 0
    position: float  # where it starts in its part's visible text: 0.0 the top, 1.0 the end
    hidden: bool = False  # inside an element the reader does not see (display:none, hidden, ...)


@dataclass(frozen=True)
class EmailImage:
    src: str
    width: str | None  # the attribute (or the style's width) as written
    height: str | None
    alt: str
    hidden: bool  # display:none / visibility:hidden on it or an ancestor
    pixel: bool  # looks like an open-tracking beacon: 1x1 or smaller, or hidden


@dataclass(frozen=True)
class EmailMessage:
    """One audited e-mail: an .eml message (headers and body) or an .html template (a body only)."""

    path: str  # as given on the command line (or found in a folder given there)
    kind: Literal["eml", "html"]
    subject: str | None = None
    from_name: str | None = None
    from_address: str | None = None
    list_unsubscribe: tuple[str, ...] = ()  # the header's <...> addresses, in order
    list_unsubscribe_post: str | None = None
    body: Literal["html", "text"] | None = None  # the part a reader sees: HTML where there is one
    parts: tuple[str, ...] = ()  # content types of the body parts found ("text/html", "text/plain")
    charset: str | None = None  # of the part the reader sees
    links: tuple[EmailLink, ...] = ()  # of every body part
    images: tuple[EmailImage, ...] = ()
    text: str = ""  # the visible text of the part the reader sees (capped: its start and its end)
    text_length: int = 0  # before the cap
    unsubscribe_links: tuple[EmailLink, ...] = ()  # visible links of the reader's part that unsubscribe
    unsubscribe: EmailLink | None = None  # the last of them (the bottom-most)
    text_unsubscribe: EmailLink | None = None  # the text/plain alternative's own, when there is one
    sender_names: tuple[str, ...] = ()  # copyright notices / legal entity names in the visible text
    postal_addresses: tuple[str, ...] = ()  # postal codes, ZIP codes, PO boxes, street lines
    contact_emails: tuple[str, ...] = ()  # in the visible text or mailto: links (not unsubscribe ones)
    contact_phones: tuple[str, ...] = ()  # in the visible text or tel: links
    contact_web: tuple[str, ...] = ()  # web addresses written in the visible text
    truncated: bool = False  # more links or images than are kept
