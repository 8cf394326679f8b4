"""JSON Schemas of sitescan's outputs, shipped in the wheel: ``report.schema.json`` (Draft 2020-12) holds
report.json in both of its shapes, a site scan's (``pages``, ``cookies``, ...) and ``sitescan email``'s
(``emails``). Scripts can validate a report with it; the contract allows more keys than it names."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

REPORT_SCHEMA = "report.schema.json"


def load(name: str = REPORT_SCHEMA) -> dict[str, Any]:
    """A bundled schema, parsed."""
    schema: dict[str, Any] = json.loads(files(__name__).joinpath(name).read_text(encoding="utf-8"))
    return schema
