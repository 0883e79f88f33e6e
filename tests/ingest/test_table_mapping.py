"""Validation of ``kind: table`` mappings: every error names the YAML line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotage.errors import MappingError
from pilotage.ingest.mapping_files import locate_mapping
from pilotage.ingest.table_mapping import load_table_mapping

BASE = """kind: table
time_zone: Europe/Paris
columns:
  contact_id: id
  queue_id: queue
  channel: {constant: voice}
  direction: {constant: inbound}
  offered_at: start
  outcome: {constant: answered}
"""


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(MappingError) as err:
        load_table_mapping(locate_mapping(str(path)))
    return str(err.value).replace(str(path), "m.yaml")


def test_the_shipped_anonymous_bank_mapping_is_valid() -> None:
    mapping = load_table_mapping(locate_mapping("anonymous-bank-1999"))
    assert mapping.table == "contacts" and mapping.time_zone == "Asia/Jerusalem"
    assert mapping.dialect.delimiter == "whitespace"
    assert mapping.pseudonymised_sources == {"customer_id"}


def test_unknown_canonical_column_names_its_line_and_suggests_the_right_one(
        tmp_path: Path) -> None:
    assert _error(tmp_path, BASE.replace("offered_at: start", "ofered_at: start")) == (
        "m.yaml: line 8: columns: 'ofered_at' is not a column of table contacts\n"
        "  hint: did you mean 'offered_at'?")


def test_bad_time_zone_names_its_line_and_suggests_a_zone(tmp_path: Path) -> None:
    assert _error(tmp_path, BASE.replace("Europe/Paris", "Europe/Pariss")) == (
        "m.yaml: line 2: time_zone: unknown time zone 'Europe/Pariss'\n"
        "  hint: use an IANA name such as 'Europe/Paris'; did you mean 'Europe/Paris'?")


def test_missing_kind_says_how_to_start_the_mapping(tmp_path: Path) -> None:
    assert _error(tmp_path, BASE.replace("kind: table\n", "")) == (
        "m.yaml: line 1: field 'kind' is missing\n"
        "  hint: start the mapping with 'kind: table'")


def test_missing_required_column_is_reported(tmp_path: Path) -> None:
    assert _error(tmp_path, BASE.replace("  queue_id: queue\n", "")) == (
        "m.yaml: line 3: columns: required column(s) of contacts not mapped: queue_id\n"
        "  hint: map each one to a source column, a constant or an expression")


def test_value_outside_the_vocabulary_is_refused_before_reading(tmp_path: Path) -> None:
    text = BASE.replace("outcome: {constant: answered}",
                        "outcome: {source: r, values: {A: answerd}}")
    assert _error(tmp_path, text) == (
        "m.yaml: line 9: columns.outcome.values: 'answerd' is not a valid outcome\n"
        "  hint: did you mean 'answered'?")


def test_expressions_may_not_read_files(tmp_path: Path) -> None:
    text = BASE.replace("contact_id: id", "contact_id: {expr: \"read_text('/etc/passwd')\"}")
    assert _error(tmp_path, text) == (
        "m.yaml: line 4: columns.contact_id.expr: function 'read_text' is not allowed in an "
        "expression (allowed: see docs/mappings.md, 'Expressions')\n"
        "  hint: expressions are DuckDB SQL over the source columns of one row")


def test_customer_identifiers_must_be_pseudonymised(tmp_path: Path) -> None:
    assert _error(tmp_path, BASE + "  customer_key: phone\n") == (
        "m.yaml: line 10: columns.customer_key: customer identifiers must be pseudonymised\n"
        "  hint: add 'pseudonymise: true' (the identifier is never stored in clear)")


def test_unknown_field_in_a_column_rule_suggests_the_right_one(tmp_path: Path) -> None:
    text = BASE.replace("offered_at: start", "offered_at: {source: start, fromat: '%H'}")
    assert _error(tmp_path, text) == (
        "m.yaml: line 8: columns.offered_at: unknown field 'fromat'\n"
        "  hint: did you mean 'format'?")
