"""The privacy policy page: a contact for requests, its effective date, the sections the company lists."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from sitescan.artifacts import PageVisit
from sitescan.checks.engine import Evidence, Hit, check
from sitescan.urls import normalise


def policy_pages(evidence: Evidence) -> Iterator[PageVisit]:
    """Each page read as the privacy policy (its first visit that loaded)."""
    if evidence.artifacts is None:
        return
    seen: set[str] = set()
    for visit in evidence.artifacts.visits:
        if visit.policy is not None and normalise(visit.url) not in seen:
            seen.add(normalise(visit.url))
            yield visit


@check("policy.contact-missing")
def contact_missing(evidence: Evidence) -> Iterator[Hit]:
    for visit in policy_pages(evidence):
        assert visit.policy is not None
        if not visit.policy.emails:
            yield Hit(visit.url, "contact", {"headings": list(visit.policy.headings[:10])}, visit.phase)


@check("policy.effective-date-missing")
def effective_date_missing(evidence: Evidence) -> Iterator[Hit]:
    for visit in policy_pages(evidence):
        assert visit.policy is not None
        if not visit.policy.dates:
            yield Hit(visit.url, "effective date", {"title": visit.title}, visit.phase)


def _plain(text: str) -> str:
    """Case, accents, numbering and spacing do not matter when a heading is compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.replace("\u2019", "'").strip(" .0123456789").split())


@check("policy.section-missing")
def section_missing(evidence: Evidence) -> Iterator[Hit]:
    required = evidence.config.policy_sections
    for visit in policy_pages(evidence):
        assert visit.policy is not None
        headings = {_plain(h) for h in visit.policy.headings}
        for section in required:
            if _plain(section) not in headings:
                yield Hit(
                    visit.url,
                    section,
                    {"section": section, "headings": list(visit.policy.headings)},
                    visit.phase,
                )
