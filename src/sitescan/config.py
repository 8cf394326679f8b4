"""The configuration file: ``sitescan.toml``, or ``[tool.sitescan]`` in ``pyproject.toml``.

Keys the contract fixes are checked here, each error naming the file, the line and the key; other keys
are allowed (later checks read them).
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from sitescan.errors import SitescanError
from sitescan.urls import parse_target, url_site

COOKIE_CATEGORIES = ("necessary", "preferences", "analytics", "marketing")
THRESHOLDS = ("max_cookie_days", "certificate_expiring_days", "hsts_min_max_age")
OPTIONAL_KEYS = ("essential_cookies", "policy_sections", "thresholds")
WEBVIEWS = ("android", "ios")
LOGIN_ENV_KEYS = ("username_env", "password_env")
LOGIN_SELECTOR_KEYS = ("username_field", "password_field", "submit", "logged_in")
LOGIN_KEYS = ("url", *LOGIN_ENV_KEYS, *LOGIN_SELECTOR_KEYS)
# Capitals only, as environment variables are named: a password pasted in place of a name is then refused
# without being echoed, where "the variable ... is not set" would print it.
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
TARGET_KEYS = (
    "url", "webview", "device", "user_agent", "headers", "cookies", "local_storage", "consent", "login",
)  # fmt: skip
HANDED_COOKIE_KEYS = ("name", "value", "domain", "path", "secure", "http_only", "same_site")
CONSENT_KEYS = ("cookies", "local_storage", "url_params")
# RFC 9110's token: what a header name may be (Playwright refuses others in the middle of a scan).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Where keys are in the file, for the messages: table headers and the keys of "key = value" lines.
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_TABLE_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED_KEY})\s*\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(rf"\s*({_DOTTED_KEY})\s*=")


@dataclass(frozen=True)
class HandedCookie:
    """A cookie an app puts in its web view before the first page (a session, a consent choice)."""

    name: str
    value: str
    domain: str
    path: str = "/"
    secure: bool = True
    http_only: bool = False
    same_site: Literal["Strict", "Lax", "None"] = "Lax"


@dataclass(frozen=True)
class ConsentHandOver:
    """How an app passes the visitor's consent choice into its web view: the phase it defines is
    after-accept or after-reject, with no banner clicked."""

    cookies: tuple[HandedCookie, ...] = ()
    local_storage: tuple[tuple[str, str], ...] = ()
    url_params: tuple[tuple[str, str], ...] = ()  # added to the start URL the app opens


@dataclass(frozen=True)
class Login:
    """How to log in before a target's crawl ([targets.login]): the login page, the names of the
    environment variables that hold the credentials (the values never go in the file), and CSS selectors
    where the defaults do not fit."""

    url: str  # on the target's site
    username_env: str
    password_env: str
    username_field: str | None = None  # default: the password field's form's e-mail, else text, input
    password_field: str | None = None  # default: the page's password input
    submit: str | None = None  # default: submit the password field's form
    logged_in: str | None = None  # present once logged in: how the login is known to have worked
    # Where each *_env key is in the file ("sitescan.toml:9: targets[0].login.password_env"): an unset
    # variable is found only when a scan reads it.
    places: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    def credentials(self, environ: Mapping[str, str]) -> tuple[str, str]:
        """The username and the password; a one-line error naming a variable that is unset or empty."""
        values = []
        for key in LOGIN_ENV_KEYS:
            name = getattr(self, key)
            value = environ.get(name, "")
            if not value:
                place = dict(self.places).get(key, f"[targets.login] {key}")
                state = "empty" if name in environ else "not set"
                raise SitescanError(f"{place}: the environment variable {name} is {state}")
            values.append(value)
        return values[0], values[1]


@dataclass(frozen=True)
class Target:
    """Per-site settings: how an app's web view (or a staging site) is to be visited."""

    url: str
    webview: Literal["android", "ios"] | None = None
    device: str | None = None
    user_agent: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # sent with requests to the target's own site only
    cookies: tuple[HandedCookie, ...] = ()
    local_storage: tuple[tuple[str, str], ...] = ()  # set on the target's origin before its scripts run
    consent: tuple[tuple[Literal["accept", "reject"], ConsentHandOver], ...] = ()  # [targets.consent.*]
    login: Login | None = None  # [targets.login]: log in before each phase's crawl

    def consent_for(self, choice: str | None) -> ConsentHandOver | None:
        return dict(self.consent).get(choice) if choice else None  # type: ignore[call-overload]


@dataclass(frozen=True)
class Config:
    source: str | None = None  # "sitescan.toml" or "pyproject.toml [tool.sitescan]"; None: no file
    profiles: tuple[str, ...] = ()
    privacy_policy: str | None = None
    vendors: tuple[dict[str, Any], ...] = ()
    cookies: tuple[dict[str, Any], ...] = ()
    targets: tuple[Target, ...] = ()
    essential_cookies: tuple[str, ...] = ()  # names or globs exempt from consent: the site needs them
    policy_sections: tuple[str, ...] = ()  # headings the privacy policy page must have
    thresholds: tuple[tuple[str, float], ...] = ()  # override the profile's (rules/profiles.toml)
    extra: dict[str, Any] = field(default_factory=dict)

    def target_for(self, url: str) -> Target:
        return next((t for t in self.targets if t.url == url), Target(url))


def load_config(path: Path | None, directory: Path | None = None) -> Config:
    """``path`` if given (it must exist), else ``sitescan.toml``, else ``[tool.sitescan]`` in
    ``pyproject.toml`` in ``directory`` (default: the working directory); else an empty Config."""
    directory = directory or Path.cwd()
    if path is not None:
        if path.is_dir():
            raise SitescanError(f"--config {path}: is a folder, not a file")
        if not path.exists():
            raise SitescanError(f"--config {path}: no such file")
        return _parse(path, pyproject=path.name == "pyproject.toml")
    if (directory / "sitescan.toml").is_file():
        return _parse(directory / "sitescan.toml", pyproject=False)
    if (directory / "pyproject.toml").is_file():
        return _parse(directory / "pyproject.toml", pyproject=True)
    return Config()


def device_hint(name: str) -> str | None:
    """None when ``name`` is one of Playwright's devices; else what to say instead (the closest names)."""
    names = _playwright_devices()
    if names is None or name in names:
        return None
    by_lower = {known.lower(): known for known in names}
    close = [by_lower[match] for match in difflib.get_close_matches(name.lower(), by_lower, n=3)]
    if close:
        return f"did you mean {_either(close)}?"
    return "not one of Playwright's device names, such as 'Pixel 7' or 'iPhone 15'"


@cache
def _playwright_devices() -> frozenset[str] | None:
    """Playwright's device names. Its driver holds them: starting it takes about a second, and no browser.
    None when the driver cannot start (the scan then says why)."""
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            return frozenset(playwright.devices)
    except (Error, OSError):
        return None


def _parse(path: Path, pyproject: bool) -> Config:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SitescanError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark, as some editors write
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SitescanError(
            f"{path}:{line}: not UTF-8 (byte 0x{raw[error.start]:02x}): a TOML file is UTF-8 text"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says "(at line N, column M)", except at the very end: say which line that is too.
        message = str(error).replace("(at end of document)", f"(at the end, line {text.count(chr(10)) + 1})")
        raise SitescanError(f"{path}: not valid TOML: {message}") from None
    checker = _Checker(path, text, pyproject)
    if not pyproject:
        return checker.config(data)
    tool = data.get("tool")
    section = tool.get("sitescan") if isinstance(tool, dict) else None
    if section is None:
        return Config()
    if not isinstance(section, dict):
        raise checker.fail("", "must be a table")
    return checker.config(section)


def _key_path(key: str) -> tuple[str | int, ...]:
    """``targets[0].cookies[1].name`` as ("targets", 0, "cookies", 1, "name")."""
    parts = re.findall(r"\[\d+\]|[^.[]+", key)
    return tuple(int(part[1:-1]) if part.startswith("[") else part for part in parts)


def _key_names(dotted: str) -> list[str]:
    return [name.strip("\"'") for name in re.findall(_KEY, dotted)]


class _Checker:
    def __init__(self, path: Path, text: str, pyproject: bool) -> None:
        self.path = path
        self.root: tuple[str | int, ...] = ("tool", "sitescan") if pyproject else ()
        self.prefix = "[tool.sitescan] " if pyproject else ""
        self.locations = _locations(text.splitlines())

    def fail(self, key: str, problem: str) -> SitescanError:
        return SitescanError(f"{self.place(key)}: {problem}")

    def place(self, key: str) -> str:
        """``file:line: key`` for ``key`` as the messages name it (``targets[0].cookies[1].name``): the line
        of the deepest table header or ``key = value`` line that holds it."""
        wanted = self.root + _key_path(key)
        holders = [(len(path), -line) for path, line in self.locations if wanted[: len(path)] == path]
        where = f"{self.path}:{-max(holders)[1]}" if holders else str(self.path)
        return f"{where}: {self.prefix}{key}" if key else f"{where}: [tool.sitescan]"

    def config(self, data: dict[str, Any]) -> Config:
        profiles = data.get("profiles", [])
        if not _is_list_of(profiles, str):
            raise self.fail("profiles", "must be a list of profile names")
        known = _known_profiles()
        for name in profiles:
            if name not in known:
                raise self.fail("profiles", f"unknown profile {name!r}: choose from {', '.join(known)}")
        policy = data.get("privacy_policy")
        if policy is not None:
            self._url(policy, "privacy_policy")
        vendors = tuple(self._vendor(v, f"vendors[{i}]") for i, v in enumerate(self._tables(data, "vendors")))
        cookies = tuple(self._cookie(c, f"cookies[{i}]") for i, c in enumerate(self._tables(data, "cookies")))
        targets = tuple(self._target(t, f"targets[{i}]") for i, t in enumerate(self._tables(data, "targets")))
        for key in ("essential_cookies", "policy_sections"):
            if not _is_list_of(data.get(key, []), str):
                raise self.fail(key, "must be a list of strings")
        thresholds = data.get("thresholds", {})
        if not isinstance(thresholds, dict):
            raise self.fail("thresholds", "must be a table ([thresholds])")
        for key, value in thresholds.items():
            if key not in THRESHOLDS:
                raise self.fail(
                    f"thresholds.{key}", f"unknown threshold: choose from {', '.join(THRESHOLDS)}"
                )
            # Not inf or nan either: the profile's whole numbers are made from them.
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise self.fail(f"thresholds.{key}", "must be a number, 0 or more")
        fixed = {"profiles", "privacy_policy", "vendors", "cookies", "targets", *OPTIONAL_KEYS}
        extra = {k: v for k, v in data.items() if k not in fixed}
        return Config(
            str(self.path),
            tuple(profiles),
            policy,
            vendors,
            cookies,
            targets,
            tuple(data.get("essential_cookies", ())),
            tuple(data.get("policy_sections", ())),
            tuple(thresholds.items()),
            extra,
        )

    def _tables(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        tables = data.get(name, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.fail(name, f"must be an array of tables ([[{name}]])")
        return tables

    def _url(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "must be a URL string")
        try:
            return parse_target(value)
        except SitescanError as error:
            raise self.fail(key, str(error)) from None

    def _string(self, entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where}.{key}", "must be a non-empty string")
        return value

    def _known_keys(self, entry: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        """A misspelt key would be ignored silently: refuse it, with the key meant."""
        for key in entry:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"expected {_either(allowed)}"
                raise self.fail(f"{where}.{key}", f"unknown key: {hint}")

    def _vendor(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        self._string(entry, "name", where)
        for key in ("domains", "purposes"):
            if not _is_list_of(entry.get(key, []), str):
                raise self.fail(f"{where}.{key}", "must be a list of strings")
        return entry

    def _cookie(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        self._string(entry, "name", where)
        if entry.get("category") not in COOKIE_CATEGORIES:
            raise self.fail(f"{where}.category", f"must be one of {', '.join(COOKIE_CATEGORIES)}")
        self._string(entry, "vendor", where, required=False)
        return entry

    def _target(self, entry: dict[str, Any], where: str) -> Target:
        url = self._url(entry.get("url"), f"{where}.url")
        self._known_keys(entry, TARGET_KEYS, where)
        webview = entry.get("webview")
        if webview is not None and webview not in WEBVIEWS:
            raise self.fail(f"{where}.webview", "must be 'android' or 'ios'")
        device = self._string(entry, "device", where, required=False)
        hint = device_hint(device) if device is not None else None
        if hint:
            raise self.fail(f"{where}.device", f"unknown device {device!r}: {hint}")
        consent = entry.get("consent", {})
        if not isinstance(consent, dict) or set(consent) - {"accept", "reject"}:
            raise self.fail(
                f"{where}.consent", "must hold [targets.consent.accept] and/or [targets.consent.reject]"
            )
        return Target(
            url=url,
            webview=webview,
            device=device,
            user_agent=self._string(entry, "user_agent", where, required=False),
            headers=self._headers(entry.get("headers", {}), f"{where}.headers"),
            cookies=self._handed_cookies(entry, where),
            local_storage=self._strings(entry, "local_storage", where),
            consent=tuple(
                (choice, self._consent(consent[choice], f"{where}.consent.{choice}"))  # type: ignore[misc]
                for choice in ("accept", "reject")
                if choice in consent
            ),
            login=self._login(entry.get("login"), f"{where}.login", url),
        )

    def _login(self, entry: Any, where: str, target_url: str) -> Login | None:
        if entry is None:
            return None
        if not isinstance(entry, dict):
            raise self.fail(where, "must be a table ([targets.login])")
        for key in ("username", "password"):
            if key in entry:  # named, never shown: the value is the secret
                raise self.fail(
                    f"{where}.{key}",
                    f"credentials never go in the config file: put the {key} in an environment variable "
                    f"and name it with {key}_env",
                )
        self._known_keys(entry, LOGIN_KEYS, where)
        url = self._url(entry.get("url"), f"{where}.url")
        if url_site(url) != url_site(target_url):
            raise self.fail(f"{where}.url", f"must be on the target's site ({url_site(target_url)})")
        for key in LOGIN_ENV_KEYS:
            if not isinstance(entry.get(key), str) or not ENV_NAME.fullmatch(entry[key]):
                # The value is not shown: it may be the secret itself, pasted in place of the name.
                raise self.fail(f"{where}.{key}", "must name an environment variable (A-Z, 0-9 and _)")
        selectors = {key: self._string(entry, key, where, required=False) for key in LOGIN_SELECTOR_KEYS}
        return Login(
            url,
            entry["username_env"],
            entry["password_env"],
            **selectors,
            places=tuple((key, self.place(f"{where}.{key}")) for key in LOGIN_ENV_KEYS),
        )

    def _headers(self, headers: Any, where: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise self.fail(where, "must be a table of strings")
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise self.fail(where, f"{name!r} is not a header name")
            if re.search(r"[\r\n\x00]", value):
                raise self.fail(where, f"the value of {name!r} holds a line break or NUL")
        return tuple(headers.items())

    def _consent(self, entry: Any, where: str) -> ConsentHandOver:
        if not isinstance(entry, dict) or not entry or set(entry) - set(CONSENT_KEYS):
            raise self.fail(where, "must set cookies, local_storage and/or url_params")
        return ConsentHandOver(
            cookies=self._handed_cookies(entry, where),
            local_storage=self._strings(entry, "local_storage", where),
            url_params=self._strings(entry, "url_params", where),
        )

    def _strings(self, entry: dict[str, Any], key: str, where: str) -> tuple[tuple[str, str], ...]:
        table = entry.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise self.fail(f"{where}.{key}", "must be a table of strings")
        return tuple(table.items())

    def _handed_cookies(self, entry: dict[str, Any], where: str) -> tuple[HandedCookie, ...]:
        cookies = entry.get("cookies", [])
        if not isinstance(cookies, list):
            raise self.fail(f"{where}.cookies", "must be a list of inline tables")
        return tuple(self._handed_cookie(c, f"{where}.cookies[{n}]") for n, c in enumerate(cookies))

    def _handed_cookie(self, entry: Any, where: str) -> HandedCookie:
        if not isinstance(entry, dict):
            raise self.fail(where, "must be an inline table {name, value, domain}")
        self._known_keys(entry, HANDED_COOKIE_KEYS, where)
        for key in ("name", "value", "domain"):
            if not isinstance(entry.get(key), str) or (key != "value" and not entry[key]):
                raise self.fail(f"{where}.{key}", "must be a string")
        path = entry.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            raise self.fail(f"{where}.path", "must be a path starting with /")
        for key in ("secure", "http_only"):
            if not isinstance(entry.get(key, False), bool):
                raise self.fail(f"{where}.{key}", "must be true or false")
        same_site = entry.get("same_site", "Lax")
        if same_site not in ("Strict", "Lax", "None"):
            raise self.fail(f"{where}.same_site", "must be Strict, Lax or None")
        return HandedCookie(
            entry["name"],
            entry["value"],
            entry["domain"],
            path,
            entry.get("secure", True),
            entry.get("http_only", False),
            same_site,
        )


def _locations(lines: list[str]) -> list[tuple[tuple[str | int, ...], int]]:
    """Each table header and ``key = value`` line, with the full key path it defines (the n-th
    ``[[targets]]`` is ("targets", n - 1)). A reading for error messages only: values spanning lines are
    not followed."""
    found: list[tuple[tuple[str | int, ...], int]] = []
    table: tuple[str | int, ...] = ()
    arrays: dict[tuple[str | int, ...], int] = {}  # each array of tables: the index of its last one
    for number, line in enumerate(lines, 1):
        header = _TABLE_HEADER.match(line)
        if header:
            path: tuple[str | int, ...] = ()
            for name in _key_names(header[2]):
                path += (name,)
                if path in arrays:  # a table inside the array's last element
                    path += (arrays[path],)
            if header[1] == "[[":
                bare = path[:-1] if path[:-1] in arrays else path
                arrays[bare] = arrays.get(bare, -1) + 1
                path = (*bare, arrays[bare])
            table = path
            found.append((table, number))
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            found.append(((*table, *_key_names(assignment[1])), number))
    return found


def _known_profiles() -> tuple[str, ...]:
    from sitescan.checks.engine import known_profiles  # the rule engine reads Config: import when used

    return known_profiles()


def _either(names: Iterable[str]) -> str:
    """'a', 'b' or 'c'."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)
