"""Read e-mail templates (.html) and messages (.eml) into :class:`EmailMessage` records.

Everything here is parsing, never rendering: the stdlib ``email`` package for messages and the stdlib
``html.parser`` for bodies. Nothing in a message is executed or fetched, and no markup is kept: only
text, addresses and attribute values, as strings. The records hold facts (which links there are, which
of them unsubscribe and where they sit, which addresses and contacts the text shows); the verdicts are
the checks' (``sitescan.checks.email``).
"""

from __future__ import annotations

import codecs
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage as MimeMessage
from email.parser import BytesParser
from email.utils import getaddresses
from functools import cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sitescan.artifacts import EmailImage, EmailLink, EmailMessage
from sitescan.errors import SitescanError

SUFFIXES = {".eml": "eml", ".html": "html", ".htm": "html"}
MAX_BYTES = 32 * 1024 * 1024  # bigger than any mail system delivers (Gmail: 25 MB with attachments)
MAX_ITEMS = 5000  # links and images kept per message: a hostile body must not blow up report.json
TEXT_KEEP = 10_000  # characters of visible text kept from the start and from the end
MAX_FACTS = 20  # addresses, names, contacts kept per kind
MAX_LINE = 2000  # characters of a line the sender patterns search: bounds their backtracking
MAX_DEPTH = 512  # open elements tracked (Blink's tree builder stops nesting there too)

# Elements whose text no reader sees; script and style are CDATA for html.parser, so their end always
# closes them.
SKIPPED = {"script", "style", "title", "template"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
}  # fmt: skip
# Elements that start a new line of text: keeps words of adjacent cells and paragraphs apart.
BLOCK = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl", "dt",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
# Elements whose end tag is optional: a new one closes the open one.
SELF_CLOSING_SIBLINGS = {"p", "li", "td", "th", "tr", "dt", "dd", "option"}

LABEL_PUNCTUATION = " <>()[]:-\u2013\u2014"  # around a URL in a text line
TEXT_URL = re.compile(r"(?:https?://|mailto:|tel:)[^\s<>\"'\]\)]+", re.IGNORECASE)


@dataclass(frozen=True)
class Keywords:
    """rules/links/keywords.toml: [unsubscribe] and [sender]."""

    unsubscribe_texts: tuple[str, ...]
    unsubscribe_urls: tuple[re.Pattern[str], ...]
    postal: tuple[re.Pattern[str], ...]
    names: tuple[re.Pattern[str], ...]
    emails: tuple[re.Pattern[str], ...]
    phones: tuple[re.Pattern[str], ...]
    web: tuple[re.Pattern[str], ...]


@cache
def keywords() -> Keywords:
    """rules/links/keywords.toml, read once. Broken, it is a packaging bug: one line says so, naming it."""
    try:
        text = files("sitescan.rules").joinpath("links/keywords.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        unsubscribe, sender = data["unsubscribe"], data["sender"]

        def compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(p) for p in patterns)

        return Keywords(
            unsubscribe_texts=tuple(_normal(t) for t in unsubscribe["texts"]),
            unsubscribe_urls=tuple(re.compile(p, re.IGNORECASE) for p in unsubscribe["url_patterns"]),
            postal=compiled(sender["postal_patterns"]),
            names=compiled(sender["name_patterns"]),
            emails=compiled(sender["email_patterns"]),
            phones=compiled(sender["phone_patterns"]),
            web=compiled(sender["web_patterns"]),
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as error:
        problem = f"no {error}" if isinstance(error, KeyError) else str(error)
        raise SitescanError(
            f"sitescan's bundled rules/links/keywords.toml is broken ({problem}): reinstall sitescan"
        ) from None


def read_message(path: Path, shown: str | None = None) -> EmailMessage:
    """Parse one .eml or .html file; ``shown`` is how the report names it (default: the path)."""
    name = shown if shown is not None else str(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SitescanError(f"{name}: not an e-mail file (expected .eml or .html)")
    try:
        if not path.is_file():  # a folder named .eml, a pipe or a device: reading it could block
            raise SitescanError(f"{name}: not a file")
        if path.stat().st_size > MAX_BYTES:
            raise SitescanError(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MiB, not an e-mail")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SitescanError(f"{name}: no such file") from None
    except OSError as error:
        raise SitescanError(f"{name}: cannot read: {error.strerror or error}") from None
    if kind == "eml":
        return parse_eml(data, name)
    if not data.strip():
        raise SitescanError(f"{name}: not an HTML template (an empty file)")
    html, charset = decode_html_file(data)
    if "\x00" in html:  # no text holds NUL characters (UTF-16 files, with their byte-order mark, are text)
        raise SitescanError(f"{name}: not an HTML template (binary data)")
    return _message(name, "html", html=html, charset=charset)


def parse_eml(data: bytes, name: str) -> EmailMessage:
    try:
        return _parse_eml(data, name)
    except SitescanError:
        raise
    except RecursionError:  # multiparts nested thousands deep: the email package recurses
        raise SitescanError(f"{name}: cannot parse the message: its parts are nested too deep") from None
    except Exception as error:  # the email package's own bugs on mangled structures
        raise SitescanError(f"{name}: cannot parse the message: {error}") from None


def _parse_eml(data: bytes, name: str) -> EmailMessage:
    if not data.strip():
        raise SitescanError(f"{name}: not an e-mail message (an empty file)")
    headers = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    if b"\x00" in headers:  # a body may carry binary parts, headers are text
        raise SitescanError(f"{name}: not an e-mail message (binary data)")
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, MimeMessage) or not message.keys():
        raise SitescanError(f"{name}: not an e-mail message (no headers)")
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html, html_charset = _content(html_part) if html_part is not None else (None, None)
    text, text_charset = _content(text_part) if text_part is not None else (None, None)
    from_name, from_address = _sender(message)
    return _message(
        name,
        "eml",
        html=html,
        text=text,
        charset=html_charset if html is not None else text_charset,
        subject=_header(message, "Subject"),
        from_name=from_name,
        from_address=from_address,
        list_unsubscribe=tuple(
            re.sub(r"\s+", "", address)
            for address in re.findall(r"<([^>]*)>", _header(message, "List-Unsubscribe") or "")
        ),
        list_unsubscribe_post=_header(message, "List-Unsubscribe-Post"),
        parts=tuple(part.get_content_type() for part in message.walk() if not part.is_multipart())[:50],
    )


def decode_html_file(data: bytes) -> tuple[str, str]:
    """A template's text and charset: a byte-order mark, else a <meta> charset, else UTF-8 (else
    windows-1252, what browsers assume of undeclared legacy files)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be"
    declared = re.search(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]+)", data[:4096], re.IGNORECASE)
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        if encoding in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            encoding = "cp1252"  # the HTML standard's reading of these labels
        try:
            return data.decode(encoding, errors="replace"), encoding
        except LookupError:
            pass  # an unknown label: as if there were none
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _content(part: MimeMessage) -> tuple[str, str | None]:
    charset = part.get_content_charset()
    try:
        return part.get_content(), charset
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or wrong charset label: the bytes as UTF-8, damaged characters replaced.
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        return raw.decode("utf-8", errors="replace"), charset


def _header(message: MimeMessage, name: str) -> str | None:
    try:
        value = message[name]
        return None if value is None else " ".join(str(value).split())
    except Exception:  # header parsers fail on hostile input: the raw value
        raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
        if raw is None:
            return None
        try:
            return " ".join(str(make_header(decode_header(raw))).split())
        except Exception:
            return " ".join(str(raw).split())


def _sender(message: MimeMessage) -> tuple[str | None, str | None]:
    value = _header(message, "From")
    if not value:
        return None, None
    try:
        addresses = message["From"].addresses
        display, address = addresses[0].display_name, addresses[0].addr_spec
    except Exception:  # a malformed From: read it the old, lenient way
        display, address = getaddresses([value])[0]
    address = address.strip() if address and "@" in address else ""
    return display.strip() or None, address or None


def _message(
    name: str,
    kind: Literal["eml", "html"],
    *,
    html: str | None,
    text: str | None = None,
    charset: str | None,
    subject: str | None = None,
    from_name: str | None = None,
    from_address: str | None = None,
    list_unsubscribe: tuple[str, ...] = (),
    list_unsubscribe_post: str | None = None,
    parts: tuple[str, ...] = (),
) -> EmailMessage:
    """Read the body parts and gather the facts the checks need from the part the reader sees."""
    words = keywords()
    html_body = _read_html(name, html) if html is not None else None
    text_body = _read_text(text) if text is not None else None
    shown = html_body or text_body
    links = (html_body.links if html_body else []) + (text_body.links if text_body else [])
    images = html_body.images if html_body else []
    unsubscribes = [link for link in (shown.links if shown else []) if _unsubscribes(link, words)]
    text_unsubscribe = None
    if html_body is not None and text_body is not None:
        text_unsubscribe = next(
            (link for link in reversed(text_body.links) if _unsubscribes(link, words)), None
        )
    visible = shown.text if shown else ""
    kept = visible if len(visible) <= 2 * TEXT_KEEP else f"{visible[:TEXT_KEEP]}\n…\n{visible[-TEXT_KEEP:]}"
    contact_links = [link for link in (shown.links if shown else []) if not link.hidden]
    mailtos = [
        link.url[7:].split("?")[0]
        for link in contact_links
        if link.url.lower().startswith("mailto:") and not _unsubscribes(link, words)
    ]
    phones = [link.url[4:] for link in contact_links if link.url.lower().startswith("tel:")]
    return EmailMessage(
        path=name,
        kind=kind,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        list_unsubscribe=list_unsubscribe,
        list_unsubscribe_post=list_unsubscribe_post,
        body=None if shown is None else "html" if shown is html_body else "text",
        parts=parts or (("text/html",) if html is not None else ()),
        charset=charset,
        links=tuple(links[:MAX_ITEMS]),
        images=tuple(images[:MAX_ITEMS]),
        text=kept,
        text_length=len(visible),
        unsubscribe_links=tuple(unsubscribes[:MAX_FACTS]),
        unsubscribe=unsubscribes[-1] if unsubscribes else None,
        text_unsubscribe=text_unsubscribe,
        # Sender facts come from the kept text (a footer is in its end), so the record explains them.
        sender_names=_found(words.names, kept),
        postal_addresses=_found(words.postal, kept),
        contact_emails=_unique([*_found(words.emails, kept), *mailtos]),
        contact_phones=_unique([*_found(words.phones, kept), *phones]),
        contact_web=_found(words.web, kept),
        truncated=len(links) > MAX_ITEMS or len(images) > MAX_ITEMS,
    )


def _found(patterns: tuple[re.Pattern[str], ...], text: str) -> tuple[str, ...]:
    """What the patterns match, line by line (a line of hostile length only up to MAX_LINE)."""
    lines = [line[:MAX_LINE] for line in text.splitlines()]
    matches = (m.group(0).strip(" ,;:") for p in patterns for line in lines for m in p.finditer(line))
    return _unique(m[:100] for m in matches if m)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))[:MAX_FACTS]


def _normal(text: str) -> str:
    """Compare texts as keywords.toml says: NFC (é as one character), lower case, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def _unsubscribes(link: EmailLink, words: Keywords) -> bool:
    """A visible link whose text, or whose address (path and query), names an unsubscribe."""
    if link.hidden:
        return False
    text = _normal(link.text)
    if any(keyword in text for keyword in words.unsubscribe_texts):
        return True
    address = link.url
    if link.url.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(link.url)
            address = f"{parts.path}?{parts.query}"
        except ValueError:
            pass
    address = unicodedata.normalize("NFC", address).lower()
    return any(pattern.search(address) for pattern in words.unsubscribe_urls)


@dataclass
class _OpenLink:
    url: str
    start: int  # offset in the visible text
    hidden: bool
    depth: int = 0  # its place in the element stack: an ancestor's end closes it
    text: list[str] = field(default_factory=list)


@dataclass
class _Body:
    text: str
    links: list[EmailLink]
    images: list[EmailImage]


def _read_text(raw: str) -> _Body:
    """A text/plain part: its lines with whitespace collapsed, and the URLs written in it. A URL's text
    is the rest of its line, or the line before when the URL stands alone ("Unsubscribe:\\n<URL>")."""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", raw).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    links: list[EmailLink] = []
    for match in TEXT_URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        label = line.replace(match.group(0), " ").strip(LABEL_PUNCTUATION)
        if not label and line_start > 0:
            previous = text[:line_start].rstrip("\n").rsplit("\n", 1)[-1]
            label = previous.strip(LABEL_PUNCTUATION)
        links.append(
            EmailLink(url, " ".join(label.split()), "text", len(links), _fraction(match.start(), len(text)))
        )
    return _Body(text, links, [])


def _read_html(name: str, html: str) -> _Body:
    reader = _HtmlReader()
    try:
        reader.feed(unicodedata.normalize("NFC", html))
        reader.close()
    except (AssertionError, ValueError) as error:  # html.parser gives up on some malformed declarations
        raise SitescanError(f"{name}: cannot parse the HTML: {error}") from None
    return reader.body()


def _fraction(offset: int, length: int) -> float:
    return round(offset / length, 3) if length else 0.0


def _pixels(value: str | None) -> float | None:
    """A size attribute or style value in CSS pixels ("1", "1px", "0"); None for %, em, auto, ..."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*", value or "")
    return float(match.group(1)) if match else None


def _style_value(style: str, prop: str) -> str | None:
    match = re.search(rf"(?:^|;)\s*{prop}\s*:\s*([^;!]+)", style)
    return match.group(1).strip() if match else None


class _HtmlReader(HTMLParser):
    """The visible text, links and images of an HTML body. Builds no tree and keeps no markup: text
    is collected as it streams by, with each link's offset in it (its position from top to bottom)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, skipped) with ancestors folded in
        self._open: dict[str, int] = {}  # how many of each tag the stack holds: stray end tags cost O(1)
        self._chunks: list[str] = []
        self._length = 0
        self._space = False  # a space is owed before the next word
        self._link: _OpenLink | None = None
        self.links: list[EmailLink] = []
        self.images: list[EmailImage] = []

    # Whitespace is collapsed as the text is written, so that offsets are those of the final text.
    def _write(self, data: str) -> None:
        words = " ".join(data.split())
        if not words:
            self._space = self._space or bool(data)
            return
        if (data[0].isspace() or self._space) and self._length and self._chunks[-1][-1] != "\n":
            words = " " + words
        self._chunks.append(words)
        self._length += len(words)
        self._space = data[-1].isspace()

    def _newline(self) -> None:
        if self._length and self._chunks[-1][-1] != "\n":
            self._chunks.append("\n")
            self._length += 1
        self._space = False

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    @property
    def _skipped(self) -> bool:
        return bool(self._stack) and self._stack[-1][2]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes: dict[str, str] = {}
        for key, value in attrs:
            attributes.setdefault(key, value or "")  # the first of duplicated attributes wins, as in browsers
        if tag in SELF_CLOSING_SIBLINGS and self._stack and self._stack[-1][0] == tag:
            self._close(tag)
        style = re.sub(r"\s+", "", attributes.get("style", "").lower())
        hidden = self._hidden or "hidden" in attributes or _hiding(style)
        if tag in BLOCK and not hidden:
            self._newline()
        if tag == "a":
            self._end_link()
            href = attributes.get("href")
            if href is not None:
                start = self._length + (1 if self._space and self._length else 0)
                self._link = _OpenLink(_clean_url(href), start, hidden)
        elif tag == "area" and "href" in attributes:
            self._add_link(_clean_url(attributes["href"]), attributes.get("alt", ""), self._length, hidden)
        elif tag == "img":
            self._image(attributes, style, hidden)
        if tag not in VOID and len(self._stack) < MAX_DEPTH:
            self._stack.append((tag, hidden, self._skipped or tag in SKIPPED))
            self._open[tag] = self._open.get(tag, 0) + 1
            if tag == "a" and self._link is not None:
                self._link.depth = len(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._end_link()
        if tag in BLOCK and not self._hidden:
            self._newline()
        if tag == "br" and not self._hidden:  # </br> is a line break too, as in browsers
            self._newline()
        self._close(tag)

    def _close(self, tag: str) -> None:
        if not self._open.get(tag):
            return  # a stray end tag: ignored, as browsers do
        while self._stack:
            popped = self._stack.pop()[0]
            self._open[popped] -= 1
            if self._link is not None and len(self._stack) < self._link.depth:
                self._end_link()  # an element around an unclosed <a> ended: so does the link
            if popped == tag:
                return

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:  # "<![foo[": browsers read a bogus comment up to the next ">"
            end = self.rawdata.find(">", i)
            return len(self.rawdata) if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self._skipped:
            return
        if self._link is not None:
            self._link.text.append(data)
        if not self._hidden:
            self._write(data)

    def _image(self, attributes: dict[str, str], style: str, hidden: bool) -> None:
        width = attributes.get("width") or _style_value(style, "width")
        height = attributes.get("height") or _style_value(style, "height")
        w, h = _pixels(width), _pixels(height)
        tiny = w is not None and h is not None and w <= 1 and h <= 1
        alt = " ".join(attributes.get("alt", "").split())
        if "src" in attributes:
            self.images.append(
                EmailImage(_clean_url(attributes["src"]), width, height, alt, hidden, tiny or hidden)
            )
        if self._link is not None and alt:
            self._link.text.append(f" {alt} ")  # an image link's text is its alt text

    def _end_link(self) -> None:
        link, self._link = self._link, None
        if link is None:
            return
        self._add_link(link.url, "".join(link.text), link.start, link.hidden)

    def _add_link(self, url: str, text: str, start: int, hidden: bool) -> None:
        self.links.append(EmailLink(url, " ".join(text.split()), "html", len(self.links), start, hidden))

    def body(self) -> _Body:
        self._end_link()
        text = "".join(self._chunks).strip()
        # Offsets become fractions of the whole text now that its length is known.
        links = [
            EmailLink(
                link.url,
                link.text,
                link.part,
                link.index,
                _fraction(min(int(link.position), len(text)), len(text)),
                link.hidden,
            )
            for link in self.links
        ]
        return _Body(text, links, self.images)


def _hiding(style: str) -> bool:
    """An inline style (whitespace removed, lower case) that hides the element: display:none,
    visibility:hidden, or the preheader trick max-height:0 with overflow:hidden."""
    if "display:none" in style or "visibility:hidden" in style:
        return True
    return "overflow:hidden" in style and bool(re.search(r"max-height:0(?:px|em|rem|%)?(?:;|!|$)", style))


def _clean_url(value: str) -> str:
    # Browsers drop surrounding whitespace and any tab or newline inside a URL.
    return re.sub(r"[\t\n\r]", "", value.strip())
