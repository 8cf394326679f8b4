"""One scan: find a browser, crawl every phase, and return the artifacts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from sitescan import __version__
from sitescan.artifacts import ConsentRecord, PageVisit, Phase, ScanArtifacts, TlsRecord, VisitLog
from sitescan.browser import (
    BrowserSettings,
    chromium_major_version,
    find_chromium,
    hand_over,
    has_died,
    phase_context,
    remote_browser,
    remote_notes,
    visitor_browser,
    visitor_user_agent,
)
from sitescan.collect import sitemap
from sitescan.collect.autoconsent import Bundle
from sitescan.collect.consent import Choice, Screenshots, consent_step, handed_over_step
from sitescan.collect.crawl import BrowserGone, CrawlSettings, CrawlState, Frontier, crawl_phase
from sitescan.collect.login import log_in
from sitescan.collect.tls import probe_tls
from sitescan.config import Config, ConsentHandOver, Target
from sitescan.errors import SitescanError
from sitescan.fetch import Fetcher
from sitescan.redact import Secrets
from sitescan.urls import normalise, origin_of, url_site

ConsentMode = Literal["both", "accept", "reject", "none"]
CHOICES: dict[str, tuple[Choice, ...]] = {
    "both": ("accept", "reject"),
    "accept": ("accept",),
    "reject": ("reject",),
    "none": (),
}
MAX_BROWSER_RESTARTS = 3  # a site that kills the browser every time ends the scan, with a partial report
# Global Privacy Control as the page sees it (the Sec-GPC header is sent by the context).
GPC_JS = (
    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',"
    " {get: () => true, configurable: true});"
)


@dataclass(frozen=True)
class Shard:
    """Shard K of N (1-based): the URL set split by a hash of each normal form, the same in every job."""

    index: int
    count: int

    def owns(self, url: str) -> bool:
        digest = hashlib.sha256(normalise(url).encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class ScanOptions:
    targets: tuple[str, ...]
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)  # flags: they win over the config
    use_sitemap: bool = True
    url_list: tuple[str, ...] = ()  # --urls FILE: pages to scan besides the start URLs
    # --shard: this job scans its share of the URL set (start URLs, sitemap, --urls) and follows no
    # links (no shard can know which pages the others' pages link to); start URLs are scanned by every
    # shard, because the consent banner is found and answered there.
    shard: Shard | None = None
    config: Config = field(default_factory=Config)
    consent: ConsentMode = "both"
    gpc: bool = False
    autoconsent: Bundle | None = None  # autoconsent's rules, after sitescan's own
    profiles: tuple[str, ...] = ()  # --profile; none: the config's, else canada
    screenshot_dir: Path | None = None
    har_dir: Path | None = None  # a HAR file per phase (and group of start URLs) goes here
    browser_ws: str | None = None  # --browser-ws: a Playwright browser server's URL, instead of a launch
    secrets: Secrets = field(default_factory=Secrets)  # the logins' credentials: never written or printed
    max_time: float | None = None  # --max-time: the scan's budget in seconds (see CrawlSettings.stop_at)

    def in_shard(self, url: str) -> bool:
        return self.shard is None or self.shard.owns(url)

    def har_path(self, group: int, phase: Phase) -> Path | None:
        if self.har_dir is None:
            return None
        self.har_dir.mkdir(parents=True, exist_ok=True)
        return self.har_dir / (f"{phase}.har" if group == 0 else f"{phase}-{group + 1}.har")

    def groups(self) -> list[tuple[Target, BrowserSettings, tuple[str, ...]]]:
        """Start URLs that can share a browser: same web view, device, user agent and hand-over."""
        grouped: dict[tuple[Any, ...], list[str]] = {}
        settings: dict[tuple[Any, ...], tuple[Target, BrowserSettings]] = {}
        for url in self.targets:
            target = self.config.target_for(url)
            browser = replace(
                self.browser,
                webview=self.browser.webview or target.webview,
                device=self.browser.device or target.device,
                user_agent=self.browser.user_agent or target.user_agent,
            )
            key = (browser.webview, browser.device, browser.user_agent, target.headers, target.cookies,
                   target.local_storage, target.consent, target.login)  # fmt: skip
            grouped.setdefault(key, []).append(url)
            settings.setdefault(key, (target, browser))
        return [(*settings[key], tuple(urls)) for key, urls in grouped.items()]


@dataclass
class ScanProgress:
    """What has been gathered so far: an interrupted scan still reports it."""

    visits: VisitLog
    sitemaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    browser: str = ""
    tls: list[TlsRecord] = field(default_factory=list)
    started: str = field(default_factory=lambda: _now())
    out_of_time: bool = False  # --max-time ran out before every page was visited


async def run_scan(
    options: ScanOptions,
    progress: ScanProgress,
    on_visit: Callable[[PageVisit], None] = lambda v: None,
    on_state: Callable[[CrawlState], None] = lambda s: None,
) -> None:
    """Per group of start URLs: crawl before any consent and, beside that crawl, revisit each page it
    visits after each choice (and with Global Privacy Control), each phase in its own visitor profile."""
    screenshots = Screenshots(options.screenshot_dir)
    if options.max_time is not None:
        options = replace(options, crawl=replace(options.crawl, stop_at=time.monotonic() + options.max_time))
    async with async_playwright() as playwright, _Browsers(playwright, options, progress) as browsers:
        for group, (target, settings, start_urls) in enumerate(options.groups()):
            await _scan_group(
                _Group(options, playwright, browsers, group, target, settings, start_urls),
                progress, screenshots, on_visit, on_state,
            )  # fmt: skip
    await asyncio.to_thread(probe_site_tls, options, progress)


class _Browsers:
    """The scan's one browser, launched (or connected to) again when it dies under the crawl."""

    def __init__(self, playwright: Playwright, options: ScanOptions, progress: ScanProgress) -> None:
        self.playwright, self.options, self.progress = playwright, options, progress
        self.stack = contextlib.AsyncExitStack()
        self.lock = asyncio.Lock()
        self.restarts = 0
        self.major = 0
        self.current: Browser | None = None

    async def __aenter__(self) -> _Browsers:
        await self._open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stack.aclose()

    async def _open(self) -> None:
        options, progress = self.options, self.progress
        if options.browser_ws:
            self.current = await self.stack.enter_async_context(
                remote_browser(self.playwright, options.browser_ws)
            )
            self.major = int(self.current.version.split(".")[0])
            progress.browser = f"remote Chromium {self.current.version} at {options.browser_ws}"
            if not self.restarts:
                progress.notes.extend(remote_notes(options.browser))
        else:
            executable = find_chromium(self.playwright)
            self.major = chromium_major_version(executable)
            progress.browser = f"{executable} (Chromium {self.major})"
            self.current = await self.stack.enter_async_context(
                visitor_browser(self.playwright, executable, options.browser)
            )

    async def relaunch(self, dead: Browser, phase: Phase) -> None:
        """Replace ``dead`` (once, whichever phase noticed first); give up after MAX_BROWSER_RESTARTS."""
        async with self.lock:
            if self.current is not dead:
                return
            if self.restarts >= MAX_BROWSER_RESTARTS:
                raise SitescanError(
                    f"the browser crashed {self.restarts + 1} times; giving up (the report is partial)"
                )
            self.restarts += 1
            with contextlib.suppress(PlaywrightError):  # closing what is left of it
                await self.stack.aclose()
            self.stack = contextlib.AsyncExitStack()
            await self._open()
            self.progress.notes.append(
                f"the browser crashed during the {phase} phase and was restarted (restart "
                f"{self.restarts} of at most {MAX_BROWSER_RESTARTS}): each phase went on as a new visitor "
                "(cookies and storage gone), after taking its consent choice again"
            )


@dataclass(frozen=True)
class _Group:
    """Start URLs that share a browser set-up, and what their phases need to launch."""

    options: ScanOptions
    playwright: Playwright
    browsers: _Browsers
    index: int
    target: Target
    browser: BrowserSettings  # the group's device, web view and user agent
    start_urls: tuple[str, ...]

    @property
    def major(self) -> int:
        return self.browsers.major

    async def crawl(
        self, phase: Phase, settings: BrowserSettings, handover: ConsentHandOver | None = None, **crawl: Any
    ) -> None:
        """One phase's crawl (``crawl_phase``'s arguments) as a fresh visitor, given what the app hands
        over; if the browser dies, in a new one, where the crawl goes on from its frontier."""
        har = self.options.har_path(self.index, phase)
        first_run = True
        while True:
            chromium = self.browsers.current
            assert chromium is not None
            try:
                async with phase_context(self.playwright, chromium, settings, self.major, har) as context:
                    await hand_over(context, self.target, handover)
                    if settings.gpc:
                        await context.add_init_script(GPC_JS)
                    if (login := self.target.login) is not None:  # a fresh visitor: it logs in first
                        await log_in(
                            context, phase, login, self.options.crawl, crawl["frontier"], crawl["on_visit"]
                        )
                    await crawl_phase(
                        context, phase, settings=self.options.crawl, record_choices=first_run, **crawl
                    )
                return
            except (BrowserGone, PlaywrightError):
                if not await has_died(chromium):
                    raise
            await self.browsers.relaunch(chromium, phase)
            first_run = False


async def _scan_group(
    group: _Group,
    progress: ScanProgress,
    screenshots: Screenshots,
    on_visit: Callable[[PageVisit], None],
    on_state: Callable[[CrawlState], None],
) -> None:
    """before-consent crawls; once it has looked for the banner on the start URLs, each later phase
    takes its choice and then follows it page by page, as the crawl feeds it the pages it visited."""
    options, target, start_urls = group.options, group.target, group.start_urls
    sites = frozenset(url_site(t) for t in start_urls)
    frontier = Frontier(sites, options.crawl)
    for url in start_urls:
        frontier.add(url, 0, forced=True)
    for url in options.url_list:
        if options.in_shard(url):
            frontier.add(url, 0, forced=True)
    if options.use_sitemap:
        _seed_from_sitemaps(options, start_urls, frontier, progress, visitor_user_agent(group.major))

    crawled: list[tuple[str, int]] = []
    start_pending = set(start_urls)
    start_seen = asyncio.Event()
    banner = False
    followers: list[Frontier] = []

    def record(visit: PageVisit) -> None:
        visit = options.secrets.scrub(visit)  # before visits.jsonl and the progress line
        progress.visits.append(visit, group.index)
        on_visit(visit)

    def crawled_page(url: str, depth: int, consent: ConsentRecord | None) -> None:
        """A page before-consent has read (its visit is finished later): the other phases may follow."""
        nonlocal banner
        crawled.append((url, depth))
        for follower in followers:
            follower.add(url, depth, forced=True)
        banner = banner or bool(consent and consent.platform)
        start_pending.discard(url)
        if not start_pending:
            start_seen.set()

    look = None
    if options.consent != "none":
        look = consent_step("before-consent", None, screenshots, options.autoconsent)

    async def crawl_before_consent() -> None:
        try:
            await group.crawl(
                "before-consent",
                group.browser,
                frontier=frontier,
                on_visit=record,
                on_read=crawled_page,
                follow_links=options.shard is None,
                consent=look,
                look_on=frozenset(start_urls),
                privacy_policy=options.config.privacy_policy,
                on_state=on_state,
            )
        finally:
            start_seen.set()
            for follower in followers:
                follower.close()

    running = [asyncio.ensure_future(crawl_before_consent())]
    try:
        await start_seen.wait()
        if running[0].done() and running[0].exception() is not None:
            return await running[0]
        # A choice is taken on the banner, or handed over by the app (the target's [targets.consent]).
        choices = [c for c in CHOICES[options.consent] if banner or target.consent_for(c)]
        if len(choices) < len(CHOICES[options.consent]):
            skipped = " and ".join(f"after-{c}" for c in CHOICES[options.consent] if c not in choices)
            progress.notes.append(
                f"no consent banner found on {', '.join(start_urls)}: no choice could be taken, so the "
                f"{skipped} phase{'s were' if ' and ' in skipped else ' was'} not run"
            )
        later: list[tuple[Phase, Choice | None, BrowserSettings]] = [
            ("after-accept" if choice == "accept" else "after-reject", choice, group.browser)
            for choice in choices
        ]
        if options.gpc:
            later.append(("gpc", None, replace(group.browser, gpc=True)))
        for phase, choice, settings in later:
            follower = Frontier(sites, options.crawl, fed=not running[0].done())
            for url, depth in crawled:
                follower.add(url, depth, forced=True)
            followers.append(follower)
            handover = target.consent_for(choice)
            step = None
            if handover is not None and choice is not None:
                step = handed_over_step(phase, choice, handover, screenshots)
            elif choice is not None:
                step = consent_step(phase, choice, screenshots, options.autoconsent)
            choice_urls = tuple(_with_params(u, handover) for u in start_urls) if choice else ()
            crawl = group.crawl(
                phase,
                settings,
                frontier=follower,
                on_visit=record,
                follow_links=False,
                consent=step,
                choice_urls=choice_urls,
                handover=handover,
                on_state=on_state,
            )
            running.append(asyncio.ensure_future(crawl))
        await asyncio.gather(*running)
        left = frontier.left_over + sum(follower.left_over for follower in followers)
        if left and options.crawl.out_of_time():
            progress.out_of_time = True
            progress.notes.append(
                f"the time budget ran out (--max-time {options.max_time:g} s): {left} page "
                f"visit{'s were' if left > 1 else ' was'} not made"
            )
    finally:  # one phase failed, or the scan was stopped: stop the others too
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def _with_params(url: str, handover: ConsentHandOver | None) -> str:
    """The start URL as the app opens it: with the consent parameters it hands over."""
    if handover is None or not handover.url_params:
        return url
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *handover.url_params])
    return urlunsplit(parts._replace(query=query))


def probe_site_tls(options: ScanOptions, progress: ScanProgress) -> None:
    """The TLS probe, outside the browser, of every HTTPS host whose pages were scanned."""
    hosts = sorted(
        {
            (parts.hostname, parts.port or 443)
            for url in progress.visits.final_urls
            if (parts := urlsplit(url)).scheme == "https" and parts.hostname
        }
    )
    progress.tls = list(
        probe_tls(hosts, options.browser.network, options.browser.ca_cert, timeout=options.crawl.timeout)
    )


def _seed_from_sitemaps(
    options: ScanOptions,
    start_urls: tuple[str, ...],
    frontier: Frontier,
    progress: ScanProgress,
    user_agent: str,
) -> None:
    fetcher = Fetcher(options.browser.network, options.browser.ca_cert, timeout=options.crawl.timeout)
    for origin in dict.fromkeys(origin_of(url) for url in start_urls):
        found = sitemap.discover(fetcher, origin, user_agent)
        progress.sitemaps.extend(found.read)
        progress.notes.extend(found.problems)
        for page in found.pages:
            if page.startswith(("http://", "https://")) and options.in_shard(page):
                frontier.add(page, 0, from_sitemap=True)


def artifacts_from(options: ScanOptions, progress: ScanProgress, interrupted: bool) -> ScanArtifacts:
    """What the scan saw, with the logins' credentials taken out wherever a site echoed them."""
    crawl = options.crawl
    logins = {t.login.url for t in map(options.config.target_for, options.targets) if t.login}
    artifacts = ScanArtifacts(
        tool_version=__version__,
        targets=options.targets,
        started=progress.started,
        finished=_now(),
        browser=progress.browser,
        settings={
            "max_pages": crawl.max_pages,
            "depth": crawl.depth,
            "timeout": crawl.timeout,
            "settle": crawl.settle,
            "concurrency": crawl.concurrency,
            "keep_values": crawl.keep_values,
            "fill_forms": crawl.fill_forms,
            "sitemap": options.use_sitemap,
            "urls": len(options.url_list),
            "shard": str(options.shard) if options.shard else None,
            "device": options.browser.device,
            "webview": options.browser.webview,
            "config": options.config.source,
            "profiles": list(options.profiles or options.config.profiles),
            "consent": options.consent,
            "gpc": options.gpc,
            "autoconsent": options.autoconsent.version if options.autoconsent else None,
            "browser_ws": options.browser_ws,
            "logins": sorted(logins),
            "max_time": options.max_time,
        },
        visits=progress.visits.read(),
        sitemaps=tuple(progress.sitemaps),
        notes=tuple(progress.notes),
        tls=tuple(progress.tls),
        interrupted=interrupted or progress.out_of_time,
    )
    return options.secrets.scrub(artifacts)


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds")
