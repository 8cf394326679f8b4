"""Page URLs from ``/sitemap.xml``, sitemap indexes and the ``Sitemap:`` lines of ``robots.txt``."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass, field

from sitescan.fetch import Fetcher

MAX_SITEMAPS = 50
MAX_URLS = 50_000


@dataclass
class SitemapResult:
    pages: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def discover(fetcher: Fetcher, origin: str, user_agent: str) -> SitemapResult:
    """Read the origin's sitemaps (robots.txt's, else /sitemap.xml), following sitemap indexes."""
    result = SitemapResult()
    queue = _robots_sitemaps(fetcher, origin, user_agent) or [f"{origin}/sitemap.xml"]
    seen: set[str] = set()
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            response = fetcher.get(url, user_agent)
        except (OSError, ValueError) as error:
            result.problems.append(f"sitemap {url} could not be read: {error}")
            continue
        if response.status == 404:
            continue  # no sitemap: common, not a problem
        if response.status >= 400:
            result.problems.append(f"sitemap {url} answered {response.status}")
            continue
        try:
            body = gzip.decompress(response.body) if response.body[:2] == b"\x1f\x8b" else response.body
        except (OSError, EOFError, zlib.error) as error:
            result.problems.append(f"sitemap {url} is not valid gzip: {error}")
            continue
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as error:
            result.problems.append(f"sitemap {url} is not valid XML: {error}")
            continue
        result.read.append(url)
        locations = _locations(root)
        if _local(root.tag) == "sitemapindex":
            queue.extend(locations)
        else:
            result.pages.extend(locations[: MAX_URLS - len(result.pages)])
    return result


def _robots_sitemaps(fetcher: Fetcher, origin: str, user_agent: str) -> list[str]:
    try:
        response = fetcher.get(f"{origin}/robots.txt", user_agent)
    except (OSError, ValueError):
        return []
    if response.status != 200:
        return []
    lines = response.body.decode("utf-8", "replace").splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]


def _locations(root: ElementTree.Element) -> list[str]:
    """``<url><loc>`` or ``<sitemap><loc>`` in the sitemap's own namespace only: an image or video
    extension's ``<image:loc>`` names no page."""
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    found = []
    for entry in root:
        if _local(entry.tag) in ("url", "sitemap"):
            loc = entry.find(f"{namespace}loc")
            if loc is not None and loc.text and loc.text.strip():
                found.append(loc.text.strip())
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
