"""The one-pass scan of a CSV file (hash, newlines, CRs, blank lines, quotes) reads the file
by blocks through one buffer: what it finds must not depend on where the blocks end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilotage.ingest import tabular_sources
from pilotage.ingest.tabular_sources import has_blank_line, scan_file


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40).map(
           lambda b: bytes(b"a\n\r\"x"[v % 5] for v in b)),
       block=st.integers(min_value=1, max_value=7))
def test_scan_finds_what_the_whole_bytes_show_whatever_the_block_size(
        data: bytes, block: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("scan") / "f.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular_sources, "_CHUNK", block)
        facts = scan_file(path, '"')
        blank = has_blank_line(path)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)
    assert facts.newlines == data.count(b"\n")
    assert facts.ends_with_newline == data.endswith(b"\n")
    assert facts.has_cr == (b"\r" in data)
    if facts.has_cr:
        assert facts.has_crlf == (b"\r\n" in data)
    assert blank == (b"\n\n" in data or b"\n\r\n" in data)
    assert facts.has_quote == (b'"' in data)
    assert facts.physical_lines == data.count(b"\n") + (
        0 if data.endswith(b"\n") or not data else 1)


def test_scan_of_a_file_without_quote_character_in_the_dialect(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'a,"b"\n')
    assert not scan_file(path, None).has_quote
