"""Reporters: each writes one output format from report.json's data and decides nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sitescan.reporters import html, json_report, junit, markdown, sarif

Writer = Callable[[dict[str, Any], Path], Path]

WRITERS: dict[str, Writer] = {
    "json": json_report.write,
    "html": html.write,
    "junit": junit.write,
    "sarif": sarif.write,
    "md": markdown.write,
}
