"""``pilotage intraday``: gap per interval and actions on a small demo center; DST days; bad
input. Figures are checked against the workspace's own rows (hand-countable) and the Erlang C
reference of shared/docs/reference-values.md §1.1."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pilotage.cli.app import main
from pilotage.demo import build_demo
from pilotage.errors import InputError, ParameterError
from pilotage.store import Batch, Workspace
from pilotage.wfm.intraday import IntradaySettings, day_grid, day_state
from pilotage.wfm.intraday_actions import ActionKind, plan_actions
from pilotage.wfm.staffing import achieved_metrics

DAY = dt.date(2026, 7, 8)  # a Wednesday of the demo (default start Monday 2026-07-06)
QUEUE = "BNK_CLIENT"


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Actual arrivals 30 % above the forecast the schedule was sized for."""
    ws = Workspace.init(tmp_path_factory.mktemp("busy") / "ws")
    build_demo(ws, seed=3, agents=30, days=14, volume_factor=1.3)
    return ws


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Half the forecast volume and 1.5 × the advisors."""
    ws = Workspace.init(tmp_path_factory.mktemp("quiet") / "ws")
    build_demo(ws, seed=3, agents=30, days=14, volume_factor=0.5, staffing_factor=1.5)
    return ws


def test_volume_above_forecast_raises_the_rest_of_the_day_by_the_decayed_ratio(
        busy: Workspace) -> None:
    state = day_state(busy, QUEUE, DAY, dt.time(11, 0))
    grid = state.grid
    assert (grid.size, grid.observed) == (48, 22)  # 22 half-hours before 11:00 local
    # recomputed from the tables: offered contacts and forecast per half-hour before 11:00
    # local (09:00 UTC), each weighted 0.5^(age / 120 min), age from the 10:30 half-hour
    with busy.connect(read_only=True) as con:
        actual = dict(con.execute(
            "SELECT time_bucket(INTERVAL 30 MINUTE, offered_at), count(*) FROM contacts "
            "WHERE queue_id = ? AND direction = 'inbound' AND outcome <> 'ivr_abandoned' AND "
            "offered_at >= '2026-07-07 22:00' AND offered_at < '2026-07-08 09:00' GROUP BY 1",
            [QUEUE]).fetchall())
        forecast = dict(con.execute(
            "SELECT interval_start, volume FROM forecasts WHERE queue_id = ? AND "
            "interval_start >= '2026-07-07 22:00' AND interval_start < '2026-07-08 22:00'",
            [QUEUE]).fetchall())
    last = dt.datetime(2026, 7, 8, 8, 30)
    weight = {t: 0.5 ** ((last - t).total_seconds() / 60 / 120) for t in grid.starts[:22]}
    a = sum(weight[t] * n for t, n in actual.items())
    f = sum(weight[t] * v for t, v in forecast.items() if t <= last)
    k = 100 + 0.1 * sum(forecast.values())  # defaults: k0 = 100 contacts, κ = 0.1
    assert state.volume_level.actual_so_far == pytest.approx(a)
    assert state.volume_level.value == pytest.approx((a + k) / (f + k))
    assert sum(actual.values()) > 1.3 * sum(v for t, v in forecast.items() if t <= last)
    assert state.volume_level.value > 1.1
    rest = state.remaining
    assert state.volume[rest] == pytest.approx(state.forecast.volume[rest]
                                               * state.volume_level.value)


def test_scheduled_agents_are_work_minutes_on_the_queue_minus_absences(busy: Workspace) -> None:
    state = day_state(busy, QUEUE, DAY, dt.time(11, 0))
    with busy.connect(read_only=True) as con:
        # 14:00–14:30 local = 12:00–12:30 UTC; advisors absent that day are not counted
        minutes = con.execute(
            "SELECT sum(date_diff('second', greatest(start_at, TIMESTAMP '2026-07-08 12:00'), "
            "least(end_at, TIMESTAMP '2026-07-08 12:30'))) / 60.0 FROM schedules s "
            "WHERE activity = 'work' AND queue_id = ? AND start_at < '2026-07-08 12:30' AND "
            "end_at > '2026-07-08 12:00' AND NOT EXISTS (SELECT 1 FROM absences a WHERE "
            "a.advisor_id = s.advisor_id AND a.start_at < '2026-07-08 12:30' AND "
            "a.end_at > '2026-07-08 12:00')", [QUEUE]).fetchone()[0]
    i = state.grid.starts.index(dt.datetime(2026, 7, 8, 12, 0))
    assert state.scheduled[i] == pytest.approx(minutes / 30)
    assert state.grid.label(i) == "14:00"


def test_raised_volume_gives_a_positive_gap_that_the_actions_reduce(busy: Workspace) -> None:
    state = day_state(busy, QUEUE, DAY, dt.time(11, 0))
    rest = state.remaining
    # required = smallest N with Erlang C SL(20 s) ≥ 80 % on the re-forecast
    n = state.required[rest]
    busy_intervals = n > 0
    sl_n = achieved_metrics(state.volume[rest][busy_intervals],
                            state.aht_s[rest][busy_intervals], n[busy_intervals],
                            interval_min=30).service_level
    sl_less = achieved_metrics(state.volume[rest][busy_intervals],
                               state.aht_s[rest][busy_intervals], n[busy_intervals] - 1,
                               interval_min=30).service_level
    assert (sl_n >= 0.8).all() and (sl_less < 0.8).all()
    short = np.clip(state.required - state.scheduled, 0, None)[rest]
    assert state.shortfall_agent_h() == pytest.approx(short.sum() * 0.5)
    assert state.shortfall_agent_h() > 5.0  # a real gap: 13.5 agent-h on this demo
    assert state.service_level() < 0.8
    plan = plan_actions(state)
    assert plan.actions
    assert plan.shortfall_after_agent_h < state.shortfall_agent_h()
    assert plan.service_level_after > plan.service_level_before + 0.1
    levels = [plan.service_level_before] + [a.service_level_after for a in plan.actions]
    assert levels == sorted(levels)  # every action helps
    assert levels[-1] == pytest.approx(plan.service_level_after)
    # the shortfall reductions add up to the plan's
    assert sum(a.shortfall_reduced_agent_h for a in plan.actions) == pytest.approx(
        state.shortfall_agent_h() - plan.shortfall_after_agent_h)
    with busy.connect(read_only=True) as con:
        cost = dict(con.execute("SELECT advisor_id, hourly_cost_eur FROM advisors").fetchall())
    overtime = [a for a in plan.actions if a.kind is ActionKind.OVERTIME]
    moves = [a for a in plan.actions if a.kind in (ActionKind.MOVE_BREAK, ActionKind.MOVE_LUNCH)]
    assert overtime and moves
    for a in overtime:  # hours × hourly cost × 1.25 (overtime premium)
        assert a.cost_eur == pytest.approx(a.agent_h * cost[a.advisor_id] * 1.25)
    for a in moves:
        assert a.agent_h == pytest.approx(0.0) and a.cost_eur == 0.0
        assert a.shortfall_reduced_agent_h > 0


def test_over_staffed_day_offers_unpaid_time_off_that_keeps_every_requirement(
        quiet: Workspace) -> None:
    state = day_state(quiet, QUEUE, DAY, dt.time(11, 0))
    plan = plan_actions(state)
    time_off = [a for a in plan.actions if a.kind is ActionKind.VOLUNTARY_TIME_OFF]
    assert time_off
    with quiet.connect(read_only=True) as con:
        cost = dict(con.execute("SELECT advisor_id, hourly_cost_eur FROM advisors").fetchall())
    for a in time_off:
        assert a.agent_h < 0 and a.cost_eur == pytest.approx(a.agent_h * cost[a.advisor_id])
    assert state.surplus_agent_h(plan.scheduled_after) < state.surplus_agent_h()
    # time off never opens a gap: intervals short after the plan were short before it
    rest = state.remaining
    after_short = plan.scheduled_after[rest] < state.required[rest]
    before_short = state.scheduled[rest] < state.required[rest]
    assert not (after_short & ~before_short).any()


def test_cli_json_gives_summary_intervals_and_actions(busy: Workspace,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["intraday", "-w", str(busy.root), "--queue", QUEUE, "--day", str(DAY), "--at",
              "11:00", "--format", "json"])
    assert exit_.value.code == 0
    (out,) = json.loads(capsys.readouterr().out)
    summary = out["summary"]
    assert summary["snapshot_id"] == "PREV-2026-07-06" and summary["cutoff_local"] == "11:00"
    assert summary["shortfall_agent_h"] > summary["shortfall_after_agent_h"]
    assert len(out["intervals"]) == 48 and out["actions"]
    first_remaining = out["intervals"][22]
    assert first_remaining["interval"] == "11:00" and first_remaining["status"] == "remaining"


# ---------------------------------------------------------------------------- DST
def _dst_workspace(root: Path, day: dt.date, per_interval: int) -> Workspace:
    """One queue open round the clock, forecast 100 contacts per half-hour at AHT 180 s (the
    load of reference-values.md §1.1), 100 actual contacts per half-hour until 02:30 local, one
    advisor at work from local midnight to 04:00 with a break 01:00–01:15."""
    ws = Workspace.init(root, time_zone="Europe/Paris")
    grid = day_grid(day, dt.time(0, 0), "Europe/Paris", 30)
    starts = list(grid.starts)
    offered = [s + dt.timedelta(seconds=18 * j) for s in starts[:per_interval] for j in range(100)]
    t0 = grid.start
    work = [("A1", "work", t0, t0 + dt.timedelta(hours=1), "Q"),
            ("A1", "break", t0 + dt.timedelta(hours=1), t0 + dt.timedelta(minutes=75), None),
            ("A1", "work", t0 + dt.timedelta(minutes=75), t0 + dt.timedelta(hours=5), "Q")]
    tables = {
        "queues": pa.table({"queue_id": ["Q"], "channel": ["voice"], "direction": ["inbound"]}),
        "advisors": pa.table({"advisor_id": ["A1"], "skills": ["Q"], "hourly_cost_eur": [20.0]}),
        "forecasts": pa.table({
            "snapshot_id": ["S"] * len(starts),
            "created_at": [t0 - dt.timedelta(hours=18)] * len(starts),
            "queue_id": ["Q"] * len(starts), "interval_start": starts,
            "interval_min": pa.array([30] * len(starts), pa.int32()),
            "volume": [100.0] * len(starts), "aht_s": [180.0] * len(starts)}),
        "contacts": pa.table({
            "contact_id": [f"c{i}" for i in range(len(offered))], "queue_id": ["Q"] * len(offered),
            "channel": ["voice"] * len(offered), "direction": ["inbound"] * len(offered),
            "offered_at": offered, "outcome": ["answered"] * len(offered),
            "talk_s": [180.0] * len(offered)}),
        "schedules": pa.table({
            "advisor_id": [w[0] for w in work], "activity": [w[1] for w in work],
            "start_at": [w[2] for w in work], "end_at": [w[3] for w in work],
            "queue_id": [w[4] for w in work], "schedule_version": ["v1"] * 3}),
    }
    rows = sum(t.num_rows for t in tables.values())
    ws.commit(Batch(source_path=f"test:{day}", content_sha256=f"dst-{day}", format="test",
                    tables=tables, rows_read=rows, rows_loaded=rows))
    return ws


def test_autumn_dst_day_has_50_half_hours_and_counts_the_repeated_hour_twice(
        tmp_path: Path) -> None:
    day = dt.date(2026, 10, 25)  # clocks go back 03:00 → 02:00 (Europe/Paris)
    ws = _dst_workspace(tmp_path / "ws", day, per_interval=5)
    # 02:30 is ambiguous: the first (summer-time) 02:30, 00:30 UTC, is taken
    state = day_state(ws, "Q", day, dt.time(2, 30))
    grid = state.grid
    assert (grid.size, grid.hours, grid.observed) == (50, 25.0, 5)
    labels = [grid.label(i) for i in range(grid.size)]
    assert labels[4:8] == ["02:00+02:00", "02:30+02:00", "02:00+01:00", "02:30+01:00"]
    # the advisor is at work 5 real hours (00:00+02:00 → 04:00+01:00) less a 15-minute break
    assert state.scheduled.sum() * 0.5 == pytest.approx(4.75)
    assert state.scheduled[2] == 0.5 and state.scheduled[6] == 1.0
    assert state.volume_level.value == pytest.approx(1.0)  # actual = forecast so far
    # reference-values.md §1.1: 100 calls / 30 min at 180 s → 14 agents for 80 % in 20 s
    assert set(state.required[grid.observed:]) == {14.0}
    # 45 remaining half-hours need 14 each; the advisor covers 5 of them
    assert state.shortfall_agent_h() == pytest.approx((45 * 14 - 5) * 0.5)


def test_patience_switches_the_requirement_to_erlang_a(tmp_path: Path) -> None:
    day = dt.date(2026, 10, 25)
    ws = _dst_workspace(tmp_path / "ws", day, per_interval=5)
    settings = IntradaySettings(patience_s=300.0)
    state = day_state(ws, "Q", day, dt.time(2, 30), settings=settings)
    required = set(state.required[state.grid.observed:])
    assert len(required) == 1
    n = required.pop()
    # reference-values.md §2.1 (pyworkforce Erlang A): at N = 14, patience 5 min, SL 0.916792,
    # so Erlang A needs at most the 14 agents of Erlang C; N is the smallest meeting 80 %
    sl = achieved_metrics(100, 180, [n - 1, n, 14], interval_min=30, threshold_s=20,
                          patience_s=300).service_level
    assert sl[0] < 0.8 <= sl[1] and sl[2] == pytest.approx(0.916792, abs=5e-7)
    assert n <= 14


def test_spring_dst_day_has_46_half_hours_and_refuses_a_cutoff_in_the_gap(
        tmp_path: Path) -> None:
    day = dt.date(2026, 3, 29)  # clocks go forward 02:00 → 03:00
    assert day_grid(day, dt.time(12), "Europe/Paris", 30).size == 46
    ws = _dst_workspace(tmp_path / "ws", day, per_interval=4)
    with pytest.raises(ParameterError, match="does not exist"):
        day_state(ws, "Q", day, dt.time(2, 30))
    state = day_state(ws, "Q", day, dt.time(3, 0))  # 01:00 UTC: 4 half-hours seen
    assert (state.grid.size, state.grid.observed) == (46, 4)


# ---------------------------------------------------------------------------- bad input
def test_unknown_queue_is_a_user_error_naming_the_close_match(busy: Workspace) -> None:
    with pytest.raises(ParameterError, match="unknown queue 'BNK_CLIEN'") as err:
        day_state(busy, "BNK_CLIEN", DAY, dt.time(11))
    assert "BNK_CLIENT" in str(err.value)


def test_written_or_outbound_queue_is_pointed_to_the_backlog_model(busy: Workspace) -> None:
    with busy.connect(read_only=True) as con:
        mail = con.execute("SELECT min(queue_id) FROM queues WHERE channel = 'email'").fetchone()
    assert mail is not None and mail[0] is not None
    with pytest.raises(ParameterError, match="inbound email") as err:
        day_state(busy, mail[0], DAY, dt.time(11))
    assert "pilotage backlog" in str(err.value)


def test_day_without_forecast_is_a_user_error_with_the_command_to_run(busy: Workspace) -> None:
    with pytest.raises(InputError, match="no forecast for queue 'BNK_CLIENT' on 2026-09-01") \
            as err:
        day_state(busy, QUEUE, dt.date(2026, 9, 1), dt.time(11))
    assert "pilotage forecast --queue BNK_CLIENT --start 2026-09-01 --save" in str(err.value)


def test_cutoff_after_the_loaded_contacts_is_refused(tmp_path: Path) -> None:
    day = dt.date(2026, 10, 25)
    ws = _dst_workspace(tmp_path / "ws", day, per_interval=5)
    with pytest.raises(InputError, match="the day so far is not loaded"):
        day_state(ws, "Q", day, dt.time(9, 0))


def test_cli_prints_user_errors_without_traceback(busy: Workspace,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["intraday", "-w", str(busy.root), "--queue", QUEUE, "--day", "2026-07-08",
              "--at", "25:00"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "--at '25:00' is not a time of day" in err and "Traceback" not in err


def test_cli_table_covers_every_queue_forecast_that_day(busy: Workspace,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["intraday", "-w", str(busy.root), "--day", str(DAY), "--at", "14:00"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    with busy.connect(read_only=True) as con:
        queues = dict(con.execute(
            "SELECT DISTINCT f.queue_id, q.channel = 'voice' AND q.direction = 'inbound' OR "
            "q.channel = 'chat' FROM forecasts f JOIN queues q USING (queue_id) "
            "WHERE interval_start >= '2026-07-07 22:00' AND interval_start < '2026-07-08 22:00'"
        ).fetchall())
    assert len(queues) == 7 and sum(queues.values()) < 7  # e-mail and outbound forecast too
    for q, real_time in queues.items():
        assert (f"{q} 2026-07-08 at 14:00" in out) == real_time, q
    assert "Suggested actions" in out and "rest of the day: short" in out


def test_cli_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["intraday", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--queue", "--day", "--at", "--sl", "--threshold-s", "--format"):
        assert option in out
