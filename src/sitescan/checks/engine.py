"""The rule engine: rules as data (``rules/checks.toml``), their logic as pure functions over evidence.

A check function gets the :class:`Evidence` (the scan's artifacts, the classified catalogue, the config
and the profile's thresholds) and yields :class:`Hit` s; the engine turns them into findings with the
rule's severity and title. Checks never touch a browser or the network.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from sitescan.artifacts import EmailMessage, ScanArtifacts
from sitescan.classify import Classifier
from sitescan.config import Config
from sitescan.errors import SitescanError

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
DEFAULT_PROFILES = ("canada",)


@dataclass(frozen=True)
class RuleMeta:
    id: str
    severity: Severity
    profiles: tuple[str, ...]
    kind: Literal["site", "email"]
    title: str
    checks: str
    rationale: str
    remediation: str
    references: tuple[str, ...]

    def explained(self) -> str:
        """Everything about the rule, as plain text (sitescan rules --explain, SARIF's help)."""
        references = "".join(f"\n  - {reference}" for reference in self.references) or " none"
        return (
            f"{self.id} ({self.severity}; profiles: {', '.join(self.profiles)}; {self.kind})\n"
            f"{self.title}\n\n"
            f"What it checks: {self.checks}\n\n"
            f"Why it matters: {self.rationale}\n\n"
            f"How to fix: {self.remediation}\n\n"
            f"References:{references}"
        )


@dataclass(frozen=True)
class Profile:
    """The thresholds of the scan's profiles (the strictest where several apply)."""

    names: tuple[str, ...]
    consent_cookie_categories: frozenset[str]
    max_cookie_days: float
    certificate_expiring_days: int
    hsts_min_max_age: int


@dataclass(frozen=True)
class Hit:
    """One instance of a rule's problem: where, in which phase, about what, and the proof."""

    url: str | None
    subject: str  # what it is about (a cookie, a host, a form): part of the finding's fingerprint
    evidence: dict[str, Any] = field(default_factory=dict)
    phase: str | None = None


@dataclass(frozen=True)
class Evidence:
    """What the checks read: nothing here can reach the network or a browser."""

    config: Config
    profile: Profile
    classifier: Classifier
    artifacts: ScanArtifacts | None = None
    catalogue: dict[str, Any] = field(default_factory=dict)  # the report's classified tables
    emails: tuple[EmailMessage, ...] = ()  # sitescan email


Check = Callable[[Evidence], Iterable[Hit]]
_CHECKS: dict[str, Check] = {}


def check(rule_id: str) -> Callable[[Check], Check]:
    """Register the function as the logic of ``rule_id`` (which must be in rules/checks.toml)."""

    def register(function: Check) -> Check:
        _CHECKS[rule_id] = function
        return function

    return register


@cache
def rule_catalogue() -> dict[str, RuleMeta]:
    data = tomllib.loads(files("sitescan.rules").joinpath("checks.toml").read_text(encoding="utf-8"))
    return {
        r["id"]: RuleMeta(
            r["id"],
            r["severity"],
            tuple(r["profiles"]),
            r["kind"],
            r["title"],
            r["checks"],
            r["rationale"],
            r["remediation"],
            tuple(r.get("references", ())),
        )
        for r in data["rule"]
    }


@cache
def _profiles_data() -> dict[str, Any]:
    return tomllib.loads(files("sitescan.rules").joinpath("profiles.toml").read_text(encoding="utf-8"))


def known_profiles() -> tuple[str, ...]:
    return tuple(_profiles_data()["profile"])


def profile(names: Iterable[str], overrides: Iterable[tuple[str, float]] = ()) -> Profile:
    """The profiles' thresholds (the strictest of several), then the config's [thresholds]."""
    data = _profiles_data()
    chosen = tuple(dict.fromkeys(names)) or DEFAULT_PROFILES
    unknown = [n for n in chosen if n not in data["profile"]]
    if unknown:
        raise SitescanError(f"unknown profile {unknown[0]!r}: choose from {', '.join(known_profiles())}")
    tables = [data["profile"][n] for n in chosen]
    chosen_profile = Profile(
        names=chosen,
        consent_cookie_categories=frozenset(c for t in tables for c in t["consent_cookie_categories"]),
        max_cookie_days=min(t["max_cookie_days"] for t in tables),
        certificate_expiring_days=max(t["certificate_expiring_days"] for t in tables),
        hsts_min_max_age=max(t["hsts_min_max_age"] for t in tables),
    )
    return replace(chosen_profile, **{key: type(getattr(chosen_profile, key))(v) for key, v in overrides})


def rules_for(chosen: Profile, kind: str) -> list[RuleMeta]:
    return [
        meta
        for meta in rule_catalogue().values()
        if meta.kind == kind and any(name in meta.profiles for name in chosen.names)
    ]


def run_checks(evidence: Evidence, kind: Literal["site", "email"]) -> tuple[list[str], list[dict[str, Any]]]:
    """The ids of the rules that ran, and their findings (most severe first, then by rule and place)."""
    _load_checks()
    ran: list[str] = []
    findings: list[dict[str, Any]] = []
    for meta in rules_for(evidence.profile, kind):
        ran.append(meta.id)
        seen: set[str] = set()
        for hit in _CHECKS[meta.id](evidence):
            fingerprint = _fingerprint(meta.id, hit)
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            findings.append(
                {
                    "rule": meta.id,
                    "severity": meta.severity,
                    "title": meta.title,
                    "url": hit.url,
                    "phase": hit.phase,
                    "subject": hit.subject,
                    "evidence": hit.evidence,
                    "fingerprint": fingerprint,
                    "baselined": False,
                }
            )
    findings.sort(key=lambda f: (SEVERITIES.index(f["severity"]), f["rule"], f["url"] or "", f["subject"]))
    return ran, findings


def registered_checks() -> set[str]:
    """The rule ids that have logic (to hold against the catalogue)."""
    _load_checks()
    return set(_CHECKS)


def _fingerprint(rule_id: str, hit: Hit) -> str:
    """Stable across runs: the rule, the page without its query values and the subject (no timestamps,
    no cookie values)."""
    page = re.sub(r"=[^&#]*", "=", hit.url or "")
    return hashlib.sha256(f"{rule_id}\n{page}\n{hit.subject}\n{hit.phase or ''}".encode()).hexdigest()[:16]


def _load_checks() -> None:
    # Importing the modules registers their checks.
    from sitescan.checks import (  # noqa: F401
        consent,
        cookies,
        dataflow,
        email,
        forms,
        links,
        policy,
        thirdparty,
        tls,
    )
