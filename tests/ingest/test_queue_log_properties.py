"""Property-based tests: whatever the input, the parser never crashes and accounts for every
line (rows_read == rows_loaded + rows_quarantined)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.store.batch import Batch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "queue_log"
NATIVE_LINES = (FIXTURES / "outcomes.queue_log").read_bytes().split(b"\n")[:-2]  # UTF-8 ones
PSEUDO = Pseudonymizer(b"test-secret")
# About 0.25 s per parse (DuckDB query overhead): 20 examples per property keeps the file
# under 30 s.
SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _parse(content: bytes, *, suffix: str = ".log", mapping: str | None = None) -> Batch:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        batch = parse_queue_log(path, pseudonymizer=PSEUDO,
                                mapping=locate_mapping(mapping) if mapping else None)
    _check(batch)
    return batch


def _check(batch: Batch) -> None:
    assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined
    assert batch.tables["queue_events"].num_rows == batch.rows_loaded
    ids = batch.tables["contacts"].column("contact_id").to_pylist()
    assert len(ids) == len(set(ids))
    lines = batch.quarantine.column("line").to_pylist()
    assert all(line is not None and line >= 1 for line in lines)
    assert all(batch.quarantine.column("reason").to_pylist())


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_the_native_parser(content: bytes) -> None:
    batch = _parse(content)
    lines = content.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    assert batch.rows_read == len(lines) - _trailing_blanks(lines)


@SETTINGS
@given(st.lists(st.text(alphabet=st.sampled_from("0123456789|.ABCDEFGHNOQRSTUX \r\t\x00é"),
                        max_size=60), max_size=40))
def test_pipe_heavy_text_never_crashes_the_native_parser(lines: list[str]) -> None:
    _parse("\n".join(lines).encode("utf-8"))


@SETTINGS
@given(st.data())
def test_truncated_and_shuffled_lines_are_loaded_or_quarantined(data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    lines = list(NATIVE_LINES)
    for i in range(len(lines)):
        action = rng.random()
        if action < 0.2:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif action < 0.4:
            fields = lines[i].split(b"|")
            rng.shuffle(fields)
            lines[i] = b"|".join(fields)
    if rng.random() < 0.3:
        rng.shuffle(lines)
    batch = _parse(b"\n".join(lines) + b"\n")
    assert batch.rows_read == len(lines) - _trailing_blanks(lines)


def _trailing_blanks(lines: list[bytes]) -> int:
    count = 0
    for line in reversed(lines):
        if line.strip(b" \t\r"):
            break
        count += 1
    return count


@pytest.fixture(scope="module")
def mor_lines(shared_dir: Path) -> list[bytes]:
    return (shared_dir / "data/asterisk-queue-log-mor-2018/queue_log_mor_export.csv"
            ).read_bytes().split(b"\n")


@SETTINGS
@given(st.data())
def test_mutated_mor_rows_are_loaded_or_quarantined(mor_lines: list[bytes],
                                                    data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    header, rows = mor_lines[0], [r for r in mor_lines[1:] if r]
    sample = rng.sample(rows, 60)
    junk = data.draw(st.binary(max_size=12))
    for i in range(len(sample)):
        cells = sample[i].split(b",")
        action = rng.random()
        if action < 0.15:
            cells[rng.randrange(len(cells))] = junk
        elif action < 0.25:
            del cells[rng.randrange(len(cells)):]
        elif action < 0.35:
            rng.shuffle(cells)
        elif action < 0.4:
            cells.insert(rng.randrange(len(cells)), b'"')
        sample[i] = b",".join(cells)
    batch = _parse(header + b"\n" + b"\n".join(sample) + b"\n", suffix=".csv",
                   mapping="mor-queue-log")
    assert batch.rows_read >= 1
