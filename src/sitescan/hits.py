"""What each tag told its vendor: the hits of known tags, decoded from the requests they sent.

The data is ``rules/trackers/hits.toml`` (which endpoints a tag's hits go to, and where their event name,
account, page, consent state and other fields are). This module only reads requests as recorded: it
never touches the browser, and what the data does not name is listed as it is, never interpreted.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sitescan.artifacts import PageVisit, RequestRecord

MAX_FIELD_VALUE = 200  # a field's value is cut here (a hit may carry a whole product list)

# Google Consent Mode, see hits.toml: the signals in gcd's order, and what each gcd letter leaves them at
# (how the state was reached is in the letter; the raw gcs and gcd stay in the hit).
GOOGLE_SIGNALS = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
GCD_STATES = {
    "p": "denied",
    "q": "denied",
    "m": "denied",
    "u": "denied",
    "t": "granted",
    "r": "granted",
    "n": "granted",
    "v": "granted",
}
GCS = re.compile(r"G1([01])([01])")


@dataclass(frozen=True)
class TagEndpoint:
    host: str  # exact, or ".suffix" for any subdomain
    path: str  # a prefix of the request path

    def matches(self, host: str, path: str) -> bool:
        if self.host.startswith("."):
            host_matches = host == self.host[1:] or host.endswith(self.host)
        else:
            host_matches = host == self.host
        return host_matches and path.startswith(self.path)


@dataclass(frozen=True)
class Tag:
    """One [[tag]] of hits.toml."""

    id: str
    name: str
    vendor: str
    endpoints: tuple[TagEndpoint, ...]
    methods: frozenset[str]
    batch: str | None
    event: tuple[str, ...]
    event_if: tuple[tuple[str, str], ...]
    event_default: str | None
    account: tuple[str, ...]
    account_in_path: re.Pattern[str] | None
    page: tuple[str, ...]
    consent: str | None
    fields: tuple[tuple[str, str], ...]  # (pattern, meaning), in the order they are shown
    user_data: tuple[str, ...]
    ignore: tuple[str, ...]
    source: tuple[str, ...]

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Tag:
        pattern = entry.get("account_in_path")
        return cls(
            id=entry["id"],
            name=entry["name"],
            vendor=entry["vendor"],
            endpoints=tuple(TagEndpoint(e["host"].lower(), e["path"]) for e in entry["endpoints"]),
            methods=frozenset(m.upper() for m in entry["methods"]),
            batch=entry.get("batch"),
            event=tuple(entry.get("event", ())),
            event_if=tuple(entry.get("event_if", {}).items()),
            event_default=entry.get("event_default"),
            account=tuple(entry.get("account", ())),
            account_in_path=re.compile(pattern) if pattern else None,
            page=tuple(entry.get("page", ())),
            consent=entry.get("consent"),
            fields=tuple(entry.get("fields", {}).items()),
            user_data=tuple(entry.get("user_data", ())),
            ignore=tuple(entry.get("ignore", ())),
            source=tuple(entry["source"]),
        )

    def sends(self, method: str, host: str, path: str) -> bool:
        return method.upper() in self.methods and any(e.matches(host, path) for e in self.endpoints)

    def meaning(self, key: str) -> str | None:
        """What the vendor's documentation says a field is."""
        return next((meaning for pattern, meaning in self.fields if _key_matches(pattern, key)), None)


@dataclass(frozen=True)
class Hit:
    """One event a tag sent: a request may carry several (a batch)."""

    tag: str
    vendor: str
    event: str | None
    account: str | None
    page: str | None  # where the tag says the visitor is
    fields: dict[str, str]
    user_data: tuple[str, ...]  # the fields that are the visitor's own data (often hashed)
    consent: dict[str, str | None] | None  # Google Consent Mode as the hit states it
    url: str


@cache
def bundled_tags() -> tuple[Tag, ...]:
    data = tomllib.loads(files("sitescan.rules").joinpath("trackers/hits.toml").read_text(encoding="utf-8"))
    return tuple(Tag.from_entry(entry) for entry in data["tag"])


def tag_for(request: RequestRecord, tags: Iterable[Tag] | None = None) -> Tag | None:
    parts = urlsplit(request.url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    return next((tag for tag in tags or bundled_tags() if tag.sends(request.method, host, path)), None)


def decode(request: RequestRecord, tags: Iterable[Tag] | None = None) -> list[Hit]:
    """The hits one request carried: none unless a known tag sent it."""
    tag = tag_for(request, tags)
    if tag is None:
        return []
    parts = urlsplit(request.url)
    query = _parameters(parse_qsl(parts.query, keep_blank_values=True))
    return [_hit(tag, request.url, parts.path, params) for params in _events(tag, query, request.body)]


def field_meaning(tag_id: str, key: str) -> str | None:
    """For the HTML report: the documented meaning of a field of a tag's hits."""
    tag = next((t for t in bundled_tags() if t.id == tag_id), None)
    return tag.meaning(key) if tag else None


def google_consent(gcs: str | None, gcd: str | None) -> dict[str, str | None] | None:
    """The four Consent Mode signals as a Google hit states them: "granted", "denied", or None where
    the hit does not say (the signal not set, or a letter hits.toml does not know)."""
    if not gcs and not gcd:
        return None
    states: dict[str, str | None] = dict.fromkeys(GOOGLE_SIGNALS)
    letters = re.findall(r"[A-Za-z]", gcd or "")
    for signal, letter in zip(GOOGLE_SIGNALS, letters, strict=False):
        states[signal] = GCD_STATES.get(letter)
    # gcs states the two storage signals directly: it wins where both say something.
    if gcs and (match := GCS.fullmatch(gcs)):
        for signal, bit in zip(GOOGLE_SIGNALS, match.groups(), strict=False):
            states[signal] = "granted" if bit == "1" else "denied"
    return {"gcs": gcs, "gcd": gcd, **states}


def report_hits(visits: Iterable[PageVisit], tags: Iterable[Tag] | None = None) -> list[dict[str, Any]]:
    """report.json's hits: per visit (phase by phase, page by page), each vendor's hits in the order they
    were sent."""
    tags = tuple(tags or bundled_tags())
    rows = []
    for visit in visits:
        hits = [hit for request in visit.requests for hit in decode(request, tags)]
        for hit in sorted(hits, key=lambda h: h.vendor):  # stable: each vendor's own order stays
            rows.append(
                {
                    "phase": visit.phase,
                    "seen_on": visit.url,
                    "vendor": hit.vendor,
                    "tag": hit.tag,
                    "account": hit.account,
                    "event": hit.event,
                    "page": hit.page,
                    "fields": hit.fields,
                    "user_data": list(hit.user_data),
                    "consent": hit.consent,
                    "url": hit.url,
                }
            )
    return rows


def _events(tag: Tag, query: dict[str, str], body: str | None) -> list[dict[str, str]]:
    """Each event's parameters: the URL's, with the body's over them (one set per event of a batch)."""
    if not body or not body.strip():
        return [query]
    if tag.batch == "lines":
        lines = [line for line in body.splitlines() if line.strip()]
        return [{**query, **_parameters(parse_qsl(line, keep_blank_values=True))} for line in lines]
    data = _json(body)
    if data is None:
        if "=" not in body:  # neither JSON nor a form: shown as it is
            return [{**query, "(body)": body}]
        return [{**query, **_parameters(parse_qsl(body.strip(), keep_blank_values=True))}]
    if tag.batch and isinstance(data, dict) and isinstance(data.get(tag.batch), list):
        shared = {key: value for key, value in data.items() if key != tag.batch}
        common = {**query, **dict(_flatten(shared))}
        return [{**common, **dict(_flatten(item))} for item in data[tag.batch]] or [common]
    return [{**query, **dict(_flatten(data))}]


def _hit(tag: Tag, url: str, path: str, params: dict[str, str]) -> Hit:
    used: set[str] = set()

    def first(keys: Iterable[str]) -> str | None:
        for key in keys:
            if params.get(key):
                used.add(key)
                return params[key]
        return None

    event = first(tag.event)
    if event is None:
        event = next((name for key, name in tag.event_if if params.get(key)), tag.event_default)
    account = first(tag.account)
    if account is None and tag.account_in_path and (match := tag.account_in_path.search(path)):
        account = match.group(1)
    page = first(tag.page)
    consent = None
    if tag.consent == "google":
        consent = google_consent(params.get("gcs"), params.get("gcd"))
        used.update({"gcs", "gcd"})
    rest = [key for key in params if key not in used and not _any_matches(tag.ignore, key)]
    # The documented fields first, in the data's order; then the others as they came.
    ordered = [key for pattern, _ in tag.fields for key in rest if _key_matches(pattern, key)]
    ordered = list(dict.fromkeys([*ordered, *rest]))
    fields = {key: _cut(params[key]) for key in ordered}
    user_data = tuple(key for key in fields if _any_matches(tag.user_data, key))
    return Hit(tag.id, tag.vendor, event, account, page, fields, user_data, consent, url)


def _parameters(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Form or query pairs as one mapping: a repeated key keeps every value; a value that is JSON (an
    array or object) is spelled out as dotted keys."""
    params: dict[str, str] = {}
    for key, value in pairs:
        data = _json(value)
        for name, text in _flatten(data, key) if isinstance(data, dict | list) else [(key, value)]:
            params[name] = f"{params[name]}, {text}" if name in params else text
    return params


def _json(text: str) -> Any:
    """The JSON array or object ``text`` holds, else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict | list) and value:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, value if isinstance(value, str) else json.dumps(value)


def _key_matches(pattern: str, key: str) -> bool:
    if "*" not in pattern:
        return key == pattern
    prefix, _, suffix = pattern.partition("*")
    return len(key) >= len(prefix) + len(suffix) and key.startswith(prefix) and key.endswith(suffix)


def _any_matches(patterns: Iterable[str], key: str) -> bool:
    return any(_key_matches(pattern, key) for pattern in patterns)


def _cut(value: str) -> str:
    return value if len(value) <= MAX_FIELD_VALUE else value[: MAX_FIELD_VALUE - 1] + "…"
