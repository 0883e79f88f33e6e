"""``pilotage simulate``: one interval next to Erlang A, a DST day from CSV files, a day from a
stored forecast snapshot and schedule version, and bad input named by file, line and field."""

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
from pilotage.cli.simulate import simulate_plan
from pilotage.errors import InputError, ParameterError
from pilotage.store import Workspace
from pilotage.store.batch import Batch
from pilotage.wfm.forecast import QueueForecast, save_forecasts, to_utc
from pilotage.wfm.simulation.replications import Metric
from pilotage.wfm.staffing import staff_interval


def test_one_interval_json_puts_simulation_next_to_erlang_a() -> None:
    # shared/docs/reference-values.md §2.1: 100 calls / 30 min, AHT 180 s, patience 300 s,
    # N = 14: P(wait) 0.14526, P(ab) 0.013984, occupancy 0.704297, SL 0.916792
    res = CliRunner().invoke(app, ["simulate", "--volume", "100", "--aht-s", "180", "--agents",
                                   "14", "--patience-s", "300", "--replications", "400",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["model"] == "erlang_a" and out["replications"] == 400
    assert out["engine"] == "fast" and out["warmup_intervals"] == 2
    m = out["measures"]
    for key, value in (("p_wait", 0.14526), ("abandon_rate", 0.013984),
                       ("occupancy", 0.704297), ("service_level", 0.916792)):
        assert m[key]["closed_form"] == pytest.approx(value, abs=5e-6)
        sim = m[key]["simulated"]
        half = (sim["high"] - sim["low"]) / 2
        assert abs(sim["mean"] - value) <= 2 * half
    assert m["asa_s"]["closed_form"] is None  # Erlang A gives no ASA of answered calls


def test_one_interval_rejects_mixed_modes_and_missing_options() -> None:
    res = CliRunner().invoke(app, ["simulate", "--volume", "100", "--aht-s", "180"])
    assert res.exit_code != 0 and isinstance(res.exception, ParameterError)
    assert "--agents" in str(res.exception)
    res = CliRunner().invoke(app, ["simulate", "--volume", "1", "--aht-s", "1", "--agents", "1",
                                   "--volumes", "x.csv"])
    assert isinstance(res.exception, ParameterError)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_dst_day_from_csv_files_with_two_skills(tmp_path: Path) -> None:
    # 2026-10-25 is the autumn DST change in Europe/Paris: 25 hours, 50 half-hours
    day = dt.date(2026, 10, 25)
    vol_rows: list[list[object]] = []
    staff_rows: list[list[object]] = []
    for h in range(8, 18):
        for mi in (0, 30):
            t = f"{day} {h:02d}:{mi:02d}"
            vol_rows += [[t, 40, 240, "sales"], [t, 20, 300, "support"]]
            staff_rows += [[t, 6, "sales"], [t, 3, "support"], [t, 2, "sales;support"]]
    vols = _write(tmp_path / "v.csv", ["interval_start", "volume", "aht_s", "queue_id"], vol_rows)
    staff = _write(tmp_path / "s.csv", ["interval_start", "agents", "skills"], staff_rows)
    out_csv = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["simulate", "--volumes", str(vols), "--staffing", str(staff),
                                   "--start", str(day), "--patience-s", "120",
                                   "--replications", "20", "--output", str(out_csv),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["queues"] == ["sales", "support"] and out["engine"] == "events"
    rows = list(csv.DictReader(out_csv.open()))
    # (all queues + 2 queues) × 50 half-hours + 3 totals
    assert len(rows) == 3 * 50 + 3
    first = [r for r in rows if r["queue"] == "*" and r["interval_start_local"]]
    assert first[0]["interval_start_local"] == "2026-10-25 00:00:00"
    # 02:00–02:30 local happens twice: the repeated hour keeps both intervals
    assert [r["interval_start_local"][11:16] for r in first].count("02:00") == 2
    at_9 = next(r for r in first if r["interval_start_local"] == "2026-10-25 09:00:00")
    assert float(at_9["agents"]) == 11.0
    totals = {t["queue"]: t for t in out["totals"]}
    expected = {"*": 20 * 60, "sales": 20 * 40, "support": 20 * 20}
    for scope, volume in expected.items():
        offered = totals[scope][Metric.OFFERED.value]
        assert offered["low"] <= volume <= offered["high"] or abs(
            offered["mean"] - volume) < 0.03 * volume
    assert 0.0 < totals["*"]["occupancy"]["mean"] < 1.0
    assert "occupancy" not in totals["sales"]
    # --queue keeps one queue; the generalists then answer it alone
    only = simulate_plan(volumes=vols, staffing=staff, queues=["sales"], start=str(day),
                         replications=5)
    assert only.queue_ids == ("sales",)
    assert [(g.name, g.skills) for g in only.result.model.groups] == [
        ("sales", (0,)), ("sales;support", (0,))]
    with pytest.raises(ParameterError, match="--queue 'billing'"):
        simulate_plan(volumes=vols, staffing=staff, queues=["billing"], start=str(day))


def test_bad_csv_line_is_named_with_its_field(tmp_path: Path) -> None:
    vols = _write(tmp_path / "v.csv", ["interval_start", "volume", "aht_s"],
                  [["2026-03-02 08:00", 10, 200], ["2026-03-02 08:30", "ten", 200]])
    staff = _write(tmp_path / "s.csv", ["interval_start", "agents"],
                   [["2026-03-02 08:00", 2]])
    with pytest.raises(InputError, match=r"v\.csv: line 3: field volume: 'ten'"):
        simulate_plan(volumes=vols, staffing=staff, start="2026-03-02")
    staff2 = _write(tmp_path / "s2.csv", ["interval_start", "agents"],
                    [["2026-03-02 08:10", 2]])
    vols2 = _write(tmp_path / "v2.csv", ["interval_start", "volume", "aht_s"],
                   [["2026-03-02 08:00", 10, 200]])
    with pytest.raises(InputError, match=r"s2\.csv: line 2: field interval_start"):
        simulate_plan(volumes=vols2, staffing=staff2, start="2026-03-02")
    staff3 = _write(tmp_path / "s3.csv", ["interval_start", "agents"],
                    [["2026-03-02 08:00", 2.5]])
    with pytest.raises(InputError, match="whole number of agents"):
        simulate_plan(volumes=vols2, staffing=staff3, start="2026-03-02")


def test_stored_forecast_and_schedule_version_are_simulated(workspace: Workspace) -> None:
    day = dt.date(2026, 3, 2)  # Europe/Paris is UTC+1
    local = pd.date_range(f"{day} 00:00", periods=48, freq="30min")
    volume = np.where((local.hour >= 8) & (local.hour < 12), 30.0, 0.0)
    frame = pd.DataFrame({"local_start": local, "interval_start": to_utc(local, "Europe/Paris"),
                          "volume": volume, "aht_s": np.full(48, 240.0)})
    snapshot, _ = save_forecasts(workspace, [QueueForecast("Q1", "test", 30, "Europe/Paris",
                                                           frame)],
                                 created_at=dt.datetime(2026, 2, 27, 8))
    # three advisors on Q1 08:00–12:00 local (07:00–11:00 UTC); P3 has a break 10:00–10:15
    acts = [("P1", "work", "07:00", "11:00"), ("P2", "work", "07:00", "11:00"),
            ("P3", "work", "07:00", "09:00"), ("P3", "break", "09:00", "09:15"),
            ("P3", "work", "09:15", "11:00")]
    table = pa.table({
        "advisor_id": [a for a, _, _, _ in acts], "activity": [k for _, k, _, _ in acts],
        "start_at": [dt.datetime.combine(day, dt.time.fromisoformat(s)) for *_, s, _ in acts],
        "end_at": [dt.datetime.combine(day, dt.time.fromisoformat(e)) for *_, e in acts],
        "queue_id": ["Q1"] * len(acts), "schedule_version": ["v1"] * len(acts)})
    workspace.commit(Batch("schedule:v1", "s" * 64, "schedule", {"schedules": table},
                           len(acts), len(acts), keys_unique=True))
    plan = simulate_plan(forecast=snapshot, schedule="v1", start=str(day), patience_s=60.0,
                         replications=10, workspace=workspace.root)
    agents = plan.result.scheduled_agents()
    assert agents[16] == 3.0 and agents[20] == 2.5 and agents[21] == 3.0  # 08:00, 10:00, 10:30
    assert agents[15] == 0.0 and agents[24] == 0.0
    offered = plan.result.estimate(Metric.OFFERED)
    assert offered is not None and offered.low <= 240 <= offered.high
    # one queue, one group: each interval also carries Erlang A at its scheduled agents
    rows = {r.interval_start_local: r for r in plan.intervals()}
    at_8 = rows[dt.datetime(2026, 3, 2, 8, 0)]
    assert at_8.erlang_service_level == pytest.approx(staff_interval(
        30, 240, agents=3, interval_min=30, threshold_s=20, patience_s=60).service_level)
    assert rows[dt.datetime(2026, 3, 2, 7, 30)].erlang_service_level is None  # nothing offered
    answered = plan.result.estimate(Metric.ANSWERED)
    assert answered is not None and answered.mean > 0
    res = CliRunner().invoke(app, ["simulate", "--forecast", snapshot, "--schedule", "v1",
                                   "--start", str(day), "--replications", "5",
                                   "--workspace", str(workspace.root)])
    assert res.exit_code == 0, res.output
    assert "Mon 02 08:00" in res.stdout and "Mon 02 12:00" not in res.stdout
    assert "answered ≤ T / offered" in res.stdout and "occupancy" in res.stdout
    res = CliRunner().invoke(app, ["simulate", "--forecast", snapshot, "--schedule", "v9",
                                   "--start", str(day), "--workspace", str(workspace.root)])
    assert isinstance(res.exception, InputError) and "v9" in str(res.exception)
