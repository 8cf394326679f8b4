"""Baselines: findings accepted on purpose, each with a reason and an expiry (``sitescan-baseline.toml``).

```toml
[[accept]]
rule = "cookie.long-lived"
url = "https://www.example.com/*"   # glob on the finding's page URL (optional: any page)
subject = "_ga *"                   # glob on the finding's subject (optional: any subject)
fingerprint = "0123456789abcdef"    # optional: this one finding exactly, instead of url and subject
reason = "Google Analytics default; reviewed by privacy@ 2026-11"
expires = 2027-03-31                # a TOML date; after that day the entry accepts nothing
```

An accepted finding stays in the report (``baselined: true``) but neither counts nor fails the run. An
expired entry accepts nothing and is reported, as is an entry that matched no finding: acceptance is
auditable only when stale entries show.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from sitescan import __version__
from sitescan.checks.engine import SEVERITIES, rule_catalogue
from sitescan.errors import SitescanError
from sitescan.output import write_atomically

ENTRY_KEYS = ("rule", "url", "subject", "fingerprint", "reason", "expires")
TODO_REASON = "TODO: why is this accepted?"
WRITTEN_VALIDITY = timedelta(days=90)
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Entry:
    """One ``[[accept]]`` table."""

    line: int | None  # of its [[accept]] header: what the report and the messages point at
    rule: str
    url: str | None
    subject: str | None
    fingerprint: str | None
    reason: str
    expires: date

    def expired(self, today: date) -> bool:
        return today > self.expires  # the expiry day itself still counts

    def matches(self, finding: dict[str, Any]) -> bool:
        if finding["rule"] != self.rule:
            return False
        if self.fingerprint is not None:
            return finding.get("fingerprint") == self.fingerprint
        if self.url is not None and not (finding.get("url") and fnmatchcase(finding["url"], self.url)):
            return False
        return self.subject is None or fnmatchcase(str(finding.get("subject", "")), self.subject)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "rule": self.rule,
            "url": self.url,
            "subject": self.subject,
            "fingerprint": self.fingerprint,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[Entry, ...]

    def apply(self, findings: Iterable[dict[str, Any]], today: date | None = None) -> dict[str, Any]:
        """Mark the findings a live entry accepts (``baselined``, and ``baseline``: the first such entry's
        reason and expiry); return the report's ``baseline`` block."""
        today = today or date.today()
        live = [entry for entry in self.entries if not entry.expired(today)]
        expired = [entry for entry in self.entries if entry.expired(today)]
        used: set[int] = set()
        would_accept: dict[int, list[str]] = {id(entry): [] for entry in expired}
        accepted = 0
        for finding in findings:
            matching = [entry for entry in live if entry.matches(finding)]
            used.update(id(entry) for entry in matching)
            if matching:
                finding["baselined"] = True
                finding["baseline"] = {
                    "reason": matching[0].reason,
                    "expires": matching[0].expires.isoformat(),
                }
                accepted += 1
            for entry in expired:
                if entry.matches(finding):
                    would_accept[id(entry)].append(finding.get("fingerprint", ""))
        return {
            "file": str(self.path),
            "entries": len(self.entries),
            "accepted": accepted,
            # What each expired entry accepted before it expired: those findings count again.
            "expired": [{**entry.as_dict(), "findings": would_accept[id(entry)]} for entry in expired],
            "unused": [entry.as_dict() for entry in live if id(entry) not in used],
        }

    @property
    def todo(self) -> int:
        """Entries whose reason is still the one --write-baseline puts there."""
        return sum(1 for entry in self.entries if entry.reason.strip() == TODO_REASON)


def load_baseline(path: Path) -> Baseline:
    """Read and check a baseline file: every error names the file, the line and the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitescanError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SitescanError(
            f"--baseline {path}: cannot read: {getattr(error, 'strerror', None) or error}"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SitescanError(f"{path}: not valid TOML: {error}") from None
    return _Checker(path, text).baseline(data)


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.headers = [n for n, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*accept\s*\]\]", line)]

    def fail(
        self, key: str, problem: str, index: int | None = None, field: str | None = None
    ) -> SitescanError:
        line = self._line_of(index, field) if index is not None else self._top_line(key)
        where = f"{self.path}:{line}" if line else str(self.path)
        return SitescanError(f"{where}: {key}: {problem}")

    def _top_line(self, key: str) -> int | None:
        pattern = re.compile(rf"\s*(\[+\s*)?\"?{re.escape(key)}\"?\s*(=|\])")
        return next((n + 1 for n, line in enumerate(self.lines) if pattern.match(line)), None)

    def _line_of(self, index: int, field: str | None) -> int | None:
        """The line of ``field`` inside the ``index``-th [[accept]] table, else of its header."""
        if index >= len(self.headers):
            return None  # an inline array of tables: no header to point at
        start = self.headers[index]
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        if field is not None:
            pattern = re.compile(rf"\s*\"?{re.escape(field)}\"?\s*=")
            for number in range(start, end):
                if pattern.match(self.lines[number]):
                    return number + 1
        return start + 1

    def baseline(self, data: dict[str, Any]) -> Baseline:
        unknown = [key for key in data if key != "accept"]
        if unknown:
            raise self.fail(unknown[0], "unknown key: a baseline holds [[accept]] tables only")
        tables = data.get("accept", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.fail("accept", "must be an array of tables ([[accept]])")
        return Baseline(self.path, tuple(self.entry(table, index) for index, table in enumerate(tables)))

    def entry(self, table: dict[str, Any], index: int) -> Entry:
        def problem(field: str, text: str) -> SitescanError:
            return self.fail(f"accept[{index}].{field}", text, index, field)

        for field in table:
            if field not in ENTRY_KEYS:
                raise problem(field, f"unknown key: an [[accept]] entry has {', '.join(ENTRY_KEYS)}")
        rule = table.get("rule")
        if not isinstance(rule, str) or not rule:
            raise problem("rule", "missing: the id of the rule whose findings this accepts")
        catalogue = rule_catalogue()
        if rule not in catalogue:
            close = difflib.get_close_matches(rule, list(catalogue), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise problem("rule", f"unknown rule {rule!r}{hint}: sitescan rules lists them")
        url = self._glob(table, "url", problem)
        if url is not None and not url.startswith(("http://", "https://", "*")):
            raise problem("url", f"{url!r} matches no page: a glob on the page's URL starts with https://")
        subject = self._glob(table, "subject", problem)
        fingerprint = table.get("fingerprint")
        if fingerprint is not None:
            if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
                raise problem("fingerprint", "must be a finding's fingerprint: 16 hexadecimal digits")
            if url is not None or subject is not None:
                raise problem("fingerprint", "accepts one finding exactly: give it, or url/subject, not both")
        reason = table.get("reason")
        if reason is None:
            raise problem("reason", "missing: say why the finding is accepted (and who reviewed it)")
        if not isinstance(reason, str) or not reason.strip():
            raise problem("reason", "must be a non-empty string")
        expires = table.get("expires")
        if expires is None:
            raise problem(
                "expires", "missing: the date after which the entry accepts nothing (expires = 2027-03-31)"
            )
        if not isinstance(expires, date) or isinstance(expires, datetime):  # a datetime is a date too
            raise problem(
                "expires",
                f"must be a TOML date such as 2027-03-31 (no quotes, no time), not {_shown(expires)}",
            )
        return Entry(self._line_of(index, None), rule, url, subject, fingerprint, reason, expires)

    def _glob(
        self, table: dict[str, Any], field: str, problem: Callable[[str, str], SitescanError]
    ) -> str | None:
        value = table.get(field)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise problem(field, "must be a non-empty glob string")
        # fnmatch takes an unclosed "[" literally; in a baseline it is a typo that would match nothing.
        if re.search(r"\[(?![^\]]*\])", value) or "[]" in value:
            raise problem(field, f"bad glob {value!r}: unclosed or empty [...]")
        return value


def write_baseline(
    findings: Iterable[dict[str, Any]], path: Path, targets: Iterable[str] = (), today: date | None = None
) -> int:
    """Write a baseline that accepts exactly these findings (one entry each, by fingerprint), grouped by
    rule, most severe first. Findings already accepted keep their reason and expiry; the others get a
    TODO reason and expire in 90 days. Returns how many entries were written."""
    today = today or date.today()
    chosen = sorted(
        {f["fingerprint"]: f for f in findings}.values(),
        key=lambda f: (
            SEVERITIES.index(f["severity"]),
            f["rule"],
            f.get("url") or "",
            f.get("subject") or "",
        ),
    )
    catalogue = rule_catalogue()
    sites = ", ".join(targets) or "?"
    out = [
        f"# sitescan baseline: findings accepted on purpose (sitescan {__version__}, {today.isoformat()},",
        f"# from {sites}).",
        "#",
        f'# Before committing it, replace every reason = "{TODO_REASON}" with the real one (what',
        "# was reviewed, by whom) and set a sensible expiry: after that date an entry accepts nothing. To",
        "# accept a family of findings, replace an entry's fingerprint by url and/or subject globs.",
    ]
    rule = None
    for finding in chosen:
        if finding["rule"] != rule:
            rule = finding["rule"]
            meta = catalogue.get(rule)
            out += [
                "",
                f"# {rule} ({finding['severity']}): {meta.title if meta else finding.get('title', '')}",
            ]
        accepted = finding.get("baseline") if finding.get("baselined") else None
        reason = accepted["reason"] if accepted else TODO_REASON
        expires = accepted["expires"] if accepted else (today + WRITTEN_VALIDITY).isoformat()
        # What the fingerprint stands for, as comments: a reader sees what is accepted, and turning an
        # entry into a url/subject glob is an edit away.
        shown = [(key, finding.get(key)) for key in ("url", "subject", "phase")]
        out += [
            "",
            "[[accept]]",
            f"rule = {toml_string(rule)}",
            f"fingerprint = {toml_string(finding['fingerprint'])}",
            *(f"# {key} = {toml_string(str(value))}" for key, value in shown if value),
            f"reason = {toml_string(reason)}",
            f"expires = {expires}",
        ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, "\n".join(out) + "\n")
    except OSError as error:
        raise SitescanError(f"--write-baseline {path}: cannot write: {error.strerror or error}") from None
    return len(chosen)


def _shown(value: Any) -> str:
    """A value as the file spells it."""
    if isinstance(value, str):
        return toml_string(value)
    return value.isoformat() if isinstance(value, date) else repr(value)


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped (values come from the
    scanned site)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'
