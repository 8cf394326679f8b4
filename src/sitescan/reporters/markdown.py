"""summary.md: a short Markdown summary for people and CI pages (GitHub's job summary, merge requests).

The verdict and counts, a table of the findings, the consent outcome and what the scan covered. Every
string that came from the scanned site (titles, cookie names, URLs, evidence) is escaped: it can break
neither a table nor the page, nor bring in HTML. When ``$GITHUB_STEP_SUMMARY`` names a file, the same
Markdown is appended to it, as GitHub Actions expects.
"""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sitescan.artifacts import PHASE_ORDER
from sitescan.checks.engine import SEVERITIES
from sitescan.output import write_atomically
from sitescan.reporters.characters import visible

MAX_FINDINGS = 50
MAX_ROWS = 50  # per table of what the scan covered
MAX_CELL = 200  # characters of one cell: a long URL or title must not drown the table
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"

# Inline Markdown that site text could otherwise start: emphasis, code, links and images, strikethrough,
# table cells, escapes. "<", ">" and "&" become HTML entities, so no tag and no entity gets through.
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~{}#+=^$])")
_BLANKS = re.compile(r"\s+")  # line breaks of every kind (U+2028 too) would end a table row


def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "summary.md"
    text = render(report)
    write_atomically(path, text, errors="replace")
    _append_to_step_summary(text)
    return path


def md(value: Any, limit: int = MAX_CELL) -> str:
    """Text for a Markdown line or table cell: one line, no markup, no HTML, hidden characters shown."""
    text = visible(_BLANKS.sub(" ", str(value)).strip())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))


def render(report: dict[str, Any]) -> str:
    summary = report.get("summary") or {}
    scan = report.get("scan") or {}
    findings: list[dict[str, Any]] = report.get("findings", [])
    verdict = str(summary.get("verdict", "fail"))
    sites = ", ".join(_targets(report)) or "no target"
    lines = [f"## sitescan: {'✅' if verdict == 'pass' else '❌'} {md(verdict)} — {sites}", ""]
    fail_on = summary.get("fail_on")
    gate = "never fails on findings" if fail_on == "never" else f"fails on {md(fail_on)} or worse"
    lines += [
        f"**Verdict: {md(verdict)}** ({gate}) · profiles: {md(', '.join(report.get('profiles', [])))}"
        f" · sitescan {md((report.get('tool') or {}).get('version', ''))}",
        "",
    ]
    if not scan.get("complete", True):
        notes = "; ".join(scan.get("notes", []))
        lines += [f"> **The scan did not complete**: a partial scan is never a pass. {md(notes, 500)}", ""]
    lines += _counts(summary, findings)
    lines += _baseline(report.get("baseline"))
    lines += _findings(findings, "e-mail" if "emails" in report else "page")
    if "consent" in report:
        lines += _consent(report.get("consent") or {})
    lines += _coverage(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _targets(report: dict[str, Any]) -> list[str]:
    return [md(target, 100) for target in report.get("targets", [])[:5]] + (
        [f"and {len(report['targets']) - 5} more"] if len(report.get("targets", [])) > 5 else []
    )


def _counts(summary: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    counts = summary.get("findings") or {}
    baselined = sum(1 for f in findings if f.get("baselined"))
    return [
        _row([*SEVERITIES, "baselined"]),
        _row(["---:"] * (len(SEVERITIES) + 1)),
        _row([*(str(int(counts.get(severity, 0))) for severity in SEVERITIES), str(baselined)]),
        "",
    ]


def _baseline(baseline: Any) -> list[str]:
    """Acceptance is auditable only when stale entries show."""
    if not isinstance(baseline, dict):
        return []
    expired, unused = len(baseline.get("expired") or []), len(baseline.get("unused") or [])
    line = f"Baseline {md(baseline.get('file', ''))}: {int(baseline.get('accepted', 0))} findings accepted"
    if expired:
        line += f", **{expired} expired entries** (their findings count again)"
    if unused:
        line += f", {unused} entries that matched nothing"
    return [line + ".", ""]


def _findings(findings: list[dict[str, Any]], where: str) -> list[str]:
    if not findings:
        return ["### Findings", "", "No finding.", ""]
    # The baselined ones last: what needs doing first.
    ordered = [f for f in findings if not f.get("baselined")] + [f for f in findings if f.get("baselined")]
    lines = [
        f"### Findings ({len(findings)})",
        "",
        _row(["severity", "rule", where, "subject"]),
        _row(["---"] * 4),
    ]
    for finding in ordered[:MAX_FINDINGS]:
        severity = md(finding.get("severity", ""))
        if finding.get("baselined"):
            severity += " (baselined)"
        phase = f" \\[{md(finding['phase'])}\\]" if finding.get("phase") else ""
        page = md(finding.get("url") or "-") + phase
        lines.append(_row([severity, md(finding.get("rule", "")), page, md(finding.get("subject", ""))]))
    lines.append("")
    if len(ordered) > MAX_FINDINGS:
        lines += [f"…and {len(ordered) - MAX_FINDINGS} more (report.json lists them all).", ""]
    return lines


def _consent(consent: dict[str, Any]) -> list[str]:
    def outcome(value: Any) -> str:
        return {True: "confirmed", False: "**not confirmed**", None: "not tried"}.get(value, md(value))

    if consent.get("cmp"):
        found_by = ", ".join(md(consent[k]) for k in ("engine", "rule") if consent.get(k))
        banner = f"{md(consent['cmp'])}" + (f" (found by {found_by})" if found_by else "")
    elif consent.get("handed_over"):
        banner = "none: the consent is handed over by the app"
    else:
        banner = "**none found**" if consent.get("banner") is not None else "not looked for"
    lines = ["### Consent", "", f"- Banner: {banner}", f"- Accept: {outcome(consent.get('accept'))}"]
    lines.append(f"- Reject: {outcome(consent.get('reject'))}")
    if consent.get("first_layer_reject") is not None:
        lines.append(f"- Reject on the first layer: {'yes' if consent['first_layer_reject'] else '**no**'}")
    return [*lines, ""]


def _coverage(report: dict[str, Any]) -> list[str]:
    lines = ["### What the scan covered", ""]
    if "emails" in report:
        emails = report.get("emails") or []
        lines += [f"- E-mails: {len(emails)}", ""]
        lines += _details("E-mails", emails, ("e-mail", "kind", "subject"), _email_row)
        return lines
    pages = report.get("pages") or []
    cookies = report.get("cookies") or []
    third = report.get("third_parties") or []
    seen = {phase for page in pages for phase in page.get("phases", [])}
    phases = [phase for phase in PHASE_ORDER if phase in seen] + sorted(seen - set(PHASE_ORDER))
    errors = sum(1 for page in pages if page.get("error"))
    with_errors = f" ({errors} with an error)" if errors else ""
    in_phases = f", in phases {md(', '.join(phases))}" if phases else ""
    third_party_cookies = sum(1 for c in cookies if c.get("party") == "third")
    lines += [
        f"- Pages: {len(pages)}{with_errors}{in_phases}",
        f"- Cookies: {len(cookies)} ({third_party_cookies} third-party)",
        f"- Third-party hosts: {len(third)} ({sum(1 for t in third if t.get('tracker'))} trackers)",
        f"- Beacons: {len(report.get('beacons') or [])}, storage items: {len(report.get('storage') or [])}",
        "",
    ]
    lines += _details("Pages", pages, ("page", "status", "title"), _page_row)
    lines += _details("Cookies", cookies, ("name", "domain", "party", "category", "phases"), _cookie_row)
    lines += _details(
        "Third parties", third, ("host", "vendor", "category", "requests", "phases"), _third_row
    )
    return lines


def _page_row(page: dict[str, Any]) -> tuple[Any, ...]:
    return page.get("url"), page.get("error") or page.get("status"), page.get("title") or "-"


def _cookie_row(cookie: dict[str, Any]) -> tuple[Any, ...]:
    phases = ", ".join(cookie.get("phases", []))
    return cookie.get("name"), cookie.get("domain"), cookie.get("party"), cookie.get("category"), phases


def _third_row(third: dict[str, Any]) -> tuple[Any, ...]:
    phases = ", ".join(third.get("phases", []))
    return third.get("host"), third.get("vendor") or "-", third.get("category"), third.get("requests"), phases


def _email_row(email: dict[str, Any]) -> tuple[Any, ...]:
    return email.get("path"), email.get("kind"), email.get("subject") or "-"


def _details(
    title: str,
    rows: Sequence[dict[str, Any]],
    header: tuple[str, ...],
    cells: Callable[[dict[str, Any]], tuple[Any, ...]],
) -> list[str]:
    """A folded table (GitHub renders <details>; the only HTML here is ours)."""
    if not rows:
        return []
    lines = [
        f"<details><summary>{title} ({len(rows)})</summary>",
        "",
        _row(header),
        _row(["---"] * len(header)),
    ]
    for row in rows[:MAX_ROWS]:
        lines.append(_row(md("-" if cell is None else cell) for cell in cells(row)))
    if len(rows) > MAX_ROWS:
        lines += ["", f"…and {len(rows) - MAX_ROWS} more."]
    return [*lines, "", "</details>", ""]


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _append_to_step_summary(text: str) -> None:
    target = os.environ.get(STEP_SUMMARY)
    if not target:
        return
    try:
        with open(target, "a+", encoding="utf-8", errors="replace") as summary:
            summary.seek(0, os.SEEK_END)
            # Earlier steps' Markdown must not run into ours.
            summary.write("\n" + text if summary.tell() else text)
    except OSError as error:
        # The report folder is written already: a summary GitHub cannot show is no reason to fail.
        print(f"sitescan: warning: cannot append to ${STEP_SUMMARY} ({target}): {error}", file=sys.stderr)
