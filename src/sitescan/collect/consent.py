"""Find a page's consent banner, take a choice on it, and read back whether the choice took.

The platforms' markup, buttons and stored state are data (``rules/consent/platforms.toml``); banners of
no known platform are found by their words and button labels (``rules/consent/generic.toml``, English
and French). Selectors pierce open shadow roots; a platform's ``frame`` names the iframe its banner
lives in.
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page

from sitescan.artifacts import ConsentRecord
from sitescan.collect.autoconsent import Action, Bundle, run_autoconsent
from sitescan.collect.page import ConsentStep
from sitescan.config import ConsentHandOver

Choice = Literal["accept", "reject"]
STEP_TIMEOUT_MS = 5000
READ_BACK_TRIES = 10
READ_BACK_PAUSE = 0.2


@dataclass(frozen=True)
class Step:
    kind: Literal["click", "click_all", "wait", "eval"]
    target: str  # a CSS selector, or a JS expression for eval
    frame: str = ""


@dataclass(frozen=True)
class ReadBack:
    cookie: str = ""
    matches: str = ""
    js: str = ""


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    source: str
    detect_selectors: tuple[str, ...]
    detect_globals: tuple[str, ...]
    detect_scripts: tuple[str, ...]
    banner: str
    frame: str
    accept: tuple[tuple[Step, ...], ...]
    reject: tuple[tuple[Step, ...], ...]
    accepted: tuple[ReadBack, ...]
    rejected: tuple[ReadBack, ...]
    tcf: bool


@dataclass(frozen=True)
class GenericRules:
    banner_words: tuple[str, ...]
    accept_texts: tuple[str, ...]
    reject_texts: tuple[str, ...]
    settings_texts: tuple[str, ...]


def _steps(alternatives: list[list[dict[str, str]]]) -> tuple[tuple[Step, ...], ...]:
    parsed = []
    for alternative in alternatives:
        steps = []
        for step in alternative:
            kind = next(k for k in ("click", "click_all", "wait", "eval") if k in step)
            steps.append(Step(kind, step[kind], step.get("frame", "")))  # type: ignore[arg-type]
        parsed.append(tuple(steps))
    return tuple(parsed)


def _read_backs(entries: list[dict[str, str]]) -> tuple[ReadBack, ...]:
    return tuple(ReadBack(e.get("cookie", ""), e.get("matches", ""), e.get("js", "")) for e in entries)


@cache
def platforms() -> tuple[Platform, ...]:
    data = tomllib.loads(
        files("sitescan.rules").joinpath("consent/platforms.toml").read_text(encoding="utf-8")
    )
    return tuple(
        Platform(
            id=p["id"],
            name=p["name"],
            source=p["source"],
            detect_selectors=tuple(p.get("detect_selectors", ())),
            detect_globals=tuple(p.get("detect_globals", ())),
            detect_scripts=tuple(p.get("detect_scripts", ())),
            banner=p.get("banner", ""),
            frame=p.get("frame", ""),
            accept=_steps(p.get("accept", [])),
            reject=_steps(p.get("reject", [])),
            accepted=_read_backs(p.get("accepted", [])),
            rejected=_read_backs(p.get("rejected", [])),
            tcf=bool(p.get("tcf", False)),
        )
        for p in data["platform"]
    )


@cache
def generic_rules() -> GenericRules:
    data = tomllib.loads(files("sitescan.rules").joinpath("consent/generic.toml").read_text(encoding="utf-8"))
    return GenericRules(
        tuple(data["banner_words"]),
        tuple(data["accept_texts"]),
        tuple(data["reject_texts"]),
        tuple(data["settings_texts"]),
    )


# Shared by the scripts below: the document and its open shadow roots, and what counts as visible.
_DOCUMENT_JS = """  const roots = [document];
  for (let i = 0; i < roots.length; i++) {
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
"""

# Which of the given selectors match anywhere in this document, open shadow roots included, and whether
# a match is visible.
_MATCH_JS = (
    """(selectors) => {
"""
    + _DOCUMENT_JS
    + """  const found = {};
  for (const selector of selectors) {
    let state = null;
    for (const root of roots) {
      let matches = [];
      try { matches = Array.from(root.querySelectorAll(selector)); } catch (e) { matches = []; }
      for (const el of matches) {
        state = visible(el) ? 'visible' : (state || 'present');
        if (state === 'visible') break;
      }
      if (state === 'visible') break;
    }
    if (state) found[selector] = state;
  }
  return found;
}"""
)

# Marks the buttons of a home-made banner: the smallest visible container that talks about cookies or
# consent and holds a button whose whole label is one of the known accept or reject texts.
_GENERIC_JS = (
    """(rules) => {
"""
    + _DOCUMENT_JS
    + """  const norm = (text) => (text || '').replace(/\\s+/g, ' ').trim().toLowerCase();
  const buttons = roots.flatMap((root) => Array.from(root.querySelectorAll(
    'button, a, [role=button], input[type=button], input[type=submit]'))).filter(visible);
  const label = (el) => norm(el.value || el.innerText || el.textContent || el.getAttribute('aria-label'));
  const talksOfConsent = (el) => {
    const text = norm(el.innerText || el.textContent);
    return rules.banner_words.some((word) => text.includes(word));
  };
  const container = (button) => {
    const up = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
    for (let el = button.parentElement; el; el = up(el)) {
      if (talksOfConsent(el)) return el;
      if (el === document.body) return null;
    }
    return null;
  };
  const pick = (texts) => {
    for (const text of texts) {
      const button = buttons.find((b) => label(b) === text && container(b));
      if (button) return button;
    }
    return null;
  };
  const accept = pick(rules.accept_texts);
  const reject = pick(rules.reject_texts);
  const settings = pick(rules.settings_texts);
  const banner = container(accept || reject || settings || document.body);
  if (!banner || !(accept || reject)) return null;
  banner.setAttribute('data-sitescan-banner', '');
  if (accept) accept.setAttribute('data-sitescan-accept', '');
  if (reject) reject.setAttribute('data-sitescan-reject', '');
  if (settings) settings.setAttribute('data-sitescan-settings', '');
  return {accept: accept ? label(accept) : null, reject: reject ? label(reject) : null,
          settings: settings ? label(settings) : null};
}"""
)

TCF_JS = """() => new Promise((resolve) => {
  if (typeof window.__tcfapi !== 'function') return resolve(null);
  const timer = setTimeout(() => resolve(null), 2000);
  try {
    window.__tcfapi('addEventListener', 2, (data, ok) => {
      if (!ok || !data || !['tcloaded', 'useractioncomplete'].includes(data.eventStatus)) return;
      clearTimeout(timer);
      try { window.__tcfapi('removeEventListener', 2, () => {}, data.listenerId); } catch (e) {}
      const consents = (map) => Object.keys(map || {}).filter((k) => map[k]).map(Number);
      resolve({tcString: data.tcString || null, gdprApplies: data.gdprApplies ?? null,
               eventStatus: data.eventStatus,
               purposeConsents: consents(data.purpose && data.purpose.consents),
               vendorConsents: consents(data.vendor && data.vendor.consents)});
    });
  } catch (e) { clearTimeout(timer); resolve(null); }
})"""

GPP_JS = """() => new Promise((resolve) => {
  if (typeof window.__gpp !== 'function') return resolve(null);
  const timer = setTimeout(() => resolve(null), 2000);
  try {
    window.__gpp('ping', (data) => {
      clearTimeout(timer);
      resolve(data ? {gppString: data.gppString || null, applicableSections: data.applicableSections || [],
                      signalStatus: data.signalStatus || null} : null);
    });
  } catch (e) { clearTimeout(timer); resolve(null); }
})"""

CONSENT_MODE_JS = """() => (window.dataLayer || [])
  .filter((entry) => entry && entry[0] === 'consent' && typeof entry[2] === 'object')
  .map((entry) => ({command: entry[1], state: Object.assign({}, entry[2])}))"""


@dataclass(frozen=True)
class Banner:
    """A banner found on a page: which platform (or the generic text rules) and whether it shows."""

    platform: Platform | None  # None: found by the generic text rules
    visible: bool
    labels: dict[str, str | None]  # generic: the accept / reject / settings labels found

    @property
    def name(self) -> str:
        return self.platform.name if self.platform else "generic"

    def banner_locator(self, page: Page) -> Locator | None:
        if self.platform is None:
            return page.locator("[data-sitescan-banner]").first
        if not self.platform.banner:
            return None
        # A banner selector may name several elements (and a wrapper with no box): the shown one.
        return _scope(page, self.platform.frame).locator(self.platform.banner).filter(visible=True).first


def _scope(page: Page, frame_hint: str) -> Page | Frame:
    if not frame_hint:
        return page
    for frame in page.frames:
        if frame_hint in frame.url:
            return frame
    return page


async def find_platform_banner(page: Page, script_urls: list[str]) -> Banner | None:
    """The consent platform in use, by its markup, globals or scripts (a shown banner first)."""
    candidates = platforms()
    selectors = sorted({s for p in candidates for s in (*p.detect_selectors, p.banner) if s})
    matched: dict[str, str] = {}
    for frame in page.frames:
        try:
            for selector, state in (await frame.evaluate(_MATCH_JS, selectors)).items():
                if matched.get(selector) != "visible":
                    matched[selector] = state
        except PlaywrightError:
            continue
    globals_present = await _globals(page, sorted({g for p in candidates for g in p.detect_globals}))
    best: Banner | None = None
    for platform in candidates:
        hit = (
            any(s in matched for s in platform.detect_selectors)
            or any(g in globals_present for g in platform.detect_globals)
            or any(marker in url for marker in platform.detect_scripts for url in script_urls)
        )
        if not hit:
            continue
        visible = matched.get(platform.banner) == "visible" if platform.banner else False
        banner = Banner(platform, visible, {})
        if visible:
            return banner
        best = best or banner
    return best


async def find_generic_banner(page: Page) -> Banner | None:
    """A home-made banner, by its words and its buttons' labels."""
    rules = generic_rules()
    for frame in page.frames:
        try:
            labels = await frame.evaluate(
                _GENERIC_JS,
                {
                    "banner_words": list(rules.banner_words),
                    "accept_texts": list(rules.accept_texts),
                    "reject_texts": list(rules.reject_texts),
                    "settings_texts": list(rules.settings_texts),
                },
            )
        except PlaywrightError:
            continue
        if labels:
            return Banner(None, True, labels)
    return None


async def _globals(page: Page, names: list[str]) -> set[str]:
    try:
        present = await page.evaluate("(names) => names.filter((name) => window[name] !== undefined)", names)
    except PlaywrightError:
        return set()
    return set(present)


@dataclass(frozen=True)
class ChoiceOutcome:
    taken: bool  # the steps ran
    steps: tuple[str, ...]  # what was done, for the report
    first_layer: bool  # the choice was on the banner's first layer
    error: str | None


async def take_choice(page: Page, banner: Banner, choice: Choice) -> ChoiceOutcome:
    if banner.platform is None:
        marker = f"[data-sitescan-{choice}]"
        if not banner.labels.get(choice):
            return ChoiceOutcome(False, (), False, f"the banner offers no {choice} button")
        try:
            await page.locator(marker).first.click(timeout=STEP_TIMEOUT_MS)
        except PlaywrightError as error:
            return ChoiceOutcome(False, (), True, _short(error))
        return ChoiceOutcome(True, (f"click {banner.labels[choice]!r}",), True, None)
    alternatives = banner.platform.accept if choice == "accept" else banner.platform.reject
    for index, alternative in enumerate(alternatives):
        if not await _available(page, alternative[0]):
            continue
        done: list[str] = []
        try:
            for step in alternative:
                await _run(page, step)
                done.append(f"{step.kind} {step.target}")
        except PlaywrightError as error:
            return ChoiceOutcome(False, tuple(done), index == 0 and len(alternative) == 1, _short(error))
        return ChoiceOutcome(True, tuple(done), index == 0 and len(alternative) == 1, None)
    return ChoiceOutcome(False, (), False, f"no {choice} control of {banner.platform.name} is visible")


async def _available(page: Page, step: Step) -> bool:
    if step.kind == "eval":
        return True
    try:
        return await _scope(page, step.frame).locator(step.target).first.is_visible()
    except PlaywrightError:
        return False


async def _run(page: Page, step: Step) -> None:
    scope = _scope(page, step.frame)
    if step.kind == "eval":
        await scope.evaluate(step.target)
    elif step.kind == "wait":
        await scope.locator(step.target).first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    elif step.kind == "click":
        await scope.locator(step.target).first.click(timeout=STEP_TIMEOUT_MS)
    else:
        for element in await scope.locator(step.target).all():
            if await element.is_visible():
                await element.click(timeout=STEP_TIMEOUT_MS)


async def stored_choice(page: Page, banner: Banner) -> Choice | None:
    """What the platform says was chosen, from its cookie or its API; None when it says neither."""
    if banner.platform is None:
        return None
    cookies = {c["name"]: unquote(c["value"]) for c in await page.context.cookies()}
    for choice, read_backs in (("reject", banner.platform.rejected), ("accept", banner.platform.accepted)):
        for read_back in read_backs:
            if read_back.cookie:
                value = cookies.get(read_back.cookie)
                if value is not None and re.search(read_back.matches, value):
                    return choice  # type: ignore[return-value]
            elif read_back.js:
                try:
                    if await page.evaluate(f"() => Boolean({read_back.js})"):
                        return choice  # type: ignore[return-value]
                except PlaywrightError:
                    continue
    return None


async def banner_visible(page: Page, banner: Banner) -> bool:
    locator = banner.banner_locator(page)
    if locator is None:
        return False
    try:
        return await locator.is_visible()
    except PlaywrightError:
        return False


async def consent_signals(page: Page) -> dict[str, Any]:
    """TCF, GPP and Google Consent Mode as the page exposes them now."""
    signals: dict[str, Any] = {}
    for key, script in (("tcf", TCF_JS), ("gpp", GPP_JS), ("consent_mode", CONSENT_MODE_JS)):
        try:
            signals[key] = await page.evaluate(script)
        except PlaywrightError:
            signals[key] = None
    return signals


def _short(error: PlaywrightError) -> str:
    return error.message.strip().splitlines()[0] if error.message.strip() else "the click failed"


class Screenshots:
    """Banner and after-choice screenshots (small PNGs) kept in the report folder."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.count = 0

    async def take(self, target: Page | Locator, label: str) -> tuple[str, ...]:
        if self.directory is None:
            return ()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count += 1
        name = f"{self.count:02d}-{label}.png"
        try:
            if isinstance(target, Page):
                await target.screenshot(path=str(self.directory / name), animations="disabled")
            else:
                await target.screenshot(path=str(self.directory / name), timeout=STEP_TIMEOUT_MS)
        except PlaywrightError:
            return ()
        return (f"{self.directory.name}/{name}",)


def consent_step(
    phase: str, choice: Choice | None, screenshots: Screenshots, autoconsent: Bundle | None = None
) -> ConsentStep:
    """Look for the banner (and screenshot it); with a choice, take it, let the page settle, and check
    from the platform's stored state (or the banner closing) that it took.

    Engines in order, most specific first: sitescan's platform rules, autoconsent's rules (when its
    bundle is installed), sitescan's generic text rules."""

    async def run(page: Page, script_urls: list[str], settle: Callable[[], Awaitable[bool]]) -> ConsentRecord:
        banner = await find_platform_banner(page, script_urls)
        if banner is None and autoconsent is not None:
            record = await _autoconsent_step(page, autoconsent, phase, choice, screenshots, settle)
            if record is not None:
                return record
        banner = banner or await find_generic_banner(page)
        if banner is None:
            return ConsentRecord(None, None, False, choice, signals=await consent_signals(page))
        shots: tuple[str, ...] = ()
        locator = banner.banner_locator(page)
        if banner.visible and locator is not None:
            shots += await screenshots.take(locator, f"{phase}-banner")
        platform_id = banner.platform.id if banner.platform else None
        rule = platform_id or "generic"
        if choice is None:
            return ConsentRecord(
                banner.name,
                platform_id,
                banner.visible,
                None,
                engine="sitescan",
                rule=rule,
                signals=await consent_signals(page),
                screenshots=shots,
            )
        outcome = await take_choice(page, banner, choice)
        await settle()
        stored = await stored_choice(page, banner)
        for _ in range(READ_BACK_TRIES):  # a platform may store the choice a moment later (postMessage)
            if stored == choice or banner.platform is None or not outcome.taken:
                break
            await asyncio.sleep(READ_BACK_PAUSE)
            stored = await stored_choice(page, banner)
        still_shown = await banner_visible(page, banner)
        verified = outcome.taken and (stored == choice if banner.platform else not still_shown)
        shots += await screenshots.take(page, f"{phase}-after-{choice}")
        return ConsentRecord(
            platform=banner.name,
            platform_id=platform_id,
            banner_visible=banner.visible,
            choice=choice,
            engine="sitescan",
            rule=rule,
            taken=outcome.taken,
            steps=outcome.steps,
            first_layer=outcome.first_layer,
            stored=stored,
            banner_after=still_shown,
            verified=verified,
            error=outcome.error
            or (
                None
                if verified
                else f"the {choice} choice did not take: the site reports {stored or 'no choice'}"
            ),
            signals=await consent_signals(page),
            screenshots=shots,
        )

    return run


def handed_over_step(
    phase: str, choice: Choice, handover: ConsentHandOver, screenshots: Screenshots
) -> ConsentStep:
    """The app passed the visitor's choice into its web view (cookies, localStorage, URL parameters, from
    the config's ``[targets.consent.*]``): check that the page still holds all of it once it settled,
    and whether a banner asks anyway."""

    async def run(page: Page, script_urls: list[str], settle: Callable[[], Awaitable[bool]]) -> ConsentRecord:
        jar = {(c["name"], c["domain"].lstrip(".")): c["value"] for c in await page.context.cookies()}
        problems = []
        for cookie in handover.cookies:
            value = jar.get((cookie.name, cookie.domain.lstrip(".")))
            if value != cookie.value:
                done = "removed" if value is None else "replaced"
                problems.append(f"the site {done} the handed-over cookie {cookie.name}")
        keys = [key for key, _ in handover.local_storage]
        try:
            stored = await page.evaluate("(keys) => keys.map((key) => localStorage.getItem(key))", keys)
        except PlaywrightError:
            stored = [None] * len(keys)
        for (key, value), seen in zip(handover.local_storage, stored, strict=True):
            if seen != value:
                done = "removed" if seen is None else "replaced"
                problems.append(f"the site {done} the handed-over localStorage entry {key}")
        query = parse_qs(urlsplit(page.url).query)
        for key, value in handover.url_params:
            if query.get(key) != [value]:
                problems.append(f"the URL parameter {key} did not reach the page (it is at {page.url})")
        banner = await find_platform_banner(page, script_urls) or await find_generic_banner(page)
        shown = bool(banner and banner.visible)
        return ConsentRecord(
            platform=None,
            platform_id=None,
            banner_visible=shown,
            choice=choice,
            engine="handed-over",
            rule=f"targets.consent.{choice}",
            taken=True,
            steps=(
                *(f"cookie {c.name}" for c in handover.cookies),
                *(f"localStorage {key}" for key in keys),
                *(f"URL parameter {key}={value}" for key, value in handover.url_params),
            ),
            first_layer=None,
            stored=None if problems else choice,
            banner_after=shown,
            verified=not problems,
            error="; ".join(problems) or None,
            signals=await consent_signals(page),
            screenshots=await screenshots.take(page, f"{phase}-handed-over"),
        )

    return run


async def _autoconsent_step(
    page: Page,
    bundle: Bundle,
    phase: str,
    choice: Choice | None,
    screenshots: Screenshots,
    settle: Callable[[], Awaitable[bool]],
) -> ConsentRecord | None:
    """autoconsent's turn: None when none of its rules sees a popup on the page."""
    action: Action | None = {"accept": "optIn", "reject": "optOut", None: None}[choice]  # type: ignore[assignment]
    run = await run_autoconsent(page, bundle, action)
    if run.popup is None:
        return None
    engine = f"autoconsent {bundle.version}"
    # The rule's popup, where its test is a plain selector: for the screenshot and to see it close.
    selectors = bundle.popup_selectors(run.popup)
    frame = next((f for f in page.frames if f.url == run.popup_frame_url), page.main_frame)
    popup = frame.locator(", ".join(selectors)).filter(visible=True).first if selectors else None
    if choice is None:
        shots = await screenshots.take(popup or page, f"{phase}-banner")
        return ConsentRecord(
            run.popup,
            None,
            True,
            None,
            engine=engine,
            rule=run.popup,
            signals=await consent_signals(page),
            screenshots=shots,
        )
    await settle()
    still_shown: bool | None = None
    if popup is not None:
        try:
            still_shown = await popup.is_visible()
        except PlaywrightError:
            still_shown = None
    # autoconsent's own word (its steps ran; after an opt-out, its self-test) and the popup gone.
    verified = bool(run.result and run.done and run.self_test is not False and still_shown is not True)
    problems = [
        problem
        for problem, present in (
            (f"autoconsent's {choice} steps failed", not run.result),
            ("its self-test says the opt-out did not take", run.self_test is False),
            ("the popup still shows", still_shown is True),
        )
        if present
    ]
    return ConsentRecord(
        platform=run.popup,
        platform_id=None,
        banner_visible=True,
        choice=choice,
        engine=engine,
        rule=run.popup,
        taken=bool(run.result),
        steps=(f"autoconsent {action} with rule {run.popup!r}",),
        first_layer=None,  # autoconsent does not say how many layers its steps went through
        stored=choice if run.self_test else None,
        banner_after=still_shown,
        verified=verified,
        error=None
        if verified
        else f"the {choice} choice did not take: " + "; ".join(problems + run.errors or ["no result"]),
        signals=await consent_signals(page),
        screenshots=await screenshots.take(page, f"{phase}-after-{choice}"),
    )
