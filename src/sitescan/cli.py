"""The ``sitescan`` command line. Output for people goes to stderr, paths and machine output to stdout."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from playwright.async_api import Error as PlaywrightError

from sitescan import __version__
from sitescan.artifacts import PageVisit
from sitescan.browser import BrowserSettings
from sitescan.collect.autoconsent import PINNED_VERSION, find_bundle, install
from sitescan.collect.crawl import CrawlSettings
from sitescan.config import load_config
from sitescan.errors import EXIT_ERROR, EXIT_OK, SitescanError
from sitescan.netmap import ConnectTo, NetworkMap
from sitescan.report import build_report
from sitescan.reporters import WRITERS
from sitescan.scan import ScanOptions, ScanProgress, artifacts_from, run_scan
from sitescan.urls import parse_target

FORMATS = tuple(WRITERS)


def fail(message: str) -> NoReturn:
    click.echo(f"sitescan: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class Progress:
    """One line per page load in logs; a single updating line on a terminal. Loads are counted per
    phase: how many pages a crawl finds is not known in advance."""

    def __init__(self) -> None:
        self.count = 0
        self.per_phase: dict[str, int] = {}
        self.tty = sys.stderr.isatty()

    def __call__(self, visit: PageVisit) -> None:
        self.count += 1
        self.per_phase[visit.phase] = number = self.per_phase.get(visit.phase, 0) + 1
        outcome = visit.error or (str(visit.status) if visit.status else "no response")
        line = f"[{visit.phase} #{number}] {visit.url} {outcome} ({visit.duration:.1f}s)"
        if self.tty:
            width = 100
            click.echo("\r" + line[:width].ljust(width), nl=False, err=True)
        else:
            click.echo(line, err=True)

    def done(self) -> None:
        if self.tty and self.count:
            click.echo("", err=True)


def _regexes(patterns: tuple[str, ...], option: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            fail(f"bad {option} {pattern!r}: {error}")
    return tuple(compiled)


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        fail(f"bad --format {value!r}: choose from {', '.join(FORMATS)}")
    return chosen


def scan_options(
    urls: tuple[str, ...],
    config_path: Path | None,
    max_pages: int,
    depth: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    sitemap: bool,
    device: str | None,
    webview: str | None,
    connect_to: tuple[str, ...],
    block_unmapped: bool,
    ca_cert: Path | None,
    concurrency: int,
    timeout: float,
    settle: float,
    consent: str,
    gpc: bool,
    autoconsent: bool,
    screenshot_dir: Path | None,
    har_dir: Path | None,
) -> ScanOptions:
    try:
        config = load_config(config_path)
        given = tuple(dict.fromkeys(parse_target(url) for url in urls))
        targets = given or tuple(target.url for target in config.targets)
        if not targets:
            raise SitescanError("no URL to scan: give one, or list [[targets]] in the config file")
        network = NetworkMap(tuple(ConnectTo.parse(rule) for rule in connect_to), block_unmapped)
        network.host_resolver_rules()  # validate now, before a browser starts
    except SitescanError as error:
        fail(str(error))
    return ScanOptions(
        targets=targets,
        crawl=CrawlSettings(
            max_pages=max_pages,
            depth=depth,
            include=_regexes(include, "--include"),
            exclude=_regexes(exclude, "--exclude"),
            timeout=timeout,
            settle=settle,
            concurrency=concurrency,
        ),
        browser=BrowserSettings(network=network, ca_cert=ca_cert, device=device, webview=webview),  # type: ignore[arg-type]
        use_sitemap=sitemap,
        config=config,
        consent=consent,  # type: ignore[arg-type]
        gpc=gpc,
        autoconsent=find_bundle() if autoconsent else None,
        screenshot_dir=screenshot_dir,
        har_dir=har_dir,
    )


def execute_scan(options: ScanOptions, out_dir: Path, formats: tuple[str, ...]) -> int:
    """Scan, write the outputs (a partial report too, if interrupted), and return the exit code."""
    progress = ScanProgress()
    display = Progress()
    started = time.monotonic()
    try:
        interrupted = asyncio.run(_scan_until_interrupted(options, progress, display))
    except SitescanError as error:
        fail(str(error))
    finally:
        display.done()
    artifacts = artifacts_from(options, progress, interrupted)
    report = build_report(artifacts)
    out_dir.mkdir(parents=True, exist_ok=True)
    artifacts.write(out_dir / "artifacts.json")
    written = [WRITERS[name](report, out_dir) for name in formats]
    elapsed = time.monotonic() - started
    visits = len(progress.visits)
    click.echo(
        f"sitescan: {visits} page loads in {elapsed:.1f}s; {report['summary']['cookies']} cookies, "
        f"{report['summary']['third_parties']} third-party hosts",
        err=True,
    )
    for path in written:
        click.echo(str(path))
    if interrupted:
        click.echo(f"sitescan: error: interrupted; partial report written to {out_dir}", err=True)
        return EXIT_ERROR
    unreachable = _unreachable_targets(options.targets, progress.visits)
    if unreachable:
        click.echo(f"sitescan: error: could not scan {'; '.join(unreachable)}", err=True)
        return EXIT_ERROR
    return EXIT_OK


def _unreachable_targets(targets: tuple[str, ...], visits: list[PageVisit]) -> list[str]:
    by_url = {visit.url: visit for visit in visits}
    problems = []
    for target in targets:
        visit = by_url.get(target)
        if visit is None or visit.status is None:
            problems.append(f"{target}: {visit.error if visit else 'not visited'}")
    return problems


async def _scan_until_interrupted(options: ScanOptions, progress: ScanProgress, display: Progress) -> bool:
    """Run the scan; Ctrl-C or SIGTERM (how CI cancels) stops it cleanly. True when it was stopped."""
    scan = asyncio.current_task()
    assert scan is not None
    loop = asyncio.get_running_loop()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        stopped = True
        scan.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    try:
        await run_scan(options, progress, display)
    except (asyncio.CancelledError, PlaywrightError):
        if not stopped:
            raise
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return stopped


def crawl_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every scanning command shares."""
    options = [
        click.option(
            "--out",
            "out_dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path("sitescan-report"),
            show_default=True,
            help="Folder for the report files.",
        ),
        click.option(
            "--format",
            "formats",
            default="html,json",
            show_default=True,
            help=f"Comma-separated outputs: {', '.join(FORMATS)}.",
        ),
        click.option(
            "--max-pages",
            type=click.IntRange(min=1),
            default=CrawlSettings.max_pages,
            show_default=True,
            help="Most pages to visit per phase.",
        ),
        click.option(
            "--depth",
            type=click.IntRange(min=0),
            default=None,
            help="Most link hops from a start URL (default: no limit).",
        ),
        click.option(
            "--include", multiple=True, metavar="REGEX", help="Only crawl URLs matching (repeatable)."
        ),
        click.option(
            "--exclude", multiple=True, metavar="REGEX", help="Never crawl URLs matching (repeatable)."
        ),
        click.option(
            "--sitemap/--no-sitemap",
            default=True,
            show_default=True,
            help="Also visit the pages robots.txt and sitemap.xml list.",
        ),
        click.option(
            "--device", default=None, metavar="NAME", help='Emulate a Playwright device, e.g. "Pixel 7".'
        ),
        click.option(
            "--webview",
            type=click.Choice(["android", "ios"]),
            default=None,
            help="Scan as the apps' in-app web view shows pages.",
        ),
        click.option(
            "--connect-to",
            multiple=True,
            metavar="HOST1:PORT1:HOST2:PORT2",
            help="Send connections for HOST1:PORT1 to HOST2:PORT2 (curl's meaning; repeatable).",
        ),
        click.option(
            "--block-unmapped",
            is_flag=True,
            help="Hosts no --connect-to maps fail at once (hermetic scans of staging).",
        ),
        click.option(
            "--ca-cert",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            help="Extra CA certificate (PEM) to trust.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=16),
            default=CrawlSettings.concurrency,
            show_default=True,
            help="Pages loaded at once.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=CrawlSettings.timeout,
            show_default=True,
            help="Seconds a page may take to load and settle.",
        ),
        click.option(
            "--consent",
            type=click.Choice(["both", "accept", "reject", "none"]),
            default="both",
            show_default=True,
            help="Phases after before-consent: accepting and/or rejecting the banner (none: before only).",
        ),
        click.option("--gpc", is_flag=True, help="Add a phase that sends the Global Privacy Control signal."),
        click.option(
            "--autoconsent/--no-autoconsent",
            default=True,
            show_default=True,
            help="Try DuckDuckGo autoconsent's rules on banners sitescan's own rules do not know "
            "(when installed: sitescan autoconsent install).",
        ),
        click.option(
            "--har",
            is_flag=True,
            help="Also write each phase's traffic as a HAR file (no bodies) in DIR/har.",
        ),
        click.option(
            "--screenshots/--no-screenshots",
            default=True,
            show_default=True,
            help="Keep screenshots of the banner and of the page after each choice.",
        ),
        click.option(
            "--settle",
            type=click.FloatRange(min=0),
            default=CrawlSettings.settle,
            show_default=True,
            help="Seconds of network quiet that end a page visit (pending short timers are waited for too).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="sitescan")
def cli() -> None:
    """Scan websites and in-app web views for cookies, beacons, storage and third parties."""


def main() -> None:
    """The console script: usage errors become one line and exit code 2, like every other error."""
    try:
        code = cli.main(prog_name="sitescan", standalone_mode=False)
    except click.exceptions.Abort:
        fail("aborted")
    except click.ClickException as error:
        context = getattr(error, "ctx", None)
        hint = f" (see {context.command_path} --help)" if context else ""
        fail(error.format_message().replace("\n", " ") + hint)
    sys.exit(code or 0)


@cli.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: ./sitescan.toml, else [tool.sitescan] in ./pyproject.toml).",
)
@crawl_options
def scan(urls: tuple[str, ...], out_dir: Path, formats: str, **settings: Any) -> None:
    """Crawl URL(s) (default: the config's [[targets]]) in a real Chromium and catalogue what each page
    stores and contacts."""
    chosen = _formats(formats)
    screenshots, har = settings.pop("screenshots"), settings.pop("har")
    options = scan_options(
        urls,
        screenshot_dir=out_dir / "screenshots" if screenshots else None,
        har_dir=out_dir / "har" if har else None,
        **settings,
    )
    sys.exit(execute_scan(options, out_dir, chosen))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-report"),
    show_default=True,
)
def demo(out_dir: Path) -> None:
    """Serve the bundled demo storefront on loopback, scan it and write the report."""
    from sitescan.demo import run_demo

    sys.exit(run_demo(out_dir))


@cli.command()
def doctor() -> None:
    """Show which Chromium sitescan will drive (exit 2 with how to get one when none is found) and whether
    autoconsent is installed."""
    from playwright.sync_api import sync_playwright

    from sitescan.browser import chromium_major_version, find_chromium

    try:
        with sync_playwright() as playwright:
            executable = find_chromium(playwright)
        major = chromium_major_version(executable)
    except SitescanError as error:
        fail(str(error))
    click.echo(f"browser: {executable} (Chromium {major})")
    bundle = find_bundle()
    click.echo(
        f"autoconsent: {bundle.version} in {bundle.directory}"
        if bundle
        else "autoconsent: not installed (optional: sitescan autoconsent install)"
    )


@cli.group()
def autoconsent() -> None:
    """DuckDuckGo's autoconsent rules, tried on banners sitescan's own rules do not know."""


@autoconsent.command("install")
@click.option("--version", "version", default=PINNED_VERSION, show_default=True, help="Release to fetch.")
@click.option("--registry", default=None, help="npm registry (default: $NPM_CONFIG_REGISTRY or npmjs.org).")
def autoconsent_install(version: str, registry: str | None) -> None:
    """Fetch @duckduckgo/autoconsent from the npm registry into sitescan's cache (once)."""
    try:
        bundle = install(version, registry)
    except SitescanError as error:
        fail(str(error))
    click.echo(f"autoconsent {bundle.version}: {bundle.directory}")
