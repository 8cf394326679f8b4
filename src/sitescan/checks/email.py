"""E-mail rules (kind = "email"): unsubscribe link, List-Unsubscribe, sender identification, http:// links.

They read the :class:`EmailMessage` records of ``sitescan email`` (``evidence.emails``). A hit's url is
the file as given on the command line; its evidence holds the facts that prove it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sitescan.artifacts import EmailLink, EmailMessage
from sitescan.checks.engine import Evidence, Hit, check

# "At the bottom" (privacy policy §4: "the option to unsubscribe ... will be included at the bottom of
# all electronic communications"): the last visible unsubscribe link of the part the reader sees starts
# in the last 40% of that part's visible text (its position, 0.0 the top, 1.0 the end, is at least
# 0.6). An unsubscribe link only above that (a preheader's "Unsubscribe" and nothing in the footer)
# meets CASL but not the policy's promise: email.unsubscribe-not-at-bottom.
BOTTOM_FROM = 0.6
ONE_CLICK = "list-unsubscribe=one-click"  # RFC 8058 s. 3.1: the List-Unsubscribe-Post value


def _messages(evidence: Evidence) -> Iterator[EmailMessage]:
    return iter(evidence.emails)


def _link(link: EmailLink | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {"url": link.url, "text": link.text, "part": link.part, "position": link.position}


@check("email.unsubscribe-missing")
def unsubscribe_missing(evidence: Evidence) -> Iterable[Hit]:
    for message in _messages(evidence):
        if message.unsubscribe is not None:
            continue
        facts: dict[str, Any] = {
            "body": message.body,
            "links": sum(1 for link in message.links if link.part == message.body),
        }
        if message.text_unsubscribe is not None:
            # The text/plain alternative has one, but readers of the HTML part never see it.
            facts["text_part_unsubscribe"] = _link(message.text_unsubscribe)
        hidden = [link.url for link in message.links if link.hidden and link.part == message.body]
        if hidden:
            facts["hidden_links"] = hidden[:10]
        yield Hit(url=message.path, subject="unsubscribe", evidence=facts)


@check("email.unsubscribe-not-at-bottom")
def unsubscribe_not_at_bottom(evidence: Evidence) -> Iterable[Hit]:
    for message in _messages(evidence):
        found = message.unsubscribe
        if found is not None and found.position < BOTTOM_FROM:
            yield Hit(
                url=message.path,
                subject="unsubscribe position",
                evidence={"unsubscribe": _link(found), "bottom_from": BOTTOM_FROM},
            )


@check("email.list-unsubscribe-missing")
def list_unsubscribe_missing(evidence: Evidence) -> Iterable[Hit]:
    """Passes when List-Unsubscribe has an https: address and List-Unsubscribe-Post is RFC 8058's
    one-click value (a mailto: address is welcome beside it but is not one-click on its own). .html
    templates have no headers: the rule does not apply to them."""
    for message in _messages(evidence):
        if message.kind != "eml":
            continue
        addresses = message.list_unsubscribe
        https = [a for a in addresses if a.lower().startswith("https://")]
        mailto = [a for a in addresses if a.lower().startswith("mailto:")]
        post = message.list_unsubscribe_post
        one_click = post is not None and "".join(post.split()).lower() == ONE_CLICK
        if https and one_click:
            continue
        if not addresses:
            reason = (
                "no List-Unsubscribe header" if not post else "List-Unsubscribe-Post without List-Unsubscribe"
            )
        elif not https and not mailto:
            reason = "no https: or mailto: address in List-Unsubscribe"
        elif not https:
            reason = "no https: address in List-Unsubscribe: no one-click unsubscribe"
        elif post is None:
            reason = "no List-Unsubscribe-Post: List-Unsubscribe=One-Click"
        else:
            reason = "List-Unsubscribe-Post is not List-Unsubscribe=One-Click"
        yield Hit(
            url=message.path,
            subject="List-Unsubscribe",
            evidence={"reason": reason, "list_unsubscribe": list(addresses), "list_unsubscribe_post": post},
        )


@check("email.sender-missing")
def sender_missing(evidence: Evidence) -> Iterable[Hit]:
    """CASL identification: a name (the From display name, else a copyright notice or a legal entity's
    name in the text), a postal address in the text, and a contact (an e-mail address, phone number or
    web address in the text or in a mailto:/tel: link, or, for an .eml, the From address)."""
    for message in _messages(evidence):
        names = [message.from_name] if message.from_name else []
        names += message.sender_names
        contacts = list(message.contact_emails + message.contact_phones + message.contact_web)
        if message.from_address:
            contacts.append(message.from_address)
        missing = [
            what
            for what, found in (
                ("name", names),
                ("postal address", message.postal_addresses),
                ("contact", contacts),
            )
            if not found
        ]
        if not missing:
            continue
        yield Hit(
            url=message.path,
            subject="sender",
            evidence={
                "missing": missing,
                "names": names[:5],
                "postal_addresses": list(message.postal_addresses[:5]),
                "contacts": contacts[:5],
                "body": message.body,
            },
        )


@check("email.insecure-link")
def insecure_link(evidence: Evidence) -> Iterable[Hit]:
    """Every http:// link (HTML or text part, hidden or not) and image: one hit per address."""
    for message in _messages(evidence):
        for link in message.links:
            if link.url.lower().startswith("http://"):
                yield Hit(
                    url=message.path,
                    subject=link.url,
                    evidence={"url": link.url, "element": "link", "text": link.text, "part": link.part},
                )
        for image in message.images:
            if image.src.lower().startswith("http://"):
                yield Hit(
                    url=message.path,
                    subject=image.src,
                    evidence={"url": image.src, "element": "image", "alt": image.alt, "pixel": image.pixel},
                )
