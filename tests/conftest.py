"""The test internet: sites served on loopback under real host names, scanned by the real sitescan CLI
in the real Chromium. Every host name is mapped to loopback or fails at once (hermetic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from sitescan.browser import find_chromium
from sitescan.collect.tls import USER_AGENT as TLS_PROBE_AGENT
from sitescan.loopback import LoopbackInternet, ServedRequest

SITES = Path(__file__).parent / "sites"
VENDORS = Path(str(files("sitescan.demo"))) / "vendors"


@dataclass
class ScanRun:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.out / "report.json").read_text(encoding="utf-8"))

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("sitescan: error:")]


def run_sitescan(*args: str, env: dict[str, str] | None = None, timeout: float = 240):
    return subprocess.run(
        [sys.executable, "-m", "sitescan", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@dataclass
class ScanHarness:
    internet: LoopbackInternet
    ca: Path
    # autoconsent adds about a second to every start page no platform rule knows: only the consent
    # tests, which are about banners, run it by default (the others can ask with --autoconsent).
    autoconsent: bool = False

    def network_args(self) -> list[str]:
        args = ["--block-unmapped", "--ca-cert", str(self.ca)]
        for rule in self.internet.connect_to():
            args += ["--connect-to", rule]
        return args

    def browser_served(self) -> list[ServedRequest]:
        """What the test internet answered to the browser: not sitescan's own TLS probe."""
        return [r for r in self.internet.served if r.headers.get("user-agent") != TLS_PROBE_AGENT]

    def scan(self, out: Path, *args: str, env: dict[str, str] | None = None) -> ScanRun:
        """Scans the catalogue tests make end with exit 0 whatever they find (--fail-on never), unless
        the test chooses its own gate. ``env`` is added to the scan's environment."""
        gate = [] if any(a.startswith(("--fail-on", "--exit-zero")) for a in args) else ["--fail-on", "never"]
        engines = [] if self.autoconsent or any("autoconsent" in a for a in args) else ["--no-autoconsent"]
        done = run_sitescan("scan", *args, *gate, *engines, "--out", str(out), *self.network_args(), env=env)
        return ScanRun(done.returncode, done.stdout, done.stderr, out)


def start_internet(tmp_path_factory: pytest.TempPathFactory, *sites: str) -> Iterator[ScanHarness]:
    internet = LoopbackInternet((*(SITES / site for site in sites), VENDORS))
    with internet:
        ca = internet.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem")
        yield ScanHarness(internet, ca)


@pytest.fixture(scope="session")
def shop_internet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanHarness]:
    """The shop, for tests that scan it with options of their own."""
    yield from start_internet(tmp_path_factory, "shop")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """A plain Chromium, for tests that open sitescan's own outputs in a browser."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(playwright))
        yield browser
        browser.close()
