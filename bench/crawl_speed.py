"""Crawl speed: sitescan against raw Playwright on the same generated site, in one run.

    .venv/bin/python bench/crawl_speed.py --pages 20 --concurrency 1

It generates a site of N pages (each with Google's tag, the Meta pixel and links to its neighbours),
serves it on loopback under real host names with the vendor stand-ins, then measures
(a) raw Playwright: the same browser binary and flags, one context, ``goto(wait_until="load")`` on each
    page with the same concurrency and no instrumentation — the machine's limit for these page loads;
(b) sitescan: ``sitescan scan`` of the same site, end to end (crawl, settle, catalogue, report).
Both include the browser's start. It prints page loads per second for both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from playwright.async_api import async_playwright

from sitescan.browser import BrowserSettings, find_chromium, launch_args
from sitescan.loopback import LoopbackInternet
from sitescan.netmap import ConnectTo, NetworkMap

HOST = "www.bench-shop.com"


def generate_site(root: Path, pages: int) -> list[str]:
    site = root / HOST
    site.mkdir(parents=True)
    urls = []
    for index in range(pages):
        name = "index.html" if index == 0 else f"p{index}.html"
        neighbours = "".join(
            f'<a href="/p{n}.html">page {n}</a> ' for n in range(index + 1, min(pages, index + 4)) if n
        )
        (site / name).write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Bench page {index}</title>"
            "<script async src='https://www.googletagmanager.com/gtag/js?id=G-BENCH'></script>"
            "<script async src='https://connect.facebook.net/en_US/fbevents.js'></script>"
            f"</head><body><h1>Page {index}</h1>{neighbours}</body></html>\n",
            encoding="utf-8",
        )
        urls.append(f"https://{HOST}/" + ("" if index == 0 else name))
    return urls


async def raw_playwright(urls: list[str], network: NetworkMap, ca: Path, concurrency: int) -> float:
    started = time.perf_counter()
    async with async_playwright() as playwright:
        settings = BrowserSettings(network=network, ca_cert=ca)
        browser = await playwright.chromium.launch(
            executable_path=find_chromium(playwright), args=launch_args(settings)
        )
        # The loopback CA is trusted through sitescan's profile set-up; the raw side just skips the check.
        context = await browser.new_context(ignore_https_errors=True)
        queue = list(urls)

        async def worker() -> None:
            page = await context.new_page()
            while queue:
                await page.goto(queue.pop(0), wait_until="load")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()
    return time.perf_counter() - started


def sitescan_scan(
    urls: list[str], internet: LoopbackInternet, ca: Path, concurrency: int, out: Path
) -> float:
    command = [sys.executable, "-m", "sitescan", "scan", urls[0], "--max-pages", str(len(urls))]
    command += ["--concurrency", str(concurrency), "--out", str(out), "--no-sitemap", "--block-unmapped"]
    command += ["--exit-zero"]  # the generated site has findings; the benchmark times the scan
    command += ["--ca-cert", str(ca)]
    for rule in internet.connect_to():
        command += ["--connect-to", rule]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    visited = json.loads((out / "report.json").read_text())["summary"]["pages"]
    if visited != len(urls):
        raise SystemExit(f"sitescan visited {visited} pages, expected {len(urls)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        urls = generate_site(root / "site", args.pages)
        vendors = Path(str(files("sitescan.demo"))) / "vendors"
        with LoopbackInternet((root / "site", vendors)) as internet:
            ca = internet.write_ca(root / "ca.pem")
            network = NetworkMap(
                tuple(ConnectTo.parse(r) for r in internet.connect_to()), block_unmapped=True
            )
            raw = asyncio.run(raw_playwright(urls, network, ca, args.concurrency))
            scanned = sitescan_scan(urls, internet, ca, args.concurrency, root / "report")
    pages = len(urls)
    print(f"pages: {pages}, concurrency: {args.concurrency}")
    print(f"raw playwright: {raw:6.2f} s  {pages / raw:6.2f} pages/s")
    print(f"sitescan:       {scanned:6.2f} s  {pages / scanned:6.2f} pages/s")
    print(f"ratio (sitescan / raw): {raw / scanned:.2f}")


if __name__ == "__main__":
    main()
