"""The TLS probe (sitescan.collect.tls) against real TLS servers on loopback (tests/sites/tls: one good
host and one per planted problem, chosen by SNI on one port), and the tls.* rules over its records and
over hand-built browser evidence."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sitescan.artifacts import (
    BeaconRecord,
    CertificateRecord,
    FormRecord,
    PageVisit,
    RequestRecord,
    ScanArtifacts,
    TlsRecord,
)
from sitescan.checks import engine
from sitescan.checks import tls as tls_checks
from sitescan.checks.engine import Evidence, Hit
from sitescan.classify import Classifier
from sitescan.collect.tls import probe_tls
from sitescan.config import Config
from sitescan.loopback import LoopbackInternet
from sitescan.netmap import ConnectTo, NetworkMap

from conftest import SITES

GOOD = "www.secure-shop.com"
HOSTS = (
    GOOD,
    "legacy.secure-shop.com",
    "modern.secure-shop.com",
    "expired.secure-shop.com",
    "expiring.secure-shop.com",
    "wrong-host.secure-shop.com",
    "no-hsts.secure-shop.com",
    "short-hsts.secure-shop.com",
    "no-redirect.secure-shop.com",
)
MODERN = ("TLSv1.2", "TLSv1.3")
STRICT = "max-age=31536000"
FOREVER = datetime(3000, 1, 1, tzinfo=UTC)  # trustme's expiry for certificates that do not set one
ISSUER = "sitescan loopback CA"
TLS_RULES = (
    "tls.no-https",
    "tls.http-not-redirected",
    "tls.certificate-invalid",
    "tls.certificate-expiring",
    "tls.weak-protocol",
    "tls.hsts-missing",
    "tls.mixed-content",
    "tls.insecure-form",
)

# Every connection this process opens or name it resolves while ``connections`` is recording.
_RECORDING: list[list[tuple[str, Any]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _RECORDING and event in ("socket.connect", "socket.getaddrinfo"):
        _RECORDING[-1].append((event, args[1] if event == "socket.connect" else args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def connections() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    _RECORDING.append(seen)
    yield seen
    _RECORDING.remove(seen)


@dataclass
class TlsNet:
    internet: LoopbackInternet
    ca: Path
    network: NetworkMap
    records: dict[str, TlsRecord]  # every host of the tree probed on 443, by host

    @property
    def clock(self) -> datetime:
        return self.internet.clock

    def rules(self, *rules: str) -> NetworkMap:
        """A map of these rules only (``{http}`` / ``{https}`` stand for the internet's ports)."""
        ports = {"http": self.internet.http_port, "https": self.internet.https_port}
        return NetworkMap(tuple(ConnectTo.parse(rule.format(**ports)) for rule in rules), block_unmapped=True)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsNet]:
    with LoopbackInternet((SITES / "tls",)) as internet:
        ca = internet.write_ca(tmp_path_factory.mktemp("tls-ca") / "ca.pem")
        network = NetworkMap(tuple(ConnectTo.parse(r) for r in internet.connect_to()), block_unmapped=True)
        records = probe_tls([(host, 443) for host in HOSTS], network, ca, timeout=5, now=internet.clock)
        yield TlsNet(internet, ca, network, {record.host: record for record in records})


# -- expected records ------------------------------------------------------------------------------
def shared_certificate(net: TlsNet) -> CertificateRecord:
    """The tree's one certificate, naming every host."""
    return CertificateRecord(
        valid=True,
        error=None,
        not_after="3000-01-01T00:00:00+00:00",
        days_left=(FOREVER - net.clock).days,
        issuer=ISSUER,
        subject="sitescan loopback",
    )


def own_certificate(
    net: TlsNet, subject: str, days: int | None, error: str | None = None
) -> CertificateRecord:
    """A host's own certificate (subject: its first name), expiring ``days`` after the clock."""
    not_after = FOREVER if days is None else net.clock + timedelta(days=days)
    return CertificateRecord(
        valid=error is None,
        error=error,
        not_after=not_after.isoformat(),
        days_left=(not_after - net.clock).days,
        issuer=ISSUER,
        subject=subject,
    )


def expected(net: TlsNet, host: str, port: int = 443, **changes: Any) -> TlsRecord:
    good = TlsRecord(
        host=host,
        port=port,
        https=True,
        redirects_http=True,
        protocols=MODERN,
        certificate=shared_certificate(net),
        hsts=STRICT,
        error=None,
    )
    return replace(good, **changes)


def unreachable(host: str, error: str, port: int = 443) -> TlsRecord:
    return TlsRecord(host, port, False, None, (), None, None, error)


# -- the probe ---------------------------------------------------------------------------------------
def test_good_host(net):
    record = net.records[GOOD]
    assert record == TlsRecord(
        host=GOOD,
        port=443,
        https=True,
        redirects_http=True,
        protocols=("TLSv1.2", "TLSv1.3"),
        certificate=CertificateRecord(
            valid=True,
            error=None,
            not_after="3000-01-01T00:00:00+00:00",
            days_left=(FOREVER - net.clock).days,
            issuer="sitescan loopback CA",
            subject="sitescan loopback",
        ),
        hsts="max-age=31536000",
        error=None,
    )


def test_planted_problem_hosts(net):
    assert net.records == {
        GOOD: expected(net, GOOD),
        "legacy.secure-shop.com": expected(
            net, "legacy.secure-shop.com", protocols=("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
        ),
        "modern.secure-shop.com": expected(net, "modern.secure-shop.com", protocols=("TLSv1.3",)),
        "expired.secure-shop.com": expected(
            net,
            "expired.secure-shop.com",
            certificate=own_certificate(net, "expired.secure-shop.com", -1, "certificate has expired"),
        ),
        "expiring.secure-shop.com": expected(
            net, "expiring.secure-shop.com", certificate=own_certificate(net, "expiring.secure-shop.com", 10)
        ),
        "wrong-host.secure-shop.com": expected(
            net,
            "wrong-host.secure-shop.com",
            certificate=own_certificate(
                net,
                "www.other-shop.com",
                None,
                "Hostname mismatch, certificate is not valid for 'wrong-host.secure-shop.com'",
            ),
        ),
        "no-hsts.secure-shop.com": expected(net, "no-hsts.secure-shop.com", hsts=None),
        "short-hsts.secure-shop.com": expected(
            net, "short-hsts.secure-shop.com", hsts="Max-Age=86400; includeSubDomains"
        ),
        "no-redirect.secure-shop.com": expected(net, "no-redirect.secure-shop.com", redirects_http=False),
    }
    # exact day counts, as the rules read them
    assert net.records["expiring.secure-shop.com"].certificate.days_left == 10
    assert net.records["expired.secure-shop.com"].certificate.days_left == -1


def test_output_is_sorted_one_record_per_host(net):
    hosts = [("no-hsts.secure-shop.com", 443), (GOOD, 443), ("expired.secure-shop.com", 443), (GOOD, 443)]
    records = probe_tls(hosts, net.network, net.ca, timeout=5, now=net.clock)
    assert [(r.host, r.port) for r in records] == [
        ("expired.secure-shop.com", 443),
        ("no-hsts.secure-shop.com", 443),
        (GOOD, 443),
    ]
    assert probe_tls([], net.network, net.ca) == ()


def test_probe_sends_the_real_host_name(net):
    mark = len(net.internet.served)
    probe_tls([("no-redirect.secure-shop.com", 443)], net.network, net.ca, timeout=5)
    served = [(r.scheme, r.method, r.path, r.headers["host"]) for r in net.internet.served[mark:]]
    assert sorted(served) == [
        ("http", "GET", "/", "no-redirect.secure-shop.com"),
        ("https", "GET", "/", "no-redirect.secure-shop.com"),
    ]


def test_without_the_ca_the_certificate_is_untrusted(net):
    (record,) = probe_tls([(GOOD, 443)], net.network, None, timeout=5, now=net.clock)
    assert record == expected(
        net,
        GOOD,
        certificate=replace(
            shared_certificate(net), valid=False, error="unable to get local issuer certificate"
        ),
    )


def test_non_default_port_uses_the_mapping_of_port_80(net):
    network = net.rules(f"{GOOD}:8443:127.0.0.1:{{https}}", f"{GOOD}:80:127.0.0.1:{{http}}")
    mark = len(net.internet.served)
    (record,) = probe_tls([(GOOD, 8443)], network, net.ca, timeout=5, now=net.clock)
    assert record == expected(net, GOOD, port=8443)
    served = sorted((r.scheme, r.headers["host"]) for r in net.internet.served[mark:])
    assert served == [("http", GOOD), ("https", f"{GOOD}:8443")]


def test_port_80_not_mapped_gives_no_redirect_verdict(net):
    network = net.rules(f"{GOOD}:443:127.0.0.1:{{https}}")
    (record,) = probe_tls([(GOOD, 443)], network, net.ca, timeout=5, now=net.clock)
    assert record == expected(net, GOOD, redirects_http=None)


def test_unmapped_host_never_touches_the_network(net, connections):
    network = net.rules(f"{GOOD}:443:127.0.0.1:{{https}}", ":80:127.0.0.1:{http}")
    records = probe_tls([("elsewhere.secure-shop.com", 443)], network, net.ca, timeout=5)
    assert records == (
        unreachable("elsewhere.secure-shop.com", "elsewhere.secure-shop.com is not mapped by --connect-to"),
    )
    assert connections == []  # no connection, not even a name lookup


def test_mapped_hosts_only_reach_loopback(net, connections):
    probe_tls([(GOOD, 443), ("legacy.secure-shop.com", 443)], net.network, net.ca, timeout=5)
    assert connections  # the audit hook sees the probe's connections...
    assert {address for event, address in connections if event == "socket.getaddrinfo"} == {"127.0.0.1"}
    assert {address[0] for event, address in connections if event == "socket.connect"} == {"127.0.0.1"}


def test_nothing_listening_is_recorded_not_raised(net):
    with socket.socket() as probe_port:  # a port that was free a moment ago: nothing listens there
        probe_port.bind(("127.0.0.1", 0))
        closed = probe_port.getsockname()[1]
    network = net.rules(f"{GOOD}:443:127.0.0.1:{closed}", f"{GOOD}:80:127.0.0.1:{closed}")
    (record,) = probe_tls([(GOOD, 443)], network, net.ca, timeout=5)
    assert record == unreachable(GOOD, f"cannot connect to {GOOD}:443: [Errno 111] Connection refused")


def test_a_server_that_never_answers_costs_one_timeout(net, connections):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts: the kernel holds the
        port = silent.getsockname()[1]  # connection and the ClientHello gets no answer
        network = net.rules(f"{GOOD}:443:127.0.0.1:{port}", f"{GOOD}:80:127.0.0.1:{port}")
        (record,) = probe_tls([(GOOD, 443)], network, net.ca, timeout=0.5)
    assert record.https is False
    assert record.error is not None
    assert record.error.startswith(f"no TLS handshake with {GOOD}:443: ")
    assert record.error.endswith("timed out")
    # the newest version timed out: the older ones were not tried
    assert [address for event, address in connections if event == "socket.connect"] == [("127.0.0.1", port)]


@dataclass
class PlainTree:
    record: TlsRecord
    plain: list[tuple[str, str, str]]  # what reached the HTTP port: method, path, host


@pytest.fixture(scope="module")
def plain_tree() -> PlainTree:
    """The shop tree has no [tls] table: http:// is served as is and no HSTS is sent (other tests rely
    on that)."""
    with LoopbackInternet((SITES / "shop",)) as internet:
        network = NetworkMap(tuple(ConnectTo.parse(r) for r in internet.connect_to()), block_unmapped=True)
        (record,) = probe_tls([("www.example.com", 443)], network, None, timeout=5)
        plain = [(r.method, r.path, r.host) for r in internet.served if r.scheme == "http"]
    return PlainTree(record, plain)


def test_a_tree_without_tls_defaults_keeps_plain_http(plain_tree):
    record = plain_tree.record
    assert (record.https, record.protocols, record.hsts, record.redirects_http) == (True, MODERN, None, False)
    assert plain_tree.plain == [("GET", "/", "www.example.com")]


# -- the rules over the probe's records ------------------------------------------------------------
def evidence(tls: tuple[TlsRecord, ...] = (), visits: tuple[PageVisit, ...] = ()) -> Evidence:
    artifacts = ScanArtifacts(
        tool_version="test",
        targets=(f"https://{GOOD}/",),
        started="2025-01-01T00:00:00+00:00",
        finished="2025-01-01T00:01:00+00:00",
        browser="Chromium",
        visits=visits,
        tls=tls,
    )
    return Evidence(
        config=Config(),
        profile=engine.profile(["canada"]),
        classifier=Classifier.bundled(),
        artifacts=artifacts,
    )


def hits(rule: str, facts: Evidence) -> list[Hit]:
    """The rule's hits, through the engine's registry (importing sitescan.checks.tls registered them)."""
    return list(engine._CHECKS[rule](facts))


def host_hit(host: str, facts: dict[str, Any]) -> Hit:
    return Hit(url=f"https://{host}/", subject=f"{host}:443", evidence=facts, phase=None)


@pytest.fixture(scope="module")
def probed(net) -> Evidence:
    # Every host of the tree, plus one the probe could not reach (it must give no finding at all).
    unmapped = unreachable(
        "elsewhere.secure-shop.com", "elsewhere.secure-shop.com is not mapped by --connect-to"
    )
    return evidence(tls=(*sorted(net.records.values(), key=lambda r: r.host), unmapped))


def test_every_tls_rule_has_its_check():
    catalogue = engine.rule_catalogue()
    assert sorted(rule for rule in catalogue if rule.startswith("tls.")) == sorted(TLS_RULES)
    for rule in TLS_RULES:
        assert rule in engine._CHECKS, rule


def test_http_not_redirected(probed):
    assert hits("tls.http-not-redirected", probed) == [
        host_hit(
            "no-redirect.secure-shop.com",
            {"request": "http://no-redirect.secure-shop.com/", "redirects_to_https": False},
        )
    ]


def test_http_not_redirected_needs_an_answer(net):
    # port 80 not mapped: redirects_http None is no proof either way
    assert hits("tls.http-not-redirected", evidence(tls=(expected(net, GOOD, redirects_http=None),))) == []


def test_certificate_invalid(probed, net):
    assert hits("tls.certificate-invalid", probed) == [
        host_hit(
            "expired.secure-shop.com",
            {
                "error": "certificate has expired",
                "not_after": (net.clock - timedelta(days=1)).isoformat(),
                "issuer": ISSUER,
                "subject": "expired.secure-shop.com",
            },
        ),
        host_hit(
            "wrong-host.secure-shop.com",
            {
                "error": "Hostname mismatch, certificate is not valid for 'wrong-host.secure-shop.com'",
                "not_after": "3000-01-01T00:00:00+00:00",
                "issuer": ISSUER,
                "subject": "www.other-shop.com",
            },
        ),
    ]


def test_certificate_expiring(probed, net):
    # The expired certificate is certificate-invalid's finding, not this one's.
    assert hits("tls.certificate-expiring", probed) == [
        host_hit(
            "expiring.secure-shop.com",
            {
                "days_left": 10,
                "not_after": (net.clock + timedelta(days=10)).isoformat(),
                "threshold_days": 30,
            },
        )
    ]


def test_certificate_expiring_threshold_is_strict(net):
    at_30 = own_certificate(net, GOOD, 30)
    at_29 = own_certificate(net, GOOD, 29)
    assert hits("tls.certificate-expiring", evidence(tls=(expected(net, GOOD, certificate=at_30),))) == []
    assert [
        h.evidence["days_left"]
        for h in hits("tls.certificate-expiring", evidence(tls=(expected(net, GOOD, certificate=at_29),)))
    ] == [29]


def test_weak_protocol(probed):
    assert hits("tls.weak-protocol", probed) == [
        host_hit(
            "legacy.secure-shop.com",
            {"weak": ["TLSv1", "TLSv1.1"], "accepted": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]},
        )
    ]


def test_hsts_missing(probed):
    assert hits("tls.hsts-missing", probed) == [
        host_hit("no-hsts.secure-shop.com", {"hsts": None, "max_age": None, "min_max_age": 31536000}),
        host_hit(
            "short-hsts.secure-shop.com",
            {"hsts": "Max-Age=86400; includeSubDomains", "max_age": 86400, "min_max_age": 31536000},
        ),
    ]


@pytest.mark.parametrize(
    ("header", "max_age"),
    [
        ("max-age=31536000", 31536000),
        ("MAX-AGE=63072000; includeSubDomains; preload", 63072000),
        ('includeSubDomains; max-age="31536000"', 31536000),
        ("max-age = 300 ; preload", 300),
        ("max-age=", None),
        ("includeSubDomains", None),
        ("x-max-age=31536000", None),
        (None, None),
    ],
)
def test_hsts_max_age(header, max_age):
    assert tls_checks.hsts_max_age(header) == max_age


def test_plain_tree_fires_the_redirect_and_hsts_rules(plain_tree):
    facts = evidence(tls=(plain_tree.record,))
    assert [h.subject for h in hits("tls.http-not-redirected", facts)] == ["www.example.com:443"]
    assert [h.subject for h in hits("tls.hsts-missing", facts)] == ["www.example.com:443"]
    assert [h.subject for h in hits("tls.certificate-invalid", facts)] == [
        "www.example.com:443"
    ]  # no CA given


def test_non_default_port_hit_names_the_port(net):
    facts = evidence(tls=(expected(net, GOOD, port=8443, hsts=None),))
    assert hits("tls.hsts-missing", facts) == [
        Hit(
            url=f"https://{GOOD}:8443/",
            subject=f"{GOOD}:8443",
            evidence={"hsts": None, "max_age": None, "min_max_age": 31536000},
            phase=None,
        )
    ]


def test_no_artifacts_no_hits():
    # An e-mail audit has no scan artifacts: no TLS rule has anything to say.
    facts = Evidence(config=Config(), profile=engine.profile(["canada"]), classifier=Classifier.bundled())
    for rule in TLS_RULES:
        assert hits(rule, facts) == [], rule


# -- the rules over the browser's evidence ---------------------------------------------------------
HOME = f"https://{GOOD}/"


def request(
    url: str, kind: str = "Image", chain: tuple[str, ...] = (), status: int | None = 200
) -> RequestRecord:
    return RequestRecord(
        url=url,
        method="GET",
        resource_type=kind,
        frame_url=HOME,
        initiator=HOME,
        initiator_type="parser",
        status=status,
        error=None if status else "net::ERR_BLOCKED_BY_CLIENT",
        redirect_chain=chain,
    )


def visit(url: str, phase: str, final_url: str | None = None, **fields: Any) -> PageVisit:
    return PageVisit(url=url, phase=phase, depth=0, final_url=final_url or url, status=200, **fields)


BROWSER = (
    # Listed before before-consent on purpose: the earliest phase wins whatever the order of visits.
    visit(
        HOME,
        "after-accept",
        requests=(
            request("http://cdn.example.net/a.png"),  # also before consent: reported there only
            request("http://ads.example.net/px.gif"),  # only after accept
        ),
        forms=(FormRecord("http://forms.example.net/subscribe", "post", ()),),
    ),
    visit(
        HOME,
        "before-consent",
        requests=(
            # the page's own navigation, http:// redirected to https://: not mixed content
            request(HOME, "Document", chain=(f"http://{GOOD}/",)),
            request("http://cdn.example.net/a.png", status=None),  # blocked by the browser, still attempted
            request("https://cdn.example.net/b.js", "Script", chain=("http://cdn.example.net/b.js",)),
            request("https://cdn.example.net/c.js", "Script"),  # secure: silent
            request("https://cdn.example.net/d.css", "Stylesheet", chain=("https://cdn.example.net/d0.css",)),
        ),
        forms=(
            FormRecord("http://forms.example.net/subscribe", "post", ()),
            FormRecord(f"https://{GOOD}/search", "get", ()),  # secure: silent
        ),
        beacons=(
            BeaconRecord("http://collect.example.net/b", "sendBeacon", "https://cdn.example.net/c.js"),
            BeaconRecord("https://collect.example.net/s", "pixel", None),  # secure: silent
        ),
    ),
    # A page served over plain HTTP (in two phases: one finding); its http:// requests are not mixed content.
    visit(f"http://{GOOD}/old", "before-consent", requests=(request("http://cdn.example.net/a.png"),)),
    visit(f"http://{GOOD}/old", "after-reject", requests=(request("http://cdn.example.net/a.png"),)),
    # Queued over HTTPS, redirected down to plain HTTP.
    visit(
        f"https://{GOOD}/promo",
        "after-reject",
        final_url="http://promo.secure-shop.com/",
        redirects=(f"https://{GOOD}/promo",),
    ),
    # Queued over plain HTTP and redirected to HTTPS: its own navigation is not mixed content.
    visit(
        f"http://{GOOD}/shop",
        "before-consent",
        final_url=f"https://{GOOD}/shop",
        redirects=(f"http://{GOOD}/shop",),
        requests=(request(f"https://{GOOD}/shop", "Document", chain=(f"http://{GOOD}/shop",)),),
    ),
    # A clean HTTPS page.
    visit(
        f"https://{GOOD}/about",
        "before-consent",
        requests=(request("https://cdn.example.net/c.js", "Script"),),
    ),
)


def test_no_https():
    assert hits("tls.no-https", evidence(visits=BROWSER)) == [
        Hit(
            url=f"http://{GOOD}/old",
            subject=f"http://{GOOD}/old",
            evidence={"final_url": f"http://{GOOD}/old", "redirects": []},
            phase=None,
        ),
        Hit(
            url=f"https://{GOOD}/promo",
            subject="http://promo.secure-shop.com/",
            evidence={"final_url": "http://promo.secure-shop.com/", "redirects": [f"https://{GOOD}/promo"]},
            phase=None,
        ),
    ]


def test_mixed_content():
    assert hits("tls.mixed-content", evidence(visits=BROWSER)) == [
        Hit(
            url=HOME,
            subject="http://cdn.example.net/a.png",
            evidence={
                "request": "http://cdn.example.net/a.png",
                "final_url": "http://cdn.example.net/a.png",
                "resource_type": "Image",
                "status": None,
                "error": "net::ERR_BLOCKED_BY_CLIENT",
            },
            phase="before-consent",
        ),
        Hit(
            url=HOME,
            subject="http://cdn.example.net/b.js",
            evidence={
                "request": "http://cdn.example.net/b.js",
                "final_url": "https://cdn.example.net/b.js",
                "resource_type": "Script",
                "status": 200,
                "error": None,
            },
            phase="before-consent",
        ),
        Hit(
            url=HOME,
            subject="http://ads.example.net/px.gif",
            evidence={
                "request": "http://ads.example.net/px.gif",
                "final_url": "http://ads.example.net/px.gif",
                "resource_type": "Image",
                "status": 200,
                "error": None,
            },
            phase="after-accept",
        ),
    ]


def test_insecure_form_and_beacon():
    assert hits("tls.insecure-form", evidence(visits=BROWSER)) == [
        Hit(
            url=HOME,
            subject="http://forms.example.net/subscribe",
            evidence={"kind": "form", "action": "http://forms.example.net/subscribe", "method": "post"},
            phase="before-consent",
        ),
        Hit(
            url=HOME,
            subject="http://collect.example.net/b",
            evidence={
                "kind": "beacon",
                "beacon": "sendBeacon",
                "url": "http://collect.example.net/b",
                "initiator": "https://cdn.example.net/c.js",
            },
            phase="before-consent",
        ),
    ]


def test_browser_rules_are_silent_on_a_clean_https_page():
    clean = tuple(v for v in BROWSER if v.url == f"https://{GOOD}/about")
    for rule in ("tls.no-https", "tls.mixed-content", "tls.insecure-form"):
        assert hits(rule, evidence(visits=clean)) == [], rule


def test_probe_rules_are_silent_on_the_good_host(net):
    facts = evidence(tls=(net.records[GOOD],))
    for rule in TLS_RULES:
        assert hits(rule, facts) == [], rule
