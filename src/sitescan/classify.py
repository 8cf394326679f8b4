"""Who is behind a host, a cookie or a collection endpoint, from the data in ``rules/``.

What no entry matches stays unknown: a category is never guessed.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

COOKIE_CATEGORIES = ("necessary", "preferences", "analytics", "marketing")
TRACKING_CATEGORIES = frozenset({"analytics", "marketing", "social", "session-replay"})


@dataclass(frozen=True)
class Vendor:
    name: str
    company: str
    country: str
    category: str
    source: str


@dataclass(frozen=True)
class CookieRule:
    pattern: str
    vendor: str
    category: str
    hosts: tuple[str, ...]
    source: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Endpoint:
    host: str
    path: str
    vendor: str


def _read(relative: str) -> dict[str, Any]:
    return tomllib.loads(files("sitescan.rules").joinpath(relative).read_text(encoding="utf-8"))


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


class Classifier:
    def __init__(self, vendors: dict[str, Any], cookies: dict[str, Any], endpoints: dict[str, Any]) -> None:
        self._by_host: dict[str, Vendor] = {}
        for entry in vendors.get("vendor", []):
            vendor = Vendor(
                entry["name"], entry["company"], entry["country"], entry["category"], entry["source"]
            )
            for host in entry["hosts"]:
                self._by_host[host.lower()] = vendor
        self._cookie_rules = [
            CookieRule(
                entry["pattern"],
                entry["vendor"],
                entry["category"],
                tuple(h.lower() for h in entry.get("hosts", ())),
                entry["source"],
                re.compile(fnmatch.translate(entry["pattern"])),
            )
            for entry in cookies.get("cookie", [])
        ]
        # The most specific rule wins: one tied to the cookie's domain, then an exact name, then the
        # pattern with the most literal characters.
        self._cookie_rules.sort(
            key=lambda r: (not r.hosts, "*" in r.pattern, -len(r.pattern.replace("*", "")))
        )
        self._endpoints = [
            Endpoint(e["host"].lower(), e["path"], e["vendor"]) for e in endpoints.get("endpoint", [])
        ]

    @classmethod
    @cache
    def bundled(cls) -> Classifier:
        return cls(
            _read("trackers/vendors.toml"), _read("cookies/patterns.toml"), _read("trackers/endpoints.toml")
        )

    def vendor_for_host(self, host: str) -> Vendor | None:
        """The entry for the host itself or its nearest parent domain (the longest match wins)."""
        labels = host.lower().strip(".").split(".")
        for start in range(len(labels)):
            vendor = self._by_host.get(".".join(labels[start:]))
            if vendor:
                return vendor
        return None

    def cookie_rule(self, name: str, domain: str) -> CookieRule | None:
        host = domain.lower().lstrip(".")
        for rule in self._cookie_rules:
            if rule.regex.fullmatch(name) and (not rule.hosts or any(_under(host, h) for h in rule.hosts)):
                return rule
        return None

    def endpoint_for(self, host: str, path: str) -> Endpoint | None:
        host = host.lower()
        for endpoint in self._endpoints:
            host_matches = (
                _under(host, endpoint.host[1:]) if endpoint.host.startswith(".") else host == endpoint.host
            )
            if host_matches and path.startswith(endpoint.path):
                return endpoint
        return None
