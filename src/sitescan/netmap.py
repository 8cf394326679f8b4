"""Where connections really go: curl-style ``--connect-to`` rules, for the browser and for sitescan's
own connections (sitemaps, and later the TLS probe), so that a staging build can be scanned under its
production host names; or ``--proxy``, through which every connection goes instead (what a remote
browser, which cannot be given the rules, can use too)."""

from __future__ import annotations

import base64
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sitescan.errors import SitescanError
from sitescan.urls import address_problem, host_problem

# Ports in ASCII digits only: int() would read other scripts' digits too.
_RULE = re.compile(r"^(?P<h1>\[[^\]]*\]|[^:]*):(?P<p1>[0-9]*):(?P<h2>\[[^\]]*\]|[^:]*):(?P<p2>[0-9]*)$")


@dataclass(frozen=True)
class ConnectTo:
    """HOST1:PORT1:HOST2:PORT2 with curl's meaning: connections for HOST1:PORT1 go to HOST2:PORT2.
    An empty HOST1 or PORT1 matches any; an empty HOST2 or PORT2 keeps the original."""

    from_host: str
    from_port: int | None
    to_host: str
    to_port: int | None

    @classmethod
    def parse(cls, text: str) -> ConnectTo:
        match = _RULE.match(text.strip())
        if not match:
            raise SitescanError(f"bad --connect-to {text!r}: expected HOST1:PORT1:HOST2:PORT2")
        for host in (match["h1"], match["h2"]):
            problem = host and host_problem(host)
            if problem:
                raise SitescanError(f"bad --connect-to {text!r}: {problem} {host!r}")
        ports = []
        for key in ("p1", "p2"):
            value = match[key]
            if value and not 0 < int(value) < 65536:
                raise SitescanError(f"bad --connect-to {text!r}: port {value} out of range")
            ports.append(int(value) if value else None)
        if not match["h2"] and ports[1] is None:
            raise SitescanError(f"bad --connect-to {text!r}: names no destination host or port")
        return cls(match["h1"].strip("[]").lower(), ports[0], match["h2"].strip("[]").lower(), ports[1])

    def matches(self, host: str, port: int) -> bool:
        return (not self.from_host or self.from_host == host.lower()) and (
            self.from_port is None or self.from_port == port
        )


@dataclass(frozen=True)
class Proxy:
    """``--proxy``: an HTTP proxy (CONNECT) or a SOCKS5 proxy, with optional credentials."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = ""

    @classmethod
    def parse(cls, text: str) -> Proxy:
        bad = SitescanError(f"bad --proxy {text!r}: expected http://HOST:PORT or socks5://HOST:PORT")
        try:
            parts = urlsplit(text.strip())
        except ValueError:  # unbalanced brackets, or a bracketed host that is no IPv6 address
            raise bad from None
        if parts.scheme not in ("http", "socks5") or not parts.hostname:
            raise bad
        problem = address_problem(parts.netloc)
        if problem:
            raise SitescanError(f"bad --proxy {text!r}: {problem}")
        port = parts.port  # valid now, if given
        if port is None:
            raise bad
        if parts.path not in ("", "/") or parts.query:
            raise SitescanError(f"bad --proxy {text!r}: a proxy URL has no path or query")
        return cls(
            parts.scheme, parts.hostname, port, unquote(parts.username or ""), unquote(parts.password or "")
        )

    def playwright(self) -> dict[str, str]:
        """Playwright's ``proxy`` option for a browser context."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        options = {"server": f"{self.scheme}://{host}:{self.port}"}
        if self.username:
            options.update(username=self.username, password=self.password)
        return options

    def tunnel(self, host: str, port: int, timeout: float) -> socket.socket:
        """A connection to host:port through the proxy (the proxy resolves the name, as for the browser)."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            if self.scheme == "http":
                self._connect_http(sock, host, port)
            else:
                self._connect_socks5(sock, host, port)
        except BaseException:
            sock.close()
            raise
        return sock

    def _connect_http(self, sock: socket.socket, host: str, port: int) -> None:
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request += f"Proxy-Authorization: Basic {token}\r\n"
        sock.sendall(f"{request}\r\n".encode())
        answer = b""
        while b"\r\n\r\n" not in answer:  # byte by byte: what follows the headers belongs to the tunnel
            byte = sock.recv(1)
            if not byte or len(answer) > 65536:
                raise OSError(f"the proxy closed the connection to {target}")
            answer += byte
        status = answer.split(b"\r\n", 1)[0].decode("latin-1")
        if status.split(" ")[1:2] != ["200"]:
            raise OSError(f"the proxy refused {target}: {status}")

    def _connect_socks5(self, sock: socket.socket, host: str, port: int) -> None:
        methods = b"\x02" if self.username else b"\x00"
        sock.sendall(b"\x05\x01" + methods)
        chosen = _read(sock, 2)
        if chosen[1:] == b"\x02":  # username and password (RFC 1929)
            user, password = self.username.encode(), self.password.encode()
            sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(password)]) + password)
            if _read(sock, 2)[1] != 0:
                raise OSError("the SOCKS proxy refused the credentials")
        elif chosen[1:] != b"\x00":
            raise OSError("the SOCKS proxy accepts none of sitescan's methods")
        name = host.encode("idna")
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
        reply = _read(sock, 4)
        if reply[1] != 0:
            raise OSError(f"the SOCKS proxy refused {host}:{port} (reply {reply[1]})")
        address = {1: 4, 4: 16}.get(reply[3]) or _read(sock, 1)[0]
        _read(sock, address + 2)  # the bound address and port: not needed


def check_browser_ws(text: str) -> None:
    """``--browser-ws``: a ws:// or wss:// URL with a valid host and port (Playwright's run-server prints
    one), else a one-line error."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:  # unbalanced brackets, a bracketed host that is no IPv6 address, odd Unicode
        problem = "bad IPv6 address" if "[" in text or "]" in text else "bad host name"
        raise SitescanError(f"bad --browser-ws {text!r}: {problem}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise SitescanError(f"bad --browser-ws {text!r}: expected ws://HOST:PORT/ or wss://...")
    problem = address_problem(parts.netloc)
    if problem:
        raise SitescanError(f"bad --browser-ws {text!r}: {problem}")


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("the proxy closed the connection")
        data += chunk
    return data


@dataclass(frozen=True)
class NetworkMap:
    rules: tuple[ConnectTo, ...] = ()
    block_unmapped: bool = False  # hermetic: a host no rule maps fails at once, as if it did not exist
    proxy: Proxy | None = None  # every connection goes through it (then rules and blocking do not apply)

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        """sitescan's own connection to host:port: mapped, blocked or through the proxy."""
        if self.proxy is not None:
            return self.proxy.tunnel(host, port, timeout)
        destination = self.resolve(host, port)
        if destination is None:
            raise OSError(f"{host} is not mapped by --connect-to")
        return socket.create_connection(destination, timeout=timeout)

    def resolve(self, host: str, port: int) -> tuple[str, int] | None:
        """Where sitescan itself should connect for host:port; None when the host must not be reached
        directly (not mapped, or every connection goes through the proxy: use ``connect``)."""
        if self.proxy is not None:
            return None
        for rule in self.rules:
            if rule.matches(host, port):
                return rule.to_host or host, rule.to_port or port
        return None if self.block_unmapped else (host, port)

    def host_resolver_rules(self) -> str:
        # Chromium writes IPv6 literals in brackets, in patterns and in replacements alike.
        """The same mapping in the syntax of Chromium's ``--host-resolver-rules`` (first match wins)."""
        entries = []
        for rule in self.rules:
            pattern = _bracketed(rule.from_host) or "*"
            if rule.from_port is not None:
                pattern = f"{pattern}:{rule.from_port}"
            target = _bracketed(rule.to_host or rule.from_host) or None
            if target is None:
                # curl's "any host, new port": Chromium has no such rewrite, and resolving every host to
                # itself would only loop; make the user say where.
                raise SitescanError("--connect-to with an empty HOST1 needs a destination host (HOST2)")
            entries.append(f"MAP {pattern} {target}" + (f":{rule.to_port}" if rule.to_port else ""))
        if self.block_unmapped:
            entries.append("MAP * ~NOTFOUND")
        return ", ".join(entries)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
