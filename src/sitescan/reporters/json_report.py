"""report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write(report: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
