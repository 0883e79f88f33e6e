"""Golden snapshots of the report model of each level (figures and text, not pixels), for
the fixed demo center of ``conftest.py``. Regenerate with ``PILOTAGE_UPDATE_GOLDEN=1``;
never edit the JSON by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pilotage.reports.model import Report, ReportLevel

GOLDEN = Path(__file__).parent / "golden"


def _stable(value: Any) -> Any:
    """Floats to 9 significant digits: DuckDB may sum in another order between runs."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stable(v) for v in value]
    return value


def snapshot(report: Report) -> str:
    return json.dumps(_stable(report.to_json_dict()), ensure_ascii=False, indent=1,
                      sort_keys=True) + "\n"


@pytest.mark.parametrize("level", list(ReportLevel))
def test_report_model_matches_its_golden_snapshot(sample_reports: dict[ReportLevel, Report],
                                                  level: ReportLevel) -> None:
    path = GOLDEN / f"{level.value}.json"
    text = snapshot(sample_reports[level])
    if os.environ.get("PILOTAGE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with PILOTAGE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{level.value} report changed; if intended, regenerate with PILOTAGE_UPDATE_GOLDEN=1 "
        "and review the diff")
