"""Logging in before a phase's crawl ([targets.login]), with credentials read from the environment.

Each phase is a fresh visitor, so each logs in, in its own browser context, before its first page: the
login page opens in a tab of its own, the username and password are typed into their fields (Playwright's
``fill``), the form is submitted (a click event on ``submit``, else the password field's form is
submitted: a consent banner over the page does not stand in the way, and no choice is taken on it), and
the page it leads to is awaited until it is quiet. The login worked when ``logged_in`` appears; without
it, when the submission loaded a page that is no error and asks for no password.

A failed login ends the scan with exit 2, not a note: a login is configured because the pages behind it
are the point, and a scan that went on logged out would report the public site, and could pass the gate,
as if it were the members' area (a partial scan never looks clean). Stopping at once also keeps the next
phases from trying the same wrong credentials again (accounts lock after a few failures).

The login is a visit. In the phases that take no consent choice (before-consent, gpc) it is recorded as
the login page's visit: the requests the submission made (credentials scrubbed, see ``sitescan.redact``),
the cookies it set, the session cookie among them, and what the page it led to loaded. In after-accept and
after-reject it comes before the choice, which is taken on the start page, so what it loads belongs to no
choice and is not recorded there; its cookies are the session's, in the jar before the first page as an
app's hand-over is.

While logged in, the crawl follows no link that would log it out: addresses that say so
(``rules/links/keywords.toml`` [logout]) and, on the page the login led to, links whose text says so.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from playwright.async_api import BrowserContext, Locator, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from sitescan.artifacts import PageVisit, Phase
from sitescan.collect.crawl import CrawlSettings, Frontier
from sitescan.collect.document import keywords
from sitescan.collect.page import PageCollector
from sitescan.config import Config, Login
from sitescan.errors import SitescanError
from sitescan.redact import Secrets
from sitescan.urls import normalise

CHOICELESS_PHASES: frozenset[Phase] = frozenset({"before-consent", "gpc"})
# Where no username_field is given: in the password field's form (else the page), the first visible input
# of the first of these kinds that has one.
USERNAME_FIELDS = (
    'input[autocomplete~="username" i]',
    "input[type=email]",
    "input[type=text], input:not([type])",
)

# Submits the password field's form as its submit button would (its name and value included); false when
# the field is in no form.
_REQUEST_SUBMIT_JS = """(field) => {
  const form = field.form;
  if (!form) return false;
  const button = form.querySelector('button:not([type]), button[type=submit], input[type=submit]');
  form.requestSubmit(button && !button.disabled ? button : undefined);
  return true;
}"""
_LOGOUT_LINKS_JS = """(texts) => Array.from(document.querySelectorAll('a[href], area[href]'))
  .filter((a) => {
    const said = [a.innerText || a.textContent, a.getAttribute('aria-label'), a.getAttribute('title')]
      .join(' ').replace(/\\s+/g, ' ').trim().toLowerCase();
    return texts.some((text) => said.includes(text));
  })
  .map((a) => a.href)
  .filter((href) => /^https?:/.test(href))"""


class _NotLoggedIn(Exception):
    """Why the login did not work, for the scan's one-line error."""


def login_secrets(config: Config, targets: tuple[str, ...]) -> Secrets:
    """The credentials of the scanned targets' logins, read from the environment now: an unset variable
    stops the scan before a browser starts."""
    logins = {t.login for t in map(config.target_for, targets) if t.login is not None}
    return Secrets(tuple(value for login in logins for value in login.credentials(os.environ)))


async def log_in(
    context: BrowserContext,
    phase: Phase,
    login: Login,
    settings: CrawlSettings,
    frontier: Frontier,
    on_visit: Callable[[PageVisit], None],
) -> None:
    """Log in in a tab of its own, record the visit in a phase that takes no choice, and keep the crawl
    away from logout links; a one-line error when the login does not work."""
    username, password = login.credentials(os.environ)
    collector = await PageCollector.open(context, phase, {})
    try:
        jar = await collector.jar_fingerprint()  # what the app handed over is not the login's doing
        await collector.visit(login.url, 0, settings.timeout, settings.settle, jar, lambda first: None)
        await _submit_credentials(collector, login, username, password, settings.timeout)
        logout_links = await _logout_links(collector.page)
        visit, _ = await collector.leave(settings.settle)
    except _NotLoggedIn as failure:
        raise SitescanError(f"could not log in at {login.url} ({phase}): {failure}") from None
    except PlaywrightError as error:  # the tab crashed, a field was no input, ...
        reason = error.message.strip().splitlines()[0] if error.message.strip() else "browser error"
        raise SitescanError(f"could not log in at {login.url} ({phase}): {reason}") from None
    finally:
        with contextlib.suppress(PlaywrightError):  # a context already closed (the scan was stopped)
            await collector.page.close()
    exact = tuple(re.compile(f"^{re.escape(normalise(link))}$") for link in logout_links)
    _keep_out(frontier, (logout_address(), *exact))
    if visit is not None and phase in CHOICELESS_PHASES:
        on_visit(visit)


def _keep_out(frontier: Frontier, patterns: tuple[re.Pattern[str], ...]) -> None:
    """The crawl admits no address matching ``patterns`` (matched against normal forms, as the crawl's own
    --exclude) from now on, and drops those a sitemap queued before the login."""
    frontier.settings = replace(frontier.settings, exclude=(*frontier.settings.exclude, *patterns))
    frontier.queue = deque(
        (url, depth, from_sitemap)
        for url, depth, from_sitemap in frontier.queue
        if not from_sitemap or frontier.settings.admits(normalise(url))
    )


@cache
def logout_address() -> re.Pattern[str]:
    """An address whose path or query says it logs out (rules/links/keywords.toml [logout])."""
    words = "|".join(keywords()["logout"]["url_patterns"])
    return re.compile(rf"^[a-z][a-z0-9+.-]*://[^/?#]*[/?].*?(?<![a-z])(?:{words})(?![a-z])", re.I)


async def _submit_credentials(
    collector: PageCollector, login: Login, username: str, password: str, timeout: float
) -> None:
    shown, page = collector.shown, collector.page
    status = shown.document.status if shown and shown.document else None
    if shown is None or shown.error or status is None:
        raise _NotLoggedIn(f"the login page could not be loaded ({(shown and shown.error) or 'no answer'})")
    if status >= 400:
        raise _NotLoggedIn(f"the login page answered HTTP {status}")
    wait_ms = timeout * 1000
    password_selector = login.password_field or "input[type=password]"
    password_field = page.locator(password_selector).filter(visible=True).first
    try:
        await password_field.wait_for(timeout=wait_ms)
    except PlaywrightTimeoutError:
        raise _NotLoggedIn(f"no password field ({password_selector}) on the login page") from None
    username_field = await _username_field(page, login, password_field)
    if username_field is None:
        raise _NotLoggedIn(
            f"no username field ({login.username_field or 'an e-mail or text input'}) on the login page"
        )
    await username_field.fill(username, timeout=wait_ms)
    await password_field.fill(password, timeout=wait_ms)
    if login.logged_in:
        await _submit(page, login, password_field)
        try:
            await page.locator(login.logged_in).first.wait_for(state="attached", timeout=wait_ms)
        except PlaywrightTimeoutError:
            raise _NotLoggedIn(
                f"{login.logged_in} did not appear within {timeout:g} s of submitting the form: check "
                f"{login.username_env} and {login.password_env}"
            ) from None
    else:
        try:
            async with page.expect_navigation(wait_until="load", timeout=wait_ms) as navigation:
                await _submit(page, login, password_field)
        except PlaywrightTimeoutError:
            raise _NotLoggedIn(
                f"submitting the form loaded no page within {timeout:g} s (for a login that stays on its "
                "page, give logged_in: a selector present once logged in)"
            ) from None
        response = await navigation.value
        if response is not None and response.status >= 400:
            raise _NotLoggedIn(f"submitting the form led to an error page (HTTP {response.status})")
    # What the page the login led to loads (a session check, a "login" event to analytics) is the login's.
    with contextlib.suppress(PlaywrightTimeoutError):  # a page that never goes quiet: as far as it got
        await page.wait_for_load_state("networkidle", timeout=wait_ms)
    if not login.logged_in and await page.locator(password_selector).filter(visible=True).count():
        raise _NotLoggedIn(
            "the page after submitting the form still asks for a password: check "
            f"{login.username_env} and {login.password_env} (or give logged_in)"
        )


async def _logout_links(page: Page) -> list[str]:
    """The links of the page the login led to whose text says they log out."""
    try:
        return await page.evaluate(_LOGOUT_LINKS_JS, keywords()["logout"]["texts"])
    except PlaywrightError:  # the page went on to another meanwhile: the addresses still say so
        return []


async def _username_field(page: Page, login: Login, password_field: Locator) -> Locator | None:
    if login.username_field:
        field = page.locator(login.username_field).filter(visible=True).first
        return field if await field.count() else None
    form = password_field.locator("xpath=ancestor::form[1]")
    scope: Page | Locator = form if await form.count() else page
    for kind in USERNAME_FIELDS:
        field = scope.locator(kind).filter(visible=True).first
        if await field.count():
            return field
    return None


async def _submit(page: Page, login: Login, password_field: Locator) -> None:
    if login.submit:
        button = page.locator(login.submit).first
        if not await button.count():
            raise _NotLoggedIn(f"no submit button ({login.submit}) on the login page")
        await button.dispatch_event("click")
        return
    try:
        in_form = await password_field.evaluate(_REQUEST_SUBMIT_JS)
    except PlaywrightError:
        in_form = True  # the submission navigated while the call returned: it was submitted
    if not in_form:
        await password_field.press("Enter")
