"""The rule catalogue (rules/checks.toml) and its logic agree, profiles choose the rules, and the
`sitescan rules` command shows them."""

from __future__ import annotations

import pytest

from sitescan.checks.engine import known_profiles, profile, registered_checks, rule_catalogue, rules_for
from sitescan.errors import SitescanError

from conftest import run_sitescan

# The contract's catalogue (shared/contract.md): every id must exist with this severity.
CONTRACT = {
    "consent.banner-missing": "high",
    "consent.no-reject": "medium",
    "consent.cookie-before-consent": "high",
    "consent.tracker-before-consent": "high",
    "consent.cookie-after-reject": "critical",
    "consent.tracker-after-reject": "critical",
    "consent.gpc-ignored": "high",
    "thirdparty.undeclared": "medium",
    "cookie.insecure": "medium",
    "cookie.long-lived": "low",
    "tls.no-https": "critical",
    "tls.http-not-redirected": "high",
    "tls.certificate-invalid": "critical",
    "tls.certificate-expiring": "medium",
    "tls.weak-protocol": "high",
    "tls.hsts-missing": "medium",
    "tls.mixed-content": "high",
    "tls.insecure-form": "high",
    "links.privacy-missing": "high",
    "links.privacy-broken": "high",
    "email.unsubscribe-missing": "critical",
    "email.list-unsubscribe-missing": "medium",
    "email.sender-missing": "high",
    "form.preticked-consent": "high",
    "form.no-privacy-link": "medium",
    "policy.contact-missing": "medium",
    "policy.effective-date-missing": "medium",
}


def test_every_contract_rule_exists_with_its_severity():
    catalogue = rule_catalogue()
    assert {rule_id: catalogue[rule_id].severity for rule_id in CONTRACT} == CONTRACT


def test_every_rule_has_logic_and_every_check_has_a_rule():
    assert registered_checks() == set(rule_catalogue())


def test_every_rule_says_why_and_what_to_do():
    for meta in rule_catalogue().values():
        assert meta.title and meta.checks and meta.rationale and meta.remediation, meta.id
        assert set(meta.profiles) <= set(known_profiles()) and meta.profiles, meta.id
        assert meta.kind in ("site", "email")


def test_profiles_choose_the_rules():
    canada = {m.id for m in rules_for(profile(["canada"]), "site")}
    california = {m.id for m in rules_for(profile(["us-ca"]), "site")}
    assert "consent.cookie-before-consent" in canada and "consent.gpc-ignored" not in canada
    assert "consent.gpc-ignored" in california and "consent.cookie-before-consent" not in california
    assert {m.id for m in rules_for(profile(["canada", "us-ca"]), "site")} == canada | california


def test_thresholds_take_the_strictest_profile_then_the_config():
    assert profile(["canada", "eu"]).consent_cookie_categories == {"analytics", "marketing", "preferences"}
    assert profile(["canada"], [("max_cookie_days", 30)]).max_cookie_days == 30
    with pytest.raises(SitescanError, match="unknown profile 'mars'"):
        profile(["mars"])


def test_rules_lists_every_rule_and_explains_one():
    done = run_sitescan("rules")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(rule_catalogue())
    assert (
        "cookie.long-lived                  low      canada,eu,us-ca    Cookie lifetime over" in done.stdout
    )
    only = run_sitescan("rules", "--profile", "us-ca").stdout
    assert "consent.gpc-ignored" in only and "consent.banner-missing" not in only
    explained = run_sitescan("rules", "--explain", "consent.no-reject")
    assert explained.returncode == 0
    text = explained.stdout
    assert text.startswith("consent.no-reject (medium; profiles: canada, eu; site)\n")
    assert "Why it matters: Refusing must be as easy as accepting" in text
    assert "How to fix: Put a 'Reject all'" in text


def test_an_unknown_rule_or_profile_is_one_line_and_exit_2():
    done = run_sitescan("rules", "--explain", "consent.nope")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "sitescan: error: no rule 'consent.nope': sitescan rules lists them",
    )
    done = run_sitescan("scan", "https://www.example.com/", "--profile", "mars")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "'mars' is not one of 'canada', 'eu', 'us-ca'" in done.stderr
