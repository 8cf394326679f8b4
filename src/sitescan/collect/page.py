"""Visit one page in an open browser context and record everything it stores and contacts.

Sources, each used for what only it knows:
- the DevTools protocol (one session per tab): every request with its initiator, redirects and status,
  the raw ``Set-Cookie`` lines and the cookies the browser refused with its reasons, and the cookie jar;
- ``instrument.js`` in every frame: which script wrote a cookie, ``sendBeacon`` / keepalive calls, and
  pending one-shot timers (so a tag that fires seconds after load is waited for, not slept for);
- the DOM after the page settles: title, links, ``<a ping>``, tiny or hidden images, storage keys.

What a document sends while it unloads (pagehide, visibilitychange) DevTools does not show, in Chromium
156: the browser sends it for a document that is gone. The cookies its answers set are still seen, in
the jar, and put on the page that was left.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from importlib.resources import files
from typing import Any, TypeVar

from playwright.async_api import BrowserContext, CDPSession, Dialog, Frame, Page, Request
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from sitescan.artifacts import (
    MAX_REQUEST_BODY,
    MAX_STORAGE_VALUE,
    BeaconRecord,
    BlockedCookie,
    ConsentRecord,
    CookieRecord,
    FilledField,
    FingerprintRecord,
    FormRecord,
    FrameRecord,
    LinkRecord,
    ListenerRecord,
    MixedContentRecord,
    PageVisit,
    Phase,
    PolicyPageRecord,
    RequestRecord,
    StorageRecord,
)
from sitescan.collect.document import looks_like_policy, read_document
from sitescan.collect.forms import fill_forms
from sitescan.urls import host_of, normalise, origin_of

INSTRUMENT_JS = files("sitescan.collect").joinpath("instrument.js").read_text(encoding="utf-8")
BINDING = "__sitescanReport"
# A one-shot timer due this long after load is waited for (bounded by --timeout); later ones are not,
# so a polling loop cannot hold a page open.
TIMER_HORIZON_MS = 5000
POLL_SECONDS = 0.05
# instrument.js counts the timers due within a horizon of the page's load event, or of a given time.
_PENDING_TIMERS_JS = (
    "([horizon, since]) => window.__sitescanPendingTimers"
    " ? window.__sitescanPendingTimers(horizon, since) : 0"
)
UNLOAD_GRACE_SECONDS = 1.0
CLOSE_TAB_SECONDS = 10.0  # closing a tab is the browser's work, but a hung renderer can slow it
# What a visit records when the tab can no longer be used; the crawl then gives it a fresh tab.
UNRESPONSIVE = "the page stopped responding: a script kept its renderer busy for {timeout:g} s"
CRASHED = "the page's renderer crashed"
STOPPED_UNFINISHED = "the scan was stopped before this visit was finished: its cookies are unknown"
LATE_ERROR_PAGE = 'interrupted by another navigation to "chrome-error://'

# Read once per frame after the page settles. Links and the title matter for the top document only.
# Storage values are read only with --keep-values, and cut here: a page may keep megabytes under a key.
_FRAME_JS = """async ({keepValues, maxValue}) => {
  const hidden = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display === 'none' || style.visibility === 'hidden' || box.width === 0 || box.height === 0;
  };
  const cut = (value) => {
    if (value.length <= maxValue) return value;
    const head = value.slice(0, maxValue - 1);
    return (/[\\ud800-\\udbff]$/.test(head) ? head.slice(0, -1) : head) + '\u2026';  // no half pair
  };
  const items = (store) => {
    try {
      return Array.from({length: store.length}, (_, i) => store.key(i))
        .map((key) => [key, keepValues ? cut(store.getItem(key) ?? '') : null]);
    } catch (e) { return []; }
  };
  let databases = [];
  try { if (indexedDB.databases) databases = (await indexedDB.databases()).map((d) => d.name); }
  catch (e) { databases = []; }
  const images = Array.from(document.images);
  const top = window === window.top;
  return {
    origin: location.origin,
    local: items(localStorage),
    session: items(sessionStorage),
    indexeddb: databases.map((name) => [name, null]),
    title: top ? document.title : null,
    links: top ? Array.from(document.querySelectorAll('a[href], area[href]')).map((a) => a.href) : [],
    pings: Array.from(document.querySelectorAll('a[ping]')).flatMap((a) =>
      a.getAttribute('ping').trim().split(/\\s+/).map((u) => new URL(u, document.baseURI).href)),
    images: images.map((img) => img.currentSrc || img.src),
    tiny_images: images
      .filter((img) => img.complete && ((img.naturalWidth <= 1 && img.naturalHeight <= 1) || hidden(img)))
      .map((img) => img.currentSrc || img.src),
  };
}"""
# Run on a settled page: finds the banner, may take a choice (then calls the settle function it is given
# so the choice's effects are observed in the same visit) and says what happened.
ConsentStep = Callable[[Page, list[str], Callable[[], Awaitable[bool]]], Awaitable[ConsentRecord]]
# Each cookie in the jar (name, domain, path, partition) -> a hash of its value and expiry: what changed.
JarFingerprint = dict[tuple[str, str, str, str | None], str]
# The tab that last wrote each cookie (name, stored domain), shared by the tabs of one browser context:
# a jar change a tab did not see written is another tab's doing when that tab wrote it.
CookieWriters = dict[tuple[str, str], int]
T = TypeVar("T")
DocumentReading = tuple[tuple[LinkRecord, ...], tuple[FormRecord, ...], PolicyPageRecord | None]
# An image no frame displays whose body is this small is a pixel (a 1x1 GIF is 43 bytes).
PIXEL_MAX_BYTES = 200


@dataclass
class _FrameSnapshot:
    """What the frames showed after the page settled, merged."""

    title: str | None = None
    links: list[str] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)
    images: set[str] = field(default_factory=set)
    tiny_images: set[str] = field(default_factory=set)
    # (origin, kind, key) -> the value (None: not recorded, or a database)
    storage: dict[tuple[str, str, str], str | None] = field(default_factory=dict)


@dataclass
class _Request:
    url: str
    method: str
    resource_type: str
    frame_url: str | None
    initiator: str | None
    initiator_type: str
    redirect_chain: list[str] = field(default_factory=list)
    status: int | None = None
    error: str | None = None
    mime_type: str | None = None
    body: str | None = None
    referer: str | None = None
    header_bytes: int = 0
    total_bytes: int | None = None

    @property
    def body_bytes(self) -> int | None:
        return None if self.total_bytes is None else max(0, self.total_bytes - self.header_bytes)


@dataclass
class _SetCookie:
    line: str
    response_url: str
    blocked_reasons: tuple[str, ...]


@dataclass
class _ScriptCookie:
    line: str
    script: str | None
    frame_url: str


@dataclass
class _Observer:
    """What one tab reports while it shows one URL."""

    tab: int  # the collector's id, for CookieWriters
    writers: CookieWriters
    requests: dict[str, _Request] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    inflight: set[str] = field(default_factory=set)
    last_activity: float = field(default_factory=time.monotonic)
    set_cookies: list[_SetCookie] = field(default_factory=list)
    pending_extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    script_cookies: list[_ScriptCookie] = field(default_factory=list)
    beacon_calls: list[BeaconRecord] = field(default_factory=list)
    mixed_content: list[MixedContentRecord] = field(default_factory=list)
    # The documents this page loaded (its own and its frames'), by loader and by URL: what they send
    # while the tab leaves them is still this page's.
    loaders: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    written: set[tuple[str, str]] = field(default_factory=set)  # cookies (name, stored domain) seen set
    dialogs: list[str] = field(default_factory=list)  # "alert: text": answered (dismissed) at once
    popups: list[str] = field(default_factory=list)  # the URLs of windows the page tried to open
    # Keyed by document and technique + script (WebRTC: the connection), so a probe that turns out to be a
    # real connection can be withdrawn.
    fingerprints: dict[str, FingerprintRecord] = field(default_factory=dict)
    input_listeners: list[ListenerRecord] = field(default_factory=list)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    # -- DevTools protocol events ----------------------------------------------------------------
    def on_issue(self, event: dict[str, Any]) -> None:
        """The browser's own mixed-content report: it also names the http:// requests it upgraded to
        https:// or blocked, which the network events show upgraded or not at all."""
        details = event.get("issue", {}).get("details", {}).get("mixedContentIssueDetails")
        if details:
            self.mixed_content.append(
                MixedContentRecord(
                    details.get("insecureURL", ""),
                    details.get("resolutionStatus", ""),
                    details.get("resourceType"),
                    details.get("mainResourceURL"),
                )
            )

    def on_request(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        url = event["request"]["url"]
        if not url.startswith(("http:", "https:")):
            return
        self.touch()
        if event.get("loaderId"):  # none for a worker's requests
            self.loaders.add(event["loaderId"])
        if event.get("documentURL"):
            self.documents.add(event["documentURL"])
        existing = self.requests.get(request_id)
        if existing and "redirectResponse" in event:
            existing.redirect_chain.append(existing.url)
            existing.url = url
            return
        initiator = event.get("initiator", {})
        body = event["request"].get("postData")
        self.requests[request_id] = _Request(
            url=url,
            method=event["request"]["method"],
            resource_type=event.get("type", "Other"),
            frame_url=event.get("documentURL"),
            initiator=_initiator_url(initiator),
            initiator_type=initiator.get("type", "other"),
            body=body[:MAX_REQUEST_BODY] if body else None,
            referer=event["request"].get("headers", {}).get("Referer"),
        )
        self.order.append(request_id)
        self.inflight.add(request_id)
        for extra in self.pending_extra.pop(request_id, []):
            self.on_response_extra(extra)

    def on_websocket(self, event: dict[str, Any]) -> None:
        """A WebSocket the page opened: a request like any other for the catalogue, but never in flight
        (it stays open while the page does)."""
        self.touch()
        self.requests[event["requestId"]] = _Request(
            url=event["url"],
            method="GET",
            resource_type="WebSocket",
            frame_url=None,
            initiator=_initiator_url(event.get("initiator", {})),
            initiator_type=event.get("initiator", {}).get("type", "other"),
        )
        self.order.append(event["requestId"])

    def on_websocket_handshake(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request:
            request.status = event["response"]["status"]

    def on_websocket_error(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request and request.status is None:
            request.error = event.get("errorMessage") or "failed"

    def on_worker_request(self, key: str, request: _Request) -> Callable[[int], None]:
        """A request a service worker of the page's origin sent while the page was shown (DevTools shows
        it to the worker's own session only, which Playwright follows); returns where its status goes."""
        self.touch()
        self.requests[key] = request
        self.order.append(key)
        return lambda status: setattr(request, "status", status)

    def on_response(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request:
            request.status = event["response"]["status"]
            request.mime_type = event["response"].get("mimeType")
            request.header_bytes = int(event["response"].get("encodedDataLength") or 0)
            self.touch()

    def on_finished(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request:
            request.total_bytes = int(event.get("encodedDataLength") or 0)
        self.inflight.discard(event["requestId"])
        self.touch()

    def on_failed(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request:
            request.error = event.get("blockedReason") or event.get("errorText") or "failed"
        self.inflight.discard(event["requestId"])
        self.touch()

    def on_response_extra(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request is None:  # the protocol may announce the raw headers before the request itself
            self.pending_extra.setdefault(event["requestId"], []).append(event)
            return
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        blocked = {c["cookieLine"]: tuple(c["blockedReasons"]) for c in event.get("blockedCookies", [])}
        for line in filter(None, headers.get("set-cookie", "").split("\n")):
            reasons = blocked.pop(line, ())
            self.set_cookies.append(_SetCookie(line, request.url, reasons))
            if not reasons:
                self._wrote(line, request.url)
        for line, reasons in blocked.items():  # refused lines the header dump did not show
            self.set_cookies.append(_SetCookie(line, request.url, reasons))

    # -- instrument.js ---------------------------------------------------------------------------
    def on_report(self, frame_url: str, kind: str, payload: dict[str, Any]) -> None:
        self.touch()
        if kind == "cookie":
            self.script_cookies.append(_ScriptCookie(payload["line"], payload.get("script"), frame_url))
            self._wrote(payload["line"], frame_url)
        elif kind == "beacon":
            self.beacon_calls.append(BeaconRecord(payload["url"], payload["kind"], payload.get("script")))
        elif kind == "popup" and payload["url"] not in self.popups:
            self.popups.append(payload["url"])
        elif kind == "fingerprint":
            self.fingerprints[f"{frame_url}\n{payload['key']}"] = FingerprintRecord(
                payload["technique"], payload.get("script"), frame_url, payload.get("details") or {}
            )
        elif kind == "fingerprint-withdrawn":
            self.fingerprints.pop(f"{frame_url}\n{payload['key']}", None)
        elif kind == "listener":
            self.input_listeners.append(
                ListenerRecord(
                    payload["event"],
                    payload["target"],
                    payload.get("field_type"),
                    payload.get("field_name"),
                    tuple(payload.get("scripts") or ()),
                    frame_url,
                    payload["via"],
                )
            )

    def _wrote(self, line: str, url: str) -> None:
        parsed = CookieLine.parse(line)
        if parsed.name:
            key = (parsed.name, parsed.stored_domain(host_of(url)))
            self.written.add(key)
            self.writers[key] = self.tab


def _initiator_url(initiator: dict[str, Any]) -> str | None:
    if initiator.get("url"):
        return initiator["url"]
    stack = initiator.get("stack")
    while stack:
        for frame in stack.get("callFrames", []):
            if frame.get("url", "").startswith(("http:", "https:")):
                return frame["url"]
        stack = stack.get("parent")
    return None


@dataclass(frozen=True)
class CookieLine:
    """The parts of a ``Set-Cookie`` line (or a ``document.cookie`` write) that identify the cookie."""

    name: str
    domain: str | None
    deletes: bool

    @classmethod
    def parse(cls, line: str) -> CookieLine:
        head, *attributes = line.split(";")
        name = head.split("=", 1)[0].strip() if "=" in head else ""
        domain = None
        max_age: int | None = None
        expires_past: bool | None = None
        for attribute in attributes:  # RFC 6265 5.2: trimmed; the last of each attribute counts
            key, _, value = attribute.partition("=")
            key, value = key.strip().lower(), value.strip()
            if key == "domain" and value:
                domain = value.lower()
            elif key == "max-age" and value.lstrip("-").isdigit():
                max_age = int(value)
            elif key == "expires":
                expires_past = _is_past(value)
        # Max-Age wins over Expires (RFC 6265 5.3).
        deletes = max_age <= 0 if max_age is not None else bool(expires_past)
        return cls(name, domain, deletes)

    def stored_domain(self, host: str) -> str:
        """The jar's spelling: ".example.com" for a Domain attribute, the host itself otherwise."""
        return "." + self.domain.lstrip(".") if self.domain else host


def _is_past(http_date: str) -> bool:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(http_date.strip()).timestamp() < time.time()
    except (TypeError, ValueError):
        return False


@dataclass
class _Shown:
    """A page loaded and read, not yet left: its visit is finished once the tab has left it (so that
    the cookies set by what it sends on pagehide and unload count), which loading the next page does at
    no extra cost: a navigation to a blank page in between would double the browser's work."""

    url: str
    depth: int
    found_in_sitemap: bool
    started: float
    duration: float
    error: str | None
    document: _Request | None
    final_url: str
    navigated_to: str | None
    settled: bool
    consent: ConsentRecord | None
    filled: tuple[FilledField, ...]
    snapshot: _FrameSnapshot
    frames: tuple[FrameRecord, ...]
    privacy_links: tuple[LinkRecord, ...]
    forms: tuple[FormRecord, ...]
    policy: PolicyPageRecord | None
    observer: _Observer
    jar_before: JarFingerprint


class PageCollector:
    """Owns one tab of a phase's browser context; visits URLs one after another in it."""

    def __init__(
        self, context: BrowserContext, page: Page, cdp: CDPSession, phase: Phase, writers: CookieWriters
    ) -> None:
        self.context = context
        self.page = page
        self.cdp = cdp
        self.phase = phase
        self.writers = writers  # shared with the other tabs of the context: see CookieWriters
        self.observer = self._new_observer()
        self.shown: _Shown | None = None  # the page on screen, until the tab leaves it
        # Normal forms of the pages linked as the privacy policy: read in detail when visited.
        self.policy_urls: set[str] = set()
        self.keep_values = False  # --keep-values: record cookie and storage values
        self.fill_forms = False  # --fill-forms: type the probe visitor into personal-data fields
        self.submit_forms: re.Pattern[str] | None = None  # --submit-forms: submit forms whose action matches
        # Set when the tab can no longer be used (its renderer crashed or hangs): see ``replace_tab``.
        self.broken: str | None = None

    @classmethod
    async def open(
        cls, context: BrowserContext, phase: Phase, writers: CookieWriters, page: Page | None = None
    ) -> PageCollector:
        page = page or await context.new_page()
        collector = cls(context, page, await context.new_cdp_session(page), phase, writers)
        await collector._watch()
        return collector

    async def replace_tab(self) -> None:
        """Close a broken tab and go on in a new one. The page it showed is finished as usual by the next
        visit, with what was seen of it."""
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(self.page.close(), CLOSE_TAB_SECONDS)
        self.page = await self.context.new_page()
        self.cdp = await self.context.new_cdp_session(self.page)
        self.broken = None
        await self._watch()

    async def _watch(self) -> None:
        """Listen to the tab: its network (DevTools), its crash, its dialogs and popups."""
        self.page.on("dialog", self._answer_dialog)
        self.page.on("popup", self._close_popup)
        self.page.on("crash", self._crashed)
        observer_for = self.observer_for
        handlers = {
            "Network.requestWillBeSent": lambda e: observer_for(e).on_request(e),
            "Network.responseReceived": lambda e: observer_for(e).on_response(e),
            "Network.loadingFinished": lambda e: observer_for(e).on_finished(e),
            "Network.loadingFailed": lambda e: observer_for(e).on_failed(e),
            "Network.responseReceivedExtraInfo": lambda e: observer_for(e).on_response_extra(e),
            "Network.webSocketCreated": lambda e: self.observer.on_websocket(e),
            "Network.webSocketHandshakeResponseReceived": lambda e: observer_for(e).on_websocket_handshake(e),
            "Network.webSocketFrameError": lambda e: observer_for(e).on_websocket_error(e),
            "Audits.issueAdded": lambda e: self.observer.on_issue(e),
        }
        for event, handler in handlers.items():
            self.cdp.on(event, handler)
        await self.cdp.send("Network.enable")
        await self.cdp.send("Audits.enable")

    def _crashed(self, page: Page) -> None:
        if page is self.page:  # not a tab already replaced
            self.broken = CRASHED

    async def _answer_dialog(self, dialog: Dialog) -> None:
        """Dismiss alert, confirm and prompt, as a visitor closing them would; let the page go on
        beforeunload (dismissing that one would keep the tab on the page)."""
        # beforeunload comes from the page being left, once the next one is already being loaded
        left = dialog.type == "beforeunload" and self.shown is not None
        (self.shown.observer if left and self.shown else self.observer).dialogs.append(
            f"{dialog.type}: {dialog.message}"
        )
        with contextlib.suppress(PlaywrightError):  # the page may be gone already
            await (dialog.accept() if dialog.type == "beforeunload" else dialog.dismiss())

    async def _close_popup(self, popup: Page) -> None:
        """A window the page opened (past the popup blocker: a remote browser may have it off) is closed:
        the crawl visits pages, not their popups. instrument.js has recorded the attempt."""
        with contextlib.suppress(PlaywrightError):
            await popup.close()

    def worker_request(self, request: Request, worker: str) -> Callable[[int], None]:
        """Record a request of ``worker`` on the page shown; returns where its status goes."""
        kind = "Script" if request.resource_type == "script" else "Fetch"
        seen = _Request(request.url, request.method, kind, None, worker, "serviceworker")
        seen.body = request.post_data[:MAX_REQUEST_BODY] if request.post_data else None
        return self.observer.on_worker_request(f"worker-{id(request)}", seen)

    def _new_observer(self) -> _Observer:
        return _Observer(id(self), self.writers)

    def observer_for(self, event: dict[str, Any]) -> _Observer:
        """The page being left owns its own requests and those of its documents; the rest is the new
        page's."""
        left = self.shown.observer if self.shown else None
        if left is not None and (
            event["requestId"] in left.requests or event.get("loaderId") in left.loaders
        ):
            return left
        return self.observer

    def on_report(self, kind: str, payload: dict[str, Any]) -> None:
        """instrument.js's reports, by the document that made them (see ``observer_for``)."""
        left = self.shown.observer if self.shown else None
        document = payload.get("document")
        if left is not None and document in left.documents and document not in self.observer.documents:
            left.on_report(document, kind, payload)
        else:
            self.observer.on_report(document or self.page.url, kind, payload)

    async def visit(
        self,
        url: str,
        depth: int,
        timeout: float,
        settle: float,
        jar: JarFingerprint,
        on_finished: Callable[[PageVisit], None],
        consent: ConsentStep | None = None,
        found_in_sitemap: bool = False,
    ) -> JarFingerprint:
        """Load ``url``, wait for it to settle and read it; the previous page's visit, finished now that
        loading this one has made the tab leave it, goes to ``on_finished``.

        ``jar`` fingerprints the cookie jar as the last finished visit left it; the jar as this call
        leaves it is returned. ``leave()`` finishes the last page."""
        self.observer = self._new_observer()
        started = time.time()
        error: str | None = None
        response = None
        try:
            response = await self.page.goto(url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightTimeoutError:
            error = f"the page did not finish loading within {timeout:g} s"
        except PlaywrightError as failure:
            if self.page.is_closed():
                raise  # the tab, or the whole browser, went away under it: for the crawl to handle
            error = first_line(failure.message)
        document = self._main_document(url)
        if error and LATE_ERROR_PAGE in error and document is not None and document.status is not None:
            # The error page of the previous, failed visit committed late, and Playwright took it for
            # this navigation's end; this page did load: wait for it as goto would have.
            error = await self._loaded(started + timeout)
        is_html = bool(document and document.mime_type in ("text/html", "application/xhtml+xml"))
        if "Download is starting" in (error or ""):
            error = None  # a file, not a page: recorded, not crawled
        settled = True
        if is_html and not self.broken:
            left = started + timeout - time.time()  # _settle stops at the deadline if the page answers
            settled = await self._within(max(0.0, left) + 1.0, self._settle(started, timeout, settle), False)
        # The page left is finished once this one has settled: the answers to what it sent while
        # unloading (which DevTools does not show: the browser sends them for a document that is gone)
        # have then reached the jar, and this page's own writes are told apart.
        if self.shown is not None:
            finished, jar = await self._finish(self.shown, exclude=self.observer)
            on_finished(finished)
        consent_record, snapshot, frames = None, _FrameSnapshot(), ()
        privacy_links, forms, policy = (), (), None
        if is_html and not self.broken:
            shown_at = document.url if document else url
            policy_page = normalise(shown_at) in self.policy_urls or looks_like_policy(shown_at)
            read = await self._within(timeout, self._read(consent, timeout, settle, policy_page), None)
            if read is not None:
                consent_record, snapshot, frames, (privacy_links, forms, policy) = read
        filled: tuple[FilledField, ...] = ()
        if is_html and not self.broken and self.fill_forms:
            filled = await self._within(timeout, self._fill(timeout, settle), ())
        if self.broken:
            error = self.broken.format(timeout=timeout)
        final_url = self.page.url if response is None else response.url
        navigated_to = None  # where the page took itself after it loaded (a script, a meta refresh)
        if document is not None:
            final_url = document.url
            here = self.page.url.split("#", 1)[0]
            if is_html and not self.broken and here.startswith(("http:", "https:")):
                navigated_to = here if normalise(here) != normalise(final_url) else None
        self.shown = _Shown(
            url=url,
            depth=depth,
            found_in_sitemap=found_in_sitemap,
            started=started,
            duration=round(time.time() - started, 3),
            error=error or (document.error if document and document.status is None else None),
            document=document,
            final_url=final_url,
            navigated_to=navigated_to,
            settled=settled,
            consent=consent_record,
            filled=filled,
            snapshot=snapshot,
            frames=frames,
            privacy_links=privacy_links,
            forms=forms,
            policy=policy,
            observer=self.observer,
            jar_before=jar,
        )
        return jar

    async def _loaded(self, deadline: float) -> str | None:
        """Wait for the load event of the page now shown; the error to record, if any."""
        try:
            await self.page.wait_for_load_state("load", timeout=max(1.0, deadline - time.time()) * 1000)
        except PlaywrightError as failure:
            return first_line(failure.message)
        return None

    async def _within(self, seconds: float, work: Awaitable[T], fallback: T) -> T:
        """``work``, which needs the renderer, unless the renderer does not answer within ``seconds``:
        then the tab is broken (a script hogs it) and ``fallback`` stands in."""
        try:
            return await asyncio.wait_for(work, seconds)
        except TimeoutError:
            self.broken = self.broken or UNRESPONSIVE
            return fallback

    async def _read(
        self, consent: ConsentStep | None, timeout: float, settle: float, policy_page: bool
    ) -> tuple[ConsentRecord | None, _FrameSnapshot, tuple[FrameRecord, ...], DocumentReading]:
        """The banner step, then everything the settled page shows."""
        consent_record = None
        if consent is not None:
            scripts = [r.url for r in self.observer.requests.values() if r.resource_type == "Script"]
            consent_record = await consent(
                self.page, scripts, lambda: self._settle(time.time(), timeout, settle, after_load=False)
            )
        frames = self._frames()
        snapshot, reading = await asyncio.gather(self._snapshot(), read_document(self.page, policy_page))
        return consent_record, snapshot, frames, reading

    async def _fill(self, timeout: float, settle: float) -> tuple[FilledField, ...]:
        """Type the probe visitor into the page's forms, and wait for what its tags send about it."""
        filled = await fill_forms(self.page, self.submit_forms, timeout)
        if filled:
            await self._settle(time.time(), timeout, settle, after_load=False)
        return filled

    async def leave(self, settle: float) -> tuple[PageVisit | None, JarFingerprint | None]:
        """Leave the last page (for a blank one, as a visitor closing the tab would) and finish its visit."""
        if self.shown is None:
            return None, None
        self.observer = self._new_observer()
        with contextlib.suppress(PlaywrightError):  # the visit is finished with what was seen
            await self.page.goto("about:blank", timeout=5000)
        await asyncio.sleep(settle)  # the quiet time a next page would have given its unload beacons
        return await self._finish(self.shown, exclude=self.observer)

    async def _finish(self, shown: _Shown, exclude: _Observer) -> tuple[PageVisit, JarFingerprint]:
        """The visit of a page the tab has left, once what it sent on leaving has been answered."""
        deadline = time.monotonic() + UNLOAD_GRACE_SECONDS
        while shown.observer.inflight and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        cookies, blocked, jar_after = self._attribute_cookies(
            shown.observer, await self._jar(), shown.jar_before, exclude
        )
        self.shown = None  # only now: a tab that fails before here still has the page to hand back
        return self._record(shown, cookies, blocked), jar_after

    def unfinished(self) -> PageVisit | None:
        """The page the tab shows, as far as it was seen, for a scan stopped before the tab left it: all
        but the cookies, which only the jar, read once the page is left, tells."""
        if self.shown is None:
            return None
        return replace(self._record(self.shown, (), ()), error=self.shown.error or STOPPED_UNFINISHED)

    def forget(self) -> None:
        """Drop the page shown without a visit: what it did is neither recorded nor anybody's."""
        self.shown = None

    def _record(
        self, shown: _Shown, cookies: tuple[CookieRecord, ...], blocked: tuple[BlockedCookie, ...]
    ) -> PageVisit:
        snapshot, document = shown.snapshot, shown.document
        links = (link.split("#", 1)[0] for link in snapshot.links if link.startswith(("http:", "https:")))
        return PageVisit(
            url=shown.url,
            phase=self.phase,
            depth=shown.depth,
            found_in_sitemap=shown.found_in_sitemap,
            final_url=shown.final_url,
            navigated_to=shown.navigated_to,
            status=document.status if document else None,
            content_type=document.mime_type if document else None,
            title=snapshot.title,
            redirects=tuple(document.redirect_chain) if document else (),
            error=shown.error,
            started=shown.started,
            duration=shown.duration,
            settled=shown.settled,
            requests=tuple(_requests(shown.observer)),
            cookies=cookies,
            blocked_cookies=blocked,
            storage=tuple(StorageRecord(o, k, key, value) for (o, k, key), value in snapshot.storage.items()),  # type: ignore[arg-type]
            frames=shown.frames,
            beacons=_beacons(shown.observer, snapshot),
            links=tuple(dict.fromkeys(links)),
            mixed_content=tuple(dict.fromkeys(shown.observer.mixed_content)),
            privacy_links=shown.privacy_links,
            forms=shown.forms,
            policy=shown.policy,
            consent=shown.consent,
            filled=shown.filled,
            dialogs=tuple(shown.observer.dialogs),
            popups=tuple(shown.observer.popups),
            fingerprinting=tuple(shown.observer.fingerprints.values()),
            input_listeners=tuple(shown.observer.input_listeners),
        )

    # -- steps -----------------------------------------------------------------------------------
    def _main_document(self, url: str) -> _Request | None:
        for request_id in self.observer.order:
            request = self.observer.requests[request_id]
            if request.resource_type == "Document" and (
                normalise(request.redirect_chain[0] if request.redirect_chain else request.url)
                == normalise(url)
            ):
                return request
        return None

    async def _settle(self, started: float, timeout: float, settle: float, after_load: bool = True) -> bool:
        """Wait until no request has been in flight for ``settle`` seconds and no one-shot timer is due
        within TIMER_HORIZON_MS of the page's load (``after_load``; else of now: after a click), or until
        ``timeout`` seconds after the visit began. False when the page went away meanwhile."""
        deadline = started + timeout
        try:
            since = None if after_load else await self.page.evaluate("performance.now()")
        except PlaywrightError:
            return False
        while time.time() < deadline:
            quiet_for = time.monotonic() - self.observer.last_activity
            if self.observer.inflight or quiet_for < settle:
                wait = POLL_SECONDS if self.observer.inflight else settle - quiet_for
                await asyncio.sleep(max(0.0, min(wait, deadline - time.time())))
                continue
            try:
                timers = await self.page.evaluate(_PENDING_TIMERS_JS, [TIMER_HORIZON_MS, since])
            except PlaywrightError:
                return False
            if not timers and time.monotonic() - self.observer.last_activity >= settle:
                return True
            await asyncio.sleep(POLL_SECONDS)
        return False

    async def _evaluate(self, frame: Frame, script: str, arg: Any = None) -> Any:
        try:
            return await frame.evaluate(script, arg)
        except PlaywrightError:
            return None  # the frame navigated or went away: nothing to read

    def _frames(self) -> tuple[FrameRecord, ...]:
        records = []
        for frame in self.page.frames:
            if frame is self.page.main_frame or not frame.url.startswith(("http:", "https:")):
                continue
            parent = frame.parent_frame.url if frame.parent_frame else None
            records.append(FrameRecord(frame.url, origin_of(frame.url), parent))
        return tuple(records)

    async def _snapshot(self) -> _FrameSnapshot:
        snapshot = _FrameSnapshot()
        frames = [frame for frame in self.page.frames if frame.url.startswith(("http:", "https:"))]
        asked = {"keepValues": self.keep_values, "maxValue": MAX_STORAGE_VALUE}
        readings = await asyncio.gather(*(self._evaluate(frame, _FRAME_JS, asked) for frame in frames))
        for frame, seen in zip(frames, readings, strict=True):
            if not seen:
                continue
            if frame is self.page.main_frame:
                snapshot.title, snapshot.links = seen["title"], seen["links"]
            snapshot.pings.extend(seen["pings"])
            snapshot.images.update(seen["images"])
            snapshot.tiny_images.update(seen["tiny_images"])
            for kind in ("local", "session", "indexeddb"):
                for key, value in seen[kind]:
                    snapshot.storage[(seen["origin"], kind, key)] = value
        return snapshot

    async def _jar(self) -> list[dict[str, Any]]:
        result = await self.cdp.send("Network.getAllCookies")
        return result["cookies"]

    async def jar_fingerprint(self) -> JarFingerprint:
        return _fingerprints(await self._jar())

    def _attribute_cookies(
        self, observer: _Observer, jar: list[dict[str, Any]], jar_before: JarFingerprint, exclude: _Observer
    ) -> tuple[tuple[CookieRecord, ...], tuple[BlockedCookie, ...], JarFingerprint]:
        """The cookies ``observer``'s page set or changed, and those the browser refused it. A change
        nobody was seen writing is this page's, unless another tab, or the next page (``exclude``),
        wrote that cookie."""
        # The latest write this visit made to each (name, stored domain).
        writes: dict[tuple[str, str], tuple[str, str | None, str | None, CookieLine]] = {}
        blocked: dict[tuple[str, str, str], BlockedCookie] = {}
        for header in observer.set_cookies:
            parsed = CookieLine.parse(header.line)
            if not parsed.name:
                continue
            domain = parsed.stored_domain(host_of(header.response_url))
            if header.blocked_reasons:
                blocked[(parsed.name, domain, "header")] = BlockedCookie(
                    parsed.name, domain, "header", header.response_url, header.blocked_reasons
                )
            else:
                writes[(parsed.name, domain)] = ("header", header.response_url, None, parsed)
        for write in observer.script_cookies:
            parsed = CookieLine.parse(write.line)
            if parsed.name:
                domain = parsed.stored_domain(host_of(write.frame_url))
                writes[(parsed.name, domain)] = (
                    "script",
                    write.script or write.frame_url,
                    write.frame_url,
                    parsed,
                )

        observed_at = time.time()
        jar_after = _fingerprints(jar)
        cookies = []
        in_jar: set[tuple[str, str]] = set()
        for raw in jar:
            key = _jar_key(raw)
            in_jar.add((raw["name"], raw["domain"]))
            write = writes.get((raw["name"], raw["domain"]))
            if write is None and (
                jar_before.get(key) == jar_after[key]  # unchanged since an earlier visit
                or self.writers.get((raw["name"], raw["domain"]), id(self)) != id(self)  # another tab's
                or (raw["name"], raw["domain"]) in exclude.written
            ):
                continue  # not this page's doing
            set_by, initiator, frame_url = (write[0], write[1], write[2]) if write else (None, None, None)
            cookies.append(_cookie_record(raw, set_by, initiator, frame_url, observed_at, self.keep_values))
        for (name, domain), (set_by, initiator, _frame, parsed) in writes.items():
            if set_by == "script" and not parsed.deletes and (name, domain) not in in_jar:
                blocked[(name, domain, "script")] = BlockedCookie(
                    name,
                    domain,
                    "script",
                    initiator,
                    ("the browser did not store this document.cookie write",),
                )
        return tuple(cookies), tuple(blocked.values()), jar_after


def _requests(observer: _Observer) -> list[RequestRecord]:
    records = []
    for request_id in observer.order:
        request = observer.requests[request_id]
        records.append(
            RequestRecord(
                url=request.url,
                method=request.method,
                resource_type=request.resource_type,
                frame_url=request.frame_url,
                initiator=request.initiator,
                initiator_type=request.initiator_type,
                status=request.status,
                error=request.error,
                redirect_chain=tuple(request.redirect_chain),
                body=request.body,
                referer=request.referer,
            )
        )
    return records


def _beacons(observer: _Observer, snapshot: _FrameSnapshot) -> tuple[BeaconRecord, ...]:
    beacons: dict[str, BeaconRecord] = {call.url: call for call in observer.beacon_calls}
    for ping in snapshot.pings:
        beacons.setdefault(ping, BeaconRecord(ping, "ping", None))
    for request in observer.requests.values():
        if request.url in beacons:
            continue
        if request.resource_type == "Ping":  # an <a ping> click or a beacon the hook did not see
            beacons[request.url] = BeaconRecord(request.url, "ping", request.initiator)
        elif request.resource_type == "Image" and _is_pixel(request, snapshot):
            beacons[request.url] = BeaconRecord(request.url, "pixel", request.initiator)
    return tuple(beacons.values())


def _is_pixel(request: _Request, snapshot: _FrameSnapshot) -> bool:
    """A 1x1 or hidden image, or a tiny one that no frame displays (``new Image().src = ...``)."""
    if request.url in snapshot.tiny_images:
        return True
    if request.url in snapshot.images or request.status is None:
        return False
    return request.status == 204 or (request.body_bytes is not None and request.body_bytes <= PIXEL_MAX_BYTES)


def _cookie_record(
    raw: dict[str, Any],
    set_by: Any,
    initiator: str | None,
    frame_url: str | None,
    observed_at: float,
    keep_value: bool,
) -> CookieRecord:
    partition = _partition_site(raw)
    return CookieRecord(
        name=raw["name"],
        domain=raw["domain"],
        path=raw["path"],
        expires=None if raw.get("session") or raw.get("expires", -1) < 0 else raw["expires"],
        secure=raw.get("secure", False),
        http_only=raw.get("httpOnly", False),
        same_site=raw.get("sameSite"),
        partitioned=partition is not None,
        partition_key=partition,
        set_by=set_by,
        initiator=initiator,
        frame_url=frame_url,
        observed_at=observed_at,
        value=raw["value"] if keep_value else None,
    )


def _jar_key(raw: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return raw["name"], raw["domain"], raw["path"], _partition_site(raw)


def _fingerprints(jar: list[dict[str, Any]]) -> JarFingerprint:
    return {
        _jar_key(raw): hashlib.sha256(f"{raw['value']}|{raw.get('expires')}".encode()).hexdigest()
        for raw in jar
    }


def _partition_site(raw: dict[str, Any]) -> str | None:
    """The top-level site a partitioned (CHIPS) cookie is keyed to; the protocol has used both shapes."""
    partition = raw.get("partitionKey")
    return partition.get("topLevelSite") if isinstance(partition, dict) else partition


def first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "the page could not be loaded"
    return line.removeprefix("Page.goto: ").strip()
