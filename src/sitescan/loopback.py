"""A small multi-host "internet" served on loopback, over HTTP and HTTPS.

`sitescan demo` serves its bundled storefront with it and the tests serve their sites with it. A site
tree holds one folder per host name (``root/www.example.com/index.html``); ``root/routes.toml`` adds
what static files cannot express: response headers such as ``Set-Cookie``, redirects, status codes,
delays and pixel bodies. Requests reach it through Chromium's ``--host-resolver-rules``, so the
browser keeps the real host names in ``Host`` and SNI; one certificate, signed by a throw-away CA,
names every host of the tree.
"""

from __future__ import annotations

import mimetypes
import ssl
import threading
import time
import tomllib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import trustme

# The smallest transparent GIF: what tracking pixels answer.
PIXEL_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@dataclass(frozen=True)
class Route:
    host: str
    path: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    pixel: bool = False
    redirect: str | None = None
    delay: float = 0.0
    content_type: str | None = None
    file: str | None = None  # serve this path of the host's folder instead of the requested one


@dataclass(frozen=True)
class ServedRequest:
    """One request the loopback internet answered (tests compare it with what sitescan saw)."""

    scheme: str
    host: str
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


def load_routes(root: Path) -> dict[tuple[str, str], Route]:
    routes_file = root / "routes.toml"
    if not routes_file.exists():
        return {}
    data = tomllib.loads(routes_file.read_text(encoding="utf-8"))
    routes: dict[tuple[str, str], Route] = {}
    for entry in data.get("route", []):
        route = Route(
            host=entry["host"],
            path=entry["path"],
            status=entry.get("status", 302 if "redirect" in entry else 200),
            headers=tuple((name, value) for name, value in entry.get("headers", [])),
            body=entry.get("body"),
            pixel=entry.get("pixel", False),
            redirect=entry.get("redirect"),
            delay=entry.get("delay", 0.0),
            content_type=entry.get("content_type"),
            file=entry.get("file"),
        )
        routes[(route.host, route.path)] = route
    return routes


@dataclass
class LoopbackInternet:
    """Serve ``root`` for every host folder in it, on two loopback ports (HTTP and HTTPS)."""

    roots: tuple[Path, ...]  # site trees, searched in order (a site, then the vendors it uses)
    extra_hosts: tuple[str, ...] = ()
    http_port: int = 0
    https_port: int = 0
    served: list[ServedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.roots = tuple(Path(root) for root in self.roots)
        self.routes = {
            key: route for root in reversed(self.roots) for key, route in load_routes(root).items()
        }
        self.hosts = sorted(
            {p.name for root in self.roots for p in root.iterdir() if p.is_dir()}
            | {host for host, _ in self.routes}
            | set(self.extra_hosts)
        )
        self.ca = trustme.CA()
        self._servers: list[ThreadingHTTPServer] = []
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> LoopbackInternet:
        handler = _make_handler(self)
        http_server = ThreadingHTTPServer(("127.0.0.1", self.http_port), handler)
        https_server = ThreadingHTTPServer(("127.0.0.1", self.https_port), handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        # Like most servers, it presents its certificate, not the root that signed it.
        self.ca.issue_cert(*self.hosts).configure_cert(context)
        https_server.socket = context.wrap_socket(https_server.socket, server_side=True)
        https_server.is_https = True  # type: ignore[attr-defined]
        for server in (http_server, https_server):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers = [http_server, https_server]
        self.http_port = http_server.server_address[1]
        self.https_port = https_server.server_address[1]
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> LoopbackInternet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a scanner needs to reach it --------------------------------------------------------
    def connect_to(self) -> list[str]:
        """``--connect-to`` values that send every host's port 80 and 443 here (curl's syntax)."""
        return [f":80:127.0.0.1:{self.http_port}", f":443:127.0.0.1:{self.https_port}"]

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def _record(self, request: ServedRequest) -> None:
        with self._lock:
            self.served.append(request)


def _make_handler(internet: LoopbackInternet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Stay quiet: the scanner's output is what matters."""

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_POST(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _answer(self, with_body: bool) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            path = urlsplit(self.path).path or "/"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            scheme = "https" if getattr(self.server, "is_https", False) else "http"
            headers = {name.lower(): value for name, value in self.headers.items()}
            internet._record(ServedRequest(scheme, host, self.command, self.path, headers, body))
            route = internet.routes.get((host, path))
            if route and route.delay:
                time.sleep(route.delay)
            status, headers, payload = _response_for(internet.roots, host, path, route)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if with_body:
                self.wfile.write(payload)

    return Handler


def _response_for(
    roots: tuple[Path, ...], host: str, path: str, route: Route | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = list(route.headers) if route else []
    if route and route.redirect:
        return route.status, [*headers, ("Location", route.redirect)], b""
    if route and route.pixel:
        return route.status, [*headers, ("Content-Type", "image/gif")], PIXEL_GIF
    if route and route.body is not None:
        content_type = route.content_type or "text/plain; charset=utf-8"
        return route.status, [*headers, ("Content-Type", content_type)], route.body.encode()
    wanted = route.file if route and route.file else path
    file = next(filter(None, (_static_file(root, host, wanted) for root in roots)), None)
    if file is None:
        if route:  # a route with only headers (an API or a collection endpoint) answers 204
            return (route.status if route.status != 200 else 204), headers, b""
        return 404, [("Content-Type", "text/plain")], b"not found"
    content_type = route.content_type if route and route.content_type else _content_type(file)
    return (route.status if route else 200), [*headers, ("Content-Type", content_type)], file.read_bytes()


def _static_file(root: Path, host: str, path: str) -> Path | None:
    site = (root / host).resolve()
    candidate = (site / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(site):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _content_type(file: Path) -> str:
    guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return (
        f"{guessed}; charset=utf-8"
        if guessed.startswith("text/") or guessed.endswith(("javascript", "json", "xml"))
        else guessed
    )
