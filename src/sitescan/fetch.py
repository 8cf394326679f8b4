"""sitescan's own HTTP requests (sitemaps), sent where the browser's would go: through the same
``--connect-to`` mapping or ``--proxy`` and trusting the same extra CA, with the real host name in Host
and SNI."""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from sitescan.netmap import NetworkMap

MAX_BODY = 20 * 1024 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content_type: str
    body: bytes


class Fetcher:
    def __init__(self, network: NetworkMap, ca_cert: Path | None = None, timeout: float = 10.0) -> None:
        self.network = network
        self.timeout = timeout
        self.tls = ssl.create_default_context()
        if ca_cert:
            self.tls.load_verify_locations(cafile=str(ca_cert))

    def get(self, url: str, user_agent: str) -> FetchResult:
        """GET ``url``, following redirects; raises OSError when it cannot be read."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                status, headers, body = self._get_once(url, user_agent)
            except http.client.HTTPException as error:  # a broken answer, not a broken connection
                raise OSError(f"bad HTTP response from {url}: {error!r}") from None
            location = headers.get("location")
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            return FetchResult(url, status, headers.get("content-type", ""), body)
        raise OSError(f"too many redirects from {url}")

    def _get_once(self, url: str, user_agent: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        sock = self.network.connect(host, port, self.timeout)
        if parts.scheme == "https":
            sock = self.tls.wrap_socket(sock, server_hostname=host)
        connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        connection.sock = sock
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            default_port = 443 if parts.scheme == "https" else 80
            host_header = host if port == default_port else f"{host}:{port}"
            headers = {"Host": host_header, "User-Agent": user_agent, "Accept": "*/*"}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read(MAX_BODY)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()
