"""The ``sitescan`` command line. Output for people goes to stderr, paths and machine output to stdout."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from playwright.async_api import Error as PlaywrightError

from sitescan import __version__
from sitescan.artifacts import PageVisit, VisitLog
from sitescan.baseline import Baseline, load_baseline, write_baseline
from sitescan.browser import BrowserSettings
from sitescan.checks.engine import known_profiles, rule_catalogue
from sitescan.collect.autoconsent import PINNED_VERSION, find_bundle, install
from sitescan.collect.crawl import CrawlSettings, CrawlState
from sitescan.collect.login import login_secrets
from sitescan.collect.page import first_line
from sitescan.config import device_hint, load_config
from sitescan.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, SitescanError
from sitescan.netmap import ConnectTo, NetworkMap, Proxy, check_browser_ws
from sitescan.report import DEFAULT_FAIL_ON, FAIL_ON, build_report, failing
from sitescan.reporters import WRITERS
from sitescan.reporters.characters import visible
from sitescan.scan import ScanOptions, ScanProgress, Shard, artifacts_from, run_scan
from sitescan.shape import read_artifacts
from sitescan.urls import parse_target

FORMATS = tuple(WRITERS)
# --max-time is enforced by force this many page timeouts after it (the pages under way, the TLS probe).
MAX_TIME_OVERRUN_TIMEOUTS = 4


def fail(message: str) -> NoReturn:
    click.echo(f"sitescan: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class Progress:
    """On a terminal, one updating line: a bar of page loads done of those known so far, and each
    phase's count (phases run side by side). In logs (not a terminal), one plain line per page load.
    How many pages a crawl finds is known only as it goes, so the totals grow."""

    BAR = 24

    def __init__(self) -> None:
        self.count = 0
        self.per_phase: dict[str, int] = {}
        self.tty = sys.stderr.isatty()
        self.states: dict[str, CrawlState] = {}

    def visit(self, visit: PageVisit) -> None:
        self.count += 1
        self.per_phase[visit.phase] = number = self.per_phase.get(visit.phase, 0) + 1
        outcome = visit.error or (str(visit.status) if visit.status else "no response")
        if not self.tty:
            click.echo(f"[{visit.phase} #{number}] {visit.url} {outcome} ({visit.duration:.1f}s)", err=True)

    def state(self, state: CrawlState) -> None:
        if not self.tty:
            return
        self.states[state.phase] = state
        done = sum(s.done for s in self.states.values())
        found = sum(s.found for s in self.states.values())
        filled = round(self.BAR * done / found) if found else 0
        bar = "#" * filled + "-" * (self.BAR - filled)
        phases = " · ".join(f"{phase} {s.done}/{s.found}" for phase, s in self.states.items())
        in_flight = sum(s.in_flight for s in self.states.values())
        line = f"[{bar}] {phases}, {in_flight} in flight"
        click.echo("\r" + line[:130].ljust(130), nl=False, err=True)

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


def _url_list(path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SitescanError(f"--urls {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SitescanError(f"--urls {path}: not a text file (UTF-8) of URLs") from None
    urls = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            try:
                urls.append(parse_target(text))
            except SitescanError as error:
                raise SitescanError(f"--urls {path}:{number}: {error}") from None
    return tuple(dict.fromkeys(urls))


def _shard(value: str | None) -> Shard | None:
    if value is None:
        return None
    match = re.fullmatch(r"(\d+)/(\d+)", value.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise SitescanError(f"bad --shard {value!r}: give K/N with 1 <= K <= N, e.g. 2/4")
    return Shard(int(match[1]), int(match[2]))


def _check_remote(network: NetworkMap, browser_ws: str | None) -> None:
    """Host mapping needs Chromium flags, which neither a proxied nor a remote browser can honour."""
    if network.proxy and (network.rules or network.block_unmapped):
        raise SitescanError(
            "--proxy cannot be combined with --connect-to or --block-unmapped: the proxy decides where "
            "connections go"
        )
    if browser_ws is None:
        return
    check_browser_ws(browser_ws)
    if network.rules or network.block_unmapped:
        raise SitescanError(
            "--connect-to and --block-unmapped cannot be sent to a remote browser (--browser-ws): give "
            "it a --proxy that reaches the hosts instead"
        )


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
    urls_file: Path | None,
    shard: str | None,
    device: str | None,
    webview: str | None,
    connect_to: tuple[str, ...],
    block_unmapped: bool,
    ca_cert: Path | None,
    proxy: str | None,
    browser_ws: str | None,
    concurrency: int,
    timeout: float,
    max_time: float | None,
    settle: float,
    consent: str,
    gpc: bool,
    autoconsent: bool,
    profiles: tuple[str, ...],
    screenshot_dir: Path | None,
    har_dir: Path | None,
    keep_values: bool,
    fill_forms: bool,
    submit_forms: str | None,
) -> ScanOptions:
    try:
        config = load_config(config_path)
        given = tuple(dict.fromkeys(parse_target(url) for url in urls))
        targets = given or tuple(target.url for target in config.targets)
        if not targets:
            raise SitescanError("no URL to scan: give one, or list [[targets]] in the config file")
        url_list = _url_list(urls_file)
        chosen_shard = _shard(shard)
        network = NetworkMap(
            tuple(ConnectTo.parse(rule) for rule in connect_to),
            block_unmapped,
            Proxy.parse(proxy) if proxy is not None else None,
        )
        network.host_resolver_rules()  # validate now, before a browser starts
        _check_remote(network, browser_ws)
        if device is not None and (hint := device_hint(device)):
            raise SitescanError(f"unknown --device {device!r}: {hint}")
        secrets = login_secrets(config, targets)
        if har_dir is not None and secrets:
            raise SitescanError(
                "--har cannot be used with a login ([targets.login]): a HAR file records the login form's "
                "data and the session's cookies as they were sent"
            )
        if keep_values and secrets:
            raise SitescanError(
                "--keep-values cannot be used with a login ([targets.login]): the report would hold the "
                "session cookie, which opens the account while it is valid"
            )
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
            keep_values=keep_values,
            fill_forms=fill_forms,
            submit_forms=_regexes((submit_forms,), "--submit-forms")[0] if submit_forms else None,
        ),
        browser=BrowserSettings(
            network=network,
            ca_cert=ca_cert,
            device=device,
            webview=webview,  # type: ignore[arg-type]
            ignore_https_errors=bool(browser_ws and ca_cert),
        ),
        browser_ws=browser_ws,
        max_time=max_time,
        use_sitemap=sitemap,
        url_list=url_list,
        shard=chosen_shard,
        config=config,
        consent=consent,  # type: ignore[arg-type]
        gpc=gpc,
        autoconsent=find_bundle() if autoconsent else None,
        profiles=profiles,
        screenshot_dir=screenshot_dir,
        har_dir=har_dir,
        secrets=secrets,
    )


def execute_scan(
    options: ScanOptions,
    out_dir: Path,
    formats: tuple[str, ...],
    fail_on: str = DEFAULT_FAIL_ON,
    exit_zero: bool = False,
    baseline: Baseline | None = None,
    write_baseline_to: Path | None = None,
) -> int:
    """Scan, write the outputs (a partial report too, if interrupted), and return the exit code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = ScanProgress(VisitLog(out_dir / "visits.jsonl"))
    display = Progress()
    started = time.monotonic()
    stopped: str | None = None  # why the report is partial
    try:
        stopped = asyncio.run(_scan_until_interrupted(options, progress, display))
    except SitescanError as error:
        message = options.secrets.scrub(str(error))
        if not len(progress.visits):
            progress.visits.close()
            fail(message)
        stopped = message  # pages were scanned: they are reported
    finally:
        display.done()
    if stopped is not None:
        progress.notes.append(f"the scan stopped early: {stopped}")
    if stopped is None and progress.out_of_time:
        stopped = f"the time budget ran out (--max-time {options.max_time:g} s)"
    artifacts = artifacts_from(options, progress, stopped is not None)
    report = build_report(artifacts, options.config, options.profiles, fail_on, baseline=baseline)
    artifacts.write(out_dir / "artifacts.json")
    progress.visits.close()
    written = [WRITERS[name](report, out_dir) for name in formats]
    if write_baseline_to is not None:
        written.append(save_baseline(report, write_baseline_to))
    elapsed = time.monotonic() - started
    show_findings(report)
    show_baseline(report, baseline)
    visits = len(progress.visits)
    click.echo(
        f"sitescan: {visits} page loads in {elapsed:.1f}s; {report['summary']['cookies']} cookies, "
        f"{report['summary']['third_parties']} third-party hosts",
        err=True,
    )
    for path in written:
        click.echo(str(path))
    if exit_zero:
        return EXIT_OK
    if stopped is not None:
        click.echo(f"sitescan: error: {stopped}; partial report written to {out_dir}", err=True)
        return EXIT_ERROR
    unreachable = _unreachable_targets(options.targets, progress.visits.outcomes)
    if unreachable:
        click.echo(f"sitescan: error: could not scan {'; '.join(unreachable)}", err=True)
        return EXIT_ERROR
    return EXIT_FINDINGS if failing(report["findings"], fail_on) else EXIT_OK


def show_findings(report: dict[str, Any]) -> None:
    """One line per finding, most severe first, then the counts: what a CI log needs."""
    for finding in report["findings"]:
        where = f" {finding['url']}" if finding["url"] else ""
        phase = f" [{finding['phase']}]" if finding["phase"] else ""
        accepted = " (baselined)" if finding["baselined"] else ""
        line = f"{finding['severity'].upper():8} {finding['rule']}{where}{phase}: {finding['subject']}"
        click.echo(visible(line) + accepted, err=True)  # a terminal acts on a site's control characters
    counts = report["summary"]["findings"]
    click.echo(
        "sitescan: findings: " + ", ".join(f"{n} {severity}" for severity, n in counts.items())
        + f"; verdict {report['summary']['verdict']} (--fail-on {report['summary']['fail_on']})",
        err=True,
    )  # fmt: skip


def _unreachable_targets(
    targets: tuple[str, ...], outcomes: dict[str, tuple[int | None, str | None]]
) -> list[str]:
    problems = []
    for target in targets:
        status, error = outcomes.get(target, (None, "not visited"))
        if status is None:
            problems.append(f"{target}: {error}")
    return problems


async def _scan_until_interrupted(
    options: ScanOptions, progress: ScanProgress, display: Progress
) -> str | None:
    """Run the scan; Ctrl-C or SIGTERM (how CI cancels) stops it cleanly, and so does --max-time if the
    pages under way overrun it by far. Returns why the scan was stopped, or None."""
    scan = asyncio.current_task()
    assert scan is not None
    loop = asyncio.get_running_loop()
    stopped: str | None = None

    def stop(reason: str) -> None:
        nonlocal stopped
        stopped = reason
        scan.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, "interrupted")
    overrun = None
    if options.max_time is not None:
        # No page starts after --max-time; the ones under way get their own time limits, and then some.
        limit = options.max_time + MAX_TIME_OVERRUN_TIMEOUTS * options.crawl.timeout
        reason = f"the time budget ran out (--max-time {options.max_time:g} s), and the scan was stopped"
        overrun = loop.call_later(limit, stop, reason)
    try:
        await run_scan(options, progress, display.visit, display.state)
    except asyncio.CancelledError:
        if stopped is None:
            raise
    except PlaywrightError as error:
        if stopped is None:
            raise SitescanError(f"the browser failed: {first_line(str(error))}") from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if overrun is not None:
            overrun.cancel()
    return stopped


# Options several commands share: one definition each.
PROFILE_OPTION = click.option(
    "--profile",
    "profiles",
    multiple=True,
    type=click.Choice(known_profiles()),
    help="Laws to hold the site to (repeatable; default: the config's profiles, else canada).",
)
CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: ./sitescan.toml, else [tool.sitescan] in ./pyproject.toml).",
)
FORMAT_OPTION = click.option(
    "--format",
    "formats",
    default="html,json",
    show_default=True,
    help=f"Comma-separated outputs: {', '.join(FORMATS)}.",
)
FAIL_ON_OPTION = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=DEFAULT_FAIL_ON,
    show_default=True,
    help="Exit 1 when a finding is this severe or more.",
)
EXIT_ZERO_OPTION = click.option(
    "--exit-zero", is_flag=True, help="Always exit 0 once the outputs are written."
)
BASELINE_OPTION = click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Accepted findings (a sitescan-baseline.toml): they neither count nor fail.",
)
WRITE_BASELINE_OPTION = click.option(
    "--write-baseline",
    "write_baseline_to",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Also write a baseline accepting every finding (edit each reason).",
)


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
        FORMAT_OPTION,
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
            "--urls",
            "urls_file",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="A file of URLs to scan besides the start URLs (one per line; # comments).",
        ),
        click.option(
            "--shard",
            default=None,
            metavar="K/N",
            help="Scan share K of N of the URL set (start URLs, sitemap, --urls), following no links; "
            "sitescan merge joins the shards' reports.",
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
            "--proxy",
            default=None,
            metavar="URL",
            help="Send connections through this proxy (http://HOST:PORT or socks5://HOST:PORT; "
            "instead of --connect-to).",
        ),
        click.option(
            "--browser-ws",
            default=None,
            metavar="URL",
            help="Use a remote Playwright browser server (playwright run-server) instead of launching "
            "Chromium; --connect-to cannot reach it (use --proxy), and with --ca-cert it accepts any "
            "certificate.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=16),
            default=CrawlSettings.concurrency,
            show_default=True,
            help="Pages each phase loads at once (the phases run side by side).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=CrawlSettings.timeout,
            show_default=True,
            help="Seconds a page may take to load and settle.",
        ),
        click.option(
            "--max-time",
            type=click.FloatRange(min=1),
            default=None,
            metavar="SECONDS",
            help="The whole scan's time budget: no page is started after it, and the report is "
            "marked partial if pages were left (exit 2).",
        ),
        click.option(
            "--consent",
            type=click.Choice(["both", "accept", "reject", "none"]),
            default="both",
            show_default=True,
            help="Phases after before-consent: accepting and/or rejecting the banner (none: before only).",
        ),
        click.option("--gpc", is_flag=True, help="Add a phase that sends the Global Privacy Control signal."),
        PROFILE_OPTION,
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
        click.option(
            "--keep-values",
            is_flag=True,
            help="Also record cookie and localStorage/sessionStorage values (in artifacts.json, report.json "
            "and report.html; default: names and keys only).",
        ),
        click.option(
            "--fill-forms/--no-fill-forms",
            default=True,
            show_default=True,
            help="Type a made-up visitor (rules/dataflow/probe.toml) into each page's personal-data fields, "
            "never submitting, to see whether what a visitor types reaches third parties.",
        ),
        click.option(
            "--submit-forms",
            default=None,
            metavar="REGEX",
            help="Also submit a filled form whose action URL matches REGEX (a test endpoint you allow), "
            "to see what the page that answers it sends.",
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
@CONFIG_OPTION
@crawl_options
@FAIL_ON_OPTION
@EXIT_ZERO_OPTION
@BASELINE_OPTION
@WRITE_BASELINE_OPTION
def scan(
    urls: tuple[str, ...],
    out_dir: Path,
    formats: str,
    fail_on: str,
    exit_zero: bool,
    baseline_path: Path | None,
    write_baseline_to: Path | None,
    **settings: Any,
) -> None:
    """Crawl URL(s) (default: the config's [[targets]]) in a real Chromium and catalogue what each page
    stores and contacts."""
    chosen = _formats(formats)
    baseline = _baseline_option(baseline_path)  # a bad baseline stops the run before any browser starts
    screenshots, har = settings.pop("screenshots"), settings.pop("har")
    options = scan_options(
        urls,
        screenshot_dir=out_dir / "screenshots" if screenshots else None,
        har_dir=out_dir / "har" if har else None,
        **settings,
    )
    sys.exit(
        execute_scan(
            options,
            out_dir,
            chosen,
            fail_on,
            exit_zero,
            baseline=baseline,
            write_baseline_to=write_baseline_to,
        )
    )


@cli.command()
@click.argument("scan_dir", type=click.Path(path_type=Path, file_okay=False))
@PROFILE_OPTION
@CONFIG_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for the new report (default: SCAN_DIR).")  # fmt: skip
@FORMAT_OPTION
@FAIL_ON_OPTION
@EXIT_ZERO_OPTION
@BASELINE_OPTION
@WRITE_BASELINE_OPTION
def check(
    scan_dir: Path,
    profiles: tuple[str, ...],
    config_path: Path | None,
    out_dir: Path | None,
    formats: str,
    fail_on: str,
    exit_zero: bool,
    baseline_path: Path | None = None,
    write_baseline_to: Path | None = None,
) -> None:
    """Re-run the rules on a saved scan (its artifacts.json), with no browser: new rules, another
    profile, another config."""
    chosen = _formats(formats)
    source = scan_dir / "artifacts.json"
    baseline = _baseline_option(baseline_path)
    try:
        config = load_config(config_path)
        if not source.exists():
            raise SitescanError(f"{scan_dir}: no artifacts.json (is it a sitescan report folder?)")
        artifacts = read_artifacts(source)
    except SitescanError as error:
        fail(str(error))
    out_dir = out_dir or scan_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    if out_dir.resolve() != scan_dir.resolve() and (scan_dir / "screenshots").is_dir():
        shutil.copytree(scan_dir / "screenshots", out_dir / "screenshots", dirs_exist_ok=True)
    report = build_report(artifacts, config, profiles, fail_on, baseline=baseline)
    for name in chosen:
        click.echo(str(WRITERS[name](report, out_dir)))
    if write_baseline_to is not None:
        click.echo(str(save_baseline(report, write_baseline_to)))
    show_findings(report)
    show_baseline(report, baseline)
    sys.exit(EXIT_OK if exit_zero or not failing(report["findings"], fail_on) else EXIT_FINDINGS)


@cli.command()
@click.option("--explain", "rule_id", default=None, metavar="ID", help="Everything about one rule.")
@click.option("--profile", "profiles", multiple=True, type=click.Choice(known_profiles()),
              help="Only the rules these profiles run.")  # fmt: skip
def rules(rule_id: str | None, profiles: tuple[str, ...]) -> None:
    """List every rule: id, severity, profiles, what it finds."""
    catalogue = rule_catalogue()
    if rule_id is not None:
        meta = catalogue.get(rule_id)
        if meta is None:
            fail(f"no rule {rule_id!r}: sitescan rules lists them")
        click.echo(meta.explained())
        return
    for meta in catalogue.values():
        if profiles and not set(profiles) & set(meta.profiles):
            continue
        click.echo(f"{meta.id:34} {meta.severity:8} {','.join(meta.profiles):18} {meta.title}")


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


@cli.command("email")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("sitescan-email-report"),
    show_default=True,
    help="Folder for the report files.",
)
@FORMAT_OPTION
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Law profile (repeatable; default: the config's profiles, else canada).",
)
@CONFIG_OPTION
@FAIL_ON_OPTION
@EXIT_ZERO_OPTION
@BASELINE_OPTION
def email_command(
    paths: tuple[Path, ...],
    out_dir: Path,
    formats: str,
    profiles: tuple[str, ...],
    config_path: Path | None,
    fail_on: str,
    exit_zero: bool,
    baseline_path: Path | None = None,
) -> None:
    """Audit e-mail templates (.html) and messages (.eml; folders: every .eml and .html inside) for an
    unsubscribe link at the bottom, List-Unsubscribe, sender identification and http:// links."""
    from sitescan.checks.engine import SEVERITIES
    from sitescan.email_audit import audit_emails

    chosen = _formats(formats)
    baseline = _baseline_option(baseline_path)
    try:
        config = load_config(config_path)
        report = audit_emails(list(paths), profiles, config, fail_on, baseline)
    except SitescanError as error:
        fail(str(error))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = [WRITERS[name](report, out_dir) for name in chosen]
    except OSError as error:
        fail(f"cannot write to {out_dir}: {error.strerror or error}")
    findings = report["findings"]
    for finding in findings:
        click.echo(f"{finding['severity']} {finding['rule']} {finding['url']}: {finding['title']}", err=True)
    counts = report["summary"]["findings"]
    emails = report["summary"]["emails"]
    click.echo(
        f"sitescan: {emails} e-mail{'' if emails == 1 else 's'}, {len(findings)} finding"
        f"{'' if len(findings) == 1 else 's'} ("
        + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
        + f"): {report['summary']['verdict']}",
        err=True,
    )
    show_baseline(report, baseline)
    for path in written:
        click.echo(str(path))
    sys.exit(EXIT_FINDINGS if failing(findings, fail_on) and not exit_zero else EXIT_OK)


# Baselines, diff and merge.


def _baseline_option(path: Path | None) -> Baseline | None:
    if path is None:
        return None
    try:
        return load_baseline(path)
    except SitescanError as error:
        fail(str(error))


def show_baseline(report: dict[str, Any], baseline: Baseline | None = None) -> None:
    """What the baseline did, on stderr: one line per expired entry (it accepts nothing now: the findings
    it accepted count again) and per entry that matched nothing, then the counts."""
    block = report.get("baseline")
    if not block:
        return
    file = block["file"]
    for entry in block["expired"]:
        where = f"{file}:{entry['line']}" if entry.get("line") else file
        counted = len(entry.get("findings", []))
        click.echo(
            f"sitescan: warning: {where}: baseline entry for {entry['rule']} expired on {entry['expires']}; "
            f"it accepts nothing now ({counted} finding{'' if counted == 1 else 's'} count again)",
            err=True,
        )
    for entry in block["unused"]:
        where = f"{file}:{entry['line']}" if entry.get("line") else file
        click.echo(
            f"sitescan: note: {where}: baseline entry for {entry['rule']} matched no finding", err=True
        )
    if baseline is not None and baseline.todo:
        click.echo(
            f"sitescan: warning: {baseline.path}: {baseline.todo} entr{'y' if baseline.todo == 1 else 'ies'} "
            "still give the reason written by --write-baseline: say why each is accepted",
            err=True,
        )
    click.echo(
        f"sitescan: baseline {file}: {block['accepted']} finding"
        f"{'' if block['accepted'] == 1 else 's'} accepted, {len(block['expired'])} expired, "
        f"{len(block['unused'])} unused",
        err=True,
    )


def save_baseline(report: dict[str, Any], path: Path) -> Path:
    """--write-baseline: a baseline accepting every finding of the report."""
    try:
        count = write_baseline(report["findings"], path, report.get("targets", []))
    except SitescanError as error:
        fail(str(error))
    click.echo(
        f"sitescan: wrote {path} accepting {count} finding{'' if count == 1 else 's'}: "
        "replace each TODO reason before committing it",
        err=True,
    )
    return path


def _report_file(path: Path) -> Path:
    """A report.json, or a report folder holding one."""
    return path / "report.json" if path.is_dir() else path


@cli.command("diff")
@click.argument("old", type=click.Path(path_type=Path), metavar="OLD.json")
@click.argument("new", type=click.Path(path_type=Path), metavar="NEW.json")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also write diff.md, diff.html and diff.json to this folder.")  # fmt: skip
@click.option("--fail-on-new", is_flag=True,
              help="Exit 1 when a finding appeared that no baseline accepts (any severity).")  # fmt: skip
def diff_command(old: Path, new: Path, out_dir: Path | None, fail_on_new: bool) -> None:
    """What appeared and what went away between two report.json files (or report folders): cookies, third
    parties, beacons, storage and findings, with the phases of each."""
    from sitescan.diff import diff_reports, headline, read_report, text_lines, write_outputs

    old, new = _report_file(old), _report_file(new)
    try:
        before, after = read_report(old), read_report(new)
        diff = diff_reports(before, after, old, new)
        written = write_outputs(diff, out_dir) if out_dir is not None else []
    except SitescanError as error:
        fail(str(error))
    click.echo(f"sitescan: diff {old} -> {new}", err=True)
    for line in text_lines(diff):
        click.echo(visible(line), err=True)
    click.echo(f"sitescan: {headline(diff)}", err=True)
    partial = [
        str(path) for path, side in ((old, diff["old"]), (new, diff["new"])) if side["complete"] is False
    ]
    if partial:
        click.echo(
            f"sitescan: warning: partial scan: {', '.join(partial)}: what it missed shows as gone", err=True
        )
    for path in written:
        click.echo(str(path))
    if not fail_on_new:
        sys.exit(EXIT_OK)
    if diff["new_findings"]:
        count = diff["new_findings"]
        click.echo(f"sitescan: {count} new finding{'' if count == 1 else 's'} (--fail-on-new)", err=True)
        sys.exit(EXIT_FINDINGS)
    if diff["new"]["complete"] is False:
        # A partial scan never looks clean: it cannot show that nothing new appeared.
        click.echo(
            f"sitescan: error: {new} is a partial scan: cannot tell that nothing new appeared", err=True
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK)


@cli.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="REPORT.json...")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("sitescan-report"), show_default=True, help="Folder for the report.")  # fmt: skip
@FORMAT_OPTION
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding is this severe or more (default: the first report's).")  # fmt: skip
@EXIT_ZERO_OPTION
def merge_command(
    reports: tuple[Path, ...], out_dir: Path, formats: str, fail_on: str | None, exit_zero: bool
) -> None:
    """Merge report.json files (shards of one site, or several sites; folders holding one too) into one
    report: tables by identity, findings by fingerprint, the summary recomputed."""
    from sitescan.merge import copy_screenshots, merge_reports, read_reports

    chosen = _formats(formats)
    try:
        inputs = read_reports(_report_file(path) for path in reports)
    except SitescanError as error:
        fail(str(error))
    merged = merge_reports(inputs, fail_on)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        copy_screenshots(inputs, merged, out_dir)
        written = [WRITERS[name](merged, out_dir) for name in chosen]
    except OSError as error:
        fail(f"--out {out_dir}: cannot write: {error.strerror or error}")
    show_findings(merged)
    show_baseline(merged)
    summary = merged["summary"]
    click.echo(
        f"sitescan: merged {len(inputs)} reports: {summary['pages']} pages, {summary['cookies']} cookies, "
        f"{summary['third_parties']} third-party hosts",
        err=True,
    )
    for path in written:
        click.echo(str(path))
    if exit_zero:
        sys.exit(EXIT_OK)
    partial = [str(path) for path, report in inputs if not (report.get("scan") or {}).get("complete", False)]
    if partial:
        click.echo(
            f"sitescan: error: partial scan: {', '.join(partial)}; the merged report is partial", err=True
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failing(merged["findings"], summary["fail_on"]) else EXIT_OK)
