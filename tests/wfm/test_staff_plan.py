"""``pilotage staff`` plan mode: every interval of a forecast staffed in one call — the same
answers as the one-interval calculator, reference values of shared/docs/reference-values.md,
a DST day, a stored snapshot (written channels left out) and bad input named."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pilotage.cli.app import app
from pilotage.cli.staff import staff_plan
from pilotage.errors import InputError, ParameterError
from pilotage.store import Workspace
from pilotage.store.batch import Batch
from pilotage.wfm.forecast import QueueForecast, save_forecasts, to_utc
from pilotage.wfm.staffing import StaffingTarget, staff_interval


def _volumes(path: Path, rows: list[tuple[str, str, float, float]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["queue_id", "interval_start", "volume", "aht_s"])
        w.writerows(rows)
    return path


def test_plan_reproduces_the_published_examples_interval_by_interval(tmp_path: Path) -> None:
    # reference-values.md §1.1 (Call Centre Helper / CRAN ErlangC / pyworkforce): 100 calls per
    # 30 min, AHT 180 s, 80 % in 20 s → 14 agents, 20 positions at 30 % shrinkage.
    # §1.2 (Westbay; Jest test quoted there): 360 calls / 30 min, AHT 240 s, 80/20 → 54 agents.
    path = _volumes(tmp_path / "v.csv", [("A", "2026-10-06 09:00", 100, 180),
                                         ("A", "2026-10-06 09:30", 360, 240)])
    plan = staff_plan(forecast=None, volumes=path, start="2026-10-06", days=1, sl=0.8,
                      threshold_s=20, shrinkage=0.3)
    rows = {r.interval_start_local.strftime("%H:%M"): r for r in plan.intervals}
    assert len(plan.intervals) == 48
    assert (rows["09:00"].agents, rows["09:00"].positions) == (14, 20)
    assert rows["09:00"].service_level == pytest.approx(0.88835, abs=5e-6)  # §1.1, N = 14
    assert rows["09:30"].agents == 54
    assert rows["09:30"].service_level == pytest.approx(0.817248, abs=5e-6)  # §1.2, N = 54
    assert rows["10:00"].agents == 0 and rows["10:00"].binding == "no_load"
    assert plan.agent_hours("A") == pytest.approx((14 + 54) * 0.5)
    assert plan.position_hours("A") == pytest.approx((20 + 78) * 0.5)  # ceil(54 / 0.7) = 78


def test_plan_equals_the_one_interval_calculator_with_erlang_a(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    rows = [("Q", f"2026-10-06 {h:02d}:{m:02d}", float(rng.integers(0, 400)),
             float(rng.integers(60, 600))) for h in range(8, 20) for m in (0, 30)]
    plan = staff_plan(forecast=None, volumes=_volumes(tmp_path / "v.csv", rows),
                      start="2026-10-06", days=1, sl=0.8, threshold_s=20, max_abandon=0.05,
                      max_occupancy=0.85, patience_s=120, shrinkage=0.25)
    by_start = {r.interval_start_local: r for r in plan.intervals}
    for _, start, volume, aht in rows:
        one = staff_interval(volume, aht, interval_min=30, threshold_s=20, shrinkage=0.25,
                             patience_s=120,
                             target=StaffingTarget(service_level=0.8, threshold_s=20,
                                                   max_abandon=0.05, max_occupancy=0.85))
        got = by_start[dt.datetime.fromisoformat(start)]
        assert (got.agents, got.positions) == (one.agents, one.positions), start
        assert got.service_level == pytest.approx(one.service_level, rel=1e-9)
        assert got.p_abandon == pytest.approx(one.p_abandon, rel=1e-9)


def test_the_autumn_dst_day_has_fifty_half_hours_and_the_repeated_hour_twice(
        tmp_path: Path) -> None:
    # 25 October 2026: Europe/Paris goes back from 03:00 CEST to 02:00 CET
    path = _volumes(tmp_path / "v.csv", [("A", "2026-10-25 10:00", 100, 180)])
    plan = staff_plan(forecast=None, volumes=path, start="2026-10-25", days=1, sl=0.8)
    assert len(plan.intervals) == 50
    two_am = [r for r in plan.intervals if r.interval_start_local == dt.datetime(2026, 10, 25,
                                                                                  2, 0)]
    assert [r.interval_start_utc.hour for r in two_am] == [0, 1]


def test_stored_snapshot_is_staffed_for_inbound_voice_and_chat_only(
        workspace: Workspace) -> None:
    queues = pa.table({"queue_id": ["VOICE", "MAIL"], "name": ["Voix", "Courriels"],
                       "channel": ["voice", "email"], "direction": ["inbound", "inbound"],
                       "contract_id": [None, None], "site_id": [None, None]})
    workspace.commit(Batch("queues", "q" * 64, "test", {"queues": queues}, 2, 2,
                           keys_unique=True))
    day = dt.date(2026, 3, 2)
    local = pd.date_range(f"{day} 00:00", periods=48, freq="30min")
    volume = np.where((local.hour >= 8) & (local.hour < 12), 100.0, 0.0)
    frames = [QueueForecast(q, "test", 30, "Europe/Paris", pd.DataFrame({
        "local_start": local, "interval_start": to_utc(local, "Europe/Paris"),
        "volume": volume, "aht_s": np.full(48, 180.0)})) for q in ("VOICE", "MAIL")]
    snapshot, _ = save_forecasts(workspace, frames, created_at=dt.datetime(2026, 2, 27, 8))
    plan = staff_plan(forecast=snapshot, volumes=None, start=str(day), days=1, sl=0.8,
                      workspace=workspace.root)
    assert {r.queue_id for r in plan.intervals} == {"VOICE"}
    assert plan.agent_hours("VOICE") == pytest.approx(8 * 14 * 0.5)  # §1.1: 14 agents
    assert plan.peak_agents("VOICE") == 14
    out = workspace.root / "plan.json"
    res = CliRunner().invoke(app, ["staff", "--forecast", snapshot, "--start", str(day),
                                   "--days", "1", "--format", "json", "--output", str(out),
                                   "--workspace", str(workspace.root)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["totals"]["VOICE"]["agent_hours"] == pytest.approx(56.0)
    first = next(r for r in doc["intervals"] if r["volume"] > 0)
    assert (first["interval_start"], first["interval_start_utc"]) == ("2026-03-02 08:00",
                                                                      "2026-03-02T07:00:00Z")
    res = CliRunner().invoke(app, ["staff", "--forecast", snapshot, "--start", str(day),
                                   "--days", "1", "--workspace", str(workspace.root)])
    assert res.exit_code == 0 and "VOICE" in res.stdout and "56.0" in res.stdout


def test_bad_plan_input_is_named(tmp_path: Path) -> None:
    path = _volumes(tmp_path / "v.csv", [("A", "2026-10-06 09:10", 100, 180)])
    with pytest.raises(InputError, match=r"line 2: field interval_start"):
        staff_plan(forecast=None, volumes=path, start="2026-10-06", days=1)
    with pytest.raises(ParameterError, match="--start"):
        staff_plan(forecast=None, volumes=path, start=None)
    res = CliRunner().invoke(app, ["staff", "--volumes", str(path), "--start", "2026-10-06",
                                   "--volume", "10"])
    assert isinstance(res.exception, ParameterError)
    res = CliRunner().invoke(app, ["staff", "--sl", "0.8"])
    assert isinstance(res.exception, ParameterError) and "--volume" in str(res.exception)
