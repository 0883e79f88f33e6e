"""Lever analysis puts first the lever that was really pulled: demo centers simulated with
only the volume raised, or only the handle times raised, against the same plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pilotage.demo import build_demo
from pilotage.kpi.query import kpi_session
from pilotage.objectives.levers import LeverAnalysis, accessibility_analysis
from pilotage.objectives.model import Level, Objective
from pilotage.objectives.periods import period_range
from pilotage.store import Workspace

SL = Objective.model_validate({
    "id": "sl", "name": {"fr": "QS", "en": "SL"}, "kind": "lever", "kpi": "service_level",
    "where": {"channel": "voice"}, "target": 0.8, "roles": ["floor_manager"]})
START = dt.date(2026, 9, 7)


def _analysis(root: Path, **knobs: float) -> LeverAnalysis:
    ws = Workspace.init(root)
    build_demo(ws, seed=11, agents=60, days=14, start=START, **knobs)
    with kpi_session(ws) as session:
        return accessibility_analysis(session, SL, Level.CENTER, "center", 0.8,
                                      period_range(START, START + dt.timedelta(days=13)))


@pytest.mark.slow
def test_raised_volume_puts_volume_first_and_raised_aht_puts_aht_first(tmp_path: Path) -> None:
    volume = _analysis(tmp_path / "volume", volume_factor=1.25)
    aht = _analysis(tmp_path / "aht", aht_factor=1.25)
    levers = ("volume", "aht", "staffing")
    first = [e.lever for e in volume.effects if e.lever in levers][0]
    assert first == "volume", volume.effects
    first = [e.lever for e in aht.effects if e.lever in levers][0]
    assert first == "aht", aht.effects
    # the shares add up to actual − target exactly
    for analysis in (volume, aht):
        assert analysis.actual is not None
        assert sum(e.effect for e in analysis.effects) == pytest.approx(analysis.actual - 0.8)
