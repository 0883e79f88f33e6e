"""Loading queue_log batches through Workspace.commit, end to end (real DuckDB workspace)."""

from __future__ import annotations

from pathlib import Path

from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "queue_log"


def test_mor_export_commits_and_a_second_commit_adds_nothing(workspace: Workspace,
                                                             shared_dir: Path) -> None:
    path = shared_dir / "data/asterisk-queue-log-mor-2018/queue_log_mor_export.csv"
    mapping = locate_mapping("mor-queue-log")
    batch = parse_queue_log(path, pseudonymizer=workspace.pseudonymizer, mapping=mapping)
    report = workspace.commit(batch)
    assert not report.already_loaded
    # README: 1000 rows, 108 queued calls; 14 sessions verified by hand (test_queue_log_mor)
    assert dict(report.inserted) == {"queue_events": 1000, "contacts": 108, "agent_states": 14}
    assert (workspace.count("queue_events"), workspace.count("contacts"),
            workspace.count("agent_states"), workspace.count("loads")) == (1000, 108, 14, 1)

    again = workspace.commit(parse_queue_log(path, pseudonymizer=workspace.pseudonymizer,
                                             mapping=mapping))
    assert again.already_loaded and again.load_id == report.load_id
    assert (workspace.count("queue_events"), workspace.count("contacts"),
            workspace.count("agent_states"), workspace.count("loads")) == (1000, 108, 14, 1)


def test_native_fixture_commits_with_its_quarantine(workspace: Workspace) -> None:
    batch = parse_queue_log(FIXTURES / "outcomes.queue_log",
                            pseudonymizer=workspace.pseudonymizer)
    report = workspace.commit(batch)
    # fixture README: 41 lines, 4 malformed; 11 contacts, 4 agent states
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (41, 37, 4)
    assert dict(report.inserted) == {"queue_events": 37, "contacts": 11, "agent_states": 4}
    assert workspace.count("quarantine") == 4
    stored = workspace.table("contacts").to_pylist()
    assert {r["outcome"] for r in stored} >= {"answered", "abandoned", "timeout", "exit_key",
                                              "exit_empty", "exit_full", "transferred"}
    assert all(r["load_id"] == report.load_id for r in stored)
    assert workspace.commit(parse_queue_log(FIXTURES / "outcomes.queue_log",
                                            pseudonymizer=workspace.pseudonymizer)
                            ).already_loaded
    assert workspace.count("contacts") == 11 and workspace.count("quarantine") == 4


def test_a_renamed_copy_adds_no_contact_twice(workspace: Workspace, tmp_path: Path) -> None:
    # Same content, same mapping: recognised by its SHA-256 whatever the file name.
    copy = tmp_path / "queue_log.1"
    copy.write_bytes((FIXTURES / "outcomes.queue_log").read_bytes())
    workspace.commit(parse_queue_log(FIXTURES / "outcomes.queue_log",
                                     pseudonymizer=workspace.pseudonymizer))
    report = workspace.commit(parse_queue_log(copy, pseudonymizer=workspace.pseudonymizer))
    assert report.already_loaded
    assert workspace.count("contacts") == 11
