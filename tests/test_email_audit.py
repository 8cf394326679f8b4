"""`sitescan email`: the parser, the four e-mail rules (each both ways), the report and the CLI.

The messages are in tests/emails (see its README): compliant ones give no finding, each planted problem
gives exactly its own. No network, no browser.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sitescan.artifacts import EmailMessage
from sitescan.checks.engine import Evidence, profile, rule_catalogue, run_checks
from sitescan.classify import Classifier
from sitescan.collect.email import read_message
from sitescan.config import Config
from sitescan.email_audit import audit_emails
from sitescan.errors import SitescanError

from conftest import run_sitescan

EMAILS = Path(__file__).parent / "emails"
EMAIL_RULES = {
    "email.unsubscribe-missing",
    "email.unsubscribe-not-at-bottom",
    "email.list-unsubscribe-missing",
    "email.sender-missing",
    "email.insecure-link",
}

COMPLIANT = [
    "compliant-en.eml",
    "compliant-fr.eml",
    "compliant-text.eml",
    "compliant-template.html",
    "open-pixel.eml",
]
PLANTED = {
    "no-unsubscribe.eml": ["email.unsubscribe-missing"],
    "unsubscribe-top.html": ["email.unsubscribe-not-at-bottom"],
    "hostile.html": ["email.unsubscribe-missing"],
    "no-list-unsubscribe.eml": ["email.list-unsubscribe-missing"],
    "list-unsubscribe-no-post.eml": ["email.list-unsubscribe-missing"],
    "no-postal-address.eml": ["email.sender-missing"],
    "insecure-links.eml": ["email.insecure-link", "email.insecure-link"],
}


def audit(*names: str, profiles: tuple[str, ...] = (), fail_on: str = "high") -> dict:
    return audit_emails([EMAILS / name for name in names], profiles, Config(), fail_on)


def findings_of(message: EmailMessage) -> list[dict]:
    evidence = Evidence(
        config=Config(), profile=profile(()), classifier=Classifier.bundled(), emails=(message,)
    )
    return run_checks(evidence, "email")[1]


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


FOOTER = """<p>iQommerce Corporation · 1250 boul. René-Lévesque O., Montréal QC H3B 4W8 ·
<a href="mailto:support@iqommerce.com">support@iqommerce.com</a></p>
<p><a href="https://www.iqommerce.com/email/unsubscribe?u=1">Unsubscribe</a></p>"""
BODY = "<h1>New this week</h1><p>" + "The Oslo chair is back in oak and walnut. " * 8 + "</p>"


# --- every rule, both ways ------------------------------------------------------------------------


def test_every_email_rule_is_planted_somewhere_and_compliant_messages_exist():
    kinds = {meta.id for meta in rule_catalogue().values() if meta.kind == "email"}
    assert kinds == EMAIL_RULES
    assert {rule for rules in PLANTED.values() for rule in rules} == EMAIL_RULES
    assert sorted(p.name for p in EMAILS.iterdir() if p.suffix in (".eml", ".html")) == sorted(
        [*COMPLIANT, *PLANTED]
    )


@pytest.mark.parametrize("name", COMPLIANT)
def test_compliant_message_has_no_finding(name):
    report = audit(name)
    assert report["findings"] == []
    assert set(report["scan"]["checks"]) == EMAIL_RULES
    assert report["summary"] == {
        "emails": 1,
        "findings": {"critical": 0, "high": 0, "medium": 0, "low": 0},
        "fail_on": "high",
        "verdict": "pass",
    }


@pytest.mark.parametrize(("name", "rules"), PLANTED.items())
def test_planted_problem_gives_exactly_its_findings(name, rules):
    report = audit(name, fail_on="low")
    assert [f["rule"] for f in report["findings"]] == rules
    assert {f["url"] for f in report["findings"]} == {str(EMAILS / name)}
    assert report["summary"]["verdict"] == "fail"


# --- email.unsubscribe-missing ----------------------------------------------------------------------


def test_no_unsubscribe_link():
    (finding,) = audit("no-unsubscribe.eml")["findings"]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["body"] == "html"
    assert finding["evidence"]["links"] == 6
    assert "unsubscribe" not in finding["evidence"]


def test_unsubscribe_only_at_the_top_is_not_at_the_bottom():
    # The policy promises the option "at the bottom": a link only above the content is reported, with
    # where it is.
    (finding,) = audit("unsubscribe-top.html")["findings"]
    evidence = finding["evidence"]
    assert (finding["rule"], finding["severity"]) == ("email.unsubscribe-not-at-bottom", "medium")
    assert evidence["bottom_from"] == 0.6
    assert evidence["unsubscribe"]["url"] == "https://www.iqommerce.com/email/unsubscribe?u={{ token }}"
    assert evidence["unsubscribe"]["text"] == "Unsubscribe"
    assert evidence["unsubscribe"]["position"] < 0.1


def test_unsubscribe_at_the_top_and_at_the_bottom_passes():
    message = read_message(EMAILS / "compliant-template.html")
    top, bottom = message.unsubscribe_links
    assert top.position < 0.1 and bottom.position > 0.9
    assert message.unsubscribe == bottom
    assert bottom.url == "{{ unsubscribe_url }}"  # a merge tag: the link's text says what it is


def test_french_unsubscribe_text_and_position_are_catalogued():
    (entry,) = audit("compliant-fr.eml")["emails"]
    assert entry["unsubscribe"]["text"] == "Se désabonner"
    assert entry["unsubscribe"]["url"] == "https://www.iqommerce.com/fr/courriel/desabonnement?u=8f3a2c"
    assert entry["unsubscribe"]["position"] >= 0.6


def test_text_only_message_finds_its_unsubscribe_url():
    message = read_message(EMAILS / "compliant-text.eml")
    assert message.body == "text" and message.parts == ("text/plain",)
    assert message.unsubscribe is not None
    assert message.unsubscribe.url == "https://www.iqommerce.com/email/unsubscribe?u=8f3a2c&l=news"
    assert message.unsubscribe.text == "Unsubscribe"  # the line before the URL
    assert message.unsubscribe.part == "text"
    assert message.unsubscribe.position >= 0.6


def test_hidden_unsubscribe_link_does_not_count(tmp_path):
    path = write(
        tmp_path,
        "hidden.html",
        BODY
        + FOOTER.replace("<p><a", '<p style="display:none"><a')
        + '<p><a href="https://www.iqommerce.com/privacy">Privacy</a></p>',
    )
    (finding,) = findings_of(read_message(path))
    assert finding["rule"] == "email.unsubscribe-missing"
    assert finding["evidence"]["hidden_links"] == ["https://www.iqommerce.com/email/unsubscribe?u=1"]


def test_unsubscribe_in_the_text_part_only_is_reported_for_html_readers():
    # no-unsubscribe.eml has none in either part; an HTML part without one fails even when the text
    # alternative has one, and the evidence says so.
    message = read_message(EMAILS / "compliant-en.eml")
    assert message.text_unsubscribe is not None
    without = dataclasses.replace(message, unsubscribe=None, unsubscribe_links=())
    (finding,) = findings_of(without)
    assert finding["evidence"]["text_part_unsubscribe"]["url"] == message.text_unsubscribe.url


# --- email.list-unsubscribe-missing ----------------------------------------------------------------


def test_no_list_unsubscribe_header():
    (finding,) = audit("no-list-unsubscribe.eml")["findings"]
    assert finding["severity"] == "medium"
    assert finding["evidence"] == {
        "reason": "no List-Unsubscribe header",
        "list_unsubscribe": [],
        "list_unsubscribe_post": None,
    }


def test_list_unsubscribe_without_one_click_post():
    (finding,) = audit("list-unsubscribe-no-post.eml")["findings"]
    assert finding["evidence"]["reason"] == "no List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    assert finding["evidence"]["list_unsubscribe"] == [
        "https://www.iqommerce.com/email/unsubscribe?u=8f3a2c&l=news",
        "mailto:unsubscribe@iqommerce.com?subject=unsubscribe-8f3a2c",
    ]


@pytest.mark.parametrize(
    ("addresses", "post", "reason"),
    [
        (("https://x.iqommerce.com/u",), "List-Unsubscribe=One-Click", None),
        (("https://x.iqommerce.com/u",), "list-unsubscribe=one-click", None),
        (("mailto:u@iqommerce.com", "https://x.iqommerce.com/u"), "List-Unsubscribe=One-Click", None),
        (("mailto:u@iqommerce.com",), "List-Unsubscribe=One-Click", "no https: address"),
        (("http://x.iqommerce.com/u",), "List-Unsubscribe=One-Click", "no https: or mailto: address"),
        (("https://x.iqommerce.com/u",), "List-Unsubscribe=Yes", "is not List-Unsubscribe=One-Click"),
        ((), "List-Unsubscribe=One-Click", "List-Unsubscribe-Post without List-Unsubscribe"),
    ],
)
def test_list_unsubscribe_variants(addresses, post, reason):
    message = dataclasses.replace(
        read_message(EMAILS / "compliant-en.eml"), list_unsubscribe=addresses, list_unsubscribe_post=post
    )
    found = findings_of(message)
    if reason is None:
        assert found == []
    else:
        (finding,) = found
        assert finding["rule"] == "email.list-unsubscribe-missing"
        assert reason in finding["evidence"]["reason"]


def test_list_unsubscribe_does_not_apply_to_templates():
    message = read_message(EMAILS / "compliant-template.html")
    assert message.kind == "html" and message.list_unsubscribe == ()
    assert findings_of(message) == []


# --- email.sender-missing -----------------------------------------------------------------------------


def test_no_postal_address():
    (finding,) = audit("no-postal-address.eml")["findings"]
    assert finding["severity"] == "high"
    evidence = finding["evidence"]
    assert evidence["missing"] == ["postal address"]
    assert evidence["names"][0] == "iQommerce"  # the From display name
    assert "support@iqommerce.com" in evidence["contacts"]
    assert evidence["postal_addresses"] == []


def test_sender_identification_of_the_compliant_messages():
    en, fr, _, template, _ = (entry["sender"] for entry in audit(*COMPLIANT)["emails"])
    assert en["postal_addresses"] == ["H3B 4W8", "1250 boul. René-Lévesque O., Montréal QC H3B 4W8"]
    assert en["emails"] == ["support@iqommerce.com"]
    assert "Corporation iQommerce" in fr["names"]  # the French word order
    assert fr["phones"] == ["514 555-0142"]
    # A template has no From: its name comes from the footer.
    assert "© 2026 iQommerce Corporation" in template["names"]


@pytest.mark.parametrize(
    ("footer", "missing"),
    [
        # Nothing but the unsubscribe link.
        ("", ["name", "postal address", "contact"]),
        # A US address and a phone number; the name from a legal entity's name.
        ("<p>Acme Widgets Inc. · 500 Pine Street, Seattle, WA 98101 · 1-206-555-0123</p>", []),
        # A PO box (French) and a web address written out.
        ("<p>© 2026 iQommerce · C.P. 1234, succursale Centre-ville · www.iqommerce.com</p>", []),
        # "2 place mats" is no address.
        ("<p>© 2026 iQommerce · 2 place mats for $20 · support@iqommerce.com</p>", ["postal address"]),
        # An address but no contact (the unsubscribe mailto: is none).
        ("<p>iQommerce Corporation, 1250 boul. René-Lévesque O., Montréal QC H3B 4W8</p>", ["contact"]),
    ],
)
def test_sender_identification_variants(tmp_path, footer, missing):
    html = BODY + footer + '<p><a href="mailto:unsubscribe@iqommerce.com">Unsubscribe</a></p>'
    found = findings_of(read_message(write(tmp_path, "template.html", html)))
    if not missing:
        assert found == []
    else:
        (finding,) = found
        assert finding["rule"] == "email.sender-missing"
        assert finding["evidence"]["missing"] == missing


def test_from_header_names_the_sender_and_gives_a_contact():
    message = read_message(EMAILS / "no-postal-address.eml")
    assert (message.from_name, message.from_address) == ("iQommerce", "nouvelles@iqommerce.com")
    bare = dataclasses.replace(
        message, contact_emails=(), contact_phones=(), contact_web=(), postal_addresses=("H3B 4W8",)
    )
    assert findings_of(bare) == []  # the From address is the contact
    anonymous = dataclasses.replace(bare, from_name=None, from_address=None, sender_names=())
    (finding,) = findings_of(anonymous)
    assert finding["evidence"]["missing"] == ["name", "contact"]


# --- email.insecure-link ---------------------------------------------------------------------------


def test_insecure_link_and_image():
    report = audit("insecure-links.eml")
    evidence = sorted((f["evidence"] for f in report["findings"]), key=lambda e: e["element"])
    assert evidence == [
        {
            "url": "http://cdn.iqommerce.com/email/2026-11/hero.jpg",
            "element": "image",
            "alt": "The Oslo chair in oak",
            "pixel": False,
        },
        {
            "url": "http://www.iqommerce.com/products/chair?utm_source=newsletter",
            "element": "link",
            "text": "Shop the Oslo chair",
            "part": "html",
        },
    ]
    # The same http:// link in the text alternative is the same finding, not a second one.
    message = read_message(EMAILS / "insecure-links.eml")
    assert [link.part for link in message.links if link.url.startswith("http://")] == ["html", "text"]
    assert report["emails"][0]["insecure_links"] == [
        "http://cdn.iqommerce.com/email/2026-11/hero.jpg",
        "http://www.iqommerce.com/products/chair?utm_source=newsletter",
    ]


# --- open-tracking pixels ---------------------------------------------------------------------------


def test_open_tracking_pixel_is_catalogued_not_a_finding():
    report = audit("open-pixel.eml")
    assert report["findings"] == []
    assert report["emails"][0]["pixels"] == [
        {
            "url": "https://t.iqommerce.com/o/8f3a2c.gif",
            "host": "t.iqommerce.com",
            "vendor": None,
            "hidden": False,
        }
    ]


def test_pixel_detection(tmp_path):
    html = (
        '<img src="https://t.example/a.gif" width="1" height="1">'
        '<img src="https://t.example/b.gif" style="width:1px; height:1px">'
        '<img src="https://t.example/c.gif" width="0" height="0">'
        '<div style="display:none"><img src="https://t.example/d.gif" width="600" height="300"></div>'
        '<img src="https://cdn.example/e.jpg" width="1" height="300">'
        '<img src="https://cdn.example/f.jpg" width="100%">'
        '<img src="https://cdn.example/g.jpg">'
    )
    message = read_message(write(tmp_path, "pixels.html", html))
    assert [(image.src[-5:], image.pixel) for image in message.images] == [
        ("a.gif", True),
        ("b.gif", True),
        ("c.gif", True),
        ("d.gif", True),
        ("e.jpg", False),
        ("f.jpg", False),
        ("g.jpg", False),
    ]


# --- parsing --------------------------------------------------------------------------------------------


def test_quoted_printable_multipart_alternative():
    message = read_message(EMAILS / "compliant-en.eml")
    assert message.kind == "eml" and message.body == "html" and message.charset == "utf-8"
    assert message.subject == "New this week: the Oslo chair is back"
    assert (message.from_name, message.from_address) == ("iQommerce", "news@iqommerce.com")
    assert message.list_unsubscribe == (
        "https://www.iqommerce.com/email/unsubscribe?u=8f3a2c&l=news",
        "mailto:unsubscribe@iqommerce.com?subject=unsubscribe-8f3a2c",
    )
    assert message.list_unsubscribe_post == "List-Unsubscribe=One-Click"
    assert message.parts == ("text/plain", "text/html")
    assert "1250 boul. René-Lévesque O., Montréal QC H3B 4W8" in message.text  # QP soft breaks and =C3=A9
    # The preheader (display:none) and the <title> and <style> are not visible text.
    assert "20% off until Sunday." not in message.text
    assert "font-family" not in message.text
    assert message.text.startswith("View this e-mail in your browser\nNew this week at iQommerce\n")


def test_base64_nested_multipart_with_attachments():
    message = read_message(EMAILS / "compliant-fr.eml")
    assert message.subject == "Nouveautés de la semaine : la chaise Oslo est de retour"  # RFC 2047
    assert message.parts == ("text/plain", "text/html", "application/pdf", "text/plain")
    assert "Livraison gratuite partout au Canada" in message.text
    # The attachment's link is no part of the message's body.
    assert not any("conditions" in link.url for link in message.links)


def test_iso_8859_1_charset():
    message = read_message(EMAILS / "no-postal-address.eml")
    assert message.charset == "iso-8859-1"
    assert message.subject == "Décor d'automne : nos lampes préférées"
    assert "Vous recevez ce courriel parce que vous êtes abonné" in message.text


def test_template_charset_from_meta(tmp_path):
    path = tmp_path / "latin.html"
    path.write_bytes('<meta charset="iso-8859-1"><p>Se désabonner</p>'.encode("latin-1"))
    message = read_message(path)
    assert message.charset == "cp1252" and message.text == "Se désabonner"


# --- hostile content ---------------------------------------------------------------------------------


def test_hostile_html_is_read_as_text_only(tmp_path):
    message = read_message(EMAILS / "hostile.html")
    assert "alert" not in message.text and "document" not in message.text
    assert "Unsubscribe" not in message.text  # not the script's, the stylesheet's nor the hidden one
    assert [link.url for link in message.links] == [
        "https://www.iqommerce.com/email/unsubscribe?u=8f3a2c",
        "https://www.iqommerce.com/lighting?utm_source=flash",
        "mailto:support@iqommerce.com",
    ]
    assert message.links[0].hidden
    out = tmp_path / "out"
    done = run_sitescan("email", str(EMAILS / "hostile.html"), "--out", str(out))
    assert done.returncode == 1, done.stderr
    raw = (out / "report.json").read_text(encoding="utf-8")
    for markup in (
        "<script",
        "<svg",
        "onerror",
        "onload",
        "onclick",
        "document.cookie",
        "evil.example",
        "alert(",
    ):
        assert markup not in raw


def test_malformed_and_deeply_nested_html_is_read(tmp_path):
    html = (
        "<![foo[ a marked section html.parser rejects ]]>"
        + "<div>" * 5000
        + BODY
        + "</span>" * 5000
        + FOOTER
        + '<p><a href="https://www.iqommerce.com/x">never closed'
    )
    message = read_message(write(tmp_path, "deep.html", html))
    assert message.text.startswith("New this week\nThe Oslo chair")
    assert message.unsubscribe is not None and message.unsubscribe.position >= 0.6
    assert message.links[-1].text == "never closed"
    assert findings_of(message) == []


# --- errors ---------------------------------------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(SitescanError, match=r"missing\.eml: no such file$"):
        audit_emails([tmp_path / "missing.eml"], (), Config())


def test_files_that_are_not_emails(tmp_path):
    with pytest.raises(SitescanError, match=r"notes\.txt: not an e-mail file"):
        audit_emails([write(tmp_path, "notes.txt", "hello")], (), Config())
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(b"<html>\x00\xff not a message</html>")
    with pytest.raises(SitescanError, match=r"garbage\.eml: not an e-mail message"):
        audit_emails([garbage], (), Config())
    nested = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(3000))
    with pytest.raises(
        SitescanError, match=r"deep\.eml: cannot parse the message: its parts are nested too deep"
    ):
        audit_emails([write(tmp_path, "deep.eml", "From: a@iqommerce.com\n" + nested)], (), Config())
    (tmp_path / "empty").mkdir()
    with pytest.raises(SitescanError, match=r"empty: no \.eml or \.html file"):
        audit_emails([tmp_path / "empty"], (), Config())


def test_unknown_profile():
    with pytest.raises(SitescanError, match="unknown profile 'mars'"):
        audit("compliant-en.eml", profiles=("mars",))


# --- the report -----------------------------------------------------------------------------------------


def test_folder_is_expanded_sorted_and_the_report_has_the_contract_keys():
    report = audit_emails([EMAILS], ("canada", "eu"), Config(), "critical")
    assert list(report) == [
        "schema", "tool", "targets", "started", "finished", "profiles", "emails", "findings", "scan", "summary",
    ]  # fmt: skip
    assert report["schema"] == "sitescan/1"
    assert report["tool"]["name"] == "sitescan"
    assert report["targets"] == [str(EMAILS)]
    assert report["profiles"] == ["canada", "eu"]
    paths = [entry["path"] for entry in report["emails"]]
    assert paths == sorted(str(EMAILS / name) for name in [*COMPLIANT, *PLANTED])
    assert report["summary"] == {
        "emails": 12,
        "findings": {"critical": 2, "high": 1, "medium": 5, "low": 0},
        "fail_on": "critical",
        "verdict": "fail",
    }
    assert report["scan"]["complete"] is True
    for finding in report["findings"]:
        assert {"rule", "severity", "title", "url", "phase", "evidence", "baselined"} <= set(finding)
    json.dumps(report)  # serialisable as it is


def test_message_record_round_trips_through_json():
    message = read_message(EMAILS / "compliant-en.eml")
    data = json.loads(json.dumps(dataclasses.asdict(message)))
    assert data["unsubscribe"]["text"] == "Unsubscribe"
    assert data["links"][0]["part"] == "html"


# --- the command line ---------------------------------------------------------------------------------


def test_cli_compliant_exits_0(tmp_path):
    out = tmp_path / "out"
    done = run_sitescan(
        "email", str(EMAILS / "compliant-en.eml"), str(EMAILS / "compliant-fr.eml"), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out / "report.html"), str(out / "report.json")]
    assert "sitescan: 2 e-mails, 0 findings (0 critical, 0 high, 0 medium, 0 low): pass" in done.stderr
    assert [
        e["subject"] for e in json.loads((out / "report.json").read_text(encoding="utf-8"))["emails"]
    ] == [
        "New this week: the Oslo chair is back",
        "Nouveautés de la semaine : la chaise Oslo est de retour",
    ]


def test_cli_findings_exit_1_with_one_line_each(tmp_path):
    path = str(EMAILS / "no-unsubscribe.eml")
    done = run_sitescan("email", path, "--out", str(tmp_path / "out"))
    assert done.returncode == 1, done.stderr
    assert (
        f"critical email.unsubscribe-missing {path}: E-mail has no unsubscribe link"
        in done.stderr.splitlines()
    )
    assert "1 finding (1 critical, 0 high, 0 medium, 0 low): fail" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("no-list-unsubscribe.eml", [], 0),  # medium, under the default --fail-on high
        ("no-list-unsubscribe.eml", ["--fail-on", "medium"], 1),
        ("no-postal-address.eml", ["--fail-on", "critical"], 0),
        ("no-postal-address.eml", ["--fail-on", "high"], 1),
        ("no-unsubscribe.eml", ["--fail-on", "never"], 0),
        ("no-unsubscribe.eml", ["--exit-zero"], 0),
        ("no-unsubscribe.eml", ["--profile", "eu", "--profile", "us-ca"], 1),
    ],
)
def test_cli_fail_on(tmp_path, name, args, code):
    out = tmp_path / "out"
    done = run_sitescan("email", str(EMAILS / name), "--out", str(out), *args)
    assert done.returncode == code, done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))  # written whatever the code
    assert report["findings"]  # listed even when under the gate
    # The verdict follows --fail-on, as the exit code does (--exit-zero changes only the exit code).
    assert report["summary"]["verdict"] == ("fail" if code or "--exit-zero" in args else "pass")


def test_cli_folder(tmp_path):
    out = tmp_path / "out"
    done = run_sitescan("email", str(EMAILS), "--out", str(out))
    assert done.returncode == 1, done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["emails"] == 12
    assert len([line for line in done.stderr.splitlines() if " email." in line]) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing.eml"], "sitescan: error: {tmp}/missing.eml: no such file"),
        (["{emails}/compliant-en.eml", "--profile", "mars"], "sitescan: error: unknown profile 'mars'"),
        ([], "sitescan: error: Missing argument 'PATH...'"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    out = tmp_path / "out"
    filled = [a.format(tmp=tmp_path, emails=EMAILS) for a in args]
    done = run_sitescan("email", *filled, "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("sitescan: error:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(message.format(tmp=tmp_path))
    assert not out.exists()  # nothing written for bad input
