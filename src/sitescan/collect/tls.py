"""The TLS probe: how each HTTPS host the scan visited does TLS, looked at outside the browser.

Connections go where the browser's went (the same ``--connect-to`` mapping, see :mod:`sitescan.netmap`)
with the real host name in SNI and ``Host``. Per host it records which protocol versions the server
accepts (one handshake per version), whether its certificate verifies (with ``--ca-cert`` where given),
the ``Strict-Transport-Security`` header of ``https://host/`` and whether ``http://host/`` redirects to
HTTPS. A network problem never raises: it is recorded.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from sitescan import __version__
from sitescan.artifacts import CertificateRecord, TlsRecord
from sitescan.netmap import NetworkMap

MAX_WORKERS = 8
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"sitescan/{__version__} (TLS probe)"
VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)


class _Contexts:
    """The client TLS contexts, shared by the probe's threads: one unverified context per version the
    local OpenSSL can offer, and verifying ones made on first use (loading the system's roots is slow)."""

    def __init__(self, ca_cert: Path | None) -> None:
        self.ca_cert = ca_cert
        self.unverified: dict[str, ssl.SSLContext] = {}
        self._verified: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        for name, version in VERSIONS:
            plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            plain.check_hostname = False
            plain.verify_mode = ssl.CERT_NONE
            try:
                _pin(plain, version)
            except (ValueError, ssl.SSLError):
                continue  # this OpenSSL cannot offer the version at all: leave it out
            self.unverified[name] = plain

    def verified(self, name: str) -> ssl.SSLContext:
        with self._lock:
            if name not in self._verified:
                context = ssl.create_default_context()
                if self.ca_cert:
                    context.load_verify_locations(cafile=str(self.ca_cert))
                _pin(context, dict(VERSIONS)[name])
                self._verified[name] = context
            return self._verified[name]


def _pin(context: ssl.SSLContext, version: ssl.TLSVersion) -> None:
    with warnings.catch_warnings():  # TLSVersion.TLSv1 / TLSv1_1 are deprecated: testing them is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = version
        context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0 / 1.1 otherwise


def probe_tls(
    hosts: Iterable[tuple[str, int]],
    network: NetworkMap,
    ca_cert: Path | None,
    timeout: float = 10.0,
    now: datetime | None = None,
) -> tuple[TlsRecord, ...]:
    """Probe each (host, port) over TLS; one record per host, sorted by host and port."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    targets = sorted({(host.lower(), port) for host, port in hosts})
    if not targets:
        return ()
    contexts = _Contexts(ca_cert)
    probe = _Probe(network, contexts, timeout, now)
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(targets))) as pool:
        return tuple(pool.map(lambda target: probe.host(*target), targets))


@dataclass(frozen=True)
class _Probe:
    network: NetworkMap
    contexts: _Contexts
    timeout: float
    now: datetime

    def host(self, host: str, port: int) -> TlsRecord:
        try:
            return self._host(host, port)
        except Exception as error:  # a bug must not cost the whole scan its report: record it
            return _unreachable(host, port, f"TLS probe failed: {error!r}")

    def _host(self, host: str, port: int) -> TlsRecord:
        if self.network.proxy is None and self.network.resolve(host, port) is None:
            return _unreachable(host, port, f"{host} is not mapped by --connect-to")
        accepted: list[str] = []
        der: bytes | None = None
        refusal = "no TLS version offered"
        # Newest first: the first certificate seen is the one a browser gets, and a server that never
        # answers costs one timeout, not four.
        for name, context in reversed(self.contexts.unverified.items()):
            try:
                sock = self.network.connect(host, port, self.timeout)
            except OSError as error:  # nothing listens there: no point trying other versions
                return _unreachable(host, port, f"cannot connect to {host}:{port}: {_reason(error)}")
            try:
                with context.wrap_socket(sock, server_hostname=host) as tls:
                    der = der or tls.getpeercert(binary_form=True)
                accepted.append(name)
            except TimeoutError as error:
                if not accepted:
                    return _unreachable(host, port, f"no TLS handshake with {host}:{port}: {_reason(error)}")
                refusal = _reason(error)
            except OSError as error:  # refused this version (an alert, or the connection closed)
                refusal = _reason(error)
            finally:
                sock.close()
        if not accepted:
            return _unreachable(host, port, f"no TLS handshake with {host}:{port}: {refusal}")
        best = accepted[0]
        accepted.reverse()  # oldest first, as VERSIONS lists them
        return TlsRecord(
            host=host,
            port=port,
            https=True,
            redirects_http=self._redirects_http(host),
            protocols=tuple(accepted),
            certificate=self._certificate(host, port, best, der),
            hsts=self._hsts(host, port, best),
        )

    # -- the parts -------------------------------------------------------------------------------
    def _certificate(self, host: str, port: int, version: str, der: bytes | None) -> CertificateRecord:
        valid, error = True, None
        try:
            with (
                self.network.connect(host, port, self.timeout) as sock,
                self.contexts.verified(version).wrap_socket(sock, server_hostname=host),
            ):
                pass
        except ssl.SSLCertVerificationError as failure:
            valid, error = False, (failure.verify_message or _reason(failure)).rstrip(".")
        except OSError as failure:
            valid, error = False, f"could not verify: {_reason(failure)}"
        not_after = days_left = issuer = subject = None
        if der:
            # The certificate as served, read from the unverified handshake (so also when it fails).
            certificate = x509.load_der_x509_certificate(der)
            expires = certificate.not_valid_after_utc
            not_after = expires.isoformat()
            days_left = (expires - self.now).days
            issuer, subject = _name(certificate.issuer), _name(certificate.subject)
        return CertificateRecord(valid, error, not_after, days_left, issuer, subject)

    def _hsts(self, host: str, port: int, version: str) -> str | None:
        answer = self._get(host, port, self.contexts.unverified[version])
        return answer[1].get("strict-transport-security") if answer else None

    def _redirects_http(self, host: str) -> bool | None:
        # Always port 80, as a visitor typing the bare host name would reach it.
        answer = self._get(host, 80, None)
        if answer is None:
            return None
        status, headers = answer
        return status in REDIRECT_STATUSES and headers.get("location", "").lower().startswith("https://")

    def _get(self, host: str, port: int, tls: ssl.SSLContext | None) -> tuple[int, dict[str, str]] | None:
        """GET / once (no redirects followed): the status and headers, None when there is no answer."""
        try:
            sock = self.network.connect(host, port, self.timeout)
        except OSError:  # not reachable, not mapped by --connect-to, or refused by the proxy
            return None
        connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=host)
            connection.sock = sock
            name = f"[{host}]" if ":" in host else host
            default = 443 if tls is not None else 80
            connection.request(
                "GET",
                "/",
                headers={
                    "Host": name if port == default else f"{name}:{port}",
                    "User-Agent": USER_AGENT,
                    "Accept": "*/*",
                },
            )
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()  # also closes the socket (the body is not needed)
            sock.close()


def _unreachable(host: str, port: int, error: str) -> TlsRecord:
    return TlsRecord(
        host=host,
        port=port,
        https=False,
        redirects_http=None,
        protocols=(),
        certificate=None,
        hsts=None,
        error=error,
    )


def _name(name: x509.Name) -> str | None:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attributes = name.get_attributes_for_oid(oid)
        if attributes:
            value = attributes[0].value
            return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def _reason(error: BaseException) -> str:
    """One short line: OpenSSL's reason ("tlsv1 alert protocol version"), else the error's text."""
    if isinstance(error, ssl.SSLError) and error.reason:
        return error.reason.lower().replace("_", " ")
    return str(error).splitlines()[0] if str(error) else type(error).__name__
