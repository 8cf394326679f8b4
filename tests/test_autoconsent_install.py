"""`sitescan autoconsent install` against a registry on loopback that answers as the npm registry does:
package metadata with the tarball's address and SHA-512, then the tarball."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import run_sitescan

FILES = {
    "package/dist/autoconsent.playwright.js": b"/* content script */",
    "package/rules/rules.json": b'{"autoconsent": []}',
    "package/LICENSE": b"Mozilla Public License Version 2.0",
    "package/readme.md": b"not kept",
}


def tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def registry() -> Iterator[tuple[str, dict[str, str]]]:
    package = tarball()
    served = {"integrity": "sha512-" + base64.b64encode(hashlib.sha512(package).digest()).decode()}

    class Registry(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/@duckduckgo%2fautoconsent/9.9.9":
                dist = {"tarball": f"{base}/autoconsent-9.9.9.tgz", "integrity": served["integrity"]}
                body = json.dumps(
                    {"name": "@duckduckgo/autoconsent", "version": "9.9.9", "dist": dist}
                ).encode()
            elif self.path == "/autoconsent-9.9.9.tgz":
                body = package
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()


def install(registry_url: str, cache: Path, *extra: str):
    return run_sitescan(
        "autoconsent", "install", "--version", "9.9.9", "--registry", registry_url, *extra,
        env={"XDG_CACHE_HOME": str(cache)},
    )  # fmt: skip


def test_install_keeps_the_bundle_checked_against_the_registry_hash(registry, tmp_path):
    url, _ = registry
    done = install(url, tmp_path)
    assert done.returncode == 0, done.stderr
    directory = tmp_path / "sitescan" / "autoconsent" / "9.9.9"
    assert done.stdout.strip() == f"autoconsent 9.9.9: {directory}"
    assert sorted(p.name for p in directory.iterdir()) == [
        "LICENSE",
        "VERSION",
        "autoconsent.playwright.js",
        "rules.json",
    ]
    assert (directory / "rules.json").read_bytes() == FILES["package/rules/rules.json"]
    again = install(url, tmp_path)  # safe to run twice
    assert (again.returncode, again.stdout) == (0, done.stdout)


def test_a_download_that_does_not_match_its_hash_is_refused(registry, tmp_path):
    url, served = registry
    served["integrity"] = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    done = install(url, tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == (
        "sitescan: error: @duckduckgo/autoconsent@9.9.9: the download does not match the registry's SHA-512"
    )
    assert not (tmp_path / "sitescan" / "autoconsent" / "9.9.9").exists()


def test_an_unreachable_registry_is_one_line(tmp_path):
    done = install("http://127.0.0.1:9", tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "sitescan: error: could not fetch @duckduckgo/autoconsent@9.9.9 from http://127.0.0.1:9: "
        "[Errno 111] Connection refused\n"
    )
