"""Generic tabular ingestion on small fixtures: formats, conversions, quarantine, properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilotage.errors import InputError
from pilotage.ingest.mapping_files import MappingFile, locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.tabular import parse_table
from pilotage.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tabular"
PSEUDO = Pseudonymizer(b"test-secret")
MAPPING = locate_mapping(str(FIXTURES / "acd_small.yaml"))


def _mapping(tmp_path: Path, text: str) -> MappingFile:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return locate_mapping(str(path))


def _sorted_rows(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: str(r["contact_id"]))


def test_csv_parquet_and_json_fixtures_of_the_same_rows_load_identical_contacts() -> None:
    batches = {name: parse_table(FIXTURES / f"acd_small.{name}", mapping=MAPPING,
                                 pseudonymizer=PSEUDO)
               for name in ("csv", "parquet", "jsonl")}
    rows = {name: _sorted_rows(b.tables["contacts"]) for name, b in batches.items()}
    assert rows["csv"] == rows["parquet"] == rows["jsonl"]
    # "line": CSV line with the header = line 1; Parquet row number; JSON Lines line
    expected_line = {"csv": 5, "parquet": 4, "jsonl": 4}
    for name, batch in batches.items():
        assert (batch.rows_read, batch.rows_loaded, batch.rows_quarantined) == (4, 3, 1)
        assert batch.quarantine.column("line").to_pylist() == [expected_line[name]]
        assert batch.quarantine.column("reason").to_pylist() == [
            "test call of the supervisor; nothing to fix"]
    first = rows["csv"][0]
    # 2024-03-31 01:30 in Paris is before the DST change (CET, UTC+1): 00:30 UTC.
    assert first["offered_at"] == dt.datetime(2024, 3, 31, 0, 30)
    assert first["outcome"] == "answered" and first["advisor_id"] == "A1"
    # the customer key is the keyed hash of the normalised phone number, never the number
    assert first["customer_key"] == PSEUDO.key("+33612345678")
    second = rows["csv"][1]
    # 03:10 is after the change (CEST, UTC+2): 01:10 UTC; the quoted queue keeps its comma.
    assert second["offered_at"] == dt.datetime(2024, 3, 31, 1, 10)
    assert second["queue_id"] == "SUPPORT, level 2"
    assert second["advisor_id"] is None and second["answered_at"] is None
    assert rows["csv"][2]["customer_key"] is None and rows["csv"][2]["talk_s"] == 60.5


def test_bad_values_are_quarantined_with_line_column_value_and_a_fixing_reason(
        tmp_path: Path) -> None:
    text = (FIXTURES / "acd_small.csv").read_text().splitlines()
    text += ["C5,SALES,+33600000001,2024-07-01 25:00:00,,3,,-,ABANDON",
             "C6,SALES,+33600000002,2024-07-01 12:00:00,,x3,,-,ABANDON",
             "C7,SALES,+33600000003,2024-07-01 12:00:00,,3,,-,TRANSFER",
             "C8,SALES,+33600000004,2024-07-01 12:00:00,,3,,-",
             ",SALES,+33600000005,2024-07-01 12:00:00,,3,,-,ABANDON"]
    path = tmp_path / "acd.csv"
    path.write_text("\n".join(text) + "\n")
    batch = parse_table(path, mapping=MAPPING, pseudonymizer=PSEUDO)
    assert batch.rows_read == 9 == batch.rows_loaded + batch.rows_quarantined
    q = {r["line"]: r for r in batch.quarantine.to_pylist()}
    assert sorted(q) == [5, 6, 7, 8, 9, 10]
    assert (q[6]["column"], q[6]["value"]) == ("offered_at", "2024-07-01 25:00:00")
    assert q[6]["reason"] == ("offered_at: cannot read a date-time (expected %Y-%m-%d "
                              "%H:%M:%S); fix the value, or set columns.offered_at.format in "
                              "the mapping")
    assert (q[7]["column"], q[7]["value"]) == ("wait_s", "x3")
    assert (q[8]["column"], q[8]["value"]) == ("outcome", "TRANSFER")
    assert q[8]["reason"] == ("outcome: this value is not in columns.outcome.values (ANSWERED, "
                              "ABANDON); add it to the map in the mapping")
    assert q[9]["reason"].startswith("the line does not fit the dialect (delimiter ',', "
                                     "quote '\"'): missing columns;")
    assert q[9]["record"] is None  # it holds a phone number that must not be stored in clear
    assert q[10]["column"] == "contact_id" and "required but empty" in q[10]["reason"]
    # the record of a quarantined row never shows the pseudonymised identifier
    assert "+3360" not in " ".join(str(r["record"]) for r in q.values())


def test_clock_times_on_a_date_column_wrap_past_midnight(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_text("id\tday\tarrive\tend\n"
                    "1\t05/01/2024\t23:59:30\t0:02:10\n"
                    "2\t05/01/2024\t10:00:00\t10:05:00\n")
    mapping = _mapping(tmp_path, """kind: table
dialect: {delimiter: tab}
columns:
  contact_id: id
  queue_id: {constant: Q}
  channel: {constant: voice}
  direction: {constant: inbound}
  outcome: {constant: answered}
  offered_at: {date: day, date_format: "%d/%m/%Y", source: arrive}
  ended_at: {date: day, date_format: "%d/%m/%Y", source: end, after: arrive}
""")
    rows = parse_table(path, mapping=mapping, pseudonymizer=PSEUDO).tables["contacts"]
    assert rows.column("ended_at").to_pylist() == [dt.datetime(2024, 1, 6, 0, 2, 10),
                                                   dt.datetime(2024, 1, 5, 10, 5)]
    assert rows.column("source").to_pylist() == ["m", "m"]  # defaults to the mapping name


def test_mapping_to_another_table_loads_advisors(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("matricule;nom;entree;heures;contrat\n"
                    "A1;Ana;2023-09-01;35;CDI\nA2;Bob;2024-01-15;24;CDD\nA3;Cy;bad;35;CDI\n")
    mapping = _mapping(tmp_path, """kind: table
table: advisors
dialect: {delimiter: ";"}
columns:
  advisor_id: matricule
  display_name: nom
  hire_date: entree
  weekly_hours: heures
  contract_type: {source: contrat, values: {CDI: permanent, CDD: fixed_term}}
""")
    batch = parse_table(path, mapping=mapping, pseudonymizer=PSEUDO)
    assert batch.tables["advisors"].column("hire_date").to_pylist() == [
        dt.date(2023, 9, 1), dt.date(2024, 1, 15)]
    assert batch.quarantine.select(["line", "column", "value"]).to_pylist() == [
        {"line": 4, "column": "hire_date", "value": "bad"}]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_blank_lines_are_not_records_and_later_lines_keep_their_numbers(
        tmp_path: Path, ending: str) -> None:
    path = tmp_path / "hr.csv"
    lines = ["matricule;entree", "A1;2023-09-01", "", "A2;bad", "", "", "A3;2024-01-15",
             "A4;worse"]
    path.write_bytes(ending.join([*lines, ""]).encode())
    mapping = _mapping(tmp_path, """kind: table
table: advisors
dialect: {delimiter: ";"}
columns:
  advisor_id: matricule
  hire_date: entree
""")
    batch = parse_table(path, mapping=mapping, pseudonymizer=PSEUDO)
    assert batch.tables["advisors"].column("advisor_id").to_pylist() == ["A1", "A3"]
    assert batch.quarantine.select(["line", "value"]).to_pylist() == [
        {"line": 4, "value": "bad"}, {"line": 8, "value": "worse"}]
    assert batch.notes == {"blank_lines": 3}


def test_blank_lines_of_a_one_column_file_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("matricule\nA1\n\nA2\n\n\n \nA3\n")
    mapping = _mapping(tmp_path, "kind: table\ntable: advisors\ncolumns:\n"
                                 "  advisor_id: matricule\n")
    batch = parse_table(path, mapping=mapping, pseudonymizer=PSEUDO)
    assert batch.tables["advisors"].column("advisor_id").to_pylist() == ["A1", "A2", "A3"]
    assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined


def test_constants_load_on_every_row_and_a_constant_that_is_not_a_number_rejects_every_row(
        tmp_path: Path) -> None:
    text = (FIXTURES / "acd_small.yaml").read_text()
    good = parse_table(FIXTURES / "acd_small.csv", mapping=MAPPING, pseudonymizer=PSEUDO)
    contacts = good.tables["contacts"]
    assert set(contacts.column("channel").to_pylist()) == {"voice"}
    assert set(contacts.column("source").to_pylist()) == {"acd-small"}
    bad = parse_table(FIXTURES / "acd_small.csv", pseudonymizer=PSEUDO,
                      mapping=_mapping(tmp_path, text.replace("wait_s: wait",
                                                              "wait_s: {constant: x}")))
    assert bad.rows_loaded == 0 and bad.rows_quarantined == bad.rows_read == 4
    # the TEST call fails its filter first; the others the conversion of wait_s
    assert bad.quarantine.select(["line", "column", "value"]).to_pylist() == [
        {"line": 2, "column": "wait_s", "value": "x"},
        {"line": 3, "column": "wait_s", "value": "x"},
        {"line": 4, "column": "wait_s", "value": "x"},
        {"line": 5, "column": None, "value": None}]


def test_a_source_column_missing_from_the_header_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("call_id,queu,caller,start,answer,wait,talk,agent,result\n")
    with pytest.raises(InputError) as err:
        parse_table(path, mapping=MAPPING, pseudonymizer=PSEUDO)
    assert str(err.value).replace(str(path), "<file>").replace(str(FIXTURES), "<fx>") == (
        "<file>: line 1: no source column 'queue' (used by columns.queue_id at line 10 of "
        "<fx>/acd_small.yaml)\n  hint: did you mean 'queu'?; fix the mapping or the header")


def test_committing_the_same_file_twice_adds_nothing(workspace: Workspace) -> None:
    path = FIXTURES / "acd_small.csv"
    first = workspace.commit(parse_table(path, mapping=MAPPING,
                                         pseudonymizer=workspace.pseudonymizer))
    again = workspace.commit(parse_table(path, mapping=MAPPING,
                                         pseudonymizer=workspace.pseudonymizer))
    assert first.inserted == {"contacts": 3} and not first.already_loaded
    assert again.already_loaded
    assert workspace.count("contacts") == 3 and workspace.count("quarantine") == 1


# ---------------------------------------------------------------------- properties
_LINES = (FIXTURES / "acd_small.csv").read_text().splitlines()

_mutation = st.one_of(
    st.sampled_from(_LINES[1:]),
    st.builds(lambda line, i, c: line[:i] + c + line[i + 1:], st.sampled_from(_LINES[1:]),
              st.integers(0, 80), st.sampled_from([",", '"', "\t", "x", "9", "", "\r", ";"])),
    st.builds(lambda line, n: ",".join(line.split(",")[:n]), st.sampled_from(_LINES[1:]),
              st.integers(0, 12)),
    st.builds(lambda line: line.replace("2024-0", "2024-1"), st.sampled_from(_LINES[1:])),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_mutation, max_size=12), tail=st.binary(max_size=30))
def test_mutated_csv_never_crashes_and_accounts_for_every_row(
        tmp_path: Path, lines: list[str], tail: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(("\n".join([_LINES[0], *lines]) + "\n").encode() + tail)
    batch = parse_table(path, mapping=MAPPING, pseudonymizer=PSEUDO)
    assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined
    assert all(line is not None and line >= 2 for line in batch.quarantine.column("line")
               .to_pylist())
