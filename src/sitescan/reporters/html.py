"""report.html: one self-contained file rendered from report_templates/. Everything in it came from the
scanned site (or the audited e-mails): every printed value is autoescaped, and its hidden characters
(controls, bidirectional overrides, lone surrogates) are shown as ``<U+XXXX>``."""

from __future__ import annotations

import base64
import hashlib
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sitescan.artifacts import PHASE_ORDER
from sitescan.checks.engine import rule_catalogue
from sitescan.hits import field_meaning
from sitescan.output import write_atomically
from sitescan.reporters.characters import shown

_ENVIRONMENT = Environment(
    loader=FileSystemLoader(str(files("sitescan.report_templates"))),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=shown,
)


def write(report: dict[str, Any], out_dir: Path) -> Path:
    # An e-mail audit's report lists messages where a scan's lists pages, cookies and third parties.
    template = _ENVIRONMENT.get_template("email.html.j2" if "emails" in report else "report.html.j2")
    styles = _source("report.css")
    script = _source("report.js")
    # The page's policy allows this one script by its hash: nothing else can run, even if escaping failed.
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    path = out_dir / "report.html"
    shots = report["consent"]["screenshots"] if "consent" in report else []
    images = {shot: _data_url(out_dir / shot) for shot in shots}
    # The rules' rationale and remediation, to show beside their findings (the report names the rule only).
    write_atomically(
        path,
        template.render(
            report=report,
            styles=styles,
            script=script,
            script_hash=script_hash,
            images=images,
            rules=rule_catalogue(),
        ),
    )
    return path


def _source(name: str) -> str:
    return _ENVIRONMENT.loader.get_source(_ENVIRONMENT, name)[0]  # type: ignore[union-attr]


def _sort_phases(phases: list[str]) -> list[str]:
    return sorted(phases, key=PHASE_ORDER.index)


def _json_text(value: Any) -> str:
    """Evidence as readable JSON text (escaped like any other value; Jinja's tojson would show "<" as
    \\u003c)."""
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


_ENVIRONMENT.filters["sort_phases"] = _sort_phases
_ENVIRONMENT.filters["json_text"] = _json_text
_ENVIRONMENT.globals["hit_meaning"] = field_meaning  # what a decoded hit's field is (hits.toml)


def _data_url(png: Path) -> str | None:
    """Screenshots go inside the report: it is one file that loads nothing."""
    try:
        return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    except OSError:
        return None
