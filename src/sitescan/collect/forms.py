"""Typing sitescan's probe visitor (rules/dataflow/probe.toml) into a page's personal-data fields, never
submitting: what the page's tags then send shows whether a form's contents reach third parties."""

from __future__ import annotations

import contextlib
import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from sitescan.artifacts import FilledField

# Fields a visitor types into: text-like inputs and text areas, shown and editable.
_FIELDS = "input, textarea"
_DESCRIBE_JS = """(elements) => elements.map((el) => {
  const type = el.tagName === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : 'textarea';
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const shown = box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  const label = (el.labels && el.labels[0] ? el.labels[0].innerText : '') ||
    el.getAttribute('aria-label') || el.getAttribute('placeholder') || '';
  return {type, shown, editable: !el.disabled && !el.readOnly,
          autocomplete: (el.getAttribute('autocomplete') || '').toLowerCase(),
          name: el.getAttribute('name') || el.id || '', label: label.trim().slice(0, 80)};
})"""
_ACTION_JS = "(el) => el.form ? el.form.action : null"
TYPED_KINDS = ("text", "email", "tel", "search", "textarea")
FILL_TIMEOUT_MS = 1000
MAX_FIELDS = 20


@dataclass(frozen=True)
class FieldRule:
    value: str  # a key of Probe.values
    autocomplete: tuple[str, ...]
    kinds: tuple[str, ...]
    name_patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Probe:
    values: dict[str, str]
    fields: tuple[FieldRule, ...]

    def value_for(self, kind: str, autocomplete: str, name: str, label: str) -> str | None:
        """Which probe value a field with these attributes asks for, or None."""
        token = autocomplete.split(" ")[-1] if autocomplete else ""
        for rule in self.fields:
            if token in rule.autocomplete or kind in rule.kinds:
                return rule.value
        for rule in self.fields:
            if any(p.search(name) or p.search(label) for p in rule.name_patterns):
                return rule.value
        return None


@cache
def probe() -> Probe:
    data = tomllib.loads(files("sitescan.rules").joinpath("dataflow/probe.toml").read_text(encoding="utf-8"))
    rules = tuple(
        FieldRule(
            entry["value"],
            tuple(entry.get("autocomplete", ())),
            tuple(entry.get("kinds", ())),
            tuple(re.compile(p, re.I) for p in entry.get("name_patterns", ())),
        )
        for entry in data["fields"]
    )
    return Probe(dict(data["values"]), rules)


async def fill_forms(
    page: Page, submit: re.Pattern[str] | None = None, timeout: float = 30.0
) -> tuple[FilledField, ...]:
    """Type the probe's values into the top document's personal-data fields, leaving each (Tab) as a
    visitor would, so that listeners on input, change and blur all run. Nothing is submitted, but the
    first filled form whose action matches ``submit`` (an endpoint the user allows: --submit-forms): the
    page that answers it is waited for, ``timeout`` s at most (a form a script sends may load none)."""
    chosen = probe()
    handles = (await page.query_selector_all(_FIELDS))[: MAX_FIELDS * 5]
    if not handles:
        return ()
    described = await page.evaluate(_DESCRIBE_JS, handles)
    filled: list[FilledField] = []
    typed = []  # the handles of the fields filled
    for handle, field in zip(handles, described, strict=True):
        if len(filled) >= MAX_FIELDS or field["type"] not in TYPED_KINDS:
            continue
        if not (field["shown"] and field["editable"]):
            continue
        kind = chosen.value_for(field["type"], field["autocomplete"], field["name"], field["label"])
        if kind is None:
            continue
        with contextlib.suppress(PlaywrightError):  # the field went away or will not take text
            await handle.fill(chosen.values[kind], timeout=FILL_TIMEOUT_MS)
            await handle.press("Tab", timeout=FILL_TIMEOUT_MS)
            name = field["name"] or field["label"] or field["type"]
            filled.append(FilledField(kind, name, chosen.values[kind]))
            typed.append(handle)
    if submit is not None and typed:
        actions = [await handle.evaluate(_ACTION_JS) for handle in typed]
        target = next((action for action in actions if action and submit.search(action)), None)
        if target is not None:
            with contextlib.suppress(PlaywrightError):
                async with page.expect_navigation(timeout=timeout * 1000):
                    await typed[actions.index(target)].evaluate("(el) => el.form.requestSubmit()")
            pairs = zip(filled, actions, strict=True)
            filled = [replace(f, submitted_to=target) if action == target else f for f, action in pairs]
    return tuple(filled)
