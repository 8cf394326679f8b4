"""Characters a scanned site's text may hold that no output shows as they are.

Control characters (XML 1.0 forbids most of them, terminals act on them), the bidirectional controls
of "Trojan Source" (U+202E shows ``gnp.exe`` as ``exe.png``, and can reorder the report's own words
around the value), lone surrogates (no UTF-8 file can hold them: Chromium hands them over from
``document.title`` and storage keys) and the noncharacters U+FFFE and U+FFFF. Each becomes a visible
``<U+XXXX>``, so the reader sees that it is there and what it is.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 controls but tab, line feed and carriage return; DEL; C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings, overrides, isolates
    "\ud800-\udfff\ufffe\uffff]"
)


def visible(text: str) -> str:
    """``text`` with each hidden character written as ``<U+XXXX>``."""
    return _HIDDEN.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)


def shown(value: Any) -> Any:
    """Jinja's ``finalize`` for every HTML output: each ``{{ ... }}`` that is text shows its hidden
    characters before it is escaped. Markup is the templates' own (styles, script, macros)."""
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value
