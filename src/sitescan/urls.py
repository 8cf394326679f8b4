"""URL normalisation and the browser's idea of a site (registrable domain), offline."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

from sitescan.errors import SitescanError

# The bundled public-suffix snapshot only: no fetch, no cache writes. Private suffixes count, as they do
# for the browser (two *.github.io tenants are two sites).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A label of a host name: letters of any script, digits, hyphens, underscores.
_LABEL = re.compile(r"[\w-]+")
# Spaces and control characters: a browser would percent-encode or drop them, a user meant something else.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_EXPECTED = "expected http://HOST/... or https://HOST/..."


def parse_target(url: str) -> str:
    """A start URL given by a user: absolute http(s) with a valid host and port, less its fragment, with
    the scheme and host in lower case (as the browser writes them); else a one-line error."""
    text = url.strip()

    def bad(reason: str) -> SitescanError:
        return SitescanError(f"not a web address: {url!r} ({reason})")

    try:
        parts = urlsplit(text)
    except ValueError:  # unbalanced brackets, a bracketed host that is no IPv6 address, odd Unicode
        raise bad("bad IPv6 address" if "[" in text or "]" in text else "bad host name") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise bad(_EXPECTED)
    problem = address_problem(parts.netloc)
    if problem:
        raise bad(problem)
    if _SPACE_OR_CONTROL.search(text):
        raise bad("spaces and control characters must be percent-encoded")
    # urlsplit found the netloc verbatim right after "scheme://": the rest is path, query and fragment.
    rest = text[len(parts.scheme) + 3 + len(parts.netloc) :].split("#", 1)[0]
    userinfo, at, host_and_port = parts.netloc.rpartition("@")
    return f"{parts.scheme}://{userinfo}{at}{host_and_port.lower()}{rest}"  # urlsplit lower-cases the scheme


def address_problem(netloc: str) -> str | None:
    """Why a browser could not connect to a URL's netloc (``[user@]host[:port]``), or None."""
    host_and_port = netloc.rpartition("@")[2]
    if host_and_port.startswith("["):
        literal, bracket, port = host_and_port.partition("]")
        host = literal + bracket
    else:
        host, colon, port = host_and_port.partition(":")
        port = colon + port
    problem = host_problem(host)
    if problem or port in ("", ":"):  # no port, or an empty one: the scheme's default
        return problem
    if not re.fullmatch(r":[0-9]{1,5}", port) or not 0 < int(port[1:]) < 65536:
        return "bad port"
    return None


def host_problem(host: str) -> str | None:
    """Why a browser could not use ``host``: a name, an IPv4 address or an IPv6 address in brackets."""
    if host.startswith("[") or host.endswith("]"):
        literal = host[1:-1]
        if not (host.startswith("[") and host.endswith("]")) or "%" in literal:  # browsers refuse zone ids
            return "bad IPv6 address"
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return "bad IPv6 address"
        return None
    labels = host.removesuffix(".").split(".")  # one trailing dot: a fully qualified name
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "bad host name"
    if labels[-1].isdigit():  # ends in a number: browsers read the host as an IPv4 address
        try:
            ipaddress.IPv4Address(host.removesuffix("."))
        except ValueError:
            return "bad IPv4 address"
    return None


def normalise(url: str) -> str:
    """One spelling per page: no fragment, no default port, lower-case host, sorted query, no trailing slash
    (except the root path). A URL that cannot be parsed (bad port, unbalanced brackets) is its own
    spelling, less its fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("#", 1)[0]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain ("eTLD+1") of a host; an IP address or a single label is its own site."""
    host = host.lower().strip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    extracted = _EXTRACT(host)
    if extracted.suffix and extracted.domain:
        return f"{extracted.domain}.{extracted.suffix}"
    return host


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def url_site(url: str) -> str:
    return site_of(host_of(url))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def cookie_site(domain: str) -> str:
    """The site of a cookie's domain attribute (``.youtube.com`` or ``www.youtube.com``)."""
    return site_of(domain.lstrip("."))
