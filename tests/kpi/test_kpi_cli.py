"""``pilotage kpi`` prints, exports and explains KPIs of the fixture center."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pilotage.cli.app import app
from pilotage.store import Workspace
from tests.kpi import fixture_center

runner = CliRunner()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "ws"
    fixture_center.build(Workspace.init(path))
    return path


def test_csv_has_one_column_per_dimension_then_one_per_kpi(root: Path) -> None:
    result = runner.invoke(app, ["kpi", "offered", "service_level", "--by", "day,queue",
                                 "--format", "csv", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["day", "queue", "offered", "service_level"]
    support_day1 = next(r for r in rows if r["day"] == "2026-10-05" and r["queue"] == "support")
    # fixture_center.py: c01-c06 offered on 2026-10-05, c01 and c05 answered within 20 s
    assert support_day1["offered"] == "6"
    assert float(support_day1["service_level"]) == pytest.approx(2 / 6)


def test_json_output_by_week_and_month_labels(root: Path) -> None:
    result = runner.invoke(app, ["kpi", "answered", "--by", "week", "--format", "json",
                                 "--workspace", str(root)])
    assert json.loads(result.output) == [{"week": "2026-W41", "answered": 7}]
    result = runner.invoke(app, ["kpi", "answered", "--by", "month", "--format", "json",
                                 "--workspace", str(root)])
    assert json.loads(result.output) == [{"month": "2026-10", "answered": 7}]


def test_drill_returns_the_records_behind_a_figure(root: Path) -> None:
    result = runner.invoke(app, ["kpi", "service_level", "--drill", "--where", "queue=support",
                                 "--from", "2026-10-05", "--to", "2026-10-05",
                                 "--format", "json", "--workspace", str(root)])
    rows = json.loads(result.output)
    numerator = sorted(r["contact_id"] for r in rows if r["role"] == "numerator")
    denominator = sorted(r["contact_id"] for r in rows if r["role"] == "denominator")
    assert numerator == ["c01", "c05"]
    assert denominator == ["c01", "c02", "c03", "c04", "c05", "c06"]
    assert {r["kpi_version"] for r in rows} == {1}


def test_explain_shows_formula_parameters_variants_and_query(root: Path) -> None:
    result = runner.invoke(app, ["kpi", "explain", "service_level", "--lang", "en",
                                 "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    assert "formula: answered_within_threshold / offered" in result.output
    assert "service_level.threshold_s = 20 s" in result.output
    assert "icmi_1" in result.output
    assert "SELECT" in result.output


def test_list_in_english(root: Path) -> None:
    result = runner.invoke(app, ["kpi", "--list", "--lang", "en"])
    assert "Service level" in result.output


def test_unknown_dimension_is_a_user_error_with_a_suggestion(root: Path) -> None:
    from pilotage.cli.app import main

    with pytest.raises(SystemExit) as exit_info:
        main(["kpi", "offered", "--by", "teem", "--workspace", str(root)])
    assert exit_info.value.code == 1
