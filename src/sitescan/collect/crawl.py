"""The crawl: which pages to visit, in one phase's browser profile, and in what order."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import BrowserContext, Page

from sitescan.artifacts import ConsentRecord, PageVisit, Phase
from sitescan.collect.page import (
    BINDING,
    INSTRUMENT_JS,
    ConsentStep,
    CookieWriters,
    JarFingerprint,
    PageCollector,
)
from sitescan.urls import normalise, url_site

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

    def next(self) -> tuple[str, int, bool] | None:
        if not self.queue or self.dispatched >= self.settings.max_pages:
            return None
        self.dispatched += 1
        return self.queue.popleft()


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
) -> None:
    """Visit the frontier's URLs with ``settings.concurrency`` tabs of one browser context.

    ``consent`` runs first on each of ``choice_urls``, one after another (the visitor takes a choice on
    the banner, and the crawl then goes on in that state), and during the regular visits of ``look_on``
    (where the banner is only looked for). When links are followed, the pages linked as the privacy
    policy (and the configured ``privacy_policy``) are visited next, wherever they are.

    ``on_read`` hears of each frontier page as soon as it has been read (with what the banner step saw);
    ``on_visit`` gets its visit once the tab has left it, when the next page has settled."""
    collectors: dict[Page, PageCollector] = {}

    def report(source: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
        collector = collectors.get(source["page"])
        if collector is not None:
            collector.on_report(kind, payload)

    await context.expose_binding(BINDING, report)
    await context.add_init_script(INSTRUMENT_JS)
    first_tab = context.pages[0] if context.pages else None
    writers: CookieWriters = {}
    for index in range(max(1, settings.concurrency)):
        collector = await PageCollector.open(context, phase, writers, first_tab if index == 0 else None)
        collectors[collector.page] = collector

    policy_urls: set[str] = set()  # shared by the tabs: these pages are read in detail
    for collector in collectors.values():
        collector.policy_urls = policy_urls
        collector.keep_values = settings.keep_values
    if privacy_policy and follow_links:
        policy_urls.add(normalise(privacy_policy))
        frontier.add(privacy_policy, 1, forced=True)
    # What is in the jar before the first page (cookies an app handed over) is no page's doing.
    first = next(iter(collectors.values()))
    jar: JarFingerprint = await first.jar_fingerprint()
    for url in choice_urls:
        visit, jar = await first.visit(url, 0, settings.timeout, settings.settle, jar, consent)
        if visit is not None:
            on_visit(visit)

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

    async def work(collector: PageCollector) -> None:
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
            try:
                step = consent if url in look_on else None
                timeout, settle = settings.timeout, settings.settle
                visit, jar = await collector.visit(url, depth, timeout, settle, jar, step, from_sitemap)
                follow(collector, depth)
                on_read(url, depth, collector.shown.consent if collector.shown else None)
                if visit is not None:
                    on_visit(visit)
            finally:
                busy -= 1
                done += 1
                report_state()
                frontier.changed.set()
        visit, left_jar = await collector.leave(settings.settle)
        if visit is not None and left_jar is not None:
            jar = left_jar
            on_visit(visit)

    await asyncio.gather(*(work(c) for c in collectors.values()))
