"""``sitescan demo``: the bundled storefront, served on loopback under real host names, scanned."""

from __future__ import annotations

import tempfile
from importlib.resources import as_file, files
from pathlib import Path

import click

from sitescan.browser import BrowserSettings
from sitescan.collect.crawl import CrawlSettings
from sitescan.loopback import LoopbackInternet
from sitescan.netmap import ConnectTo, NetworkMap
from sitescan.scan import ScanOptions

DEMO_URL = "https://www.iqommerce-demo.com/"


def run_demo(out_dir: Path) -> int:
    from sitescan.cli import execute_scan

    with as_file(files("sitescan.demo")) as package, tempfile.TemporaryDirectory() as scratch:
        internet = LoopbackInternet((package / "storefront", package / "vendors"))
        with internet:
            ca = internet.write_ca(Path(scratch) / "demo-ca.pem")
            options = ScanOptions(
                targets=(DEMO_URL,),
                crawl=CrawlSettings(max_pages=20),
                browser=BrowserSettings(
                    network=NetworkMap(
                        tuple(ConnectTo.parse(r) for r in internet.connect_to()), block_unmapped=True
                    ),
                    ca_cert=ca,
                ),
                screenshot_dir=out_dir / "screenshots",
            )
            click.echo(f"sitescan demo: serving the demo storefront {DEMO_URL} on 127.0.0.1", err=True)
            code = execute_scan(options, out_dir, ("html", "json"), exit_zero=True)  # findings are the point
    click.echo(f"sitescan demo: open {(out_dir / 'report.html').resolve()}", err=True)
    return code
