"""The configuration file: ``sitescan.toml``, or ``[tool.sitescan]`` in ``pyproject.toml``.

Keys the contract fixes are checked here, each error naming the file, the line and the key; other keys
are allowed (later checks read them).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sitescan.errors import SitescanError
from sitescan.urls import parse_target

COOKIE_CATEGORIES = ("necessary", "preferences", "analytics", "marketing")
THRESHOLDS = ("max_cookie_days", "certificate_expiring_days", "hsts_min_max_age")
OPTIONAL_KEYS = ("essential_cookies", "policy_sections", "thresholds")
WEBVIEWS = ("android", "ios")


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
        if not path.is_file():
            raise SitescanError(f"--config {path}: no such file")
        return _parse(path, pyproject=path.name == "pyproject.toml")
    if (directory / "sitescan.toml").is_file():
        return _parse(directory / "sitescan.toml", pyproject=False)
    if (directory / "pyproject.toml").is_file():
        return _parse(directory / "pyproject.toml", pyproject=True)
    return Config()


def _parse(path: Path, pyproject: bool) -> Config:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SitescanError(f"{path}: not valid TOML: {error}") from None
    if pyproject:
        data = data.get("tool", {}).get("sitescan")
        if data is None:
            return Config()
    checker = _Checker(path, text, "[tool.sitescan] " if pyproject else "")
    return checker.config(data)


class _Checker:
    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.prefix = prefix

    def fail(
        self, key: str, problem: str, table: str | None = None, index: int | None = None
    ) -> SitescanError:
        # The line to show: the key's own, or (for a value nested in an inline table or array) the line
        # of the outermost key inside the [[table]].
        parts = key.split(".")
        subtable = None
        if table is not None and len(parts) > 2 and parts[1] == "consent":  # [targets.consent.accept]
            subtable, parts = f"{table}.consent.{parts[2]}", parts[2:]
        searched = parts[1] if table is not None and len(parts) > 1 else parts[0]
        line = self._line_of(searched.split("[")[0], table, index, subtable)
        where = f"{self.path}:{line}" if line else str(self.path)
        return SitescanError(f"{where}: {self.prefix}{key}: {problem}")

    def _line_of(
        self, key: str, table: str | None, index: int | None, subtable: str | None = None
    ) -> int | None:
        """The line of ``key`` (inside the ``index``-th ``[[table]]`` when given, and its ``[subtable]``):
        for the message only."""
        start = 0
        if table is not None and index is not None:
            headers = [
                n
                for n, line in enumerate(self.lines)
                if re.match(rf"\s*\[\[\s*(tool\.sitescan\.)?{table}\s*\]\]", line)
            ]
            if index >= len(headers):
                return None
            start = headers[index]
            if key == table:
                return start + 1
        if subtable is not None:
            pattern = rf"\s*\[\s*(tool\.sitescan\.)?{re.escape(subtable)}\s*\]"
            found = (n for n in range(start, len(self.lines)) if re.match(pattern, self.lines[n]))
            start = next(found, start)
        for number in range(start, len(self.lines)):
            if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", self.lines[number]):
                return number + 1
        return start + 1 if table is not None else None

    def config(self, data: dict[str, Any]) -> Config:
        profiles = data.get("profiles", [])
        if not _is_list_of(profiles, str):
            raise self.fail("profiles", "must be a list of profile names")
        policy = data.get("privacy_policy")
        if policy is not None:
            self._url(policy, "privacy_policy")
        vendors = tuple(self._vendor(v, i) for i, v in enumerate(self._tables(data, "vendors")))
        cookies = tuple(self._cookie(c, i) for i, c in enumerate(self._tables(data, "cookies")))
        targets = tuple(self._target(t, i) for i, t in enumerate(self._tables(data, "targets")))
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
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise self.fail(f"thresholds.{key}", "must be a number, 0 or more")
        known = {"profiles", "privacy_policy", "vendors", "cookies", "targets", *OPTIONAL_KEYS}
        extra = {k: v for k, v in data.items() if k not in known}
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

    def _url(self, value: Any, key: str, table: str | None = None, index: int | None = None) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "must be a URL string", table, index)
        try:
            return parse_target(value)
        except SitescanError as error:
            raise self.fail(key, str(error), table, index) from None

    def _string(
        self, entry: dict[str, Any], key: str, table: str, index: int, required: bool = True
    ) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{table}[{index}].{key}", "must be a non-empty string", table, index)
        return value

    def _vendor(self, entry: dict[str, Any], index: int) -> dict[str, Any]:
        self._string(entry, "name", "vendors", index)
        for key in ("domains", "purposes"):
            if not _is_list_of(entry.get(key, []), str):
                raise self.fail(f"vendors[{index}].{key}", "must be a list of strings", "vendors", index)
        return entry

    def _cookie(self, entry: dict[str, Any], index: int) -> dict[str, Any]:
        self._string(entry, "name", "cookies", index)
        if entry.get("category") not in COOKIE_CATEGORIES:
            raise self.fail(
                f"cookies[{index}].category",
                f"must be one of {', '.join(COOKIE_CATEGORIES)}",
                "cookies",
                index,
            )
        self._string(entry, "vendor", "cookies", index, required=False)
        return entry

    def _target(self, entry: dict[str, Any], index: int) -> Target:
        where = f"targets[{index}]"
        url = self._url(entry.get("url"), f"{where}.url", "targets", index)
        webview = entry.get("webview")
        if webview is not None and webview not in WEBVIEWS:
            raise self.fail(f"{where}.webview", "must be 'android' or 'ios'", "targets", index)
        headers = entry.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise self.fail(f"{where}.headers", "must be a table of strings", "targets", index)
        consent = entry.get("consent", {})
        if not isinstance(consent, dict) or set(consent) - {"accept", "reject"}:
            raise self.fail(
                f"{where}.consent", "must hold [targets.consent.accept] and/or [targets.consent.reject]",
                "targets", index,
            )  # fmt: skip
        return Target(
            url=url,
            webview=webview,
            device=self._string(entry, "device", "targets", index, required=False),
            user_agent=self._string(entry, "user_agent", "targets", index, required=False),
            headers=tuple(headers.items()),
            cookies=self._handed_cookies(entry, where, index),
            local_storage=self._strings(entry, "local_storage", where, index),
            consent=tuple(
                (choice, self._consent(consent[choice], f"{where}.consent.{choice}", index))  # type: ignore[misc]
                for choice in ("accept", "reject")
                if choice in consent
            ),
        )

    def _consent(self, entry: Any, where: str, index: int) -> ConsentHandOver:
        if (
            not isinstance(entry, dict)
            or not entry
            or set(entry) - {"cookies", "local_storage", "url_params"}
        ):
            raise self.fail(where, "must set cookies, local_storage and/or url_params", "targets", index)
        return ConsentHandOver(
            cookies=self._handed_cookies(entry, where, index),
            local_storage=self._strings(entry, "local_storage", where, index),
            url_params=self._strings(entry, "url_params", where, index),
        )

    def _strings(
        self, entry: dict[str, Any], key: str, where: str, index: int
    ) -> tuple[tuple[str, str], ...]:
        table = entry.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise self.fail(f"{where}.{key}", "must be a table of strings", "targets", index)
        return tuple(table.items())

    def _handed_cookies(self, entry: dict[str, Any], where: str, index: int) -> tuple[HandedCookie, ...]:
        cookies = entry.get("cookies", [])
        if not isinstance(cookies, list):
            raise self.fail(f"{where}.cookies", "must be a list of inline tables", "targets", index)
        return tuple(self._handed_cookie(c, f"{where}.cookies[{n}]", index) for n, c in enumerate(cookies))

    def _handed_cookie(self, entry: Any, where: str, index: int) -> HandedCookie:
        if not isinstance(entry, dict):
            raise self.fail(where, "must be an inline table {name, value, domain}", "targets", index)
        for key in ("name", "value", "domain"):
            if not isinstance(entry.get(key), str) or (key != "value" and not entry[key]):
                raise self.fail(f"{where}.{key}", "must be a string", "targets", index)
        same_site = entry.get("same_site", "Lax")
        if same_site not in ("Strict", "Lax", "None"):
            raise self.fail(f"{where}.same_site", "must be Strict, Lax or None", "targets", index)
        return HandedCookie(
            entry["name"],
            entry["value"],
            entry["domain"],
            entry.get("path", "/"),
            bool(entry.get("secure", True)),
            bool(entry.get("http_only", False)),
            same_site,
        )


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)
