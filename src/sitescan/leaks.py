"""Personal data leaving the page: the values sitescan typed into a page's forms (its probe visitor), found
in what that page sent to third parties, as typed or encoded the ways tags encode them.

Tags rarely send a form's contents as typed: pixels' "advanced matching" sends the e-mail normalised and
hashed (SHA-256 for Meta, Google, TikTok, Snapchat; MD5 and SHA-1 for older tags), analytics tools send it
URL-encoded in a query, others base64-encode a JSON payload. Each value is searched in each request's
URL, body and Referer in these forms:

- ``plain``: as typed, or in the normal forms tags hash (below), in any letter case;
- ``url-encoded``: percent-encoded, once or twice (a value inside a URL that is itself a parameter);
- ``base64``: any base64 run in the text that decodes to a text holding the value;
- ``md5``, ``sha1``, ``sha256``: the hex digest of a normal form.

The normal forms follow what the pixels' own documentation asks of an advertiser before hashing (Meta's
"Customer information parameters", Google's "Enhanced conversions" normalisation): e-mail trimmed and
lower-cased; phone as digits with the country code (and without); names lower-cased; postal code
lower-cased without spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from urllib.parse import quote, quote_plus

from sitescan.artifacts import FilledField, PageVisit, RequestRecord
from sitescan.urls import url_site

HASHES = ("md5", "sha1", "sha256")
# A run of base64 long enough to hold an e-mail address (and not every word of a URL).
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


@dataclass(frozen=True)
class Leak:
    """One filled value found in one request to a third party."""

    kind: str  # "email", "phone", ...
    field: str  # the form field it was typed into
    encoding: str  # "plain", "url-encoded", "base64", "md5", "sha1", "sha256"
    where: str  # "url", "body" or "referer"
    request: RequestRecord


def normal_forms(kind: str, value: str) -> tuple[str, ...]:
    """The spellings a tag may send ``value`` in, before any encoding: as typed and normalised."""
    forms = [value.strip(), value.strip().lower()]
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        forms += [digits, digits[1:] if digits.startswith("1") else f"1{digits}"]
    elif kind == "postal_code":
        forms.append(re.sub(r"\s", "", value).lower())
    return tuple(dict.fromkeys(f for f in forms if f))


@cache
def _needles(kind: str, value: str) -> tuple[tuple[str, str], ...]:
    """(encoding, lower-cased text to look for): every form of ``value`` but base64 (found by decoding)."""
    needles: list[tuple[str, str]] = []
    for form in normal_forms(kind, value):
        needles.append(("plain", form.lower()))
        once = quote(form, safe="")
        for encoded in (once, quote_plus(form, safe=""), quote(once, safe="")):
            if encoded != form:
                needles.append(("url-encoded", encoded.lower()))
        for name in HASHES:
            needles.append((name, hashlib.new(name, form.encode()).hexdigest()))
    return tuple(dict.fromkeys(needles))


def _decoded_base64(text: str) -> Iterator[str]:
    for run in _BASE64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                yield decode(padded).decode("utf-8", "ignore").lower()
            except (binascii.Error, ValueError):
                continue


class _Searched:
    """A text searched for every value typed on its page: lower-cased and base64-decoded once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()

    @cached_property
    def decoded(self) -> tuple[str, ...]:
        return tuple(_decoded_base64(self.text))


def find(filled: FilledField, text: str) -> str | None:
    """The encoding in which ``filled``'s value appears in ``text``, or None."""
    return _find(filled, _Searched(text))


def _find(filled: FilledField, searched: _Searched) -> str | None:
    needles = _needles(filled.kind, filled.value)
    for encoding, needle in needles:
        if needle in searched.lowered:
            return encoding
    plain = [needle for encoding, needle in needles if encoding == "plain"]
    if any(needle in decoded for decoded in searched.decoded for needle in plain):
        return "base64"
    return None


def leaks(visit: PageVisit) -> Iterator[Leak]:
    """What of the values typed on this page reached a third party (another site than the page's)."""
    if not visit.filled:
        return
    page_site = url_site(visit.final_url or visit.url)
    for request in visit.requests:
        if url_site(request.url) == page_site:
            continue
        for where, text in (("url", request.url), ("body", request.body), ("referer", request.referer)):
            if not text:
                continue
            searched = _Searched(text)
            for filled in visit.filled:
                encoding = _find(filled, searched)
                if encoding is not None:
                    yield Leak(filled.kind, filled.field, encoding, where, request)
