"""The real MOR queue_log export (shared/data/asterisk-queue-log-mor-2018) through the shipped
``mor-queue-log`` mapping, checked against the file's own measures (htime / ttime) and the
README's oracle values."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.store.batch import Batch

_EPOCH = dt.datetime(1970, 1, 1)
MOR = "data/asterisk-queue-log-mor-2018/queue_log_mor_export.csv"


@pytest.fixture(scope="module")
def mor_path(shared_dir: Path) -> Path:
    return shared_dir / MOR


@pytest.fixture(scope="module")
def mor_batch(mor_path: Path) -> Batch:
    return parse_queue_log(mor_path, pseudonymizer=Pseudonymizer(b"test-secret"),
                           mapping=locate_mapping("mor-queue-log"))


@pytest.fixture(scope="module")
def mor_rows(mor_path: Path) -> list[dict[str, str]]:
    with mor_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _contacts(batch: Batch) -> dict[str, dict[str, object]]:
    return {r["source_ref"]: r for r in batch.tables["contacts"].to_pylist()}


def test_every_row_of_the_mor_export_is_loaded(mor_batch: Batch) -> None:
    # README: 1,000 data rows + header; none malformed.
    assert (mor_batch.rows_read, mor_batch.rows_loaded, mor_batch.rows_quarantined) == (
        1000, 1000, 0)
    assert mor_batch.tables["queue_events"].num_rows == 1000
    assert mor_batch.mapping == "mor-queue-log"


def test_mor_outbound_dialler_events_are_kept_but_not_interpreted(mor_batch: Batch) -> None:
    # README "Event counts": OUTDIAL 128, OUTANSWER 77, OUTCANCEL 24, OUTCHANUNAVAIL 18,
    # OUTCONGESTION 9, OUTTRANSFER 1 -- MOR's dialler, not app_queue.
    assert dict(mor_batch.notes) == {
        "vendor_event:OUTDIAL": 128, "vendor_event:OUTANSWER": 77,
        "vendor_event:OUTCANCEL": 24, "vendor_event:OUTCHANUNAVAIL": 18,
        "vendor_event:OUTCONGESTION": 9, "vendor_event:OUTTRANSFER": 1}
    events = mor_batch.tables["queue_events"]
    unknown = Counter(e for e, k in zip(events.column("event").to_pylist(),
                                        events.column("known").to_pylist(), strict=True)
                      if not k)
    assert sum(unknown.values()) == 128 + 77 + 24 + 18 + 9 + 1


def test_mor_outcomes_match_the_readme_oracle(mor_batch: Batch) -> None:
    # README "Oracle values": 108 calls entered queue IT; answered = 93 (= CONNECT count)
    # of which COMPLETEAGENT 51 + COMPLETECALLER 38 completed, ATTENDEDTRANSFER 1 and
    # BLINDTRANSFER 1 transferred, and 2 connected calls cut by the export; abandoned 12,
    # timed out 1, no final event 4.
    contacts = mor_batch.tables["contacts"]
    assert contacts.num_rows == 108
    outcomes = Counter(contacts.column("outcome").to_pylist())
    # the 2 connected calls cut by the export are answered (end and talk unknown)
    assert outcomes == {"answered": 91, "transferred": 2, "abandoned": 12, "timeout": 1,
                        "unfinished": 2}
    answered = [r for r in contacts.to_pylist() if r["answered_at"] is not None]
    assert len(answered) == 93
    assert {r["outcome"] for r in answered} == {"answered", "transferred"}
    assert sum(1 for r in answered if r["ended_at"] is None and r["talk_s"] is None) == 2
    assert all(r["queue_id"] == "IT" and r["channel"] == "voice"
               and r["direction"] == "inbound" for r in contacts.to_pylist())


def test_mor_wait_matches_htime_of_every_connect(mor_batch: Batch,
                                                 mor_rows: list[dict[str, str]]) -> None:
    # README: for all 93 CONNECT rows, htime = CONNECT - ENTERQUEUE of the same callid.
    contacts = _contacts(mor_batch)
    connects = [r for r in mor_rows if r["event"] == "CONNECT"]
    assert len(connects) == 93
    for row in connects:
        assert contacts[row["callid"]]["wait_s"] == float(row["htime"]), row["uid"]


def test_mor_wait_matches_htime_of_every_abandon_and_timeout(
        mor_batch: Batch, mor_rows: list[dict[str, str]]) -> None:
    # README: for all 13 ABANDON / EXITWITHTIMEOUT rows, htime = exit - ENTERQUEUE.
    contacts = _contacts(mor_batch)
    exits = [r for r in mor_rows if r["event"] in ("ABANDON", "EXITWITHTIMEOUT")]
    assert len(exits) == 13
    for row in exits:
        assert contacts[row["callid"]]["wait_s"] == float(row["htime"]), row["uid"]


def test_mor_talk_matches_ttime_85_exactly_and_4_within_one_second(
        mor_batch: Batch, mor_rows: list[dict[str, str]]) -> None:
    # README: for 85 of the 89 COMPLETE* rows ttime = COMPLETE - CONNECT; the other 4 differ
    # by 1 s (MOR measures from the bridge, not from the logged second).
    contacts = _contacts(mor_batch)
    completes = [r for r in mor_rows if r["event"] in ("COMPLETEAGENT", "COMPLETECALLER")]
    assert len(completes) == 89
    gaps = Counter(abs(float(contacts[r["callid"]]["talk_s"]) - float(r["ttime"]))  # type: ignore[arg-type]
                   for r in completes)
    assert gaps == {0.0: 85, 1.0: 4}


def test_mor_transfers_keep_wait_and_talk(mor_batch: Batch,
                                          mor_rows: list[dict[str, str]]) -> None:
    # Rows 177 (ATTENDEDTRANSFER, htime 6, ttime 30) and 928 (BLINDTRANSFER, 6 / 38).
    contacts = _contacts(mor_batch)
    for row in (r for r in mor_rows if r["event"].endswith("TRANSFER")
                and r["queue_name"] == "IT"):
        contact = contacts[row["callid"]]
        assert contact["outcome"] == "transferred"
        assert (contact["wait_s"], contact["talk_s"]) == (float(row["htime"]),
                                                          float(row["ttime"]))
        assert contact["advisor_id"] == "1128"


def test_mor_caller_ids_are_pseudonymised(mor_batch: Batch,
                                          mor_rows: list[dict[str, str]]) -> None:
    contacts = mor_batch.tables["contacts"]
    keys = contacts.column("customer_key").to_pylist()
    callers = {r["param1"] for r in mor_rows if r["event"] == "ENTERQUEUE"}
    assert all(k is not None and k.startswith("k") for k in keys)
    assert not callers & set(keys)
    assert "CALLER" not in str(contacts.to_pylist())
    # row 25 and row 28: the same caller (CALLER004) called twice -> the same key
    by_ref = _contacts(mor_batch)
    assert by_ref["1543604976.289"]["customer_key"] == by_ref["1543605793.315"]["customer_key"]


def test_mor_contact_ids_are_unique_and_named_after_the_call(mor_batch: Batch) -> None:
    ids = mor_batch.tables["contacts"].column("contact_id").to_pylist()
    assert len(set(ids)) == len(ids) == 108
    assert "asterisk:1543602660.197:IT" in ids


def test_mor_agent_sessions_are_rebuilt_from_login_and_logoff(
        mor_batch: Batch, mor_rows: list[dict[str, str]]) -> None:
    # Verified by hand on the file: 14 AGENTCALLBACKLOGIN each with its ADDMEMBER (the other
    # 12 ADDMEMBER re-add persistent members after QUEUESTART, by MANAGER), 10
    # AGENTCALLBACKLOGOFF; 4 sessions still open at the cut (1109, 1126, 1141, 1127).
    states = mor_batch.tables["agent_states"].to_pylist()
    sessions = [s for s in states if s["state"] == "logged_in"]
    assert len(sessions) == 14
    assert sorted(s["advisor_id"] for s in sessions if s["end_at"] is None) == [
        "1109", "1126", "1127", "1141"]
    # Oracle: AGENTCALLBACKLOGOFF param2 = seconds logged in, computed by Asterisk.
    logoffs = {(r["type"].removeprefix("Agent/"), int(r["date_time"])): float(r["param2"])
               for r in mor_rows if r["event"] == "AGENTCALLBACKLOGOFF"}
    assert len(logoffs) == 10
    closed = [s for s in sessions if s["end_at"] is not None]
    assert len(closed) == 10
    for session in closed:
        end_epoch = int((session["end_at"] - _EPOCH).total_seconds())
        assert session["duration_s"] == logoffs[(session["advisor_id"], end_epoch)]
    # No PAUSE events in the MOR file: no not_ready interval.
    assert [s for s in states if s["state"] != "logged_in"] == []


def test_mor_agent_ids_link_calls_to_sessions(mor_batch: Batch) -> None:
    # Calls are answered by Agent/NNNN, sessions come from Local/NNNN@callback-agent: both
    # give advisor NNNN.
    advisors = {r["advisor_id"] for r in mor_batch.tables["contacts"].to_pylist()
                if r["advisor_id"]}
    session_advisors = {s["advisor_id"] for s in mor_batch.tables["agent_states"].to_pylist()}
    assert advisors <= session_advisors
    assert advisors == {"1109", "1126", "1127", "1128", "1141", "1144"}


def test_mor_tables_have_the_canonical_types(mor_batch: Batch) -> None:
    contacts = mor_batch.tables["contacts"]
    assert contacts.schema.field("offered_at").type == pa.timestamp("us")
    assert contacts.schema.field("wait_s").type == pa.float64()
    assert contacts.schema.field("ring_no_answer_count").type == pa.int32()


