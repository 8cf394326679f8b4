"""Forms that collect personal data: consent boxes start unticked, the privacy policy is at hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from sitescan.artifacts import FormField, FormRecord
from sitescan.checks.engine import Evidence, Hit, check
from sitescan.checks.facts import html_pages, privacy_link
from sitescan.collect.document import keywords


@cache
def _patterns(section: str, key: str) -> re.Pattern[str]:
    return re.compile("|".join(keywords()[section][key]), re.I)


def _personal(field: FormField) -> bool:
    return (
        field.kind in ("email", "tel")
        or field.autocomplete.split(" ")[-1] in keywords()["personal_fields"]["autocomplete"]
        or bool(field.kind not in ("checkbox", "radio", "hidden") and _personal_name(field))
    )


def _personal_name(field: FormField) -> bool:
    pattern = _patterns("personal_fields", "name_patterns")
    return bool(pattern.search(field.name) or pattern.search(field.label))


def collects_personal_data(form: FormRecord) -> list[str]:
    return [field.name or field.label or field.kind for field in form.fields if _personal(field)]


def _consent_box(field: FormField) -> bool:
    pattern = _patterns("consent_checkbox", "patterns")
    return field.kind == "checkbox" and bool(pattern.search(field.label) or pattern.search(field.name))


@check("form.preticked-consent")
def preticked_consent(evidence: Evidence) -> Iterator[Hit]:
    for visit in html_pages(evidence):
        for form in visit.forms:
            personal = collects_personal_data(form)
            for field in form.fields:
                if personal and _consent_box(field) and field.checked:
                    yield Hit(
                        visit.url,
                        f"{form.action} {field.name or field.label}",
                        {
                            "form": form.action,
                            "checkbox": field.name,
                            "label": field.label,
                            "collects": personal,
                        },
                        visit.phase,
                    )


@check("form.no-privacy-link")
def no_privacy_link(evidence: Evidence) -> Iterator[Hit]:
    for visit in html_pages(evidence):
        if privacy_link(evidence, visit) is not None:
            continue
        for form in visit.forms:
            personal = collects_personal_data(form)
            if personal:
                yield Hit(visit.url, form.action, {"form": form.action, "collects": personal}, visit.phase)
