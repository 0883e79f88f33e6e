"""The workspace commits a load whole or not at all, and never counts a row twice."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from pilotage.errors import InputError, InternalError, WorkspaceError
from pilotage.store import Batch, Workspace
from pilotage.store.batch import QUARANTINE_SCHEMA


def _contacts(ids: list[str]) -> pa.Table:
    t0 = dt.datetime(2026, 10, 5, 8, 0)
    return pa.table({
        "contact_id": ids,
        "queue_id": ["support"] * len(ids),
        "channel": ["voice"] * len(ids),
        "direction": ["inbound"] * len(ids),
        "offered_at": [t0 + dt.timedelta(minutes=i) for i in range(len(ids))],
        "outcome": ["answered"] * len(ids),
        "wait_s": [float(i) for i in range(len(ids))],
    })


def _batch(ids: list[str], sha: str = "a" * 64, quarantined: int = 0) -> Batch:
    quarantine = pa.table({
        "file": ["f.csv"] * quarantined, "line": list(range(2, 2 + quarantined)),
        "column": ["wait_s"] * quarantined, "value": ["x"] * quarantined,
        "reason": ["wait_s: 'x' is not a number"] * quarantined,
        "record": ["x"] * quarantined}, schema=QUARANTINE_SCHEMA)
    return Batch(source_path="f.csv", content_sha256=sha, format="csv",
                 tables={"contacts": _contacts(ids)}, rows_read=len(ids) + quarantined,
                 rows_loaded=len(ids), quarantine=quarantine)


def test_commit_writes_rows_quarantine_and_a_load_record(workspace: Workspace) -> None:
    report = workspace.commit(_batch(["c1", "c2", "c3"], quarantined=2))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 3, 2)
    assert workspace.count("contacts") == 3
    assert workspace.count("quarantine") == 2
    assert workspace.count("loads") == 1
    assert report.top_reasons == (("wait_s: 'x' is not a number", 2),)
    stored = workspace.table("contacts")
    assert set(stored.column("load_id").to_pylist()) == {report.load_id}


def test_loading_the_same_content_twice_adds_nothing(workspace: Workspace) -> None:
    workspace.commit(_batch(["c1", "c2"]))
    second = workspace.commit(_batch(["c1", "c2"]))
    assert second.already_loaded
    assert workspace.count("contacts") == 2
    assert workspace.count("loads") == 1


def test_rows_already_stored_from_another_file_are_not_inserted_again(
        workspace: Workspace) -> None:
    workspace.commit(_batch(["c1", "c2"], sha="a" * 64))
    report = workspace.commit(_batch(["c2", "c3"], sha="b" * 64))
    assert report.inserted["contacts"] == 1
    assert report.duplicates["contacts"] == 1
    assert sorted(workspace.table("contacts").column("contact_id").to_pylist()) == [
        "c1", "c2", "c3"]


def test_a_batch_that_does_not_account_for_every_row_is_refused(workspace: Workspace) -> None:
    bad = Batch(source_path="f.csv", content_sha256="c" * 64, format="csv",
                tables={"contacts": _contacts(["c1"])}, rows_read=5, rows_loaded=1)
    with pytest.raises(InternalError, match="rows read 5 != loaded 1 \\+ quarantined 0"):
        workspace.commit(bad)
    assert workspace.count("contacts") == 0


def test_a_failing_commit_changes_nothing(workspace: Workspace) -> None:
    broken = _contacts(["c1", "c2"]).drop_columns(["queue_id"])  # queue_id is NOT NULL
    batch = Batch(source_path="f.csv", content_sha256="d" * 64, format="csv",
                  tables={"contacts": broken}, rows_read=2, rows_loaded=2)
    with pytest.raises(Exception, match="queue_id"):
        workspace.commit(batch)
    assert workspace.count("contacts") == 0
    assert workspace.count("loads") == 0


@pytest.mark.parametrize("fault", ["after:contacts", "before-commit"])
def test_a_load_killed_midway_leaves_the_workspace_as_it_was(tmp_path: Path, fault: str) -> None:
    root = tmp_path / "ws"
    ws = Workspace.init(root)
    ws.commit(_batch(["c0"], sha="0" * 64))
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from test_workspace import _batch
        from pilotage.store import Workspace
        ws = Workspace.open(Path({str(root)!r}))
        ws.commit(_batch(["c1", "c2", "c3"], sha="1" * 64, quarantined=1))
    """)
    env = {**os.environ, "PILOTAGE_FAULT": fault}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
    assert run.returncode == -9, run.stderr.decode()  # killed by SIGKILL at the fault point
    reopened = Workspace.open(root)
    assert reopened.count("contacts") == 1
    assert reopened.count("quarantine") == 0
    assert reopened.count("loads") == 1
    assert reopened.commit(_batch(["c1", "c2", "c3"], sha="1" * 64)).rows_loaded == 3


def test_opening_a_folder_that_is_not_a_workspace_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(tmp_path)
    assert "is not a Pilotage workspace" in str(err.value)
    assert "pilotage init" in str(err.value)


def test_an_unknown_time_zone_is_refused_with_the_field_named(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="field 'time_zone'.*Europe/Paname"):
        Workspace.init(tmp_path / "ws", time_zone="Europe/Paname")


def test_the_secret_is_private_and_customer_keys_differ_between_workspaces(
        tmp_path: Path) -> None:
    a = Workspace.init(tmp_path / "a")
    b = Workspace.init(tmp_path / "b")
    assert oct((tmp_path / "a" / "secret.key").stat().st_mode & 0o777) == "0o600"
    assert a.pseudonymizer.key("+33612345678") != b.pseudonymizer.key("+33612345678")
    assert a.pseudonymizer.key("+33 6 12 34 56 78") == a.pseudonymizer.key("+33612345678")
    assert a.pseudonymizer.key("Jean.Dupont@Example.fr") == a.pseudonymizer.key(
        "jean.dupont@example.fr")


def test_tables_added_to_the_model_later_are_created_when_a_workspace_opens(
        tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    with ws.connect() as con:
        con.execute("DROP TABLE opening_hours")
    assert Workspace.open(tmp_path / "ws").count("opening_hours") == 0


def test_duplicate_keys_inside_one_batch_are_inserted_once(workspace: Workspace) -> None:
    report = workspace.commit(_batch(["c1", "c1", "c2"]))
    assert report.inserted["contacts"] == 2
    assert report.duplicates["contacts"] == 1


def test_duplicate_keys_in_two_columns_inside_one_batch_are_inserted_once(
        workspace: Workspace) -> None:
    start = dt.datetime(2026, 10, 5, 8, 0)
    states = pa.table({"advisor_id": ["a1", "a1", "a1", "a2"],
                       "state": ["available", "available", "break", "available"],
                       "start_at": [start, start, start, start],
                       "end_at": [start + dt.timedelta(minutes=5)] * 4})
    batch = Batch(source_path="s.csv", content_sha256="b" * 64, format="csv",
                  tables={"agent_states": states}, rows_read=4, rows_loaded=4)
    report = workspace.commit(batch)
    assert (report.inserted["agent_states"], report.duplicates["agent_states"]) == (3, 1)


def test_a_batch_of_distinct_keys_inserts_every_row(
        workspace: Workspace) -> None:
    report = workspace.commit(_batch(["c1", "c2", "c3"]))
    assert (report.inserted["contacts"], report.duplicates["contacts"]) == (3, 0)


def test_a_value_outside_a_closed_vocabulary_is_refused_and_nothing_is_loaded(
        workspace: Workspace) -> None:
    # docs/data-model.md: queues.channel is one of voice, email, chat, sms, social, letter
    queues = pa.table({"queue_id": ["Q1", "Q2"], "channel": ["voice", "phone"],
                       "direction": ["inbound", "inbound"]})
    with pytest.raises(InputError, match="table queues: a row breaks the data model") as err:
        workspace.commit(Batch("queues.csv", "v" * 64, "test", {"queues": queues}, 2, 2,
                               keys_unique=True))
    assert "channel" in str(err.value)
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM queues").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)


def test_a_key_column_the_batch_does_not_carry_counts_as_null_for_duplicates(
        workspace: Workspace) -> None:
    # public_holidays is keyed on (day, site_id); a batch without site_id means "every site"
    holidays = pa.table({"day": [dt.date(2026, 12, 25), dt.date(2026, 12, 25),
                                 dt.date(2027, 1, 1)], "name": ["Noël", "Noël", "Jour de l'an"]})
    report = workspace.commit(Batch("holidays.csv", "h" * 64, "test",
                                    {"public_holidays": holidays}, 3, 3))
    assert (report.inserted["public_holidays"], report.duplicates["public_holidays"]) == (2, 1)


def test_identifier_columns_are_stored_uncompressed_and_read_back_after_reopening(
        tmp_path: Path) -> None:
    # docs/performance.md "Where the time goes": contact_id, source_ref and customer_key skip
    # DuckDB's dict_fsst analysis; the choice is part of the table, not a per-connection
    # setting, so later loads, checkpoints and reopened workspaces keep it
    ws = Workspace.init(tmp_path / "ws")
    ids = [f"C{i}" for i in range(5000)]
    ws.commit(_batch(ids[:3000], sha="1" * 64))
    ws.commit(_batch(ids[2000:], sha="2" * 64))  # overlapping keys: 1,000 duplicates
    with ws.connect() as con:
        con.execute("CHECKPOINT")
    reopened = Workspace.open(tmp_path / "ws")
    with reopened.connect(read_only=True) as con:
        kinds = dict(con.execute(
            "SELECT column_name, string_agg(DISTINCT compression, ',') FROM "
            "pragma_storage_info('contacts') WHERE segment_type = 'VARCHAR' "
            "GROUP BY column_name").fetchall())
        stored = sorted(r[0] for r in con.execute("SELECT contact_id FROM contacts").fetchall())
    assert kinds["contact_id"] == "Uncompressed"
    assert kinds["queue_id"] != "Uncompressed"  # low-cardinality text keeps its compression
    assert stored == sorted(ids)


def test_rows_in_many_small_arrow_batches_are_all_stored(workspace: Workspace) -> None:
    # the store re-cuts such batches to DuckDB's row group size before inserting them
    ids = [f"C{i}" for i in range(3000)]
    rows = _contacts(ids)
    chunked = pa.Table.from_batches(rows.to_batches(max_chunksize=700), schema=rows.schema)
    assert chunked.column("contact_id").num_chunks == 5
    batch = Batch(source_path="f.csv", content_sha256="s" * 64, format="csv",
                  tables={"contacts": chunked}, rows_read=3000, rows_loaded=3000)
    report = workspace.commit(batch)
    assert report.inserted == {"contacts": 3000}
    stored = workspace.table("contacts")
    assert sorted(stored.column("contact_id").to_pylist()) == sorted(ids)
    assert sorted(stored.column("wait_s").to_pylist()) == [float(i) for i in range(3000)]
