"""``sitescan diff``: what appeared and what went away between two ``report.json`` files, by phase.

Items are compared by identity, never by volatile values: a cookie by name, domain and path, a third
party by host, a beacon by its URL with the query values blanked, a storage item by origin, kind and key,
a finding by its fingerprint. An item in both reports whose phases differ is *changed* (a cookie now
also set before consent). Only report.json is read: no artifacts, no browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sitescan.artifacts import PHASE_ORDER
from sitescan.catalogue import REPORT_SCHEMA
from sitescan.checks.engine import SEVERITIES
from sitescan.errors import SitescanError
from sitescan.output import write_atomically
from sitescan.reporters.characters import shown, visible
from sitescan.shape import read_json, report_schema, said, schema_problem

DIFF_SCHEMA = "sitescan-diff/1"
KINDS = ("cookies", "third_parties", "beacons", "storage", "findings")
NOUNS = {
    "cookies": ("cookie", "cookies"),
    "third_parties": ("third party", "third parties"),
    "beacons": ("beacon", "beacons"),
    "storage": ("storage item", "storage items"),
    "findings": ("finding", "findings"),
}
CHANGES = ("added", "removed", "changed")


def read_report(path: Path) -> dict[str, Any]:
    """A sitescan/1 report.json that holds to the report's JSON Schema (what diff and merge read is then
    there, of the right type), or SitescanError naming the file and the key."""
    data = read_json(path, "report")
    if not isinstance(data, dict) or "schema" not in data:
        raise SitescanError(f"{path}: not a sitescan report (no schema)")
    if data["schema"] != REPORT_SCHEMA:
        raise SitescanError(f"{path}: schema {data['schema']!r}: sitescan reads {REPORT_SCHEMA!r} only")
    problem = schema_problem(data, report_schema())
    if problem:
        raise SitescanError(f"{path}: not a sitescan report ({said(problem)})")
    return data


def without_query_values(url: str) -> str:
    """A URL as a fingerprint sees it: query values (ids, timestamps, cache-busters) blanked."""
    return re.sub(r"=[^&#]*", "=", url.split("#", 1)[0])


@dataclass(frozen=True)
class _Kind:
    """How one table of the report is keyed, shown and labelled."""

    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    show: Callable[[dict[str, Any]], str]
    label: Callable[[dict[str, Any]], str]
    phases: Callable[[dict[str, Any]], list[str]]
    order: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None  # default: as shown

    def sort_key(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        return self.order(entry) if self.order else (self.show(entry),)


def _severity_rank(finding: dict[str, Any]) -> int:
    return SEVERITIES.index(finding["severity"]) if finding.get("severity") in SEVERITIES else len(SEVERITIES)


def _vendor_label(entry: dict[str, Any]) -> str:
    return " ".join(str(part) for part in (entry.get("vendor"), entry.get("category")) if part)


def _cookie_show(cookie: dict[str, Any]) -> str:
    path = cookie.get("path") or "/"
    return f"{cookie['name']} {cookie['domain']}" + ("" if path == "/" else f" {path}")


_KINDS: dict[str, _Kind] = {
    "cookies": _Kind(
        key=lambda c: (c["name"], c["domain"], c.get("path") or "/"),
        show=_cookie_show,
        label=_vendor_label,
        phases=lambda c: list(c.get("phases", [])),
    ),
    "third_parties": _Kind(
        key=lambda t: (t["host"],),
        show=lambda t: t["host"],
        label=lambda t: _vendor_label(t) + (" tracker" if t.get("tracker") else ""),
        phases=lambda t: list(t.get("phases", [])),
    ),
    "beacons": _Kind(
        key=lambda b: (without_query_values(b["url"]),),
        show=lambda b: without_query_values(b["url"]),
        label=lambda b: " ".join(str(p) for p in (b.get("kind"), b.get("vendor")) if p),
        phases=lambda b: list(b.get("phases", [])),
    ),
    "storage": _Kind(
        key=lambda s: (s["origin"], s["kind"], s["key"]),
        show=lambda s: f"{s['kind']} {s['origin']} {s['key']}",
        label=lambda s: f"{s['party']} party" if s.get("party") else "",
        phases=lambda s: list(s.get("phases", [])),
    ),
    "findings": _Kind(
        key=lambda f: (f["fingerprint"],),
        show=lambda f: f"{f['severity']} {f['rule']} {f.get('url') or ''}: {f.get('subject', '')}",
        label=lambda f: f.get("title", "") + (" (baselined)" if f.get("baselined") else ""),
        phases=lambda f: [f["phase"]] if f.get("phase") else [],
        order=lambda f: (_severity_rank(f), f["rule"], f.get("url") or "", str(f.get("subject", ""))),
    ),
}


def _ordered(phases: Iterable[str]) -> list[str]:
    rank = {phase: n for n, phase in enumerate(PHASE_ORDER)}
    return sorted(set(phases), key=lambda p: (rank.get(p, len(rank)), p))


def _index(report: dict[str, Any], kind: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The table's entries by identity; entries that share one (a cookie in two partitions, a beacon
    sent two ways) are one item with their phases joined."""
    spec = _KINDS[kind]
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in report.get(kind) or []:
        key = spec.key(entry)
        item = items.get(key)
        if item is None:
            items[key] = {
                "id": spec.show(entry),
                "label": spec.label(entry),
                "phases": _ordered(spec.phases(entry)),
                "entry": entry,
            }
        else:
            item["phases"] = _ordered([*item["phases"], *spec.phases(entry)])
    return items


def diff_reports(
    old: dict[str, Any], new: dict[str, Any], old_path: Path = Path("old"), new_path: Path = Path("new")
) -> dict[str, Any]:
    """The diff as data (diff.json): per kind, the items added, removed and changed, each with the phases
    it appeared in and disappeared from."""
    changes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    by_phase: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        before, after = _index(old, kind), _index(new, kind)
        found: dict[str, list[dict[str, Any]]] = {change: [] for change in CHANGES}
        spec = _KINDS[kind]
        keys = before.keys() | after.keys()
        for key in sorted(keys, key=lambda k: spec.sort_key((after.get(k) or before[k])["entry"])):
            was, now = before.get(key), after.get(key)
            phases_was = set(was["phases"]) if was else set()
            phases_now = set(now["phases"]) if now else set()
            item = now or was
            assert item is not None
            change = "added" if was is None else "removed" if now is None else "changed"
            appeared, disappeared = _ordered(phases_now - phases_was), _ordered(phases_was - phases_now)
            if change == "changed" and not appeared and not disappeared:
                continue
            found[change].append(
                {
                    "id": item["id"],
                    "label": item["label"],
                    "phases": item["phases"],
                    "appeared_in": appeared,
                    "disappeared_from": disappeared,
                    "entry": item["entry"],
                }
            )
            for phase in appeared:
                by_phase.setdefault(phase, {"appeared": 0, "disappeared": 0})["appeared"] += 1
            for phase in disappeared:
                by_phase.setdefault(phase, {"appeared": 0, "disappeared": 0})["disappeared"] += 1
        changes[kind] = found
    new_findings = [
        item["entry"] for item in changes["findings"]["added"] if not item["entry"].get("baselined")
    ]
    return {
        "schema": DIFF_SCHEMA,
        "old": _side(old, old_path),
        "new": _side(new, new_path),
        "changes": changes,
        "by_phase": {phase: by_phase[phase] for phase in _ordered(by_phase)},
        "summary": {kind: {change: len(changes[kind][change]) for change in CHANGES} for kind in KINDS},
        # What --fail-on-new fails on: new findings no baseline accepts (any severity).
        "new_findings": len(new_findings),
    }


def _side(report: dict[str, Any], path: Path) -> dict[str, Any]:
    return {
        "file": str(path),
        "targets": list(report.get("targets", [])),
        "started": report.get("started"),
        "finished": report.get("finished"),
        "complete": (report.get("scan") or {}).get("complete"),
    }


def _count(n: int, kind: str) -> str:
    singular, plural = NOUNS[kind]
    return f"{n} {singular if n == 1 else plural}"


def _list(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def headline(diff: dict[str, Any]) -> str:
    """One line: how much appeared, went away and changed."""
    summary = diff["summary"]
    said = []
    for change, word in (("added", "new"), ("removed", "gone"), ("changed", "changed")):
        parts = [_count(summary[kind][change], kind) for kind in KINDS if summary[kind][change]]
        if parts:
            said.append(f"{_list(parts)} {word}")
    return "; ".join(said) if said else "no change"


def text_lines(diff: dict[str, Any]) -> list[str]:
    """For people (stderr): grouped by kind, one line an item."""
    lines = []
    for kind in KINDS:
        found = diff["changes"][kind]
        if not any(found.values()):
            continue
        words = zip(CHANGES, ("new", "gone", "changed"), strict=True)
        counts = ", ".join(f"{len(found[change])} {word}" for change, word in words if found[change])
        lines.append(f"{NOUNS[kind][1]}: {counts}")
        singular = NOUNS[kind][0]
        for item in found["added"]:
            lines.append(f"+ {singular} {item['id']} [{', '.join(item['phases'])}]  {item['label']}".rstrip())
        for item in found["removed"]:
            lines.append(f"- {singular} {item['id']} [{', '.join(item['phases'])}]  {item['label']}".rstrip())
        for item in found["changed"]:
            moved = []
            if item["appeared_in"]:
                moved.append(f"now also [{', '.join(item['appeared_in'])}]")
            if item["disappeared_from"]:
                moved.append(f"no longer [{', '.join(item['disappeared_from'])}]")
            lines.append(f"~ {singular} {item['id']} {'; '.join(moved)}  {item['label']}".rstrip())
    return lines


# Only what is special inside a line (values never start one): emphasis, code, links, tables, strikes.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")


def md_escape(value: Any) -> str:
    """Text from a scanned site, made inert in Markdown (GitHub's too: no HTML, no links, no tables)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _md_side(side: dict[str, Any]) -> str:
    return (
        f"{md_escape(side['file'])} ({md_escape(', '.join(side['targets']))}, {md_escape(side['finished'])})"
    )


def markdown(diff: dict[str, Any]) -> str:
    old, new = diff["old"], diff["new"]
    out = [
        "# sitescan diff",
        "",
        f"- old: {_md_side(old)}",
        f"- new: {_md_side(new)}",
        f"- {md_escape(headline(diff))}",
        "",
        "| | new | gone | changed |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind in KINDS:
        counts = diff["summary"][kind]
        out.append(f"| {NOUNS[kind][1]} | {counts['added']} | {counts['removed']} | {counts['changed']} |")
    if diff["by_phase"]:
        out += ["", "| phase | appeared | disappeared |", "| --- | ---: | ---: |"]
        out += [
            f"| {md_escape(p)} | {n['appeared']} | {n['disappeared']} |" for p, n in diff["by_phase"].items()
        ]
    for kind in KINDS:
        found = diff["changes"][kind]
        if not any(found.values()):
            continue
        out += ["", f"## {NOUNS[kind][1].capitalize()}", ""]
        out += ["| | item | appeared in | disappeared from | what |", "| --- | --- | --- | --- | --- |"]
        for change, sign in zip(CHANGES, ("new", "gone", "changed"), strict=True):
            for item in found[change]:
                cells = [
                    sign,
                    md_escape(item["id"]),
                    md_escape(", ".join(item["appeared_in"])),
                    md_escape(", ".join(item["disappeared_from"])),
                    md_escape(item["label"]),
                ]
                out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


_ENVIRONMENT = Environment(
    loader=FileSystemLoader(str(files("sitescan.report_templates"))),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=shown,
)


def html(diff: dict[str, Any]) -> str:
    """One self-contained page (inline CSS, no scripts); every value autoescaped."""
    template = _ENVIRONMENT.get_template("diff.html.j2")
    return template.render(diff=diff, kinds=KINDS, nouns=NOUNS, headline=headline(diff))


def write_outputs(diff: dict[str, Any], out_dir: Path) -> list[Path]:
    """diff.json, diff.md and diff.html in ``out_dir``."""
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text, errors in (
            # A lone surrogate (which a site can put in a title) is kept as its JSON escape, as in
            # report.json; the other outputs show it, like every hidden character, as <U+XXXX>.
            ("diff.json", json.dumps(diff, indent=2, ensure_ascii=False) + "\n", "backslashreplace"),
            ("diff.md", visible(markdown(diff)), "strict"),
            ("diff.html", html(diff), "strict"),
        ):
            path = out_dir / name
            write_atomically(path, text, errors)
            written.append(path)
    except OSError as error:
        raise SitescanError(f"--out {out_dir}: cannot write: {error.strerror or error}") from None
    return written
