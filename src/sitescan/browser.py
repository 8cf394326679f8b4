"""Finding, launching and configuring Chromium so that it behaves like a visitor's browser.

A visitor's Chrome keeps third-party cookies and shows no sign of automation; Playwright's default
contexts are off-the-record profiles that block third-party cookies. sitescan therefore launches one
browser whose profile preferences allow them, gives each phase a fresh context in it (which inherits
that preference), and records what the browser refused (with the browser's reason) instead of
pretending it was never tried.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.async_api import Browser, BrowserContext, Playwright, Request, Route
from playwright.async_api import Error as PlaywrightError

from sitescan.config import ConsentHandOver, Target
from sitescan.errors import SitescanError
from sitescan.netmap import NetworkMap
from sitescan.urls import origin_of, url_site

ENV_CHROMIUM = "SITESCAN_CHROMIUM"

# Debian's /usr/bin/chromium is a shell wrapper that adds --disable-pings (which would hide <a ping>
# beacons): prefer the binary behind it.
SYSTEM_CHROMIUMS = (
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/google-chrome",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

NO_BROWSER_HELP = (
    "no usable Chromium found: run `make setup` (or `python -m playwright install chromium`, or "
    "`apt-get install chromium`), or set SITESCAN_CHROMIUM to a Chromium or Chrome executable"
)

# Chromium's own background traffic (updates, field trials, safe browsing, ...) must never reach a
# scan's results, nor anybody's network.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--no-pings",
    "--disable-quic",
    # Regular profiles list Google accounts at start and the updater checks for components whatever the
    # flags above say: point both at a closed loopback port so they fail at once, on this machine.
    "--gaia-url=http://127.0.0.1:9",
    "--component-updater=url-source=http://127.0.0.1:9",
)

SCAN_FLAGS = (
    # Cross-site iframes share the page's renderer, so the page's DevTools session sees their requests
    # and refused cookies too.
    "--disable-site-isolation-trials",
    # navigator.webdriver stays false, as in a visitor's browser: some consent managers hide from robots.
    "--disable-blink-features=AutomationControlled",
)

# The profile preference behind Chrome's "Allow third-party cookies" setting (0 = allow).
VISITOR_PREFERENCES = {
    "profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False},
    "signin": {"allowed": False, "allowed_on_next_startup": False},
    # "Use a web service to help resolve navigation errors": off, or a certificate error makes Chromium
    # probe connectivitycheck.gstatic.com for a captive portal (its own traffic, not the site's).
    "alternate_error_pages": {"enabled": False},
}

DISCONNECT_GRACE_SECONDS = 2.0
# A server that accepts the connection launches its browser before answering: allow for a slow start.
REMOTE_CONNECT_TIMEOUT_MS = 60_000

ANDROID_WEBVIEW_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/{major}.0.0.0 Mobile Safari/537.36"
)
# WKWebView's user agent is Safari's without the "Version/... Safari/..." tokens.
IOS_WEBVIEW_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148"
)


def find_chromium(playwright: Playwright) -> str:
    """The Chromium to drive: $SITESCAN_CHROMIUM, then Playwright's own, then the usual system paths."""
    override = os.environ.get(ENV_CHROMIUM)
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise SitescanError(f"{ENV_CHROMIUM}={override} is not an executable file")
        return override
    managed = playwright.chromium.executable_path
    if managed and Path(managed).is_file():
        return managed
    for candidate in SYSTEM_CHROMIUMS:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("google-chrome")
    if found:
        return found
    raise SitescanError(NO_BROWSER_HELP)


@dataclass(frozen=True)
class BrowserSettings:
    network: NetworkMap = field(default_factory=NetworkMap)
    ca_cert: Path | None = None
    device: str | None = None
    webview: Literal["android", "ios"] | None = None
    user_agent: str | None = None
    gpc: bool = False  # send Global Privacy Control (Sec-GPC: 1)
    extra_args: tuple[str, ...] = ()
    # A remote browser cannot be told to trust --ca-cert: its contexts then accept any certificate.
    ignore_https_errors: bool = False


def launch_args(settings: BrowserSettings) -> list[str]:
    args = [*QUIET_FLAGS, *SCAN_FLAGS, *settings.extra_args]
    rules = settings.network.host_resolver_rules()
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if settings.ca_cert:
        # Trusted where the server presents the CA (or the certificate itself) in its chain, on every
        # platform; on Linux the profile's NSS database also trusts it as a root (phase_context).
        args.append(f"--ignore-certificate-errors-spki-list={_spki_hashes(settings.ca_cert)}")
    return args


def context_options(playwright: Playwright, settings: BrowserSettings, chromium_major: int) -> dict[str, Any]:
    options: dict[str, Any] = {"accept_downloads": False}  # a file a page sends is cancelled, never saved
    if settings.device:
        if settings.device not in playwright.devices:
            raise SitescanError(f"unknown --device {settings.device!r} (see Playwright's device names)")
        device = dict(playwright.devices[settings.device])
        device.pop("default_browser_type", None)
        options.update(device)
    if settings.webview == "android":
        options.update(
            user_agent=ANDROID_WEBVIEW_UA.format(major=chromium_major),
            is_mobile=True,
            has_touch=True,
            viewport=options.get("viewport", {"width": 412, "height": 915}),
            device_scale_factor=options.get("device_scale_factor", 2.625),
        )
    elif settings.webview == "ios":
        options.update(
            user_agent=IOS_WEBVIEW_UA,
            is_mobile=True,
            has_touch=True,
            viewport=options.get("viewport", {"width": 390, "height": 844}),
            device_scale_factor=options.get("device_scale_factor", 3),
        )
    if settings.user_agent:
        options["user_agent"] = settings.user_agent
    if settings.gpc:
        options["extra_http_headers"] = {"Sec-GPC": "1"}
    if settings.network.proxy:
        options["proxy"] = settings.network.proxy.playwright()
    if settings.ignore_https_errors:
        options["ignore_https_errors"] = True
    options.setdefault("user_agent", visitor_user_agent(chromium_major))
    return options


def visitor_user_agent(chromium_major: int) -> str:
    """Desktop Chrome's user agent, without the "HeadlessChrome" token that gives a robot away."""
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{chromium_major}.0.0.0 Safari/537.36"
    )


def chromium_major_version(executable: str) -> int:
    """The browser's major version, for a user agent that matches the engine; also proves it starts."""
    try:
        output = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise SitescanError(f"Chromium at {executable} does not start ({error}); {NO_BROWSER_HELP}") from None
    match = re.search(r"(\d+)\.\d+\.\d+\.\d+", output)
    if not match:
        raise SitescanError(f"Chromium at {executable} printed no version; {NO_BROWSER_HELP}")
    return int(match.group(1))


@asynccontextmanager
async def visitor_browser(
    playwright: Playwright, executable: str, settings: BrowserSettings
) -> AsyncIterator[Browser]:
    """One Chromium for the whole scan, with a profile whose preferences allow third-party cookies; the
    incognito contexts each phase opens in it inherit that setting (Playwright's own profile blocks
    them there). The profile is removed afterwards."""
    profile = Path(tempfile.mkdtemp(prefix="sitescan-profile-"))
    try:
        user_data = profile / "data"
        (user_data / "Default").mkdir(parents=True)
        (user_data / "Default" / "Preferences").write_text(json.dumps(VISITOR_PREFERENCES), encoding="utf-8")
        environment = None
        if settings.ca_cert and shutil.which("certutil"):
            environment = {**os.environ, "HOME": str(_home_trusting(settings.ca_cert, profile / "home"))}
        default = await playwright.chromium.launch_persistent_context(
            str(user_data),
            executable_path=executable,
            headless=True,
            args=launch_args(settings),
            # A visitor's Chromium blocks popups opened without a click; Playwright's default lets them
            # all through, so a page could open trackers in windows nobody watches.
            ignore_default_args=["--disable-popup-blocking"],
            env=environment,
        )
        try:
            assert default.browser is not None  # a local launch always has one
            for page in default.pages:  # unused: its tab and window would hold two renderers
                await page.close()
            yield default.browser
        finally:
            await default.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@asynccontextmanager
async def remote_browser(playwright: Playwright, ws_url: str) -> AsyncIterator[Browser]:
    """The Chromium of a Playwright browser server (``playwright run-server``, or a grid speaking its
    protocol). It runs with the server's own profile and flags: see ``remote_notes``."""
    try:
        browser = await playwright.chromium.connect(ws_url, timeout=REMOTE_CONNECT_TIMEOUT_MS)
    except PlaywrightError as error:
        reason = next((line.strip() for line in str(error).splitlines() if line.strip()), "no answer")
        raise SitescanError(f"--browser-ws {ws_url}: cannot use the browser server ({reason})") from None
    try:
        yield browser
    finally:
        await browser.close()


def remote_notes(settings: BrowserSettings) -> list[str]:
    """What a remote browser cannot be given, for the report's notes."""
    notes = [
        "remote browser: its server's profile may block third-party cookies (Playwright's does), so "
        "third-party cookies can be missing; the browser's refusals are listed as blocked cookies"
    ]
    if settings.ignore_https_errors:
        notes.append("remote browser: it cannot be given --ca-cert, so it accepted every certificate")
    return notes


async def has_died(browser: Browser) -> bool:
    """Whether ``browser`` is gone: its disconnection can trail the first failed command a little."""
    deadline = time.monotonic() + DISCONNECT_GRACE_SECONDS
    while browser.is_connected() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return not browser.is_connected()


@asynccontextmanager
async def phase_context(
    playwright: Playwright,
    browser: Browser,
    settings: BrowserSettings,
    user_agent_major: int,
    har: Path | None = None,
) -> AsyncIterator[BrowserContext]:
    """A fresh visitor (its own cookie jar and storage) in ``browser``; with ``har``, its traffic is
    also written there as a HAR file (bodies left out) when it closes."""
    context = await browser.new_context(
        **({"record_har_path": str(har), "record_har_content": "omit"} if har else {}),
        **context_options(playwright, settings, user_agent_major),
    )
    try:
        yield context
    finally:
        await context.close()


async def hand_over(context: BrowserContext, target: Target, consent: ConsentHandOver | None = None) -> None:
    """What an app gives its web view before the first page: cookies, localStorage entries, and headers
    on its own site's requests (never on third parties'); in a choice phase, also the consent it hands
    over for that choice."""
    cookies = target.cookies + (consent.cookies if consent else ())
    local_storage = dict(target.local_storage + (consent.local_storage if consent else ()))
    if cookies:
        await context.add_cookies(
            [
                {
                    "name": c.name,
                    "value": c.value,
                    "domain": c.domain,
                    "path": c.path,
                    "secure": c.secure,
                    "httpOnly": c.http_only,
                    "sameSite": c.same_site,
                }
                for c in cookies
            ]
        )
    if local_storage:
        entries = json.dumps(local_storage)
        origin = json.dumps(origin_of(target.url))
        await context.add_init_script(
            f"if (location.origin === {origin}) {{ const entries = {entries};"
            " for (const key of Object.keys(entries)) if (localStorage.getItem(key) === null)"
            " localStorage.setItem(key, entries[key]); }"
        )
    if target.headers:
        site = url_site(target.url)
        extra = dict(target.headers)

        async def add_headers(route: Route, request: Request) -> None:
            await route.fallback(headers={**await request.all_headers(), **extra})

        await context.route(lambda url: url_site(url) == site, add_headers)


def _home_trusting(ca_cert: Path, home: Path) -> Path:
    """A home folder whose NSS database (where Chromium on Linux reads user trust) trusts the CA(s)."""
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=30)
    try:
        run(["certutil", "-N", "-d", f"sql:{database}", "--empty-password"])
        for index, certificate in enumerate(_certificates(ca_cert)):
            single = home / f"ca-{index}.pem"
            single.write_bytes(certificate.public_bytes(Encoding.PEM))
            run(
                [
                    "certutil",
                    "-A",
                    "-d",
                    f"sql:{database}",
                    "-t",
                    "C,,",
                    "-n",
                    f"sitescan-ca-{index}",
                    "-i",
                    str(single),
                ]
            )
    except (OSError, subprocess.SubprocessError) as error:
        raise SitescanError(f"--ca-cert {ca_cert}: certutil could not add it ({error})") from None
    return home


def _certificates(ca_cert: Path) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(ca_cert.read_bytes())
    except (OSError, ValueError) as error:
        raise SitescanError(f"--ca-cert {ca_cert}: not a readable PEM certificate ({error})") from None


def _spki_hashes(ca_cert: Path) -> str:
    hashes = []
    for certificate in _certificates(ca_cert):
        spki = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        hashes.append(base64.b64encode(hashlib.sha256(spki).digest()).decode())
    return ",".join(hashes)
