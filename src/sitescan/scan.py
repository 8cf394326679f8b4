"""One scan: find a browser, crawl every phase, and return the artifacts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import async_playwright

from sitescan import __version__
from sitescan.artifacts import PageVisit, ScanArtifacts
from sitescan.browser import (
    BrowserSettings,
    chromium_major_version,
    find_chromium,
    hand_over,
    phase_context,
    visitor_user_agent,
)
from sitescan.collect import sitemap
from sitescan.collect.crawl import CrawlSettings, Frontier, crawl_phase
from sitescan.config import Config, Target
from sitescan.fetch import Fetcher
from sitescan.urls import origin_of, url_site


@dataclass(frozen=True)
class ScanOptions:
    targets: tuple[str, ...]
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)  # flags: they win over the config
    use_sitemap: bool = True
    config: Config = field(default_factory=Config)

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
                   target.local_storage)  # fmt: skip
            grouped.setdefault(key, []).append(url)
            settings.setdefault(key, (target, browser))
        return [(*settings[key], tuple(urls)) for key, urls in grouped.items()]


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
    def record(visit: PageVisit) -> None:
        progress.visits.append(visit)
        on_visit(visit)

    async with async_playwright() as playwright:
        executable = find_chromium(playwright)
        major = chromium_major_version(executable)
        progress.browser = f"{executable} (Chromium {major})"
        for target, browser, start_urls in options.groups():
            frontier = Frontier(frozenset(url_site(t) for t in start_urls), options.crawl)
            for url in start_urls:
                frontier.add(url, 0, forced=True)
            if options.use_sitemap:
                _seed_from_sitemaps(options, start_urls, frontier, progress, visitor_user_agent(major))
            async with phase_context(playwright, executable, browser, major) as context:
                await hand_over(context, target)
                await crawl_phase(context, "before-consent", frontier, options.crawl, record)


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
            "config": options.config.source,
            "profiles": list(options.config.profiles),
        },
        visits=tuple(progress.visits),
        sitemaps=tuple(progress.sitemaps),
        notes=tuple(progress.notes),
        interrupted=interrupted,
    )


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds")
