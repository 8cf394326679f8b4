"""The crawl: which pages to visit, in one phase's browser profile, and in what order."""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import BrowserContext, Request, Response
from playwright.async_api import Error as PlaywrightError

from sitescan.artifacts import ConsentRecord, PageVisit, Phase
from sitescan.browser import has_died
from sitescan.collect.page import (
    BINDING,
    INSTRUMENT_JS,
    ConsentStep,
    CookieWriters,
    JarFingerprint,
    PageCollector,
    first_line,
)
from sitescan.urls import normalise, origin_of, url_site

SKIPPED_EXTENSIONS = re.compile(r"\.(?:css|js|mjs|png|jpe?g|gif|webp|svg|ico|woff2?|ttf|mp4|mp3)$", re.I)


@dataclass(frozen=True)
class CrawlSettings:
    max_pages: int = 50
    depth: int | None = None  # None: no limit
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    timeout: float = 30.0
    settle: float = 0.25
    concurrency: int = 1
    keep_values: bool = False  # record cookie and storage values (default: names and keys only)
    fill_forms: bool = True  # type the probe visitor into personal-data fields (never submitted, but:)
    submit_forms: re.Pattern[str] | None = None  # submit a filled form whose action matches (a test endpoint)
    # --max-time: no page is started after this time.monotonic() reading (None: no budget); the pages
    # under way are finished within their own --timeout.
    stop_at: float | None = None

    def out_of_time(self) -> bool:
        return self.stop_at is not None and time.monotonic() >= self.stop_at

    def admits(self, url: str) -> bool:
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)


@dataclass(frozen=True)
class CrawlState:
    """Where a phase's crawl stands, for progress displays."""

    phase: Phase
    done: int
    in_flight: int
    found: int  # pages known so far (capped at --max-pages): the crawl's total as far as it knows


@dataclass
class Frontier:
    """The URLs still to visit (breadth first), and the normal form of every URL ever queued.

    A phase that revisits another phase's pages runs beside it: its frontier is ``fed`` by that crawl
    until ``close()``, so an empty queue means "wait", not "done"."""

    sites: frozenset[str]
    settings: CrawlSettings
    fed: bool = False
    queue: deque[tuple[str, int, bool]] = field(default_factory=deque)
    queued: set[str] = field(default_factory=set)
    dispatched: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(
        self, url: str, depth: int, from_sitemap: bool = False, forced: bool = False, first: bool = False
    ) -> None:
        """Queue ``url`` as written (less its fragment) unless its normal form was queued before.

        ``forced`` skips the site, depth and pattern limits (start URLs, the privacy policy); ``first``
        puts it at the head of the queue (the privacy policy is visited even on a short crawl)."""
        url = url.split("#", 1)[0]
        key = normalise(url)
        if key in self.queued or not url.startswith(("http://", "https://")):
            return
        if not forced:
            if url_site(url) not in self.sites or not self.settings.admits(key):
                return
            if self.settings.depth is not None and depth > self.settings.depth:
                return
            if SKIPPED_EXTENSIONS.search(url.split("?", 1)[0]):
                return  # a resource the pages load, not a page
        self.queued.add(key)
        if first:
            self.queue.appendleft((url, depth, from_sitemap))
        else:
            self.queue.append((url, depth, from_sitemap))
        self.changed.set()

    def close(self) -> None:
        """The feeding crawl is over: once the queue is empty, so is this phase."""
        self.fed = False
        self.changed.set()

    @property
    def known(self) -> int:
        return min(len(self.queued), self.settings.max_pages)

    @property
    def left_over(self) -> int:
        """Pages queued and within --max-pages that were never dispatched (the time budget ran out)."""
        return min(len(self.queue), self.settings.max_pages - self.dispatched)

    def next(self) -> tuple[str, int, bool] | None:
        if not self.queue or self.dispatched >= self.settings.max_pages or self.settings.out_of_time():
            return None
        self.dispatched += 1
        return self.queue.popleft()

    def retry(self, url: str, depth: int) -> None:
        """Visit ``url`` again (first): the browser died before its visit was finished."""
        self.dispatched -= 1
        self.queue.appendleft((url, depth, False))
        self.changed.set()


STOPPED_LOADING = "the scan was stopped while this page was loading"


class BrowserGone(Exception):
    """The browser process went away under a crawl: the scan restarts it, and the crawl goes on."""


async def crawl_phase(
    context: BrowserContext,
    phase: Phase,
    frontier: Frontier,
    settings: CrawlSettings,
    on_visit: Callable[[PageVisit], None],
    follow_links: bool = True,
    consent: ConsentStep | None = None,
    choice_urls: tuple[str, ...] = (),
    look_on: frozenset[str] = frozenset(),
    privacy_policy: str | None = None,
    on_state: Callable[[CrawlState], None] = lambda state: None,
    on_read: Callable[[str, int, ConsentRecord | None], None] = lambda url, depth, consent: None,
    record_choices: bool = True,
) -> None:
    """Visit the frontier's URLs with ``settings.concurrency`` tabs of one browser context.

    ``consent`` runs first on each of ``choice_urls``, one after another (the visitor takes a choice on
    the banner, and the crawl then goes on in that state), and during the regular visits of ``look_on``
    (where the banner is only looked for). When links are followed, the pages linked as the privacy
    policy (and the configured ``privacy_policy``) are visited next, wherever they are.

    ``on_read`` hears of each frontier page as soon as it has been read (with what the banner step saw);
    ``on_visit`` gets its visit once the tab has left it, when the next page has settled. A tab whose
    page crashed or hung is replaced; when the whole browser dies, ``BrowserGone`` is raised with the
    frontier ready to go on (``record_choices=False`` then takes the choice again unrecorded)."""
    collectors: list[PageCollector] = []

    def report(source: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
        for collector in collectors:
            if collector.page is source["page"]:
                collector.on_report(kind, payload)

    # Service workers' requests: given to the tab on the worker's origin that was last active (a worker
    # serves every tab of its origin; the last one is the likeliest cause). Their answers, by request.
    answered: dict[int, Callable[[int], None]] = {}

    def worker_request(request: Request) -> None:
        worker = request.service_worker
        if worker is None or not request.url.startswith(("http:", "https:")):
            return
        tabs = [c for c in collectors if origin_of(c.page.url) == origin_of(worker.url)]
        if tabs:
            tab = max(tabs, key=lambda c: c.observer.last_activity)
            answered[id(request)] = tab.worker_request(request, worker.url)

    def worker_response(response: Response) -> None:
        if (answer := answered.pop(id(response.request), None)) is not None:
            answer(response.status)

    context.on("request", worker_request)
    context.on("response", worker_response)
    await context.expose_binding(BINDING, report)
    await context.add_init_script(INSTRUMENT_JS)
    first_tab = context.pages[0] if context.pages else None
    writers: CookieWriters = {}
    for index in range(max(1, settings.concurrency)):
        tab = first_tab if index == 0 else None
        collectors.append(await PageCollector.open(context, phase, writers, tab))

    policy_urls: set[str] = set()  # shared by the tabs: these pages are read in detail
    for collector in collectors:
        collector.policy_urls = policy_urls
        collector.keep_values = settings.keep_values
        collector.fill_forms = settings.fill_forms
        collector.submit_forms = settings.submit_forms
    if privacy_policy and follow_links:
        policy_urls.add(normalise(privacy_policy))
        frontier.add(privacy_policy, 1, forced=True)
    # What is in the jar before the first page (cookies an app handed over) is no page's doing.
    first = collectors[0]
    jar: JarFingerprint = await first.jar_fingerprint()
    for url in choice_urls:
        jar = await first.visit(url, 0, settings.timeout, settings.settle, jar, on_visit, consent)
        if first.broken:
            await first.replace_tab()
    if choice_urls and not record_choices:  # the choice taken again after a restart: recorded before
        first.forget()
        jar = await first.jar_fingerprint()

    busy = 0
    done = len(choice_urls)

    def report_state() -> None:
        on_state(CrawlState(phase, done, busy, max(frontier.known, done + busy)))

    def follow(collector: PageCollector, depth: int) -> None:
        """Queue the links of the page just read (its visit is finished only once the tab leaves it)."""
        shown = collector.shown
        if (
            not follow_links
            or shown is None
            or shown.error
            or url_site(shown.final_url) not in frontier.sites
        ):
            return
        for privacy in shown.privacy_links:
            policy_urls.add(normalise(privacy.url))
            frontier.add(privacy.url, depth + 1, forced=True, first=True)
        for link in shown.snapshot.links:
            if link.startswith(("http:", "https:")):
                frontier.add(link, depth + 1)

    async def gone(
        collector: PageCollector, error: PlaywrightError, loading: list[tuple[str, int, float]]
    ) -> bool:
        """Whether the browser died under ``collector``; if so the page it was loading is recorded as
        failed (a page that kills the browser is not loaded twice), and the page the tab had not
        finished is visited again."""
        if context.browser is None or not await has_died(context.browser):
            return False
        if collector.shown is not None:
            frontier.retry(collector.shown.url, collector.shown.depth)
            collector.forget()
        reason = f"the browser crashed during this visit ({first_line(str(error))})"
        for url, depth, started in loading:
            on_visit(PageVisit(url, phase, depth, error=reason, started=started, settled=False))
        return True

    async def crawl_in(collector: PageCollector, loading: list[tuple[str, int, float]]) -> None:
        """The tab's share of the crawl; ``loading`` holds the page it is loading, if any."""
        nonlocal jar, busy, done
        while True:
            item = frontier.next()
            if item is None:
                if busy == 0 and not frontier.fed:  # nothing queued and nobody can add more: done
                    frontier.changed.set()
                    break
                frontier.changed.clear()
                await frontier.changed.wait()
                continue
            url, depth, from_sitemap = item
            busy += 1
            report_state()
            loading.append((url, depth, time.time()))
            try:
                step = consent if url in look_on else None
                try:
                    jar = await collector.visit(
                        url, depth, settings.timeout, settings.settle, jar, on_visit, step, from_sitemap
                    )
                except PlaywrightError as error:
                    if not await gone(collector, error, loading):
                        raise
                    raise BrowserGone(str(error)) from None
                loading.clear()
                follow(collector, depth)
                on_read(url, depth, collector.shown.consent if collector.shown else None)
                if collector.broken:
                    await collector.replace_tab()
            finally:
                busy -= 1
                done += 1
                report_state()
                frontier.changed.set()
        try:
            visit, left_jar = await collector.leave(settings.settle)
        except PlaywrightError as error:
            if not await gone(collector, error, []):
                raise
            raise BrowserGone(str(error)) from None
        if visit is not None and left_jar is not None:
            jar = left_jar
            on_visit(visit)

    async def work(collector: PageCollector) -> None:
        loading: list[tuple[str, int, float]] = []
        try:
            await crawl_in(collector, loading)
        except asyncio.CancelledError:  # the scan was stopped: what the tab saw is still reported
            if (unfinished := collector.unfinished()) is not None:
                on_visit(unfinished)
            for url, depth, started in loading:
                on_visit(PageVisit(url, phase, depth, error=STOPPED_LOADING, started=started, settled=False))
            raise

    # Every tab finishes what it can before a failure is raised: when the browser dies, each records
    # the page it was loading and hands back the one it had not finished.
    outcomes = await asyncio.gather(*(work(c) for c in collectors), return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failures:
        raise next((f for f in failures if isinstance(f, BrowserGone)), failures[0])
