"""What a page's scripts do on their own with the visitor: record the session, fingerprint the browser,
listen to what is typed. Facts only, for the catalogue and the dataflow.* rules, which judge them."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from sitescan.artifacts import ListenerRecord, PageVisit, RequestRecord
from sitescan.classify import Classifier
from sitescan.urls import host_of, url_site

# What a keyboard or input listener is attached to that sees what the visitor types: the whole page
# (window, document, its root elements) or a field (a listener on a button is for its own keys).
WATCHING_PAGE = frozenset({"window", "document", "html", "body"})
WATCHING_FIELD = frozenset({"input", "textarea", "select", "form", "editable"})
# Inputs nobody types into.
UNTYPED_INPUTS = frozenset(
    {"hidden", "checkbox", "radio", "submit", "button", "reset", "image", "file", "range", "color"}
)


@dataclass(frozen=True)
class Recorder:
    """A session-recording product (rules/trackers/session_replay.toml)."""

    vendor: str  # as named in vendors.toml
    product: str
    source: str  # the vendor's documentation of its recording
    paths: tuple[str, ...]  # only these request paths record; empty: every request to the vendor


@cache
def recorders() -> dict[str, Recorder]:
    """The recorders by vendor name."""
    text = files("sitescan.rules").joinpath("trackers/session_replay.toml").read_text(encoding="utf-8")
    recorders = [
        Recorder(e["vendor"], e["product"], e["source"], tuple(e.get("paths", ())))
        for e in tomllib.loads(text)["recorder"]
    ]
    return {recorder.vendor: recorder for recorder in recorders}


def recording_requests(visit: PageVisit, classifier: Classifier) -> Iterator[tuple[RequestRecord, Recorder]]:
    """The visit's requests to a session-recording product: its script, its uploads."""
    for request in visit.requests:
        vendor = classifier.vendor_for_host(host_of(request.url))
        recorder = recorders().get(vendor.name) if vendor else None
        if recorder and (not recorder.paths or urlsplit(request.url).path.startswith(recorder.paths)):
            yield request, recorder


def third_party_listener(listener: ListenerRecord) -> str | None:
    """The script of a listener a third party attached on its own: no script on the stack is of the
    document's site (a first-party script calling a library from a CDN is on the stack). None otherwise."""
    site = url_site(listener.frame_url)
    if not listener.scripts or any(url_site(script) == site for script in listener.scripts):
        return None
    return listener.scripts[0]


def watches_typing(listener: ListenerRecord) -> bool:
    """Attached where it sees what the visitor types: the page as a whole, or a field one types into."""
    if listener.target in WATCHING_PAGE:
        return True
    return listener.target in WATCHING_FIELD and listener.field_type not in UNTYPED_INPUTS


def describe_target(listener: ListenerRecord) -> str:
    """'input type=email name=email', 'document', ..."""
    parts = [listener.target]
    if listener.field_type:
        parts.append(f"type={listener.field_type}")
    if listener.field_name:
        parts.append(f"name={listener.field_name}")
    return " ".join(parts)
