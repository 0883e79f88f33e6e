"""Large files give, row for row, the tables the parsers gave before their speed-ups.

The parsers must not depend on the order DuckDB returns rows in: an earlier version matched
values to rows by position, and a plan change that reordered rows only on large files
(parallel scans) mixed them up. These files are large enough for DuckDB to scan in parallel
(200,000 lines, several row groups) and small enough for CI. The expected digests were
computed with the code at commit 9ef239b (before the throughput work of issue #2), on the
files the benchmark generators write (benchmarks/ingest_queue_log.py, ingest_tabular.py).
Each digest covers every column of every row (rows sorted, so that only the content counts,
not the order of the rows, which a table in the store does not keep).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.ingest.tabular import parse_table

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SECRET = b"equality"
LINES = 200_000


@pytest.fixture(scope="module")
def generators() -> Iterator[tuple[ModuleType, ModuleType]]:
    sys.path.insert(0, str(BENCHMARKS))
    import ingest_queue_log
    import ingest_tabular

    yield ingest_queue_log, ingest_tabular
    sys.path.remove(str(BENCHMARKS))


def _digest(table: pa.Table, folder: Path) -> tuple[int, str]:
    """Row count and a digest of every value (the temporary folder's path left out)."""
    rows = [tuple(v.replace(str(folder), "DIR") if isinstance(v, str) else v
                  for v in row.values()) for row in table.to_pylist()]
    rows.sort(key=repr)
    text = repr((table.column_names, rows)).encode()
    return table.num_rows, hashlib.sha256(text).hexdigest()[:16]


def test_native_queue_log_of_200k_lines_gives_the_tables_of_the_earlier_parser(
        generators: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    queue_log, _ = generators
    path = tmp_path / "queue_log"
    queue_log.generate(path, LINES)
    batch = parse_queue_log(path, pseudonymizer=Pseudonymizer(SECRET))
    found = {name: _digest(rows, tmp_path) for name, rows in batch.tables.items()}
    found["quarantine"] = _digest(batch.quarantine, tmp_path)
    # digests from the parser at commit 9ef239b (see the module docstring)
    assert found == {"queue_events": (200_000, "010877f35444ca71"),
                     "contacts": (55_886, "f8099a11f08de317"),
                     "agent_states": (171, "6ae739998b68fb58"),
                     "quarantine": (0, "2a62fb1cf065257c")}
    assert dict(batch.notes) == {}


@pytest.mark.parametrize(("fmt", "quarantine"), [("csv", "f105616e01e1ae13"),
                                                 ("parquet", "c509b445e13c1fef")])
def test_tabular_export_of_200k_rows_gives_the_rows_of_the_earlier_parser(
        generators: tuple[ModuleType, ModuleType], tmp_path: Path, fmt: str,
        quarantine: str) -> None:
    _, tabular = generators
    table = tabular.export(LINES, 10_000)
    path = tmp_path / f"acd.{fmt}"
    if fmt == "csv":
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    else:
        pq.write_table(table, path, row_group_size=20_000)
    mapping_path = tmp_path / "acd.yaml"
    mapping_path.write_text(tabular.MAPPING)
    batch = parse_table(path, mapping=locate_mapping(str(mapping_path)),
                        pseudonymizer=Pseudonymizer(SECRET))
    # digests from the parser at commit 9ef239b; the 176 rejects are the TEST-queue calls
    # the mapping excludes (the quarantine differs between formats by the line numbers)
    assert _digest(batch.tables["contacts"], tmp_path) == (199_824, "f3fa5827032ce5ba")
    assert _digest(batch.quarantine, tmp_path) == (176, quarantine)
    assert batch.rows_read == LINES
