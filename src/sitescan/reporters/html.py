"""report.html: one self-contained file rendered from report_templates/ (autoescaped: everything in
it came from the scanned site)."""

from __future__ import annotations

import base64
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sitescan.checks.engine import rule_catalogue

_ENVIRONMENT = Environment(
    loader=FileSystemLoader(str(files("sitescan.report_templates"))),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def write(report: dict[str, Any], out_dir: Path) -> Path:
    template = _ENVIRONMENT.get_template("report.html.j2")
    styles = _ENVIRONMENT.loader.get_source(_ENVIRONMENT, "report.css")[0]  # type: ignore[union-attr]
    path = out_dir / "report.html"
    images = {shot: _data_url(out_dir / shot) for shot in report["consent"]["screenshots"]}
    # The rules' rationale and remediation, to show beside their findings (the report names the rule only).
    path.write_text(
        template.render(report=report, styles=styles, images=images, rules=rule_catalogue()), encoding="utf-8"
    )
    return path


def _data_url(png: Path) -> str | None:
    """Screenshots go inside the report: it is one file that loads nothing."""
    try:
        return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    except OSError:
        return None
