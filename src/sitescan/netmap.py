"""Where connections really go: curl-style ``--connect-to`` rules, for the browser and for sitescan's
own connections (sitemaps, and later the TLS probe), so that a staging build can be scanned under its
production host names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sitescan.errors import SitescanError

_RULE = re.compile(r"^(?P<h1>\[[^\]]*\]|[^:]*):(?P<p1>\d*):(?P<h2>\[[^\]]*\]|[^:]*):(?P<p2>\d*)$")


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
class NetworkMap:
    rules: tuple[ConnectTo, ...] = ()
    block_unmapped: bool = False  # hermetic: a host no rule maps fails at once, as if it did not exist

    def resolve(self, host: str, port: int) -> tuple[str, int] | None:
        """Where sitescan itself should connect for host:port; None when the host must not be reached."""
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
