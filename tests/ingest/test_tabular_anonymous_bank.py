"""The Anonymous Bank 1999 worked example: real files through the shipped mapping.

Reference numbers: shared/data/anonymous-bank-1999/README.md, table "Counts" (AGENT, HANG,
PHANTOM per month) and "Known defects" (October lines 7315 and 14247).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.tabular import parse_table
from pilotage.store import Workspace

MAPPING = locate_mapping("anonymous-bank-1999")
PSEUDO = Pseudonymizer(b"test-secret")

# shared/data/anonymous-bank-1999/README.md, "Counts": AGENT / HANG / PHANTOM
COUNTS = {"01": (27_060, 4_299, 240), "02": (27_162, 5_904, 278), "10": (30_861, 3_617, 147)}
PHANTOM_REASON = ("PHANTOM: virtual call, not a customer contact (the source documentation "
                  "says to ignore it); nothing to fix")


def _file(shared_dir: Path, month: str) -> Path:
    return shared_dir / "data" / "anonymous-bank-1999" / f"anonymous_bank_1999_{month}.tsv"


def _raw_records(path: Path) -> list[list[str]]:
    """Independent reading: Python's csv module, then split on any whitespace."""
    with path.open(newline="") as handle:
        lines = [" ".join(row) for row in csv.reader(handle, delimiter="\t")]
    return [line.split() for line in lines[1:]]


@pytest.mark.parametrize("month", sorted(COUNTS))
def test_each_month_loads_with_every_row_accounted_for(shared_dir: Path, month: str) -> None:
    path = _file(shared_dir, month)
    batch = parse_table(path, mapping=MAPPING, pseudonymizer=PSEUDO)
    agent, hang, phantom = COUNTS[month]
    records = _raw_records(path)
    assert batch.rows_read == len(records) == agent + hang + phantom
    assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined
    outcomes = Counter(batch.tables["contacts"].column("outcome").to_pylist())
    assert outcomes["answered"] == agent
    assert outcomes["abandoned"] + outcomes["ivr_abandoned"] == hang
    # abandoned from the queue = HANG with q_time > 0 (field 12), counted independently
    assert outcomes["abandoned"] == sum(1 for r in records if r[12] == "HANG"
                                        and float(r[11]) > 0)
    assert Counter(batch.quarantine.column("reason").to_pylist()) == {PHANTOM_REASON: phantom}
    assert batch.quarantine.column("line").to_pylist() == [
        i for i, r in enumerate(records, start=2) if r[12] == "PHANTOM"]


def test_october_lines_with_spaces_load_with_whitespace_and_are_quarantined_with_tabs(
        shared_dir: Path, tmp_path: Path) -> None:
    """Lines 7315 and 14247 separate priority and type with spaces, not a tab.

    The shipped mapping splits on any whitespace, so they load like every other line. A
    strict tab dialect sees 16 fields instead of 17 and quarantines exactly those two lines
    with their line number and a reason that says how to fix them.
    """
    path = _file(shared_dir, "10")
    loose = parse_table(path, mapping=MAPPING, pseudonymizer=PSEUDO).tables["contacts"]
    loaded = loose.filter(pc.is_in(loose.column("source_ref"),
                                   value_set=pa.array(["AA0108/3892", "AA0116/10486"])))
    assert sorted(loaded.column("queue_id").to_pylist()) == ["IN", "NW"]

    strict_path = tmp_path / "anonymous-bank-1999-tab.yaml"
    strict_path.write_text(MAPPING.text.replace("delimiter: whitespace", "delimiter: tab"))
    strict = parse_table(path, mapping=locate_mapping(str(strict_path)), pseudonymizer=PSEUDO)
    assert strict.rows_read == 34_625 == strict.rows_loaded + strict.rows_quarantined
    broken = strict.quarantine.filter(pc.invert(pc.equal(strict.quarantine.column("reason"),
                                                         PHANTOM_REASON)))
    assert broken.column("line").to_pylist() == [7315, 14247]
    assert broken.column("reason").to_pylist()[0] == (
        "the line does not fit the dialect (delimiter tab, quote '\"'): missing columns; fix "
        "the line, or the dialect in the mapping (record withheld: it holds identifiers that "
        "are pseudonymised)")


def test_customer_ids_are_never_stored_in_clear(shared_dir: Path, workspace: Workspace) -> None:
    path = _file(shared_dir, "02")
    workspace.commit(parse_table(path, mapping=MAPPING, pseudonymizer=workspace.pseudonymizer))
    raw_ids = {r[2] for r in _raw_records(path)} - {"0"}
    with workspace.connect(read_only=True) as con:
        stored = {str(v) for (v,) in con.sql(
            "SELECT customer_key FROM contacts UNION SELECT value FROM quarantine "
            "UNION SELECT record FROM quarantine").fetchall() if v is not None}
        records = " ".join(str(v) for (v,) in con.sql("SELECT record FROM quarantine")
                           .fetchall())
    assert not raw_ids & stored
    assert all(key.startswith("k") and len(key) == 21 for (key) in
               workspace.table("contacts").column("customer_key").drop_null().to_pylist())
    assert not any(f" {i} " in records for i in raw_ids)


def test_commit_end_to_end_and_committing_the_same_file_twice_adds_nothing(
        shared_dir: Path, workspace: Workspace) -> None:
    path = _file(shared_dir, "01")
    first = workspace.commit(parse_table(path, mapping=MAPPING,
                                         pseudonymizer=workspace.pseudonymizer))
    agent, hang, phantom = COUNTS["01"]
    assert first.inserted == {"contacts": agent + hang} and first.rows_quarantined == phantom
    again = workspace.commit(parse_table(path, mapping=MAPPING,
                                         pseudonymizer=workspace.pseudonymizer))
    assert again.already_loaded and again.rows_loaded == 0
    assert workspace.count("contacts") == agent + hang
    assert workspace.count("quarantine") == phantom
