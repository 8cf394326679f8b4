"""A small multi-host "internet" served on loopback, over HTTP and HTTPS.

`sitescan demo` serves its bundled storefront with it and the tests serve their sites with it. A site
tree holds one folder per host name (``root/www.example.com/index.html``); ``root/routes.toml`` adds
what static files cannot express: response headers such as ``Set-Cookie``, redirects, status codes,
delays, padding and pixel bodies. WebSocket handshakes to any host and path are accepted, and each
message is answered with "ok". Requests reach it through Chromium's ``--host-resolver-rules``, or through
its HTTP proxy (``proxy_url()``: for a remote browser, which cannot be given those rules); either way
the browser keeps the real host names in ``Host`` and SNI; one certificate, signed by a throw-away CA,
names every host of the tree.

TLS variants (for the TLS probe and its rules) are planted per host in ``routes.toml``, all on the one
HTTPS port: the server reads the SNI name from the ClientHello before the handshake and picks that
host's TLS context (certificate and protocol versions), so one ``--connect-to`` rule still serves all::

    [tls]
    defaults = "strict"          # every HTTPS answer carries Strict-Transport-Security:
                                 # max-age=31536000 and every http:// request answers 301 to https://.
                                 # "plain" (the default): no HSTS header, http:// served like https://
                                 # (tests and sites that use plain-HTTP pages rely on that).

    [[tls.host]]
    host = "legacy.example.com"
    min_version = "TLSv1"        # also accept TLS 1.0 and 1.1 (default "TLSv1.2"); max_version likewise
    [[tls.host]]
    host = "expired.example.com"
    expires_in_days = -1         # its own certificate, expiring this many days after the internet
                                 # started (negative: already expired); see ``LoopbackInternet.clock``
    [[tls.host]]
    host = "wrong.example.com"
    names = ["other.example.org"]  # its own certificate, naming these hosts instead
    [[tls.host]]
    host = "nohsts.example.com"
    hsts = false                 # no header; true: max-age=31536000; a string: the value ("max-age=300")
    redirect_http = false        # http:// served as is (true: 301 to https:// even without "strict")

The first tree (in ``roots`` order) whose ``[tls]`` sets ``defaults`` decides for the whole internet;
a host's ``[[tls.host]]`` entry, from the first tree that has one, overrides it. The default HTTPS
context accepts TLS 1.2 and 1.3 only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import mimetypes
import select
import socket
import ssl
import sys
import threading
import time
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import StreamRequestHandler, ThreadingTCPServer
from typing import Any, Literal
from urllib.parse import urlsplit

import trustme

# The smallest transparent GIF: what tracking pixels answer.
PIXEL_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
STRICT_HSTS = "max-age=31536000"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
CA_ORGANIZATION = "sitescan loopback CA"  # the throw-away CA's subject: what certificates name as issuer
LEAF_ORGANIZATION = "sitescan loopback"
TLS_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
TlsDefaults = Literal["plain", "strict"]


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
    padding: int = 0  # bytes of HTML comment appended to the body: a heavy page


@dataclass(frozen=True)
class ServedRequest:
    """One request the loopback internet answered (tests compare it with what sitescan saw)."""

    scheme: str
    host: str
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class TlsVariant:
    """How one host's HTTPS differs from the default (a ``[[tls.host]]`` entry of routes.toml)."""

    host: str
    min_version: str = "TLSv1.2"
    max_version: str = "TLSv1.3"
    expires_in_days: float | None = None  # None: the shared, long-lived certificate (unless ``names``)
    names: tuple[str, ...] = ()  # the certificate names these hosts instead of ``host``
    hsts: str | bool | None = None  # False: no header; a string: its value; None: the tree's default
    redirect_http: bool | None = None  # None: the tree's default

    @property
    def own_certificate(self) -> bool:
        return self.expires_in_days is not None or bool(self.names)


@dataclass(frozen=True)
class TlsSettings:
    defaults: TlsDefaults | None = None  # None: this tree does not say
    hosts: dict[str, TlsVariant] = field(default_factory=dict)


def load_tls(root: Path) -> TlsSettings:
    routes_file = root / "routes.toml"
    if not routes_file.exists():
        return TlsSettings()
    table: dict[str, Any] = tomllib.loads(routes_file.read_text(encoding="utf-8")).get("tls", {})
    defaults = table.get("defaults")
    if defaults not in (None, "plain", "strict"):
        raise ValueError(f'{routes_file}: [tls] defaults must be "plain" or "strict", not {defaults!r}')
    hosts: dict[str, TlsVariant] = {}
    for entry in table.get("host", []):
        variant = TlsVariant(
            host=entry["host"].lower(),
            min_version=entry.get("min_version", "TLSv1.2"),
            max_version=entry.get("max_version", "TLSv1.3"),
            expires_in_days=entry.get("expires_in_days"),
            names=tuple(entry.get("names", ())),
            hsts=entry.get("hsts"),
            redirect_http=entry.get("redirect_http"),
        )
        for version in (variant.min_version, variant.max_version):
            if version not in TLS_VERSIONS:
                raise ValueError(f"{routes_file}: unknown TLS version {version!r} for {variant.host}")
        hosts[variant.host] = variant
    return TlsSettings(defaults, hosts)


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
            padding=entry.get("padding", 0),
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
    proxy_port: int = 0
    served: list[ServedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.roots = tuple(Path(root) for root in self.roots)
        self.routes = {
            key: route for root in reversed(self.roots) for key, route in load_routes(root).items()
        }
        tls = [load_tls(root) for root in self.roots]
        self.tls_defaults: TlsDefaults = next((t.defaults for t in tls if t.defaults), "plain")
        self.tls_variants = {host: v for t in reversed(tls) for host, v in t.hosts.items()}
        self.hosts = sorted(
            {p.name for root in self.roots for p in root.iterdir() if p.is_dir()}
            | {host for host, _ in self.routes}
            | set(self.tls_variants)
            | set(self.extra_hosts)
        )
        # What certificate lifetimes count from (whole seconds, as in a certificate): tests compare
        # the probe's days_left against it.
        self.clock = datetime.now(UTC).replace(microsecond=0)
        self.ca = trustme.CA(organization_name=CA_ORGANIZATION)
        self._servers: list[ThreadingTCPServer] = []
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> LoopbackInternet:
        handler = _make_handler(self)
        http_server = _HttpServer(("127.0.0.1", self.http_port), handler)
        # Like most servers, it presents its certificate, not the root that signed it.
        shared = self.ca.issue_cert(*self.hosts, organization_name=LEAF_ORGANIZATION)
        default = self._tls_context(shared, TlsVariant(host=""))
        contexts = {
            host: self._tls_context(
                self._certificate(variant) if variant.own_certificate else shared, variant
            )
            for host, variant in self.tls_variants.items()
        }
        https_server = _HttpsServer(
            ("127.0.0.1", self.https_port), handler, lambda name: contexts.get(name or "", default)
        )
        self.http_port = http_server.server_address[1]
        self.https_port = https_server.server_address[1]
        proxy_server = _ProxyServer(("127.0.0.1", self.proxy_port), _make_proxy_handler(self))
        for server in (http_server, https_server, proxy_server):
            server.daemon_threads = True
            # a short poll: stop() (server.shutdown) waits up to one poll interval per server
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._servers = [http_server, https_server, proxy_server]
        self.proxy_port = proxy_server.server_address[1]
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

    def proxy_url(self) -> str:
        """An HTTP proxy (``--proxy``) to this internet: it serves its hosts' ports 80 and 443 and refuses
        every other destination at once (hermetic, for a browser that cannot be given ``connect_to()``)."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    # -- TLS variants ----------------------------------------------------------------------------
    def hsts_for(self, host: str) -> str | None:
        """The Strict-Transport-Security value ``host`` sends over HTTPS (None: no header)."""
        variant = self.tls_variants.get(host)
        if variant is not None and variant.hsts is not None:
            return variant.hsts if isinstance(variant.hsts, str) else (STRICT_HSTS if variant.hsts else None)
        return STRICT_HSTS if self.tls_defaults == "strict" else None

    def redirects_http(self, host: str) -> bool:
        variant = self.tls_variants.get(host)
        if variant is not None and variant.redirect_http is not None:
            return variant.redirect_http
        return self.tls_defaults == "strict"

    def _certificate(self, variant: TlsVariant) -> trustme.LeafCert:
        not_after = None
        if variant.expires_in_days is not None:
            not_after = self.clock + timedelta(days=variant.expires_in_days)
        # not_before well before not_after, so an expired certificate is still well-formed
        not_before = min(self.clock, not_after or self.clock) - timedelta(days=30)
        names = variant.names or (variant.host,)
        return self.ca.issue_cert(
            *names,
            common_name=names[0],
            organization_name=LEAF_ORGANIZATION,
            not_before=not_before,
            not_after=not_after,
        )

    @staticmethod
    def _tls_context(certificate: trustme.LeafCert, variant: TlsVariant) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        low, high = TLS_VERSIONS[variant.min_version], TLS_VERSIONS[variant.max_version]
        with warnings.catch_warnings():  # TLSVersion.TLSv1 and TLSv1_1 are deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version, context.maximum_version = low, high
        if low < ssl.TLSVersion.TLSv1_2:
            context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0 / 1.1 otherwise
        certificate.configure_cert(context)
        return context

    def _record(self, request: ServedRequest) -> None:
        with self._lock:
            self.served.append(request)


class _HttpServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 drops the SYNs of a burst of connections (a browser opening a page,
    # the TLS probe's threads): the client retries only a second later.
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a tab closed while a page loads) is no error of the server's."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLEOFError):
            super().handle_error(request, client_address)


class _ProxyServer(ThreadingTCPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a tab closed while a page loads) is no error of the server's."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLEOFError):
            super().handle_error(request, client_address)

    allow_reuse_address = True


class _HttpsServer(_HttpServer):
    """HTTPS on one port for every host: the TLS context is chosen by the ClientHello's SNI name, and
    the handshake runs in the request's thread (an idle or failing client holds up no one else)."""

    is_https = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        choose: Callable[[str | None], ssl.SSLContext],
    ) -> None:
        super().__init__(address, handler)
        self.choose = choose

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            # Like production servers: no Nagle delay between the TLS 1.3 session tickets and the answer.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request.settimeout(30)
            name = _peek_server_name(request)
            request.settimeout(None)
            tls = self.choose(name).wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return  # a refused handshake (a probe trying TLS 1.0) or a client that left: not our error
        try:
            super().finish_request(tls, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_WR)
            tls.close()


def _peek_server_name(sock: socket.socket) -> str | None:
    """The SNI host name of the ClientHello waiting on ``sock``, read without consuming it."""
    data = b""
    for _ in range(100):
        data = sock.recv(16389, socket.MSG_PEEK)
        if not data or data[0] != 0x16:  # closed, or not a TLS handshake record
            return None
        if len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
            break
        time.sleep(0.01)  # the rest of the record is still on its way
    return _server_name(data[5:])


def _server_name(hello: bytes) -> str | None:
    try:
        if hello[0] != 0x01:  # not a ClientHello
            return None
        at = 4 + 2 + 32  # handshake header, client version, random
        at += 1 + hello[at]  # session id
        at += 2 + int.from_bytes(hello[at : at + 2], "big")  # cipher suites
        at += 1 + hello[at]  # compression methods
        end = at + 2 + int.from_bytes(hello[at : at + 2], "big")
        at += 2
        while at + 4 <= end:
            kind = int.from_bytes(hello[at : at + 2], "big")
            size = int.from_bytes(hello[at + 2 : at + 4], "big")
            if kind == 0:  # server_name: list length, name type (0: host name), name length, name
                length = int.from_bytes(hello[at + 7 : at + 9], "big")
                return hello[at + 9 : at + 9 + length].decode("ascii").lower()
            at += 4 + size
    except (IndexError, UnicodeDecodeError):
        pass
    return None


def _make_proxy_handler(internet: LoopbackInternet) -> type[StreamRequestHandler]:
    """``CONNECT host:443`` (or :80) becomes a tunnel to the HTTPS (or HTTP) server, which sees the
    browser's own TLS handshake, SNI and all; ``GET http://host/path`` (a proxy's absolute form) is
    passed to the HTTP server, which reads the host from the Host header, and the connection then closes.
    Any other host or port is refused."""

    class Handler(StreamRequestHandler):
        rbufsize = 0  # unbuffered: no byte the client sends after its headers may be left behind

        def handle(self) -> None:
            head = self.rfile.readline(65537).decode("latin-1")
            lines = []
            while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                lines.append(line.decode("latin-1"))
            method, _, rest = head.partition(" ")
            target = rest.rpartition(" ")[0]
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = self._upstream(host.strip("[]"), port)
                if upstream is None:
                    return
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                upstream = self._upstream(
                    parts.hostname or "", str(parts.port or 80) if parts.scheme == "http" else ""
                )
                if upstream is None:
                    return
                origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [
                    line
                    for line in lines
                    if not line.lower().startswith(("proxy-connection:", "connection:"))
                ]
                request = f"{method} {origin_form} HTTP/1.1\r\n{''.join(kept)}Connection: close\r\n\r\n"
                upstream.sendall(request.encode("latin-1"))
            with upstream:
                _pipe(self.connection, upstream)

        def _upstream(self, host: str, port: str) -> socket.socket | None:
            """A connection to the server for host:port, or None after refusing it (not served here)."""
            ports = {"80": internet.http_port, "443": internet.https_port}
            if host.lower() not in internet.hosts or port not in ports:
                self.wfile.write(
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return None
            return socket.create_connection(("127.0.0.1", ports[port]))

    return Handler


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    sockets = [client, upstream]
    while True:
        readable, _, _ = select.select(sockets, [], [], 60)
        if not readable:
            return  # idle for a minute: the browser has moved on
        for source in readable:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            (upstream if source is client else client).sendall(data)


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
            if headers.get("upgrade", "").lower() == "websocket":
                self._talk_websocket(scheme, host, headers)
                return
            route = internet.routes.get((host, path))
            if scheme == "http" and internet.redirects_http(host):
                status, answer, payload = 301, [("Location", f"https://{host}{self.path}")], b""
            else:
                if route and route.delay:
                    time.sleep(route.delay)
                status, answer, payload = _response_for(internet.roots, host, path, route)
            hsts = internet.hsts_for(host) if scheme == "https" else None
            if hsts and not any(name.lower() == "strict-transport-security" for name, _ in answer):
                answer.append(("Strict-Transport-Security", hsts))
            self.send_response(status)
            for name, value in answer:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if with_body:
                self.wfile.write(payload)

        def _talk_websocket(self, scheme: str, host: str, headers: dict[str, str]) -> None:
            """RFC 6455: accept the handshake, then answer each text message with "ok" until closed;
            each message is recorded as a request with method WEBSOCKET."""
            key = headers.get("sec-websocket-key", "")
            accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
            self.send_response_only(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.close_connection = True
            while (frame := _read_websocket_frame(self.rfile)) is not None:
                opcode, message = frame
                if opcode == 0x8:  # close: answer it and end
                    self.wfile.write(bytes([0x88, 0]))
                    return
                if opcode in (0x1, 0x2):
                    internet._record(ServedRequest(scheme, host, "WEBSOCKET", self.path, headers, message))
                    self.wfile.write(bytes([0x81, 2]) + b"ok")

    return Handler


def _read_websocket_frame(stream: Any) -> tuple[int, bytes] | None:
    """One client frame (always masked), or None when the connection ended."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(stream.read(2), "big")
    elif length == 127:
        length = int.from_bytes(stream.read(8), "big")
    mask = stream.read(4)
    data = stream.read(length)
    if len(mask) < 4 or len(data) < length:
        return None
    return head[0] & 0x0F, bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))


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
    body = file.read_bytes()
    if route and route.padding:
        body += b"<!--" + b" " * route.padding + b"-->"
    return (route.status if route else 200), [*headers, ("Content-Type", content_type)], body


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
