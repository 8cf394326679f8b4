"""report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sitescan.output import write_atomically


def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "report.json"
    # A lone surrogate (a page title or storage key may hold one) has no UTF-8 form: written as its
    # JSON escape ("\ud800"), it reads back as the same string.
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text, errors="backslashreplace")
    return path
