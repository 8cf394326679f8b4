"""Crawl speed: sitescan against raw Playwright on the same generated site, in one run.

    .venv/bin/python bench/crawl_speed.py --pages 20 --concurrency 1

It generates a site of N pages (each with a consent banner that gates Google's tag and the Meta pixel,
and links to its neighbours), serves it on loopback under real host names with the vendor stand-ins,
then measures
(a) raw Playwright: the same browser binary and flags, ``goto(wait_until="load")`` on each page with
    the same concurrency and no instrumentation, in three phases of one fresh context each (before any
    choice, then with the accept and the reject cookie set) — the machine's limit for these page loads;
(b) sitescan: ``sitescan scan --consent both`` of the same site, end to end (crawl, banner, choices,
    settle, catalogue, checks, report).
Both include the browser's start. It prints page loads per second for both, their ratio, and the peak
memory (resident set, summed over the process tree: browser included) of each side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.resources import files
from pathlib import Path

from playwright.async_api import BrowserContext, async_playwright

from sitescan.browser import BrowserSettings, find_chromium, launch_args
from sitescan.loopback import LoopbackInternet
from sitescan.netmap import ConnectTo, NetworkMap

HOST = "www.bench-shop.com"


# The banner every page carries: "Accept all" / "Reject all", remembered in the bench_consent cookie;
# accepting (now or on an earlier page) turns the gated tags into real scripts.
BANNER_JS = """(function () {
  var choice = (document.cookie.match(/(?:^|; )bench_consent=([^;]*)/) || [])[1];
  function run() {
    document.querySelectorAll('script[type="text/plain"][data-src]').forEach(function (old) {
      var tag = document.createElement("script");
      tag.src = old.getAttribute("data-src");
      document.head.appendChild(tag);
    });
  }
  if (choice === "accepted") return run();
  if (choice === "rejected") return;
  var bar = document.createElement("div");
  bar.innerHTML = "<p>We use cookies for analytics and ads.</p>" +
    "<button data-v='rejected'>Reject all</button> <button data-v='accepted'>Accept all</button>";
  document.body.appendChild(bar);
  bar.addEventListener("click", function (event) {
    var value = event.target.getAttribute("data-v");
    if (!value) return;
    document.cookie = "bench_consent=" + value + "; path=/; max-age=15552000; Secure; SameSite=Lax";
    bar.remove();
    if (value === "accepted") run();
  });
})();
"""


def generate_site(root: Path, pages: int) -> list[str]:
    site = root / HOST
    site.mkdir(parents=True)
    (site / "banner.js").write_text(BANNER_JS, encoding="utf-8")
    urls = []
    for index in range(pages):
        name = "index.html" if index == 0 else f"p{index}.html"
        neighbours = "".join(
            f'<a href="/p{n}.html">page {n}</a> ' for n in range(index + 1, min(pages, index + 4)) if n
        )
        (site / name).write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Bench page {index}</title>"
            "<script src='/banner.js' defer></script>"
            "<script type='text/plain' data-src='https://www.googletagmanager.com/gtag/js?id=G-BENCH'></script>"
            "<script type='text/plain' data-src='https://connect.facebook.net/en_US/fbevents.js'></script>"
            f"</head><body><h1>Page {index}</h1>{neighbours}</body></html>\n",
            encoding="utf-8",
        )
        urls.append(f"https://{HOST}/" + ("" if index == 0 else name))
    return urls


async def raw_playwright(
    urls: list[str], network: NetworkMap, ca: Path, concurrency: int, side_by_side: bool
) -> float:
    """Seconds for raw Playwright to load every page in three phases (one fresh context each), one phase
    after another or the three side by side (as sitescan runs them)."""
    started = time.perf_counter()
    async with async_playwright() as playwright:
        settings = BrowserSettings(network=network, ca_cert=ca)
        browser = await playwright.chromium.launch(
            executable_path=find_chromium(playwright), args=launch_args(settings)
        )

        async def phase(choice: str | None) -> None:
            # The loopback CA is trusted through sitescan's profile set-up; the raw side skips the check.
            context = await browser.new_context(ignore_https_errors=True)
            if choice:
                await context.add_cookies([{"name": "bench_consent", "value": choice, "url": urls[0]}])
            queue = list(urls)
            await asyncio.gather(*(_load_all(context, queue) for _ in range(concurrency)))
            await context.close()

        choices = (None, "accepted", "rejected")
        if side_by_side:
            await asyncio.gather(*(phase(choice) for choice in choices))
        else:
            for choice in choices:
                await phase(choice)
        await browser.close()
    return time.perf_counter() - started


class PeakMemory:
    """The largest memory use of a process and its descendants, sampled every 0.1 s from /proc (Linux):
    the sum of each process's proportional set size (PSS), in which a page shared by several processes
    (Chromium's code, mapped by every one of its processes) is divided among them rather than counted
    in full by each, as a resident-set sum would."""

    def __init__(self, root: int, include_root: bool = True) -> None:
        self.root, self.include_root = root, include_root
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self.sample())

    def sample(self) -> int:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue  # the process ended meanwhile
                children.setdefault(parent, []).append(int(entry.name))
        pending = list(children.get(self.root, []))
        total = _pss(self.root) if self.include_root else 0
        while pending:
            pid = pending.pop()
            total += _pss(pid)
            pending.extend(children.get(pid, []))
        return total


def _pss(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0  # ended meanwhile, or a kernel thread
    kib = [line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")]
    return int(kib[0]) * 1024 if kib else 0


async def _load_all(context: BrowserContext, queue: list[str]) -> None:
    page = await context.new_page()
    while queue:
        await page.goto(queue.pop(0), wait_until="load")


def sitescan_scan(
    urls: list[str], internet: LoopbackInternet, ca: Path, concurrency: int, out: Path
) -> tuple[float, int, int]:
    """Seconds, page loads (every visit of every phase, the choice visits included) and peak memory."""
    command = [sys.executable, "-m", "sitescan", "scan", urls[0], "--max-pages", str(len(urls))]
    command += ["--concurrency", str(concurrency), "--out", str(out), "--no-sitemap", "--block-unmapped"]
    command += ["--exit-zero"]  # the generated site has findings; the benchmark times the scan
    command += ["--ca-cert", str(ca)]
    for rule in internet.connect_to():
        command += ["--connect-to", rule]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with PeakMemory(process.pid) as memory:
        _, errors = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"sitescan failed: {errors.strip().splitlines()[-1:]}")
    visited = json.loads((out / "report.json").read_text())["summary"]["pages"]
    if visited != len(urls):
        raise SystemExit(f"sitescan visited {visited} pages, expected {len(urls)}")
    loads = len(json.loads((out / "artifacts.json").read_text())["visits"])
    return elapsed, loads, memory.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of all three runs, interleaved; medians are reported"
    )
    args = parser.parse_args()
    # Per arrangement: (seconds, page loads, peak bytes) of each round.
    runs: dict[str, list[tuple[float, int, int]]] = {"sequential": [], "side by side": [], "sitescan": []}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        urls = generate_site(root / "site", args.pages)
        vendors = Path(str(files("sitescan.demo"))) / "vendors"
        with LoopbackInternet((root / "site", vendors)) as internet:
            ca = internet.write_ca(root / "ca.pem")
            network = NetworkMap(
                tuple(ConnectTo.parse(r) for r in internet.connect_to()), block_unmapped=True
            )
            # Rounds interleave the three runs, so that a slower spell of a shared machine hits all three.
            for round_number in range(args.repeat):
                for side_by_side in (False, True):
                    # The raw side's tree: the driver and the browser, not this process (it serves the site).
                    with PeakMemory(os.getpid(), include_root=False) as memory:
                        raw = raw_playwright(urls, network, ca, args.concurrency, side_by_side)
                        seconds = asyncio.run(raw)
                    runs["side by side" if side_by_side else "sequential"].append(
                        (seconds, 3 * len(urls), memory.peak)
                    )
                out = root / f"report-{round_number}"
                runs["sitescan"].append(sitescan_scan(urls, internet, ca, args.concurrency, out))
    mib = 1024 * 1024
    median = {
        name: (
            statistics.median(loads / seconds for seconds, loads, _ in rounds),
            statistics.median(peak for *_, peak in rounds),
        )
        for name, rounds in runs.items()
    }
    print(f"pages: {len(urls)} x 3 phases, concurrency: {args.concurrency}, rounds: {args.repeat} (medians)")
    labels = {
        "sequential": "raw, phases one after another",
        "side by side": "raw, phases side by side",
        "sitescan": "sitescan (phases side by side)",
    }
    for name, (speed, peak) in median.items():
        print(f"{labels[name]:31} {speed:6.2f} loads/s  peak {peak / mib:6.0f} MiB")
    # The limit is the faster raw arrangement; memory is compared with raw holding the same pages in
    # flight as sitescan (three phases side by side).
    limit = max(median["sequential"][0], median["side by side"][0])
    speed, memory = median["sitescan"][0] / limit, median["sitescan"][1] / median["side by side"][1]
    print(f"ratio (sitescan / raw): speed {speed:.2f} (of the faster raw), "
          f"memory {memory:.2f} (of raw side by side)")  # fmt: skip
    per_page = statistics.median(seconds for seconds, _, _ in runs["sitescan"]) / len(urls)
    print(f"sitescan: {per_page * 1000:.0f} ms per page (three phases)")


if __name__ == "__main__":
    main()
