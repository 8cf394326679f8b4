"""Values that must never leave a scan (a login's username and password), and the one function that takes
them out: what a scan records, writes or prints passes through ``Secrets.scrub`` first.

A site can echo a credential anywhere: a page title ("Welcome, jane@..."), a URL (a GET login form, a
link built from the username), a cookie name or a storage key. A value is therefore replaced wherever it
appears in any string, in any letter case, typed or percent-encoded (as forms and URLs carry it, once or
twice over, a space also as ``+``). Other encodings (Base64, a hash) are not recognised.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

REDACTED = "[redacted]"

T = TypeVar("T")


@dataclass(frozen=True, repr=False)
class Secrets:
    values: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never the values, whatever prints the options
        return f"Secrets({len(self.values)} values)"

    def __bool__(self) -> bool:
        return bool(self.values)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        # Longest first: a password that contains the username is taken out whole.
        values = sorted({v for v in self.values if v}, key=len, reverse=True)
        return re.compile("|".join(map(_spellings, values)), re.IGNORECASE) if values else None

    def scrub(self, value: T) -> T:
        """``value`` (a string, or dataclasses, tuples, lists and dicts of them) with every secret replaced
        by [redacted]."""
        pattern = self._pattern
        return value if pattern is None else _scrub(value, pattern)


def _spellings(value: str) -> str:
    """A pattern for ``value`` with each character as typed or percent-encoded (``%40``, or ``%2540``
    when encoded twice), and a space also as ``+``."""
    parts = []
    for character in value:
        encoded = "".join(f"%(?:25)?{byte:02X}" for byte in character.encode("utf-8"))
        plus = r"|\+" if character == " " else ""
        parts.append(f"(?:{re.escape(character)}|{encoded}{plus})")
    return "".join(parts)


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, tuple | list):
        return type(value)(_scrub(item, pattern) for item in value)
    if isinstance(value, dict):
        return {_scrub(key, pattern): _scrub(item, pattern) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _scrub(getattr(value, f.name), pattern) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value
