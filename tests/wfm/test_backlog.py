"""Written work (pilotage.wfm.backlog): FIFO backlog, exact share in time, minimal staffing.

Every expected number is computed by hand in the comment next to it (no external reference
table covers deferrable work); the KPI check uses the catalogue's own ``email_response_sla``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pilotage.cli.app import app
from pilotage.cli.backlog import written_staffing
from pilotage.demo import build_demo
from pilotage.errors import ParameterError
from pilotage.kpi import KpiRequest, compute
from pilotage.store import Workspace
from pilotage.wfm.backlog import (
    ResponseClock,
    ResponseTarget,
    WrittenWorkload,
    fifo_share_in_time,
    project_backlog,
    required_level,
    required_per_interval,
)

HALF_HOUR_S = 1800.0
DAY = 48  # half-hours


def _open(first: int, last: int, n: int = DAY) -> np.ndarray:
    mask = np.zeros(n, dtype=np.bool_)
    mask[first:last] = True
    return mask


# ---------------------------------------------------------------- closed forms
def test_constant_rate_needs_volume_times_aht_over_productive_seconds() -> None:
    # 1200 items/day × 420 s = 504,000 s of work; open 08:00–19:00 = 39,600 s at 85 %
    # occupancy: 504,000 / (39,600 × 0.85) = 14.9733 agents; whole 15; positions
    # ceil(15 / 0.7) = 22 (shrinkage 30 %).
    work = WrittenWorkload.of(HALF_HOUR_S, np.where(_open(16, 38), 1200 / 22, 0.0), 420.0,
                              _open(16, 38), cyclic=True)
    req = required_level(work, ResponseTarget(86_400, 0.9), max_occupancy=0.85,
                         shrinkage=0.3)
    assert req.agents_fractional[16] == pytest.approx(504_000 / (39_600 * 0.85), rel=1e-8)
    assert req.agents[16] == 15 and req.positions[16] == 22
    assert req.agents[0] == 0  # closed at night
    assert req.projection.share_in_time == 1.0
    assert req.projection.backlog.max() == pytest.approx(0.0, abs=1e-9)


def test_below_the_steady_state_the_backlog_grows_and_nothing_is_in_time_in_the_long_run() -> None:
    # 10 items × 360 s per half-hour = 3,600 s of work = 2 agents exactly
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(DAY, 10.0), 360.0, True, cyclic=True)
    target = ResponseTarget(86_400, 0.9)
    assert project_backlog(work, 2.0, target).share_in_time == 1.0
    short = project_backlog(work, 1.9, target)
    assert not short.stable and short.share_in_time == 0.0


def test_opening_backlog_cleared_by_its_deadline() -> None:
    # 300 items × 360 s = 108,000 s received 2 h before midnight; target 12 h → due at 10:00;
    # open from 08:00: 2 h = 7,200 s → 108,000 / 7,200 = 15 agents.
    work = WrittenWorkload.of(HALF_HOUR_S, np.zeros(DAY), 420.0, _open(16, 38),
                              opening_backlog=300, opening_backlog_age_s=7_200,
                              backlog_aht_s=360)
    target = ResponseTarget(12 * 3600, 1.0)
    flat = required_level(work, target)
    assert flat.agents_fractional[16] == pytest.approx(15.0, rel=1e-8)
    # backlog 300 until 08:00, then 15 agents answer 75 items per half-hour
    assert list(flat.projection.backlog[15:21]) == pytest.approx([300, 225, 150, 75, 0, 0])
    assert flat.projection.oldest_age_s[15] == pytest.approx(10 * 3600)  # 08:00, received 22:00
    per = required_per_interval(work, target)
    assert per.agents_fractional[16:20] == pytest.approx([15.0] * 4)
    assert per.agents_fractional.sum() == pytest.approx(60.0)
    assert per.agents.sum() == 60 and per.projection.share_in_time == 1.0


def test_opening_backlog_past_its_deadline_cannot_be_in_time() -> None:
    # received 14 h before the start with a 12 h target: overdue before 08:00
    work = WrittenWorkload.of(HALF_HOUR_S, np.zeros(DAY), 420.0, _open(16, 38),
                              opening_backlog=300, opening_backlog_age_s=14 * 3600,
                              backlog_aht_s=360)
    with pytest.raises(ParameterError, match="at most 0.00%"):
        required_level(work, ResponseTarget(12 * 3600, 0.5))


def test_monday_burst_after_a_closed_weekend() -> None:
    # 50 items/h round the clock, 420 s each; open Mon–Fri 08:00–19:00; 40 agents answer
    # 40 × 1,800 / 420 = 171.43 items per half-hour. The backlog is empty on Friday at 19:00
    # (a weekday drains in 3 h), so on Monday at 08:00 it holds Fri 19:00 → Mon 08:00 = 61 h
    # × 50 = 3,050 items, the oldest 61 h old. Sunday's item received at 08:00 + x h is
    # answered at Mon 08:00 + (1,850 + 50x) / 342.86 h (1,850 = Fri 19:00 → Sun 08:00), in time
    # within 24 h iff x ≥ 1,850 / (342.86 − 50) = 6.317 h: 50 × (16 − 6.317) = 484.15 items.
    week = 7 * DAY
    open_ = np.zeros(week, dtype=np.bool_)
    for d in range(5):
        open_[d * DAY + 16:d * DAY + 38] = True
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(week, 25.0), 420.0, open_, cyclic=True)
    p = project_backlog(work, 40.0, ResponseTarget(86_400, 0.9))
    monday_8 = 15  # the half-hour ending at 08:00
    assert p.backlog[monday_8] == pytest.approx(3050.0)
    assert p.oldest_age_s[monday_8] == pytest.approx(61 * 3600.0)
    assert p.backlog[4 * DAY + 37] == pytest.approx(0.0, abs=1e-9)  # Friday 19:00
    per_hour = 40 * 3600 / 420
    x = 1850 / (per_hour - 50)
    assert p.in_time[6 * DAY:].sum() == pytest.approx(50 * (16 - x))  # Sunday
    assert p.in_time[5 * DAY:6 * DAY].sum() == pytest.approx(0.0, abs=1e-9)  # Saturday
    late = 250 + 1200 + (1200 - 50 * (16 - x))
    assert p.share_in_time == pytest.approx((8400 - late) / 8400)


# ---------------------------------------------------------------- exactness
def _fine_share(arrivals: np.ndarray, aht: np.ndarray, cap_per_s: np.ndarray,
                response_s: float) -> float:
    """Independent check: one-second steps, items spread evenly inside each interval."""
    step = int(HALF_HOUR_S)
    work_rate = np.repeat(arrivals * aht / HALF_HOUR_S, step)
    cap = np.repeat(cap_per_s, step)
    a = np.concatenate([[0.0], np.cumsum(work_rate)])
    p = np.zeros_like(a)
    for t in range(cap.size):
        p[t + 1] = min(a[t + 1], p[t] + cap[t])
    in_time = total = 0.0
    for j, count in enumerate(arrivals):
        k = 200
        taus = j * HALF_HOUR_S + (np.arange(k) + 0.5) * HALF_HOUR_S / k
        need = np.interp(taus, np.arange(a.size), a)
        done = np.interp(taus + response_s, np.arange(a.size), p, right=np.nan)
        judged = np.isfinite(done) | (p[-1] >= need)
        ok = np.where(np.isfinite(done), done >= need - 1e-6, p[-1] >= need - 1e-6)
        in_time += count * (ok & judged).sum() / k
        total += count * judged.sum() / k
    return in_time / total


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=12, max_size=12),
       st.lists(st.integers(0, 6), min_size=12, max_size=12),
       st.sampled_from([1800.0, 2700.0, 7200.0]))
def test_share_in_time_matches_a_one_second_fluid_simulation(
        arrivals: list[int], agents: list[int], response_s: float) -> None:
    arr = np.asarray(arrivals, dtype=np.float64)
    if arr.sum() == 0:
        return
    aht = np.full(12, 300.0)
    work = WrittenWorkload.of(HALF_HOUR_S, arr, aht, True)
    p = project_backlog(work, np.asarray(agents, float), ResponseTarget(response_s, 0.5))
    judged = p.in_time.sum() + p.late.sum()
    if judged < 1:
        return
    expected = _fine_share(arr, aht, np.asarray(agents, float), response_s)
    assert p.share_in_time == pytest.approx(expected, abs=0.01)


# ---------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 40), min_size=DAY, max_size=DAY),
       st.floats(0.5, 30), st.floats(0.0, 5.0), st.sampled_from([4.0, 24.0, 48.0]))
def test_more_agents_never_lower_the_share_in_time(
        arrivals: list[float], level: float, extra: float, target_h: float) -> None:
    work = WrittenWorkload.of(HALF_HOUR_S, arrivals, 360.0, _open(16, 38), cyclic=True)
    target = ResponseTarget(target_h * 3600, 0.8)
    low = project_backlog(work, level, target).share_in_time
    high = project_backlog(work, level + extra, target).share_in_time
    assert high >= low - 1e-9


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0, 40), min_size=DAY, max_size=DAY), st.floats(0.3, 0.95))
def test_required_level_is_minimal(arrivals: list[float], share: float) -> None:
    if sum(arrivals) < 1:
        return
    work = WrittenWorkload.of(HALF_HOUR_S, arrivals, 360.0, _open(14, 40), cyclic=True)
    target = ResponseTarget(24 * 3600, share)
    try:
        req = required_level(work, target, max_occupancy=0.85)
    except ParameterError:
        return  # out of reach even with unlimited staff
    level, whole = float(req.agents_fractional.max()), float(req.agents.max())
    assert project_backlog(work, level, target, max_occupancy=0.85).share_in_time \
        >= share - 1e-9
    assert project_backlog(work, level * (1 - 1e-6), target,
                           max_occupancy=0.85).share_in_time < share
    assert whole == math.ceil(level - 1e-9)
    assert req.projection.share_in_time >= share - 1e-9


@settings(max_examples=4, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=5, max_size=5))
def test_whole_agents_per_interval_are_minimal_by_brute_force(arrivals: list[int]) -> None:
    # 5 half-hours, every item within 1 h (2 intervals), 600 s per item: 3 items per agent
    # and half-hour. Every plan of 0–4 agents per interval (5⁵ = 3,125) is tried.
    import itertools

    arr = np.asarray(arrivals, dtype=np.float64)
    if arr.sum() == 0:
        return
    work = WrittenWorkload.of(HALF_HOUR_S, arr, 600.0, True)
    target = ResponseTarget(3600.0, 1.0)
    req = required_per_interval(work, target)
    best = min((sum(plan) for plan in itertools.product(range(5), repeat=5)
                if project_backlog(work, np.asarray(plan, float), target).share_in_time
                >= 1 - 1e-9), default=None)
    if best is None:  # needs more than 4 agents somewhere
        assert req.agents.max() > 4
        return
    assert req.agents.sum() == best
    assert req.projection.share_in_time >= 1 - 1e-9


def test_per_interval_programme_needs_no_more_agent_hours_than_the_flat_level() -> None:
    # arrivals only 08:00–12:00 (a morning post), 24 h target: the programme may spread them
    # over the whole opening; its total equals the work / occupancy (nothing is wasted).
    arrivals = np.where(_open(16, 24), 60.0, 0.0)
    work = WrittenWorkload.of(HALF_HOUR_S, arrivals, 300.0, _open(16, 38), cyclic=True)
    target = ResponseTarget(24 * 3600, 1.0)
    per = required_per_interval(work, target, max_occupancy=0.85)
    flat = required_level(work, target, max_occupancy=0.85)
    work_s = 8 * 60 * 300.0
    assert per.agents_fractional.sum() * HALF_HOUR_S == pytest.approx(work_s / 0.85)
    assert per.agents_fractional.sum() <= flat.agents_fractional.sum() + 1e-6
    assert per.projection.share_in_time == 1.0
    # the lowest peak among the fewest agent-hours is flat over the opening
    assert per.agents_fractional[16:38] == pytest.approx(
        [work_s / 0.85 / (22 * HALF_HOUR_S)] * 22)


def test_unreachable_target_names_the_best_share() -> None:
    # round the clock arrivals, open 08:00–19:00, 4 h target: items received 19:00–04:00
    # (9 h of 24) are overdue before anyone works — at most 15 / 24 = 62.5 % in time
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(DAY, 25.0), 420.0, _open(16, 38),
                              cyclic=True)
    with pytest.raises(ParameterError, match="62.50%"):
        required_level(work, ResponseTarget(4 * 3600, 0.9))


# ---------------------------------------------------------------- the KPI's notion
@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("written") / "ws")
    build_demo(ws, seed=3, agents=120, days=14)
    return ws


def test_email_response_sla_uses_the_models_response_time(demo_ws: Workspace) -> None:
    # email_response_sla (kpi/catalogue/productivity.yaml): first_response_at − offered_at
    # ≤ response_s (86,400 s), over every written item received — unreplied items count late
    (row,) = compute(demo_ws, KpiRequest(kpis=("email_response_sla",),
                                         where=(("queue", "ENE_MAIL"),))).table.to_pylist()
    with demo_ws.connect(read_only=True) as con:
        rows = con.execute("SELECT epoch(offered_at), epoch(first_response_at) FROM contacts "
                           "WHERE queue_id = 'ENE_MAIL'").fetchall()
    received = np.array([r[0] for r in rows], dtype=np.float64)
    replied = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)
    target = ResponseTarget(86_400, 0.9)
    kpi = row["email_response_sla"]
    assert 0.5 < kpi < 1.0  # the demo answers most e-mails, not all in time
    assert target.met(received, replied).mean() == pytest.approx(kpi, abs=1e-12)
    # the model's FIFO matching of cumulative arrivals and replies gives the same share
    assert fifo_share_in_time(received, replied, target) == pytest.approx(kpi, abs=0.01)


def test_plan_from_the_demo_forecast_meets_the_target(demo_ws: Workspace) -> None:
    result = written_staffing(forecast="PREV-2026-07-06", queue="ENE_MAIL",
                              start="2026-07-06", days=7, target_share=0.9,
                              max_occupancy=0.85, workspace=demo_ws.root)
    p = result.projection
    assert p.share_in_time >= 0.9 - 1e-9
    assert len(result.days) == 7 and result.days[0].received > 0
    # advisors only in the queue's opening hours (Mon–Fri 08:00–19:00, Sat 09:00–13:00 local)
    assert result.days[6].agent_hours == 0.0  # Sunday
    assert p.agents.max() == result.requirement.agents.max()  # type: ignore[union-attr]


def test_plan_closes_on_public_holidays(demo_ws: Workspace) -> None:
    # 14 July 2026 (Fête nationale, a Tuesday) is a public holiday of the demo center
    with demo_ws.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM public_holidays WHERE day = DATE "
                           "'2026-07-14'").fetchone() == (1,)
    result = written_staffing(forecast="PREV-2026-07-06", queue="ENE_MAIL",
                              start="2026-07-13", days=7, target_share=0.8,
                              workspace=demo_ws.root)
    by_day = {d.day.isoformat(): d for d in result.days}
    assert by_day["2026-07-14"].agent_hours == 0.0
    assert by_day["2026-07-14"].received > 0  # e-mails still arrive
    assert by_day["2026-07-15"].agent_hours > 0.0


# ---------------------------------------------------------------- CLI
def test_cli_calculator_prints_agents_positions_backlog_and_share() -> None:
    out = CliRunner().invoke(app, [
        "backlog", "--volume-per-day", "1200", "--aht-s", "420", "--target-h", "24",
        "--target-share", "0.9", "--opening", "08:00-19:00", "--arrivals", "open",
        "--max-occupancy", "0.85", "--shrinkage", "0.3", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    # every day open 08:00–19:00: 14.97 agents (first test), 15 whole, 22 positions;
    # paid hours per week 15 × 11 h × 7 / 0.7 = 1,650; FTE 1,650 / 35 = 47.14
    assert data["agents_fractional"] == pytest.approx(14.9733, abs=1e-4)
    assert (data["agents"], data["positions"]) == (15, 22)
    assert data["paid_hours_per_week"] == pytest.approx(1650.0)
    assert data["fte"] == pytest.approx(1650 / 35)
    assert data["share_in_time"] == 1.0 and data["days"][0]["backlog_end_of_day"] == 0.0


def test_cli_rejects_a_malformed_opening_span(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="HH:MM"):
        written_staffing(volume_per_day=100, aht_s=300, opening=["Mon-Fri 8h-19h"])


# ---------------------------------------------------------------- business hours, per day
def _week_open_weekdays() -> np.ndarray:
    open_ = np.zeros(7 * DAY, dtype=np.bool_)
    for d in range(5):
        open_[d * DAY + 16:d * DAY + 38] = True  # Mon–Fri 08:00–19:00
    return open_


def test_business_clock_stops_over_the_weekend() -> None:
    # As the Monday burst above (40 agents, the weekend backlog gone by Mon 18:25), but 11
    # business hours: a Saturday e-mail is due on Monday at 19:00 (the clock stopped on Friday
    # at 19:00), so every weekend item is in time — none is with 24 elapsed hours.
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(7 * DAY, 25.0), 420.0,
                              _week_open_weekdays(), cyclic=True)
    business = project_backlog(work, 40.0, ResponseTarget(11 * 3600, 0.9,
                                                          ResponseClock.BUSINESS))
    elapsed = project_backlog(work, 40.0, ResponseTarget(24 * 3600, 0.9))
    saturday = slice(5 * DAY, 6 * DAY)
    assert business.in_time[saturday].sum() == pytest.approx(1200.0)
    assert elapsed.in_time[saturday].sum() == pytest.approx(0.0, abs=1e-9)
    assert business.share_in_time == pytest.approx(1.0)


def test_flat_level_per_day_clears_the_weekend_on_monday() -> None:
    # Every item within 11 business hours, one level per day. All 980 agent-hours of the week
    # (8,400 items × 420 s) are needed; Monday must answer the 3,050 items received while
    # closed (Fri 19:00 → Mon 08:00) by 19:00: 3,050 × 420 / (11 × 3,600) = 32.35 agents, the
    # lowest possible peak.
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(7 * DAY, 25.0), 420.0,
                              _week_open_weekdays(), cyclic=True)
    target = ResponseTarget(11 * 3600, 1.0, ResponseClock.BUSINESS)
    req = required_per_interval(work, target, groups=np.arange(7 * DAY) // DAY)
    assert req.agents_fractional.sum() * 0.5 == pytest.approx(980.0)
    assert req.agents_fractional[16] == pytest.approx(3050 * 420 / (11 * 3600))
    assert req.agents_fractional.max() == pytest.approx(3050 * 420 / (11 * 3600))
    for d in range(5):  # one level within each day
        day = req.agents[d * DAY + 16:d * DAY + 38]
        assert (day == day[0]).all()
    assert req.agents[16] == 33 and req.projection.share_in_time == pytest.approx(1.0)
    assert req.agents[5 * DAY:].sum() == 0  # weekend closed


def test_levels_per_day_below_100_percent_need_only_the_weeks_work() -> None:
    # 70 % within 24 elapsed hours, one level per day. Capacity per week must cover the work
    # (8,400 items × 420 s = 980 h): that lower bound is reached, where one flat level needs
    # far more (it must also clear the Monday burst on Friday).
    work = WrittenWorkload.of(HALF_HOUR_S, np.full(7 * DAY, 25.0), 420.0,
                              _week_open_weekdays(), cyclic=True)
    target = ResponseTarget(24 * 3600, 0.7)
    per_day = required_per_interval(work, target, groups=np.arange(7 * DAY) // DAY)
    flat = required_level(work, target)
    assert per_day.agents_fractional.sum() * 0.5 == pytest.approx(980.0, rel=1e-6)
    assert per_day.projection.share_in_time >= 0.7
    assert per_day.proven_minimal and not per_day.exact_share_model
    assert flat.agents_fractional.sum() * 0.5 > 1.5 * 980


def test_cli_levels_per_day_in_business_hours() -> None:
    out = CliRunner().invoke(app, [
        "backlog", "--volume-per-day", "1200", "--aht-s", "420", "--target-h", "11",
        "--clock", "business", "--target-share", "1", "--levels", "day", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["clock"] == "business" and max(data["agents"]) == 33  # as above
    assert data["share_in_time"] == pytest.approx(1.0)
