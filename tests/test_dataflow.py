"""Session recording, fingerprinting and key logging, end to end: the dataflow shop's pages each do one
thing (tests/sites/dataflow/README.md), and the scan reports exactly who did what, where and in which
phase, with the dataflow.* findings both ways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sitescan.schemas import load
from sitescan.shape import report_schema, schema_problem

from conftest import ScanHarness, ScanRun, start_internet

SHOP = "https://www.tracked-shop.com"
VENDOR = "https://cdn.fingerprint-vendor.example/fp"
ALL_PHASES = ["before-consent", "after-accept", "after-reject"]


@pytest.fixture(scope="module")
def dataflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    yield from start_internet(tmp_path_factory, "dataflow")


@pytest.fixture(scope="module")
def scan(dataflow: ScanHarness, tmp_path_factory: pytest.TempPathFactory) -> ScanRun:
    done = dataflow.scan(tmp_path_factory.mktemp("dataflow") / "out", f"{SHOP}/")
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def report(scan: ScanRun) -> dict[str, Any]:
    return scan.report


def _findings(report: dict[str, Any], rule: str) -> list[tuple[str, str, str | None]]:
    return sorted((f["url"], f["subject"], f["phase"]) for f in report["findings"] if f["rule"] == rule)


def test_the_banner_is_answered_both_ways(report: dict[str, Any]) -> None:
    consent = report["consent"]
    assert (consent["cmp"], consent["accept"], consent["reject"]) == ("generic", True, True)


def test_each_fingerprinting_technique_is_seen_with_its_script_page_and_phases(
    report: dict[str, Any],
) -> None:
    seen = {
        (f["technique"], f["script"], tuple(f["pages"]), tuple(f["phases"]), f["party"])
        for f in report["fingerprinting"]
    }
    assert seen == {
        ("canvas", f"{VENDOR}/canvas.js", (f"{SHOP}/canvas-fingerprint",), tuple(ALL_PHASES), "third"),
        ("audio", f"{VENDOR}/audio.js", (f"{SHOP}/audio-fingerprint",), tuple(ALL_PHASES), "third"),
        ("webrtc", f"{VENDOR}/webrtc.js", (f"{SHOP}/webrtc-probe",), tuple(ALL_PHASES), "third"),
        ("fonts", f"{VENDOR}/fonts.js", (f"{SHOP}/fonts",), tuple(ALL_PHASES), "third"),
    }  # the chart drawn and exported, and the logo never read back, are not there
    details = {f["technique"]: f["details"] for f in report["fingerprinting"]}
    assert details["canvas"] == {
        "method": "toDataURL",
        "width": 240,
        "height": 60,
        "text": "Cwm fjordbank glyphs vext quiz | Cwm fjordbank glyphs vext quiz",
    }
    assert details["audio"] == {
        "method": "getChannelData",
        "oscillator": True,
        "compressor": True,
        "sample_rate": 44100,
    }
    assert details["webrtc"] == {"data_channel": True}
    # The fallbacks, then the candidates in the script's order, up to the 21st family.
    assert details["fonts"]["method"] == "measureText"
    assert details["fonts"]["families"][:5] == [
        "monospace",
        "sans-serif",
        "serif",
        "arial black",
        "bookman old style",
    ]
    assert len(details["fonts"]["families"]) == 21


def test_fingerprinting_findings_name_technique_script_page_and_phase(report: dict[str, Any]) -> None:
    assert _findings(report, "dataflow.fingerprinting") == [
        (f"{SHOP}/audio-fingerprint", f"audio {VENDOR}/audio.js", "before-consent"),
        (f"{SHOP}/canvas-fingerprint", f"canvas {VENDOR}/canvas.js", "before-consent"),
        (f"{SHOP}/fonts", f"fonts {VENDOR}/fonts.js", "before-consent"),
        (f"{SHOP}/webrtc-probe", f"webrtc {VENDOR}/webrtc.js", "before-consent"),
    ]
    canvas = next(f for f in report["findings"] if f["subject"] == f"canvas {VENDOR}/canvas.js")
    assert canvas["severity"] == "high"
    assert (canvas["evidence"]["technique"], canvas["evidence"]["script"], canvas["evidence"]["page"]) == (
        "canvas",
        f"{VENDOR}/canvas.js",
        f"{SHOP}/canvas-fingerprint",
    )
    assert canvas["evidence"]["phases"] == ALL_PHASES


def test_listeners_are_told_apart_by_who_attached_them(report: dict[str, Any]) -> None:
    listeners = {
        (entry["script"], entry["party"]): (
            entry["events"],
            entry["targets"],
            entry["pages"],
            entry["phases"],
        )
        for entry in report["input_listeners"]
    }
    assert listeners == {
        ("https://cdn.keylogger-analytics.example/capture.js", "third"): (
            ["keydown", "change"],
            ["document", "input type=email name=email", "input type=password name=password",
             "input type=checkbox name=newsletter"],
            [f"{SHOP}/signup"],
            ALL_PHASES,
        ),
        ("https://www.clarity.ms/tag/abc123", "third"): (["input"], ["document"], [f"{SHOP}/recorded"], ALL_PHASES),
        # The shop's own validation, and the CDN library it called (the shop's script is on the stack).
        (f"{SHOP}/assets/validate.js", "first"): (
            ["input"],
            ["input type=email name=email", "textarea name=message"],
            [f"{SHOP}/contact"],
            ALL_PHASES,
        ),
        ("https://cdn.formkit-lib.example/formkit.js", "first"): (
            ["keyup"],
            ["textarea name=message"],
            [f"{SHOP}/contact"],
            ALL_PHASES,
        ),
    }  # fmt: skip


def test_keylogging_finds_third_parties_reading_typing_and_not_the_shops_own_validation(
    report: dict[str, Any],
) -> None:
    assert _findings(report, "dataflow.keylogging") == [
        (f"{SHOP}/recorded", "https://www.clarity.ms/tag/abc123", "before-consent"),
        (f"{SHOP}/signup", "https://cdn.keylogger-analytics.example/capture.js", "before-consent"),
    ]
    logger = next(
        f for f in report["findings"] if f["subject"] == "https://cdn.keylogger-analytics.example/capture.js"
    )
    # The newsletter checkbox's change listener is no typing: it is not in the evidence.
    assert (logger["evidence"]["events"], logger["evidence"]["targets"]) == (
        ["keydown", "change"],
        ["document", "input type=email name=email", "input type=password name=password"],
    )


def test_session_recorders_are_catalogued_by_product_with_their_source(report: dict[str, Any]) -> None:
    recorders = {
        r["product"]: (r["vendor"], r["hosts"], r["pages"], r["phases"]) for r in report["session_replay"]
    }
    assert recorders == {
        "Clarity session recordings": (
            "Microsoft Clarity",
            ["www.clarity.ms", "u.clarity.ms"],
            [f"{SHOP}/recorded"],
            ALL_PHASES,
        ),
        # Behind the banner: only once accepted.
        "Hotjar Recordings": (
            "Hotjar",
            ["static.hotjar.com", "in.hotjar.com"],
            [f"{SHOP}/"],
            ["after-accept"],
        ),
    }
    assert all(r["source"].startswith("https://") for r in report["session_replay"])


def test_recording_before_consent_and_after_reject_is_found_and_recording_after_accept_is_not(
    report: dict[str, Any],
) -> None:
    assert _findings(report, "dataflow.session-recording-before-consent") == [
        (f"{SHOP}/recorded", "Clarity session recordings", "after-reject"),
        (f"{SHOP}/recorded", "Clarity session recordings", "before-consent"),
    ]
    finding = next(f for f in report["findings"] if f["rule"] == "dataflow.session-recording-before-consent")
    assert (finding["evidence"]["request"], finding["evidence"]["resource_type"]) == (
        "https://www.clarity.ms/tag/abc123",
        "script",
    )


def test_the_html_report_shows_the_dataflow_section(scan: ScanRun) -> None:
    html = (scan.out / "report.html").read_text(encoding="utf-8")
    assert 'id="fingerprinting"' in html and f"{VENDOR}/canvas.js" in html
    assert 'id="input-listeners"' in html and "https://cdn.keylogger-analytics.example/capture.js" in html
    assert 'id="session-replay"' in html and "Clarity session recordings" in html


def test_the_report_matches_its_schema(report: dict[str, Any]) -> None:
    Draft202012Validator(load()).validate(report)
    assert schema_problem(report, report_schema()) is None
