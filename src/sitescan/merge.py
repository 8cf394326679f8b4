"""``sitescan merge``: several report.json files (shards of one site, or several sites) as one report.

Tables are merged by the identities the catalogue uses (a cookie by name, domain, path and partition, a
third party by host, ...), their phases and pages joined; findings by fingerprint. A page visit (page and
phase) present in two inputs is one visit seen twice, so its requests count once: merging a report with
itself changes nothing. The summary is recomputed; the merge is complete only if every input is.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

from sitescan.artifacts import PHASE_ORDER
from sitescan.checks.engine import SEVERITIES
from sitescan.diff import read_report
from sitescan.report import DEFAULT_FAIL_ON, summarise
from sitescan.urls import host_of, url_site

Entry = dict[str, Any]
Key = Callable[[Entry], Any]

HANDLED = {
    "schema", "tool", "targets", "started", "finished", "profiles", "pages", "cookies", "blocked_cookies",
    "third_parties", "beacons", "storage", "frames", "requests", "consent", "tls", "links", "findings",
    "baseline", "scan", "summary", "emails",
}  # fmt: skip


def read_reports(paths: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every input, checked (SitescanError naming the first bad one)."""
    return [(path, read_report(path)) for path in paths]


def _phases(*lists: Iterable[str]) -> list[str]:
    rank = {phase: n for n, phase in enumerate(PHASE_ORDER)}
    return sorted({p for phases in lists for p in phases}, key=lambda p: (rank.get(p, len(rank)), p))


def _union(*lists: Iterable[Any]) -> list[Any]:
    """In first-seen order."""
    seen: list[Any] = []
    for values in lists:
        for value in values:
            if value not in seen:
                seen.append(value)
    return seen


def _table(
    reports: list[dict[str, Any]],
    name: str,
    key: Key,
    combine: Callable[[Entry, Entry], None] | None = None,
    sort: Key | None = None,
) -> list[Entry]:
    """One table from every input: the first entry of each identity, later ones folded into it."""
    merged: dict[Any, Entry] = {}
    for report in reports:
        for entry in report.get(name) or []:
            identity = key(entry)
            if identity not in merged:
                merged[identity] = dict(entry)
            elif combine is not None:
                combine(merged[identity], entry)
    rows = list(merged.values())
    return sorted(rows, key=sort) if sort else rows


def _seen(into: Entry, entry: Entry) -> None:
    into["phases"] = _phases(into.get("phases", []), entry.get("phases", []))
    if "pages" in into:
        into["pages"] = _union(into["pages"], entry.get("pages", []))


def _cookie(into: Entry, entry: Entry) -> None:
    _seen(into, entry)
    if entry.get("lifetime_days") is not None and (
        into.get("lifetime_days") is None or entry["lifetime_days"] > into["lifetime_days"]
    ):
        into["expires"], into["lifetime_days"] = entry.get("expires"), entry["lifetime_days"]
    into["set_by"] = into.get("set_by") or entry.get("set_by")
    into["initiator"] = into.get("initiator") or entry.get("initiator")


def _blocked(into: Entry, entry: Entry) -> None:
    _seen(into, entry)
    into["reasons"] = _union(into.get("reasons", []), entry.get("reasons", []))


def _third_party(into: Entry, entry: Entry) -> None:
    _seen(into, entry)
    into["beacon"] = bool(into.get("beacon") or entry.get("beacon"))
    into["tracker"] = bool(into.get("tracker") or entry.get("tracker"))
    into["resource_types"] = sorted(
        set(into.get("resource_types", [])) | set(entry.get("resource_types", []))
    )
    into["requests"] = max(into.get("requests", 0), entry.get("requests", 0))  # recounted from requests


def _beacon(into: Entry, entry: Entry) -> None:
    _seen(into, entry)
    into["initiator"] = into.get("initiator") or entry.get("initiator")


def _frame(into: Entry, entry: Entry) -> None:
    _seen(into, entry)
    into["urls"] = _union(into.get("urls", []), entry.get("urls", []))


def _page(into: Entry, entry: Entry) -> None:
    into["phases"] = _phases(into.get("phases", []), entry.get("phases", []))
    into["error"] = into.get("error") or entry.get("error")


def _requests(reports: list[dict[str, Any]]) -> list[Entry]:
    """Each page visit's requests from the first input that has the visit."""
    rows: list[Entry] = []
    taken: set[tuple[Any, Any]] = set()
    for report in reports:
        visits = {(row.get("page"), row.get("phase")) for row in report.get("requests") or []}
        fresh = visits - taken
        rows += [row for row in report.get("requests") or [] if (row.get("page"), row.get("phase")) in fresh]
        taken |= fresh
    return rows


def _recount(third_parties: list[Entry], requests: list[Entry]) -> None:
    """A third party's requests: the merged visits' requests to its host (a visit counted once)."""
    counts: dict[str, int] = {}
    for row in requests:
        if row.get("party") == "third":
            host = host_of(row.get("url", ""))
            counts[host] = counts.get(host, 0) + 1
    for entry in third_parties:
        entry["requests"] = counts.get(entry["host"], entry.get("requests", 0))


def _instant(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _earliest_latest(values: list[str | None], latest: bool) -> str | None:
    dated = [(moment, value) for value in values if (moment := _instant(value)) is not None]
    if not dated:
        return next((value for value in values if value), None)
    pick = max if latest else min
    return pick(dated, key=lambda pair: pair[0])[1]


def _site(report: dict[str, Any]) -> str:
    targets = report.get("targets") or []
    return url_site(targets[0]) if targets and "://" in targets[0] else (targets[0] if targets else "")


def _finding_order(finding: Entry) -> tuple[Any, ...]:
    severity = finding.get("severity")
    rank = SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)  # type: ignore[arg-type]
    return rank, finding.get("rule", ""), finding.get("url") or "", str(finding.get("subject", ""))


def _baseline(inputs: list[tuple[Path, dict[str, Any]]], findings: list[Entry]) -> dict[str, Any] | None:
    """One baseline block: an entry is unused only if no input used it; expired entries from any."""
    blocks = [report["baseline"] for _, report in inputs if report.get("baseline")]
    if not blocks:
        return None
    if all(block == blocks[0] for block in blocks):
        return blocks[0]

    def ident(entry: Entry) -> tuple[Any, ...]:
        return tuple(entry.get(k) for k in ("line", "rule", "url", "subject", "fingerprint", "expires"))

    unused_everywhere = set.intersection(*({ident(e) for e in block.get("unused", [])} for block in blocks))
    files = _union(block.get("file") for block in blocks)
    return {
        "file": ", ".join(files),
        "entries": max(block.get("entries", 0) for block in blocks),
        "accepted": sum(1 for finding in findings if finding.get("baselined")),
        "expired": _table(blocks, "expired", ident),
        "unused": [e for e in _table(blocks, "unused", ident) if ident(e) in unused_everywhere],
    }


def merge_reports(inputs: list[tuple[Path, dict[str, Any]]], fail_on: str | None = None) -> dict[str, Any]:
    """The inputs (path, report) as one report, in the order given."""
    reports = [report for _, report in inputs]
    first = reports[0]
    scans = [report.get("scan") or {} for report in reports]
    complete = all(scan.get("complete", False) for scan in scans)
    fail_on = fail_on or (first.get("summary") or {}).get("fail_on") or DEFAULT_FAIL_ON
    requests = _requests(reports)
    third_parties = _table(
        reports, "third_parties", lambda t: t["host"], _third_party, lambda t: (t["site"], t["host"])
    )
    _recount(third_parties, requests)
    findings = _table(reports, "findings", lambda f: f["fingerprint"], sort=_finding_order)
    # Consent is per site: the first input of each site speaks for it.
    consents: dict[str, Any] = {}
    for report in reports:
        consents.setdefault(_site(report), report.get("consent"))
    merged: dict[str, Any] = {
        "schema": first["schema"],
        "tool": first.get("tool"),
        "targets": _union(*(report.get("targets", []) for report in reports)),
        "started": _earliest_latest([report.get("started") for report in reports], latest=False),
        "finished": _earliest_latest([report.get("finished") for report in reports], latest=True),
        "profiles": _union(*(report.get("profiles", []) for report in reports)),
        "pages": _table(reports, "pages", lambda p: p["url"], _page),
        "cookies": _table(
            reports,
            "cookies",
            lambda c: (c["name"], c["domain"], c["path"], c.get("partition_key")),
            _cookie,
            lambda c: (c["party"], c["domain"].lstrip("."), c["name"]),
        ),
        "blocked_cookies": _table(
            reports,
            "blocked_cookies",
            lambda c: (c["name"], c["domain"], c.get("set_by")),
            _blocked,
            lambda c: (c["domain"].lstrip("."), c["name"]),
        ),
        "third_parties": third_parties,
        "beacons": _table(
            reports,
            "beacons",
            lambda b: (b["url"], b["kind"]),
            _beacon,
            lambda b: (b["host"], b["url"], b["kind"]),
        ),
        "storage": _table(
            reports,
            "storage",
            lambda s: (s["origin"], s["kind"], s["key"]),
            _seen,
            lambda s: (s["origin"], s["kind"], s["key"]),
        ),
        "frames": _table(reports, "frames", lambda f: f["origin"], _frame, lambda f: f["origin"]),
        "requests": requests,
        "consent": next(iter(consents.values())),
        "tls": _table(reports, "tls", lambda t: (t.get("host"), t.get("port"))),
        "links": _table(reports, "links", lambda link: link.get("page")),
        "findings": findings,
        "baseline": _baseline(inputs, findings),
        "scan": {
            **scans[0],
            "sitemaps": _union(*(scan.get("sitemaps", []) for scan in scans)),
            "notes": _union(*(scan.get("notes", []) for scan in scans)),
            "complete": complete,
            "checks": _union(*(scan.get("checks", []) for scan in scans)),
            "merged": [
                {
                    "file": str(path),
                    "targets": report.get("targets", []),
                    "complete": scan.get("complete", False),
                }
                for (path, report), scan in zip(inputs, scans, strict=True)
            ],
        },
    }
    if len(consents) > 1:
        merged["consents"] = consents
    if any("emails" in report for report in reports):
        merged["emails"] = _table(reports, "emails", lambda e: e.get("path"))
    # Keys this merge does not know (newer reports): the first input's.
    for report in reports:
        for key, value in report.items():
            if key not in HANDLED and key not in merged:
                merged[key] = value
    merged["summary"] = summarise(merged, findings, complete, fail_on)
    if merged["baseline"] is not None:
        merged["summary"]["baselined"] = sum(1 for finding in findings if finding.get("baselined"))
    if "emails" in merged:
        merged["summary"]["emails"] = len(merged["emails"])
    return merged


def copy_screenshots(
    inputs: list[tuple[Path, dict[str, Any]]], merged: dict[str, Any], out_dir: Path
) -> None:
    """The kept consent blocks' screenshots, next to the merged report (the HTML report embeds them)."""
    blocks = [merged.get("consent") or {}, *(merged.get("consents") or {}).values()]
    wanted = {shot for block in blocks if block for shot in block.get("screenshots", []) if _inside(shot)}
    for path, _ in inputs:
        for shot in wanted:
            source, target = path.parent / shot, out_dir / shot
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


def _inside(relative: str) -> bool:
    """A screenshot path is copied only when it stays inside the report folder: a report edited to name
    "../../.ssh/id_rsa" or an absolute path copies nothing."""
    path = PurePath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts
