"""Unit tests for sitescan.netmap: curl-style --connect-to rules, where sitescan itself connects, and the
same mapping spelled as Chromium's --host-resolver-rules."""

from __future__ import annotations

import pytest

from sitescan.errors import SitescanError
from sitescan.netmap import ConnectTo, NetworkMap

# -- ConnectTo.parse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("www.example.com:443:127.0.0.1:8443", ConnectTo("www.example.com", 443, "127.0.0.1", 8443)),
        # empty HOST1 / PORT1: any host / any port
        (":443:127.0.0.1:8443", ConnectTo("", 443, "127.0.0.1", 8443)),
        ("www.example.com::127.0.0.1:8443", ConnectTo("www.example.com", None, "127.0.0.1", 8443)),
        ("::127.0.0.1:", ConnectTo("", None, "127.0.0.1", None)),
        # empty HOST2 / PORT2: keep the original
        (
            "www.example.com:443:staging.example.net:",
            ConnectTo("www.example.com", 443, "staging.example.net", None),
        ),
        ("www.example.com:443::8443", ConnectTo("www.example.com", 443, "", 8443)),
        # IPv6 literals in brackets, stored without them
        ("[::1]:443:[::2]:8443", ConnectTo("::1", 443, "::2", 8443)),
        ("example.com:443:[2001:DB8::1]:", ConnectTo("example.com", 443, "2001:db8::1", None)),
        # host names are case-insensitive; surrounding blanks are ignored
        (
            "  WWW.Example.COM:80:Staging.Example.NET:8080  ",
            ConnectTo("www.example.com", 80, "staging.example.net", 8080),
        ),
        # the extreme valid ports
        ("a:1:b:65535", ConnectTo("a", 1, "b", 65535)),
    ],
)
def test_parse(text, expected):
    assert ConnectTo.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense", "bad --connect-to 'nonsense': expected HOST1:PORT1:HOST2:PORT2"),
        ("a:b:c:d", "bad --connect-to 'a:b:c:d': expected HOST1:PORT1:HOST2:PORT2"),
        ("a:1:b", "bad --connect-to 'a:1:b': expected HOST1:PORT1:HOST2:PORT2"),
        ("a:1:b:2:3", "bad --connect-to 'a:1:b:2:3': expected HOST1:PORT1:HOST2:PORT2"),
        ("", "bad --connect-to '': expected HOST1:PORT1:HOST2:PORT2"),
        ("a:70000:b:1", "bad --connect-to 'a:70000:b:1': port 70000 out of range"),
        ("a:1:b:70000", "bad --connect-to 'a:1:b:70000': port 70000 out of range"),
        ("a:0:b:1", "bad --connect-to 'a:0:b:1': port 0 out of range"),
        ("a:1::", "bad --connect-to 'a:1::': names no destination host or port"),
        (":::", "bad --connect-to ':::': names no destination host or port"),
    ],
)
def test_parse_rejects_malformed_values(text, message):
    with pytest.raises(SitescanError) as caught:
        ConnectTo.parse(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("rule", "host", "port", "expected"),
    [
        ("www.example.com:443:x:1", "www.example.com", 443, True),
        ("www.example.com:443:x:1", "WWW.EXAMPLE.COM", 443, True),
        ("www.example.com:443:x:1", "www.example.com", 80, False),
        ("www.example.com:443:x:1", "example.com", 443, False),
        ("www.example.com:443:x:1", "cdn.www.example.com", 443, False),
        (":443:x:1", "anything.test", 443, True),
        (":443:x:1", "anything.test", 80, False),
        ("www.example.com::x:1", "www.example.com", 8080, True),
        ("::x:1", "anything.test", 1234, True),
    ],
)
def test_matches(rule, host, port, expected):
    assert ConnectTo.parse(rule).matches(host, port) is expected


# -- NetworkMap.resolve -----------------------------------------------------------------------------------


def _map(*rules: str, block_unmapped: bool = False) -> NetworkMap:
    return NetworkMap(tuple(ConnectTo.parse(rule) for rule in rules), block_unmapped=block_unmapped)


def test_resolve_without_rules_connects_where_asked():
    assert _map().resolve("www.example.com", 443) == ("www.example.com", 443)


def test_resolve_first_matching_rule_wins():
    network = _map(
        "www.example.com:443:127.0.0.1:9001",
        ":443:127.0.0.1:9002",
        "www.example.com:443:127.0.0.1:9003",
    )
    assert network.resolve("www.example.com", 443) == ("127.0.0.1", 9001)
    assert network.resolve("cdn.example.net", 443) == ("127.0.0.1", 9002)
    assert network.resolve("cdn.example.net", 80) == ("cdn.example.net", 80)


def test_resolve_keeps_what_the_rule_leaves_empty():
    network = _map("www.example.com:443:staging.example.net:", "api.example.com:443::8443")
    assert network.resolve("www.example.com", 443) == ("staging.example.net", 443)
    assert network.resolve("api.example.com", 443) == ("api.example.com", 8443)


def test_resolve_ipv6_rule():
    assert _map("[::1]:443:[::2]:8443").resolve("::1", 443) == ("::2", 8443)


def test_block_unmapped_refuses_hosts_no_rule_maps():
    network = _map("www.example.com:443:127.0.0.1:8443", block_unmapped=True)
    assert network.resolve("www.example.com", 443) == ("127.0.0.1", 8443)
    assert network.resolve("www.example.com", 80) is None
    assert network.resolve("tracker.example.net", 443) is None
    assert _map(block_unmapped=True).resolve("www.example.com", 443) is None


# -- NetworkMap.host_resolver_rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "block_unmapped", "expected"),
    [
        ((), False, ""),
        ((), True, "MAP * ~NOTFOUND"),
        ((":443:127.0.0.1:8443",), False, "MAP *:443 127.0.0.1:8443"),
        ((":443:127.0.0.1:8443",), True, "MAP *:443 127.0.0.1:8443, MAP * ~NOTFOUND"),
        (
            (":80:127.0.0.1:8080", ":443:127.0.0.1:8443"),
            True,
            "MAP *:80 127.0.0.1:8080, MAP *:443 127.0.0.1:8443, MAP * ~NOTFOUND",
        ),
        (
            ("www.example.com:443:staging.example.net:8443",),
            False,
            "MAP www.example.com:443 staging.example.net:8443",
        ),
        (("www.example.com::staging.example.net:",), False, "MAP www.example.com staging.example.net"),
        (("www.example.com:443:staging.example.net:",), False, "MAP www.example.com:443 staging.example.net"),
        # an empty HOST2 keeps HOST1: only the port changes
        (("www.example.com:443::8443",), False, "MAP www.example.com:443 www.example.com:8443"),
        (("::127.0.0.1:",), True, "MAP * 127.0.0.1, MAP * ~NOTFOUND"),
    ],
)
def test_host_resolver_rules(rules, block_unmapped, expected):
    assert _map(*rules, block_unmapped=block_unmapped).host_resolver_rules() == expected


def test_host_resolver_rules_rejects_any_host_to_a_new_port_only():
    with pytest.raises(SitescanError) as caught:
        _map(":443::8443").host_resolver_rules()
    assert str(caught.value) == "--connect-to with an empty HOST1 needs a destination host (HOST2)"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("example.com:443:[::1]:", "MAP example.com:443 [::1]"),
        ("example.com:443:[::1]:8443", "MAP example.com:443 [::1]:8443"),
        ("[::1]:443:127.0.0.1:8443", "MAP [::1]:443 127.0.0.1:8443"),
    ],
)
def test_host_resolver_rules_brackets_ipv6_literals(rule, expected):
    assert _map(rule).host_resolver_rules() == expected
