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
# Letters of any script, digits, dots, hyphens, underscores; or an IPv6 literal.
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+")


def parse_target(url: str) -> str:
    """A start URL given by a user: absolute http(s) with a valid host and port, less its fragment;
    else a one-line error."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise SitescanError(f"not a web address: {url!r} (expected http://HOST/... or https://HOST/...)")
    if not _HOST.fullmatch(parts.hostname):
        raise SitescanError(f"not a web address: {url!r} (bad host name)")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SitescanError(f"not a web address: {url!r} (bad port)")
    return url.strip().split("#", 1)[0]


def normalise(url: str) -> str:
    """One spelling per page: no fragment, no default port, lower-case host, sorted query, no trailing slash
    (except the root path)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{parts.port}"
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
