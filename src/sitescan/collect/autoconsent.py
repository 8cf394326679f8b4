"""DuckDuckGo's autoconsent (npm ``@duckduckgo/autoconsent``, MPL-2.0) for the long tail of consent managers.

sitescan's own platform rules run first; where none matches, autoconsent's ~800 rules get a turn before
sitescan's generic text rules. Its Playwright content script runs in each frame of the page and talks to
sitescan through a message queue that sitescan drains (no binding stays on the page after the visit).

The bundle is not shipped with sitescan: ``sitescan autoconsent install`` fetches a pinned release from
the npm registry (checking the registry's SHA-512) into a cache.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import tarfile
import time
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from sitescan.errors import SitescanError

PACKAGE = "@duckduckgo/autoconsent"
PINNED_VERSION = "16.23.0"  # the release sitescan is tested with
BUNDLE_FILES = {
    "package/dist/autoconsent.playwright.js": "autoconsent.playwright.js",
    "package/rules/rules.json": "rules.json",
    "package/LICENSE": "LICENSE",
}
DEADLINE = 8.0  # seconds for one run: detection retries, popup wait (5 s) and the clicks
POLL = 0.1
SELF_TEST_WAIT = 3.0

Action = Literal["optIn", "optOut"]

# Installs the message queue autoconsent's content script sends to, then the content script itself.
_QUEUE_JS = """() => {
  if (!window.__sitescanAutoconsent) {
    const queue = [];
    Object.defineProperty(window, '__sitescanAutoconsent', {value: queue});
    window.autoconsentSendMessage = (message) => {
      queue.push(JSON.parse(JSON.stringify(message)));
      return Promise.resolve();
    };
  }
}"""
_DRAIN_JS = "(window.__sitescanAutoconsent || []).splice(0)"
_SEND_JS = "(message) => window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(message)"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sitescan" / "autoconsent"


@dataclass(frozen=True)
class Bundle:
    version: str
    directory: Path

    @property
    def script(self) -> str:
        return _read(self.directory / "autoconsent.playwright.js")

    @property
    def rules(self) -> dict[str, Any]:
        return _rules(self.directory / "rules.json")

    def popup_selectors(self, rule_name: str) -> tuple[str, ...]:
        """The selectors whose visibility is the rule's popup test (empty when the rule is code)."""
        for rule in self.rules["autoconsent"]:
            if rule["name"] == rule_name:
                steps = rule.get("detectPopup", [])
                if steps and all(set(s) == {"visible"} and isinstance(s["visible"], str) for s in steps):
                    return tuple(s["visible"] for s in steps)
                return ()
        return ()


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def _rules(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def find_bundle() -> Bundle | None:
    """``SITESCAN_AUTOCONSENT`` (a folder holding the bundle), else the pinned release in the cache."""
    override = os.environ.get("SITESCAN_AUTOCONSENT")
    directory = Path(override) if override else cache_root() / PINNED_VERSION
    if not all((directory / name).is_file() for name in BUNDLE_FILES.values()):
        return None
    version_file = directory / "VERSION"
    version = version_file.read_text().strip() if version_file.is_file() else directory.name
    return Bundle(version, directory)


def install(version: str = PINNED_VERSION, registry: str | None = None) -> Bundle:
    """Fetch the release from the npm registry into the cache (nothing to do when it is there)."""
    directory = cache_root() / version
    if all((directory / name).is_file() for name in BUNDLE_FILES.values()):
        return Bundle(version, directory)
    registry = (registry or os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org").rstrip("/")
    try:
        with urllib.request.urlopen(f"{registry}/{PACKAGE.replace('/', '%2f')}/{version}", timeout=60) as r:
            dist = json.load(r)["dist"]
        with urllib.request.urlopen(dist["tarball"], timeout=120) as r:
            tarball = r.read()
    except (OSError, KeyError, ValueError) as error:
        reason = getattr(error, "reason", error)  # URLError wraps the socket's own message
        raise SitescanError(f"could not fetch {PACKAGE}@{version} from {registry}: {reason}") from None
    algorithm, _, expected = dist.get("integrity", "").partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() != expected:
        raise SitescanError(f"{PACKAGE}@{version}: the download does not match the registry's SHA-512")
    staging = directory.with_name(f".{version}.{os.getpid()}")
    staging.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member, name in BUNDLE_FILES.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SitescanError(f"{PACKAGE}@{version}: {member} is missing from the package")
            (staging / name).write_bytes(extracted.read())
    (staging / "VERSION").write_text(version + "\n")
    if directory.exists():
        for old in directory.iterdir():
            old.unlink()
        directory.rmdir()
    staging.rename(directory)
    return Bundle(version, directory)


@dataclass
class AutoconsentRun:
    """What autoconsent reported on one page."""

    detected: list[str] = field(default_factory=list)  # rules whose CMP is on the page
    popup: str | None = None  # the rule whose popup shows
    popup_frame_url: str | None = None
    result: bool | None = None  # the opt-in / opt-out steps succeeded
    done: bool = False  # autoconsent finished the choice (not an intermediate step)
    self_test: bool | None = None  # after an opt-out: the rule's own check of the stored state
    errors: list[str] = field(default_factory=list)


@dataclass
class _Instance:
    """autoconsent in one frame: its isolated world, and the frame's own (main) world for eval rules."""

    url: str
    world: int
    main_world: int | None
    lifecycle: str = "loading"


async def run_autoconsent(page: Page, bundle: Bundle, action: Action | None) -> AutoconsentRun:
    """Run autoconsent on a settled page: with no action it only looks for a popup; with one it takes it
    (and, after an opt-out, runs the rule's self-test).

    It runs in an isolated world of each frame, as in a browser extension: the page cannot see or tamper
    with it, and its own timers do not count as the page's (they would hold up the settle)."""
    outcome = AutoconsentRun()
    config = {
        "enabled": True,
        "autoAction": action,
        "disabledCmps": [],
        "enablePrehide": False,
        "enableCosmeticRules": False,  # hiding a banner is not a choice
        "enableGeneratedRules": True,
        "detectRetries": 0,  # the page has settled: one pass is enough
        "heuristicMode": "off",  # sitescan's generic rules do that job, after autoconsent
        "logs": {"errors": False},
    }
    session = await page.context.new_cdp_session(page)
    try:
        instances = await _start(session, bundle)
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and instances:
            for instance in list(instances):
                messages = await _evaluate(session, instance.world, _DRAIN_JS)
                if messages is None:
                    instances.remove(instance)
                    continue
                for message in messages:
                    await _handle(session, instance, message, config, bundle, outcome)
            if _finished(outcome, action, instances):
                break
            await asyncio.sleep(POLL)
        popup = next((i for i in instances if i.url == outcome.popup_frame_url), None)
        if action == "optOut" and outcome.result and popup is not None:
            await _self_test(session, popup, config, bundle, outcome)
    finally:
        await session.detach()
    return outcome


async def _start(session: CDPSession, bundle: Bundle) -> list[_Instance]:
    main_worlds: dict[str, int] = {}
    session.on(
        "Runtime.executionContextCreated",
        lambda event: (
            main_worlds.setdefault(event["context"]["auxData"]["frameId"], event["context"]["id"])
            if event["context"].get("auxData", {}).get("isDefault")
            else None
        ),
    )
    await session.send("Runtime.enable")  # reports every existing context first
    tree = (await session.send("Page.getFrameTree"))["frameTree"]
    frames: list[dict[str, Any]] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        frames.append(node["frame"])
        pending.extend(node.get("childFrames", []))
    instances = []
    for frame in frames:
        try:
            world = await session.send(
                "Page.createIsolatedWorld", {"frameId": frame["id"], "worldName": "sitescan-autoconsent"}
            )
        except PlaywrightError:
            continue  # a frame that went away
        instance = _Instance(frame["url"], world["executionContextId"], main_worlds.get(frame["id"]))
        if await _evaluate(session, instance.world, f"({_QUEUE_JS})(); {bundle.script}; true"):
            instances.append(instance)
    return instances


async def _evaluate(session: CDPSession, context: int, expression: str, wait: bool = True) -> Any:
    """The expression's value in that world (``wait``: once its promise settles); None when it fails (the
    frame went away, the code threw)."""
    try:
        answer = await session.send(
            "Runtime.evaluate",
            {"expression": expression, "contextId": context, "returnByValue": True, "awaitPromise": wait},
        )
    except PlaywrightError:
        return None
    if "exceptionDetails" in answer:
        return None
    return answer["result"].get("value")


async def _send(session: CDPSession, instance: _Instance, message: dict[str, Any]) -> None:
    # Not awaited: handling a message may need sitescan's answer to another (an eval) first.
    await _evaluate(session, instance.world, f"({_SEND_JS})({json.dumps(message)})", wait=False)


async def _handle(
    session: CDPSession,
    instance: _Instance,
    message: dict[str, Any],
    config: dict[str, Any],
    bundle: Bundle,
    outcome: AutoconsentRun,
) -> None:
    kind = message.get("type")
    if kind == "init":
        await _send(session, instance, {"type": "initResp", "config": config, "rules": bundle.rules})
    elif kind == "eval":
        # A rule's snippet for the page's own world (a CMP's JavaScript API, such as "reject all").
        result = False
        if instance.main_world is not None:
            result = bool(await _evaluate(session, instance.main_world, message["code"]))
        await _send(session, instance, {"type": "evalResp", "id": message["id"], "result": result})
    elif kind == "report":
        instance.lifecycle = message.get("state", {}).get("lifecycle", instance.lifecycle)
    elif kind == "cmpDetected":
        outcome.detected.append(message["cmp"])
    elif kind == "popupFound" and outcome.popup is None:
        outcome.popup, outcome.popup_frame_url = message["cmp"], instance.url
    elif kind in ("optInResult", "optOutResult"):
        outcome.result = bool(message.get("result"))
    elif kind == "autoconsentDone":
        outcome.done = True
    elif kind == "selfTestResult":
        outcome.self_test = bool(message.get("result"))
    elif kind == "autoconsentError":
        outcome.errors.append(json.dumps(message.get("details"))[:300])


def _finished(outcome: AutoconsentRun, action: Action | None, instances: list[_Instance]) -> bool:
    if action is None and outcome.popup:
        return True
    if outcome.done or outcome.result is False:
        return True
    # Every frame looked and found nothing (or gave up on its choice).
    return all(i.lifecycle in ("nothingDetected", "optOutFailed", "optInFailed", "done") for i in instances)


async def _self_test(
    session: CDPSession, instance: _Instance, config: dict[str, Any], bundle: Bundle, outcome: AutoconsentRun
) -> None:
    await _send(session, instance, {"type": "selfTest"})
    deadline = time.monotonic() + SELF_TEST_WAIT
    while time.monotonic() < deadline and outcome.self_test is None:
        for message in await _evaluate(session, instance.world, _DRAIN_JS) or []:
            await _handle(session, instance, message, config, bundle, outcome)
        await asyncio.sleep(POLL)
