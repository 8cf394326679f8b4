"""One scan: find a browser, crawl every phase, and return the artifacts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from playwright.async_api import async_playwright

from sitescan import __version__
from sitescan.artifacts import PageVisit, ScanArtifacts
from sitescan.browser import (
    BrowserSettings,
    chromium_major_version,
    find_chromium,
    phase_context,
    visitor_user_agent,
)
from sitescan.collect import sitemap
from sitescan.collect.crawl import CrawlSettings, Frontier, crawl_phase
from sitescan.fetch import Fetcher
from sitescan.urls import origin_of, url_site


@dataclass(frozen=True)
class ScanOptions:
    targets: tuple[str, ...]
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    use_sitemap: bool = True


@dataclass
class ScanProgress:
    """What has been gathered so far: an interrupted scan still reports it."""

    visits: list[PageVisit] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    browser: str = ""
    started: str = field(default_factory=lambda: _now())


async def run_scan(
    options: ScanOptions, progress: ScanProgress, on_visit: Callable[[PageVisit], None] = lambda v: None
) -> None:
    async with async_playwright() as playwright:
        executable = find_chromium(playwright)
        major = chromium_major_version(executable)
        progress.browser = f"{executable} (Chromium {major})"
        frontier = Frontier(frozenset(url_site(t) for t in options.targets), options.crawl)
        for target in options.targets:
            frontier.add(target, 0, forced=True)
        if options.use_sitemap:
            _seed_from_sitemaps(options, frontier, progress, visitor_user_agent(major))

        def record(visit: PageVisit) -> None:
            progress.visits.append(visit)
            on_visit(visit)

        async with phase_context(playwright, executable, options.browser, major) as context:
            await crawl_phase(context, "before-consent", frontier, options.crawl, record)


def _seed_from_sitemaps(
    options: ScanOptions, frontier: Frontier, progress: ScanProgress, user_agent: str
) -> None:
    fetcher = Fetcher(options.browser.network, options.browser.ca_cert, timeout=options.crawl.timeout)
    for origin in dict.fromkeys(origin_of(t) for t in options.targets):
        found = sitemap.discover(fetcher, origin, user_agent)
        progress.sitemaps.extend(found.read)
        progress.notes.extend(found.problems)
        for page in found.pages:
            if page.startswith(("http://", "https://")):
                frontier.add(page, 0, from_sitemap=True)


def artifacts_from(options: ScanOptions, progress: ScanProgress, interrupted: bool) -> ScanArtifacts:
    crawl = options.crawl
    return ScanArtifacts(
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
            "sitemap": options.use_sitemap,
            "device": options.browser.device,
            "webview": options.browser.webview,
        },
        visits=tuple(progress.visits),
        sitemaps=tuple(progress.sitemaps),
        notes=tuple(progress.notes),
        interrupted=interrupted,
    )


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds")
