"""Outputs are replaced whole: a write that fails half-way leaves the previous file as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitescan.output import write_atomically


def test_a_write_replaces_the_file_whole(tmp_path: Path):
    path = tmp_path / "report.json"
    path.write_text('{"old": true}\n', encoding="utf-8")
    write_atomically(path, '{"new": "é"}\n')
    assert path.read_text(encoding="utf-8") == '{"new": "é"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_scraps(tmp_path: Path):
    path = tmp_path / "report.json"
    path.write_text('{"old": true}\n', encoding="utf-8")
    # A lone surrogate cannot be encoded: the write fails after part of the text went to disk.
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "x" * 100_000 + "\ud800")
    assert path.read_text(encoding="utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_finished_scan_leaves_its_outputs_and_nothing_else(shop_internet, tmp_path: Path):
    run = shop_internet.scan(
        tmp_path / "out", "https://www.example.com/", "--consent", "none", "--no-sitemap"
    )
    assert run.returncode == 0, run.stderr
    files = {p.name for p in run.out.iterdir() if p.is_file()}
    # The visit log (visits.jsonl) and the temporary files of atomic writes are gone.
    assert files == {"artifacts.json", "report.json", "report.html"}
