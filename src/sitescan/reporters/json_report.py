"""report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sitescan.output import write_atomically


def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "report.json"
    write_atomically(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path
