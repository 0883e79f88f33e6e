"""The native queue_log fixture (tests/fixtures/queue_log/outcomes.queue_log, hand-written, see
its README): one call per outcome, sessions, pauses, an unknown event and malformed lines.
Every expected value below is read off the fixture's lines (epoch 1700000000 =
2023-11-14 22:13:20 UTC)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pilotage.errors import MappingError
from pilotage.ingest import queue_log
from pilotage.ingest.mapping_files import MappingFile, locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.store.batch import Batch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "queue_log"
T0 = dt.datetime(2023, 11, 14, 22, 13, 20)  # epoch 1700000000
PSEUDO = Pseudonymizer(b"test-secret")


def at(epoch_offset: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=epoch_offset)


@pytest.fixture(scope="module")
def batch() -> Batch:
    return parse_queue_log(FIXTURES / "outcomes.queue_log", pseudonymizer=PSEUDO)


@pytest.fixture(scope="module")
def contacts(batch: Batch) -> dict[str, dict[str, object]]:
    return {r["contact_id"]: r for r in batch.tables["contacts"].to_pylist()}


def test_every_line_is_loaded_or_quarantined(batch: Batch) -> None:
    # 41 lines; 34 (no pipes), 35 (bad epoch), 36 (empty event), 41 (not UTF-8) are malformed
    assert (batch.rows_read, batch.rows_loaded, batch.rows_quarantined) == (41, 37, 4)
    assert batch.tables["queue_events"].num_rows == 37
    assert batch.mapping is None and batch.format == "asterisk_queue_log"


def test_malformed_lines_are_quarantined_with_line_column_value_and_reason(batch: Batch) -> None:
    rows = {r["line"]: r for r in batch.quarantine.to_pylist()}
    assert sorted(rows) == [34, 35, 36, 41]
    assert rows[34]["reason"].startswith("too few fields (1;")
    assert rows[34]["record"] == "this line has no pipes at all"
    assert (rows[35]["column"], rows[35]["value"]) == ("time", "notanepoch")
    assert "Unix epoch" in rows[35]["reason"]
    assert (rows[36]["column"], rows[36]["value"]) == ("event", "")
    assert "not valid UTF-8" in rows[41]["reason"]
    assert rows[41]["record"].endswith("||\\xff\\xfe|1")
    assert all(r["file"].endswith("outcomes.queue_log") for r in rows.values())


def test_unknown_event_is_kept_and_counted(batch: Batch) -> None:
    assert dict(batch.notes) == {"unknown_event:CUSTOMEVENT": 1}
    events = batch.tables["queue_events"].to_pylist()
    custom = [e for e in events if e["event"] == "CUSTOMEVENT"]
    assert len(custom) == 1
    assert (custom[0]["known"], custom[0]["line"], custom[0]["data"]) == (False, 32, "foo|bar")
    assert all(e["known"] for e in events if e["event"] != "CUSTOMEVENT")


def test_queue_events_keep_the_raw_fields(batch: Batch) -> None:
    first = batch.tables["queue_events"].to_pylist()[4]  # line 5
    assert first["line"] == 5 and first["event_at"] == at(100)
    assert (first["call_ref"], first["queue_id"], first["agent"], first["event"],
            first["data"]) == ("call-A.1", "support", "NONE", "ENTERQUEUE", "|0612345678|1")
    assert first["file"].split("@")[0].endswith("outcomes.queue_log")


def test_each_outcome_is_recognised(contacts: dict[str, dict[str, object]]) -> None:
    outcome = {cid.split(":")[1] + ":" + cid.split(":")[2]: c["outcome"]
               for cid, c in contacts.items()}
    assert outcome == {
        "call-A.1:support": "answered", "call-B.1:support": "abandoned",
        "call-C.1:support": "timeout", "call-D.1:sales": "exit_key",
        "call-E.1:sales": "exit_empty", "call-F.1:sales": "exit_full",
        "call-G.1:support": "exit_empty", "call-H.1:support": "transferred",
        "call-H.1:sales": "answered", "call-I.1:support": "answered",
        "call-K.1:support": "failed"}


def test_answered_call_has_asterisk_hold_and_call_times_and_ring_no_answer_count(
        contacts: dict[str, dict[str, object]]) -> None:
    a = contacts["asterisk:call-A.1:support"]
    # lines 5-9: ENTERQUEUE at +100, 2 RINGNOANSWER, CONNECT holdtime 30 at +130,
    # COMPLETECALLER calltime 120 at +250, member SIP/1001
    assert (a["offered_at"], a["answered_at"], a["ended_at"]) == (at(100), at(130), at(250))
    assert (a["wait_s"], a["talk_s"], a["ring_no_answer_count"]) == (30.0, 120.0, 2)
    assert a["advisor_id"] == "1001"
    assert a["customer_key"] == PSEUDO.key("0612345678")


def test_waiting_exits_use_asterisk_waittime(contacts: dict[str, dict[str, object]]) -> None:
    # ABANDON waittime 45 (line 11), EXITWITHTIMEOUT 300 (13), EXITWITHKEY 12 (15),
    # EXITEMPTY 8 (17); FULL and JOINEMPTY never joined: wait 0.
    waits = {cid.split(":")[1]: (c["wait_s"], c["talk_s"], c["answered_at"])
             for cid, c in contacts.items()}
    assert waits["call-B.1"] == (45.0, None, None)
    assert waits["call-C.1"] == (300.0, None, None)
    assert waits["call-D.1"] == (12.0, None, None)
    assert waits["call-E.1"] == (8.0, None, None)
    assert waits["call-F.1"] == (0.0, None, None)
    assert waits["call-G.1"] == (0.0, None, None)
    assert contacts["asterisk:call-F.1:sales"]["offered_at"] == at(900)


def test_transfer_links_the_next_queue_visit(contacts: dict[str, dict[str, object]]) -> None:
    first = contacts["asterisk:call-H.1:support"]
    second = contacts["asterisk:call-H.1:sales"]
    # line 22 BLINDTRANSFER holdtime 4 calltime 60 by Agent/1002; lines 23-25 in sales
    assert (first["wait_s"], first["talk_s"], first["advisor_id"]) == (4.0, 60.0, "1002")
    assert first["ended_at"] == at(1064)
    assert second["transferred_from"] == "asterisk:call-H.1:support"
    assert (second["wait_s"], second["talk_s"], second["advisor_id"]) == (5.0, 100.0, "1001")
    assert first["customer_key"] == second["customer_key"] == PSEUDO.key("0612345678")


def test_a_connected_call_the_log_cuts_is_answered_with_what_is_known(
        contacts: dict[str, dict[str, object]]) -> None:
    i = contacts["asterisk:call-I.1:support"]
    assert i["outcome"] == "answered"
    assert (i["answered_at"], i["ended_at"], i["wait_s"], i["talk_s"]) == (at(1710), None,
                                                                          60.0, None)


def test_anonymous_and_missing_caller_ids_give_no_customer_key(
        contacts: dict[str, dict[str, object]]) -> None:
    assert contacts["asterisk:call-D.1:sales"]["customer_key"] is None  # 'anonymous'
    assert contacts["asterisk:call-F.1:sales"]["customer_key"] is None  # FULL: no caller id
    assert contacts["asterisk:call-B.1:support"]["customer_key"] == PSEUDO.key(
        "+33 6 12 34 56 78")


def test_sessions_and_pauses(batch: Batch) -> None:
    states = sorted(batch.tables["agent_states"].to_pylist(),
                    key=lambda s: (s["state"], s["advisor_id"]))
    simple = [(s["advisor_id"], s["state"], s["start_at"], s["end_at"], s["duration_s"],
               s["reason_code"], s["queue_id"]) for s in states]
    assert simple == [
        # SIP/1001 member of support and sales (lines 2-3), removed from support only (38)
        ("1001", "logged_in", at(10), None, None, None, None),
        # Agent/1002 AGENTLOGIN (line 4) .. AGENTLOGOFF logintime 1780 (line 37)
        ("1002", "logged_in", at(20), at(1800), 1780.0, None, None),
        # PAUSE lunch in both queues (26-27) .. UNPAUSE (28-29)
        ("1001", "not_ready", at(1200), at(1500), 300.0, "lunch", "support"),
        # PAUSEALL break (30), never unpaused: ends with the logoff (37)
        ("1002", "not_ready", at(1600), at(1800), 200.0, "break", None),
    ]


def test_realtime_table_export_is_read_without_a_mapping() -> None:
    # tests/fixtures/queue_log/realtime_table.csv: standard realtime columns, 6 rows, row 6
    # (file line 7) has an unreadable time
    batch = parse_queue_log(FIXTURES / "realtime_table.csv", pseudonymizer=PSEUDO)
    assert (batch.rows_read, batch.rows_loaded, batch.rows_quarantined) == (6, 5, 1)
    assert batch.quarantine.to_pylist()[0]["line"] == 7
    assert batch.notes == {"time_zone_assumed:UTC": 1}
    rows = {r["source_ref"]: r for r in batch.tables["contacts"].to_pylist()}
    assert (rows["rt-1.1"]["outcome"], rows["rt-1.1"]["wait_s"], rows["rt-1.1"]["talk_s"],
            rows["rt-1.1"]["advisor_id"]) == ("answered", 20.0, 120.0, "alice")
    assert rows["rt-1.1"]["offered_at"] == dt.datetime(2023, 11, 14, 22, 15)
    assert (rows["rt-2.1"]["outcome"], rows["rt-2.1"]["wait_s"]) == ("abandoned", 40.0)


def test_datetime_times_in_a_local_zone_are_converted_to_utc(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("when;uid;q;member;ev;a;b;c\n"
                    "2024-07-01 10:00:00;c1;sales;NONE;ENTERQUEUE;;0611;1\n"
                    "2024-07-01 10:00:30;c1;sales;NONE;ABANDON;1;1;30\n", encoding="utf-8")
    mapping = tmp_path / "paris.yaml"
    mapping.write_text(
        "kind: queue_log_table\ncsv:\n  delimiter: ';'\ncolumns:\n  time: when\n"
        "  callid: uid\n  queue: q\n  agent: member\n  event: ev\n  data: [a, b, c]\n"
        "time:\n  encoding: datetime\n  format: '%Y-%m-%d %H:%M:%S'\n"
        "  time_zone: Europe/Paris\n", encoding="utf-8")
    batch = parse_queue_log(data, pseudonymizer=PSEUDO, mapping=locate_mapping(str(mapping)))
    (contact,) = batch.tables["contacts"].to_pylist()
    # Paris is UTC+2 in July
    assert contact["offered_at"] == dt.datetime(2024, 7, 1, 8, 0)
    assert (contact["outcome"], contact["wait_s"]) == ("abandoned", 30.0)
    assert batch.mapping == "paris"


def _mapping(tmp_path: Path, text: str) -> MappingFile:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return locate_mapping(str(path))


def test_mapping_errors_name_the_yaml_line_and_field(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, (
        "kind: queue_log_table\n"            # 1
        "columns:\n"                         # 2
        "  time: date_time\n"                # 3
        "  callid: callid\n"                 # 4
        "  queue: queue_name\n"              # 5
        "  agent: type\n"                    # 6
        "  event: event\n"                   # 7
        "  data: [param1]\n"                 # 8
        "time:\n"                            # 9
        "  encoding: epoch\n"                # 10
        "  time_zone: Mars/Olympus\n"))      # 11
    with pytest.raises(MappingError) as info:
        parse_queue_log(FIXTURES / "realtime_table.csv", pseudonymizer=PSEUDO, mapping=mapping)
    message = str(info.value)
    assert "line 11: field 'time.time_zone'" in message
    assert "unknown IANA time zone 'Mars/Olympus'" in message


def test_mapping_with_a_missing_field_names_its_parent_line(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "kind: queue_log_table\ncolumns:\n  time: t\n"
                                 "time:\n  encoding: epoch\n  colour: blue\n")
    with pytest.raises(MappingError) as info:
        parse_queue_log(FIXTURES / "realtime_table.csv", pseudonymizer=PSEUDO, mapping=mapping)
    message = str(info.value)
    assert "line 2: field 'columns.callid': Field required" in message
    assert "line 6: field 'time.colour': Extra inputs are not permitted" in message


def test_mapping_naming_a_column_absent_from_the_file_is_refused(tmp_path: Path,
                                                                 shared_dir: Path) -> None:
    text = locate_mapping("mor-queue-log").text.replace("queue: queue_name", "queue: qname")
    mor = shared_dir / "data/asterisk-queue-log-mor-2018/queue_log_mor_export.csv"
    with pytest.raises(MappingError, match=r"line 1: column 'qname' .*field 'columns.queue'"):
        parse_queue_log(mor, pseudonymizer=PSEUDO, mapping=_mapping(tmp_path, text))


def test_mapping_of_another_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="this parser reads 'queue_log_table'"):
        parse_queue_log(FIXTURES / "realtime_table.csv", pseudonymizer=PSEUDO,
                        mapping=_mapping(tmp_path, "kind: table\n"))


@pytest.mark.parametrize("lines", [
    ["1700000000|c1|q|NONE|ENTERQUEUE||0601|1", "1700000005|c1|q|SIP/1|CONNECT|5|c11|3",
     "1700000065|c1|q|SIP/1|COMPLETECALLER|5|60|1", "9007199253|c2|q|NONE|ENTERQUEUE||x|1",
     "1700000070|c3|q|NONE|MYEVENT|a", "1700000071|c4|q|NONE||a", "1700000072|c5|q"],
    ["1700000000|c1|q|NONE|ENTERQUEUE||0601|1", "1700000001.5|c1|q|NONE|ABANDON|1|1|1"],
    ["1700000000|c1|q|NONE| ENTERQUEUE ||0601|1", "1700000009|c1|q|NONE|ABANDON|1|1|9"],
    ["9007199255|c1|q|NONE|ENTERQUEUE||0601|1", "  1700000009|c1|q|NONE|ABANDON|1|1|9"],
])
def test_plain_lines_read_with_arrow_give_what_the_validity_query_gives(
        tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs whose lines are all plain (whole epochs, event names without spaces) skip the
    validity query: the result is the query's, row for row (the other logs run the query)."""
    path = tmp_path / "queue_log"
    path.write_text("\n".join(lines) + "\n")
    pseudo = Pseudonymizer(b"s")
    shortcut = parse_queue_log(path, pseudonymizer=pseudo)
    monkeypatch.setattr(queue_log, "_plain_native_lines", lambda raw: None)
    query = parse_queue_log(path, pseudonymizer=pseudo)
    for name, rows in query.tables.items():
        assert shortcut.tables[name].to_pylist() == rows.to_pylist(), name
    assert shortcut.quarantine.to_pylist() == query.quarantine.to_pylist()
    assert dict(shortcut.notes) == dict(query.notes)
