"""What the top document shows a visitor, for the link, form and policy checks: links that name the
privacy policy, the forms and their fields, and on the policy page its contact e-mails, dates and headings.

The words that name a privacy policy and a policy's date are data (``rules/links/keywords.toml``).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from sitescan.artifacts import FormField, FormRecord, LinkRecord, PolicyPageRecord

MAX_ITEMS = 50
MAX_TEXT = 200

_DOCUMENT_JS = """({privacy, policyPage, dateWords, maxItems, maxText}) => {
  const clip = (text) => (text || '').replace(/\\s+/g, ' ').trim().slice(0, maxText);
  const lower = (text) => clip(text).toLowerCase();
  const privacyUrl = privacy.url_patterns.map((p) => new RegExp(p, 'i'));
  const namesPrivacy = (a) => {
    const text = lower(a.innerText || a.textContent || a.getAttribute('aria-label'));
    let place = '';
    try { const u = new URL(a.href); place = u.pathname + u.search; } catch (e) { return false; }
    return privacy.texts.some((t) => text.includes(t)) || privacyUrl.some((p) => p.test(place));
  };
  const privacyLinks = Array.from(document.querySelectorAll('a[href]'))
    .filter((a) => /^https?:/.test(a.href) && namesPrivacy(a))
    .slice(0, maxItems)
    .map((a) => ({url: a.href.split('#')[0], text: clip(a.innerText || a.textContent)}));
  const labelOf = (el) => {
    const own = el.labels && el.labels.length ? el.labels[0].innerText : '';
    const wrapping = el.closest('label');
    return clip(own || el.getAttribute('aria-label') || el.getAttribute('placeholder') ||
                (wrapping ? wrapping.innerText : ''));
  };
  const kindOf = (el) =>
    el.tagName === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : el.tagName.toLowerCase();
  const forms = Array.from(document.querySelectorAll('form')).slice(0, maxItems).map((form) => {
    // getAttribute: an input named "action" shadows form.action.
    let action = location.href;
    try { action = new URL(form.getAttribute('action') || location.href, document.baseURI).href; }
    catch (e) {}
    const fields = Array.from(form.querySelectorAll('input, textarea, select'))
      .filter((el) => !['submit', 'button', 'image', 'reset'].includes(kindOf(el)))
      .slice(0, maxItems)
      .map((el) => ({kind: kindOf(el), name: clip(el.getAttribute('name') || el.id),
                     autocomplete: clip(el.getAttribute('autocomplete')), label: labelOf(el),
                     checked: Boolean(el.checked)}));
    return {action, method: (form.getAttribute('method') || 'get').toLowerCase(), fields};
  });
  let policy = null;
  if (policyPage) {
    const text = document.body ? document.body.innerText : '';
    const emails = new Set(Array.from(document.querySelectorAll('a[href^="mailto:" i]'))
      .map((a) => decodeURIComponent(a.getAttribute('href').slice(7).split('?')[0]).trim().toLowerCase()));
    for (const match of text.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}/g)) {
      emails.add(match[0].toLowerCase());
    }
    const namesDate = (line) => dateWords.some((w) => line.toLowerCase().includes(w)) &&
      /\\b(19|20)\\d{2}\\b/.test(line);
    const dates = text.split(/\\n+/).map(clip).filter(namesDate);
    const headings = Array.from(document.querySelectorAll('h1, h2, h3, h4')).map((h) => clip(h.innerText));
    policy = {emails: Array.from(emails).filter(Boolean).slice(0, maxItems), dates: dates.slice(0, 10),
              headings: headings.filter(Boolean).slice(0, maxItems)};
  }
  return {privacyLinks, forms, policy};
}"""


@cache
def keywords() -> dict[str, Any]:
    return tomllib.loads(files("sitescan.rules").joinpath("links/keywords.toml").read_text(encoding="utf-8"))


@cache
def _privacy_url() -> re.Pattern[str]:
    return re.compile("|".join(keywords()["privacy"]["url_patterns"]), re.I)


def looks_like_policy(url: str) -> bool:
    """Whether an address names a privacy policy (the policy page is read in detail)."""
    parts = urlsplit(url)
    return bool(_privacy_url().search(parts.path + ("?" + parts.query if parts.query else "")))


async def read_document(
    page: Page, policy_page: bool
) -> tuple[tuple[LinkRecord, ...], tuple[FormRecord, ...], PolicyPageRecord | None]:
    data = keywords()
    privacy = {"texts": data["privacy"]["texts"], "url_patterns": data["privacy"]["url_patterns"]}
    try:
        seen = await page.main_frame.evaluate(
            _DOCUMENT_JS,
            {
                "privacy": privacy,
                "policyPage": policy_page,
                "dateWords": data["policy_date"]["words"],
                "maxItems": MAX_ITEMS,
                "maxText": MAX_TEXT,
            },
        )
    except PlaywrightError:
        return (), (), None
    links = tuple(dict.fromkeys(LinkRecord(link["url"], link["text"]) for link in seen["privacyLinks"]))
    forms = tuple(
        FormRecord(form["action"], form["method"], tuple(FormField(**field) for field in form["fields"]))
        for form in seen["forms"]
    )
    policy = seen["policy"]
    record = (
        PolicyPageRecord(tuple(policy["emails"]), tuple(policy["dates"]), tuple(policy["headings"]))
        if policy
        else None
    )
    return links, forms, record
