"""sitemap.discover and Fetcher against a real LoopbackInternet (HTTPS with a throw-away CA, real host
names in Host and SNI, every host mapped to loopback with curl-style rules). No browser."""

from __future__ import annotations

import gzip
import socket
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitescan.collect import sitemap
from sitescan.fetch import Fetcher
from sitescan.loopback import LoopbackInternet, ServedRequest
from sitescan.netmap import ConnectTo, NetworkMap

UA = "ua"
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def urlset(*locations: str, extra_ns: str = "") -> str:
    entries = "".join(f"  <url>\n    <loc>\n      {loc}\n    </loc>\n  </url>\n" for loc in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}"{extra_ns}>\n{entries}</urlset>\n'


def sitemapindex(*locations: str) -> str:
    entries = "".join(f"  <sitemap><loc>{loc}</loc></sitemap>\n" for loc in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n{entries}</sitemapindex>\n'


BROKEN_XML = b'<?xml version="1.0"?>\n<urlset><url><loc>https://broken.example.com/a</loc></url>\n'

IMAGE_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="{NS}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://images.example.com/products/lamp</loc>
    <image:image><image:loc>https://images.example.com/media/lamp-photo</image:loc></image:image>
  </url>
</urlset>
"""

# host -> {path: content}
SITES: dict[str, dict[str, str | bytes]] = {
    "www.example.com": {
        "index.html": "<title>home</title>",
        "robots.txt": (
            "# Sitemap: https://www.example.com/commented-out.xml\n"
            "User-agent: *\n"
            "Disallow: /cart\n"
            "Sitemap: https://www.example.com/sitemaps/pages.xml\n"
            "sitemap: https://www.example.com/sitemaps/posts.xml\n"
        ),
        "sitemaps/pages.xml": urlset("https://www.example.com/about", "https://www.example.com/contact"),
        "sitemaps/posts.xml": urlset("https://www.example.com/posts/1"),
        # present, but robots.txt names other sitemaps: never read
        "sitemap.xml": urlset("https://www.example.com/from-the-fallback"),
    },
    "fallback.example.com": {
        "sitemap.xml": urlset("https://fallback.example.com/a", "https://fallback.example.com/b"),
    },
    "norobotsmap.example.com": {
        "robots.txt": "User-agent: *\nDisallow:\n",
        "sitemap.xml": urlset("https://norobotsmap.example.com/a", "https://norobotsmap.example.com/b"),
    },
    "index.example.com": {
        "sitemap.xml": sitemapindex(
            "https://index.example.com/sitemap-pages.xml", "https://index.example.com/sitemap-products.xml"
        ),
        "sitemap-pages.xml": urlset("https://index.example.com/", "https://index.example.com/about"),
        "sitemap-products.xml": urlset(
            "https://index.example.com/p/chair", "https://index.example.com/p/lamp"
        ),
    },
    "gzip.example.com": {
        "robots.txt": "Sitemap: https://gzip.example.com/sitemap.xml.gz\n",
        "sitemap.xml.gz": gzip.compress(
            urlset("https://gzip.example.com/one", "https://gzip.example.com/two").encode(), mtime=0
        ),
    },
    "broken.example.com": {
        "robots.txt": (
            "Sitemap: https://broken.example.com/broken.xml\nSitemap: https://broken.example.com/good.xml\n"
        ),
        "broken.xml": BROKEN_XML,
        "good.xml": urlset("https://broken.example.com/still-found"),
    },
    "missing.example.com": {
        "robots.txt": "Sitemap: https://missing.example.com/gone.xml\n",
        "index.html": "<title>no sitemap here</title>",
    },
    "nomap.example.com": {"index.html": "<title>no robots.txt, no sitemap</title>"},
    "error.example.com": {"index.html": "<title>sitemap answers 500</title>"},
    "moved.example.com": {"index.html": "<title>sitemap moved to another host</title>"},
    "static.example.net": {"maps/sitemap.xml": urlset("https://moved.example.com/landing")},
    "relmoved.example.com": {"new/sitemap.xml": urlset("https://relmoved.example.com/landing")},
    "plain.example.com": {"sitemap.xml": urlset("http://plain.example.com/over-http")},
    "images.example.com": {"sitemap.xml": IMAGE_SITEMAP},
    "truncgz.example.com": {
        "robots.txt": "Sitemap: https://truncgz.example.com/sitemap.xml.gz\n",
        "sitemap.xml.gz": gzip.compress(
            urlset(*(f"https://truncgz.example.com/page/{n}" for n in range(200))).encode(), mtime=0
        )[:400],
    },
    "host-header.example.com": {"index.html": "<title>host header</title>"},
}

ROUTES = """
[[route]]
host = "error.example.com"
path = "/sitemap.xml"
status = 500
body = "internal error"

[[route]]
host = "moved.example.com"
path = "/sitemap.xml"
status = 301
redirect = "https://static.example.net/maps/sitemap.xml"

[[route]]
host = "relmoved.example.com"
path = "/sitemap.xml"
redirect = "/new/sitemap.xml"
"""


@dataclass
class Net:
    internet: LoopbackInternet
    ca: Path
    fetcher: Fetcher

    def mark(self) -> int:
        """Where the record of served requests ends now (tests share one internet)."""
        return len(self.internet.served)

    def served_since(self, mark: int, host: str) -> list[ServedRequest]:
        return [request for request in self.internet.served[mark:] if request.host == host]

    def paths_since(self, mark: int, host: str) -> list[str]:
        return [request.path for request in self.served_since(mark, host)]


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("sitemap-sites")
    for host, files in SITES.items():
        for relative, content in files.items():
            target = root / host / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
    (root / "routes.toml").write_text(ROUTES, encoding="utf-8")
    with LoopbackInternet((root,)) as internet:
        ca = internet.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem")
        network = NetworkMap(
            tuple(ConnectTo.parse(rule) for rule in internet.connect_to()), block_unmapped=True
        )
        yield Net(internet, ca, Fetcher(network, ca, timeout=5))


def test_robots_txt_sitemap_lines(net):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, "https://www.example.com", UA)
    assert found.pages == [
        "https://www.example.com/about",
        "https://www.example.com/contact",
        "https://www.example.com/posts/1",
    ]
    assert found.read == [
        "https://www.example.com/sitemaps/pages.xml",
        "https://www.example.com/sitemaps/posts.xml",
    ]
    assert found.problems == []
    # robots.txt first, then only the sitemaps it names (not /sitemap.xml, not the commented-out one)
    assert net.paths_since(mark, "www.example.com") == [
        "/robots.txt",
        "/sitemaps/pages.xml",
        "/sitemaps/posts.xml",
    ]


def test_requests_carry_the_real_host_name_over_https(net):
    mark = net.mark()
    sitemap.discover(net.fetcher, "https://www.example.com", UA)
    # everything arrived under the real name (not 127.0.0.1), over TLS
    assert {request.host for request in net.internet.served[mark:]} == {"www.example.com"}
    served = net.served_since(mark, "www.example.com")
    assert len(served) == 3
    assert {(request.scheme, request.host, request.method) for request in served} == {
        ("https", "www.example.com", "GET")
    }
    assert {request.headers["user-agent"] for request in served} == {UA}


@pytest.mark.parametrize("host", ["fallback.example.com", "norobotsmap.example.com"])
def test_fallback_to_sitemap_xml(net, host):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, f"https://{host}", UA)
    assert found.pages == [f"https://{host}/a", f"https://{host}/b"]
    assert found.read == [f"https://{host}/sitemap.xml"]
    assert found.problems == []
    assert net.paths_since(mark, host) == ["/robots.txt", "/sitemap.xml"]


def test_sitemap_index_pointing_to_two_sitemaps(net):
    found = sitemap.discover(net.fetcher, "https://index.example.com", UA)
    assert found.pages == [
        "https://index.example.com/",
        "https://index.example.com/about",
        "https://index.example.com/p/chair",
        "https://index.example.com/p/lamp",
    ]
    assert found.read == [
        "https://index.example.com/sitemap.xml",
        "https://index.example.com/sitemap-pages.xml",
        "https://index.example.com/sitemap-products.xml",
    ]
    assert found.problems == []


def test_gzipped_sitemap(net):
    found = sitemap.discover(net.fetcher, "https://gzip.example.com", UA)
    assert found.pages == ["https://gzip.example.com/one", "https://gzip.example.com/two"]
    assert found.read == ["https://gzip.example.com/sitemap.xml.gz"]
    assert found.problems == []


def test_invalid_xml_is_one_problem_and_the_next_sitemap_is_still_read(net):
    try:
        ElementTree.fromstring(BROKEN_XML)
    except ElementTree.ParseError as error:
        parse_error = str(error)
    found = sitemap.discover(net.fetcher, "https://broken.example.com", UA)
    assert found.problems == [
        f"sitemap https://broken.example.com/broken.xml is not valid XML: {parse_error}"
    ]
    assert "\n" not in found.problems[0]
    assert found.pages == ["https://broken.example.com/still-found"]
    assert found.read == ["https://broken.example.com/good.xml"]


@pytest.mark.parametrize(
    ("host", "requested"),
    [
        ("missing.example.com", ["/robots.txt", "/gone.xml"]),  # robots.txt names a sitemap that is 404
        ("nomap.example.com", ["/robots.txt", "/sitemap.xml"]),  # no robots.txt, no /sitemap.xml
    ],
)
def test_a_404_sitemap_is_not_a_problem(net, host, requested):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, f"https://{host}", UA)
    assert (found.pages, found.read, found.problems) == ([], [], [])
    assert net.paths_since(mark, host) == requested


def test_an_error_status_is_a_problem(net):
    found = sitemap.discover(net.fetcher, "https://error.example.com", UA)
    assert found.problems == ["sitemap https://error.example.com/sitemap.xml answered 500"]
    assert (found.pages, found.read) == ([], [])


def test_redirect_to_another_host_is_followed(net):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, "https://moved.example.com", UA)
    assert found.pages == ["https://moved.example.com/landing"]
    assert found.read == ["https://moved.example.com/sitemap.xml"]
    assert found.problems == []
    assert net.paths_since(mark, "moved.example.com") == ["/robots.txt", "/sitemap.xml"]
    assert net.paths_since(mark, "static.example.net") == ["/maps/sitemap.xml"]


def test_relative_redirect_is_followed(net):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, "https://relmoved.example.com", UA)
    assert found.pages == ["https://relmoved.example.com/landing"]
    assert found.problems == []
    assert net.paths_since(mark, "relmoved.example.com") == [
        "/robots.txt",
        "/sitemap.xml",
        "/new/sitemap.xml",
    ]


def test_fetch_follows_redirects_and_reports_the_final_url(net):
    result = net.fetcher.get("https://moved.example.com/sitemap.xml", UA)
    assert (result.url, result.status) == ("https://static.example.net/maps/sitemap.xml", 200)
    # text/xml or application/xml, depending on the system's MIME table
    assert result.content_type in ("application/xml; charset=utf-8", "text/xml; charset=utf-8")
    assert result.body == urlset("https://moved.example.com/landing").encode()


def test_plain_http_origin(net):
    mark = net.mark()
    found = sitemap.discover(net.fetcher, "http://plain.example.com", UA)
    assert found.pages == ["http://plain.example.com/over-http"]
    assert found.problems == []
    assert {(r.scheme, r.path) for r in net.served_since(mark, "plain.example.com")} == {
        ("http", "/robots.txt"),
        ("http", "/sitemap.xml"),
    }


def test_fetcher_refuses_an_unmapped_host_when_block_unmapped(net):
    only_www = NetworkMap(
        (ConnectTo.parse(f"www.example.com:443:127.0.0.1:{net.internet.https_port}"),), block_unmapped=True
    )
    fetcher = Fetcher(only_www, net.ca, timeout=5)
    assert fetcher.get("https://www.example.com/sitemaps/posts.xml", UA).status == 200
    with pytest.raises(OSError, match=r"^fallback\.example\.com is not mapped by --connect-to$"):
        fetcher.get("https://fallback.example.com/sitemap.xml", UA)
    with pytest.raises(OSError, match=r"^www\.example\.com is not mapped by --connect-to$"):
        fetcher.get("http://www.example.com/", UA)  # port 80 is not mapped either
    found = sitemap.discover(fetcher, "https://fallback.example.com", UA)
    assert found.problems == [
        "sitemap https://fallback.example.com/sitemap.xml could not be read: "
        "fallback.example.com is not mapped by --connect-to"
    ]


def test_fetcher_without_the_ca_does_not_trust_the_loopback_certificate(net):
    network = NetworkMap(
        tuple(ConnectTo.parse(rule) for rule in net.internet.connect_to()), block_unmapped=True
    )
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        Fetcher(network, None, timeout=5).get("https://www.example.com/robots.txt", UA)


# -- regressions: bugs found by these tests and fixed -------------------------------------------------


def test_image_sitemap_extension_locations_are_not_pages(net):
    found = sitemap.discover(net.fetcher, "https://images.example.com", UA)
    assert found.pages == ["https://images.example.com/products/lamp"]


def test_a_truncated_gzip_sitemap_is_a_problem_not_a_crash(net):
    found = sitemap.discover(net.fetcher, "https://truncgz.example.com", UA)
    assert len(found.problems) == 1
    assert found.problems[0].startswith("sitemap https://truncgz.example.com/sitemap.xml.gz ")
    assert "\n" not in found.problems[0]
    assert (found.pages, found.read) == ([], [])


def test_host_header_is_the_authority_of_the_url(net):
    mark = net.mark()
    net.fetcher.get("https://host-header.example.com/", UA)
    assert [r.headers["host"] for r in net.served_since(mark, "host-header.example.com")] == [
        "host-header.example.com"
    ]


class RawServer:
    """Answers every connection with the same bytes, then closes it (a broken or non-HTTP server)."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                connection.recv(65536)
                connection.sendall(self.reply)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        self.listener.close()


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(b"garbage\r\n\r\n", id="bad-status-line"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"40\r\n<urlset",
            id="chunked-body-cut-short",
        ),
    ],
)
def test_a_broken_http_answer_is_a_problem_not_a_crash(reply):
    server = RawServer(reply)
    try:
        network = NetworkMap(
            (ConnectTo.parse(f"broken.test:80:127.0.0.1:{server.port}"),), block_unmapped=True
        )
        found = sitemap.discover(Fetcher(network, None, timeout=2), "http://broken.test", UA)
    finally:
        server.close()
    assert len(found.problems) == 1
    assert found.problems[0].startswith("sitemap http://broken.test/sitemap.xml could not be read: ")
    assert (found.pages, found.read) == ([], [])
