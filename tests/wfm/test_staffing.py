"""Staffing requirements: published staffing results, minimality, pyworkforce agreement.

"REF" below is ``shared/docs/reference-values.md``; "ORACLES" is ``shared/data/erlang-oracles/``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyworkforce.queuing import ErlangC

from pilotage.errors import ParameterError
from pilotage.wfm import (
    Constraint,
    QueueModel,
    StaffingTarget,
    achieved_metrics,
    positions_after_shrinkage,
    required_agents,
    staff_interval,
)


def test_call_centre_helper_requirement_80_in_20_with_occupancy_cap() -> None:
    # REF §1.1 staffing: raw N = 14, positions ceil(14/0.7) = 20 (pyworkforce
    # test_expected_erlangc_results; CRAN ErlangC README $agents = 14)
    r = staff_interval(100, 180, interval_min=30,
                       target=StaffingTarget(service_level=0.8, threshold_s=20,
                                             max_occupancy=0.85), shrinkage=0.3)
    assert (r.agents, r.positions) == (14, 20)
    assert r.binding is Constraint.SERVICE_LEVEL
    assert r.service_level == pytest.approx(0.88835, abs=5e-6)  # REF §1.1 CRAN ErlangC N=14
    assert r.p_wait == pytest.approx(0.1741319, abs=5e-8)
    assert r.asa_s == pytest.approx(7.83593701177724, rel=1e-12)
    assert r.occupancy == pytest.approx(0.7142857, abs=5e-8)
    assert 13 < r.agents_fractional <= 14


def test_call_centre_helper_requirement_with_occupancy_cap_70() -> None:
    # REF §1.1 staffing: pyworkforce test_over_occupancy_erlangc: raw 15, positions 22, SL 0.941,
    # occupancy 0.667, P(wait) 0.102
    r = staff_interval(100, 180, target=StaffingTarget(service_level=0.8, max_occupancy=0.70),
                       shrinkage=0.3)
    assert (r.agents, r.positions) == (15, 22)
    assert r.binding is Constraint.OCCUPANCY
    assert r.service_level == pytest.approx(0.941, abs=5e-4)
    assert r.occupancy == pytest.approx(0.667, abs=5e-4)
    assert r.p_wait == pytest.approx(0.102, abs=5e-4)
    assert r.agents_fractional == pytest.approx(10 / 0.7)  # occupancy binds: A / cap


def test_westbay_first_headcount_meeting_80_in_20_is_54() -> None:
    # REF §1.2: "first N meeting 80/20 is 54 (SL 81.7 %)" (360 calls / 30 min, AHT 240 s)
    r = staff_interval(360, 240, target=StaffingTarget(service_level=0.8, threshold_s=20))
    assert r.agents == 54
    assert r.service_level == pytest.approx(0.817, abs=5e-4)


def _headlines(shared_dir: Path) -> list[dict[str, str]]:
    path = shared_dir / "data" / "erlang-oracles" / "callcentretools_headlines.csv"
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_callcentretools_headline_staffing_all_six_captures(shared_dir: Path) -> None:
    # ORACLES callcentretools_headlines.csv (REF §1.3 "Headline staffing results"); the site rule:
    # N_req = max(smallest N with SL ≥ target, ceil(A / max occupancy)); staff = N_req/(1 − s)
    # rounded to the nearest 0.5 (we schedule ceil instead). Expected N_req per REF §1.3.
    n_req = {"default": 68, "s1": 64, "s2": 68, "s3": 72, "s4": 68, "s5": 59}
    rows = _headlines(shared_dir)
    assert len(rows) == 6
    for row in rows:
        shrink = float(row["shrinkage_pct"]) / 100
        a = float(row["erlangs_displayed"])
        aht = float(row["aht_s"])
        target = StaffingTarget(service_level=float(row["sl_target_pct"]) / 100,
                                threshold_s=float(row["target_answer_s"]),
                                max_occupancy=float(row["max_occupancy_pct"]) / 100)
        period = float(row["period_min"])
        r = staff_interval(a / aht * period * 60, aht, interval_min=period, target=target,
                           shrinkage=shrink)
        name = row["scenario"]
        assert r.agents == n_req[name], name
        site_staff = float(row["headline_agents_incl_shrinkage"])
        assert round(2 * r.agents / (1 - shrink)) / 2 == site_staff, name
        assert r.positions == math.ceil(r.agents / (1 - shrink) - 1e-9), name
        assert 100 * r.service_level == pytest.approx(float(row["headline_sl_pct"]), abs=0.05)
        assert r.asa_s == pytest.approx(float(row["headline_asa_s"]), abs=0.05 + 1e-9), name
        assert 100 * r.occupancy == pytest.approx(float(row["headline_occupancy_pct"]),
                                                  abs=0.05 + 1e-9), name


def test_positions_after_shrinkage_is_exact_on_round_quotients() -> None:
    # REF §1.1: ceil(14/0.7) = 20 although 14/0.7 is 20.000000000000004 in binary
    np.testing.assert_array_equal(positions_after_shrinkage([14, 15, 0], 0.3), [20, 22, 0])
    np.testing.assert_array_equal(positions_after_shrinkage([68, 72], 0.3), [98, 103])


def test_erlang_a_requirement_for_abandonment_target() -> None:
    # REF §2.1 inputs: at N = 14 P(ab) = 0.013984; so the smallest N with P(ab) ≤ 1.4 % is 14
    r = staff_interval(100, 180, target=StaffingTarget(max_abandon=0.014), patience_s=300)
    assert r.model is QueueModel.ERLANG_A
    assert r.agents == 14
    assert r.p_abandon == pytest.approx(0.013984, abs=5e-7)
    assert r.service_level == pytest.approx(0.916792, abs=5e-7)


def test_vectorised_requirements_match_interval_by_interval() -> None:
    # consistency (no reference number): arrays give the same answers as single intervals
    vol = np.array([0.0, 5.0, 100.0, 400.0, 3000.0, 25000.0])
    aht = np.array([180.0, 300.0, 180.0, 257.0, 240.0, 200.0])
    target = StaffingTarget(service_level=0.8, threshold_s=20, asa_s=30, max_occupancy=0.9)
    req = required_agents(vol, aht, target, shrinkage=0.2)
    for i in range(vol.size):
        one = staff_interval(float(vol[i]), float(aht[i]), target=target, shrinkage=0.2)
        assert one.agents == req.agents[i] and one.positions == req.positions[i]
    assert req.agents[0] == 0 and req.binding[0] == Constraint.NO_LOAD.value


def test_required_agents_for_thousands_of_erlangs_is_minimal() -> None:
    # no reference number: minimality at a load of ~4,000 Erlangs, Erlang C and Erlang A
    target = StaffingTarget(service_level=0.9, threshold_s=15)
    for patience in (None, 90.0):
        req = required_agents([48000.0], [300.0], target, patience_s=patience)
        n = int(req.agents[0])
        both = achieved_metrics([48000.0, 48000.0], [300.0, 300.0], [n, n - 1], threshold_s=15,
                                patience_s=patience)
        assert both.service_level[0] >= 0.9 > both.service_level[1]


@st.composite
def targets(draw: st.DrawFn, abandon: bool = False) -> StaffingTarget:
    sl = draw(st.none() | st.floats(0.05, 0.99))
    asa = draw(st.floats(1.0, 300.0)) if sl is None else draw(st.none() | st.floats(1.0, 300.0))
    max_abandon = draw(st.none() | st.floats(0.005, 0.5)) if abandon else None
    return StaffingTarget(service_level=sl, threshold_s=draw(st.floats(0.0, 120.0)), asa_s=asa,
                          max_abandon=max_abandon,
                          max_occupancy=draw(st.sampled_from([1.0, 0.95, 0.85, 0.7])))


@given(data=st.data(), vol=st.floats(0.5, 5000.0), aht=st.floats(20.0, 900.0),
       patience=st.none() | st.floats(10.0, 1200.0))
@settings(max_examples=150, deadline=None)
def test_required_agents_are_minimal(data: st.DataObject, vol: float, aht: float,
                                     patience: float | None) -> None:
    target = data.draw(targets(abandon=patience is not None))
    req = required_agents(vol, aht, target, patience_s=patience)
    n = int(req.agents[0])
    assert math.ceil(req.agents_fractional[0] - 1e-9) == n
    m = achieved_metrics([vol, vol], [aht, aht], [n, max(n - 1, 0)],
                         threshold_s=target.threshold_s, patience_s=patience)

    def meets(i: int) -> bool:
        ok = m.occupancy[i] <= target.max_occupancy + 1e-12
        if target.max_occupancy < 1.0 and m.agents[i] == 0:
            ok = False
        if target.service_level is not None:
            ok &= m.service_level[i] >= target.service_level - 1e-12
        if target.asa_s is not None:
            ok &= m.asa_s[i] <= target.asa_s * (1 + 1e-12)
        if target.max_abandon is not None:
            ok &= m.p_abandon[i] <= target.max_abandon + 1e-12
        return bool(ok)

    assert meets(0)
    if n > 0:
        assert not meets(1)


@given(vol=st.floats(1.0, 3000.0), aht=st.floats(30.0, 600.0), t=st.floats(0.0, 60.0))
@settings(max_examples=60, deadline=None)
def test_achieved_service_level_is_non_decreasing_in_agents(vol: float, aht: float,
                                                             t: float) -> None:
    a = vol * aht / 1800
    agents = np.arange(0, int(a * 1.4) + 10)
    m = achieved_metrics(vol, aht, agents, threshold_s=t)
    assert np.all(np.diff(m.service_level) >= -1e-12)
    assert np.all((m.p_wait >= 0) & (m.p_wait <= 1))


# ---------------------------------------------------------------------------------------------
# pyworkforce 0.5.1 (test-only peer; shared/docs/stack-notes.md §5)


@pytest.mark.parametrize(("transactions", "aht_min", "t_min", "interval", "shrink", "sl", "occ"), [
    (100, 3, 20 / 60, 30, 0.3, 0.8, 0.85),  # REF §1.1 (pyworkforce test_expected_erlangc_results)
    (100, 3, 20 / 60, 30, 0.3, 0.8, 0.70),  # REF §1.1 (pyworkforce test_over_occupancy_erlangc)
    (360, 4, 15 / 60, 30, 0.1, 0.8, 1.0),  # REF §1.2 inputs
    (400, 257 / 60, 20 / 60, 30, 0.25, 0.8, 0.85),  # REF §1.3 inputs
    (1000, 3, 10 / 60, 60, 0.0, 0.9, 1.0),  # REF §1.3 load B
    (2500, 5, 30 / 60, 30, 0.35, 0.95, 0.9),  # large load, no reference number
])
def test_requirements_agree_with_pyworkforce(transactions: float, aht_min: float, t_min: float,
                                             interval: float, shrink: float, sl: float,
                                             occ: float) -> None:
    peer = ErlangC(transactions=transactions, aht=aht_min, asa=t_min, interval=interval,
                   shrinkage=shrink).required_positions(service_level=sl, max_occupancy=occ)
    r = staff_interval(transactions, aht_min * 60, interval_min=interval, shrinkage=shrink,
                       target=StaffingTarget(service_level=sl, threshold_s=t_min * 60,
                                             max_occupancy=occ))
    assert r.agents == peer["raw_positions"]
    assert r.positions == peer["positions"]
    assert r.service_level == pytest.approx(peer["service_level"], abs=1e-9)
    assert r.occupancy == pytest.approx(peer["occupancy"], abs=1e-12)
    assert r.p_wait == pytest.approx(peer["waiting_probability"], abs=1e-9)


@given(vol=st.floats(1.0, 2000.0), aht=st.floats(0.5, 10.0), t=st.floats(0.05, 2.0),
       extra=st.integers(1, 40))
@settings(max_examples=100, deadline=None)
def test_achieved_metrics_agree_with_pyworkforce_above_capacity(vol: float, aht: float, t: float,
                                                                extra: int) -> None:
    # compared only for N > A: pyworkforce's waiting_probability is not clamped for N ≤ A
    # (stack-notes §5, it returns 1.96 at N = 8 for A = 10)
    peer = ErlangC(transactions=vol, aht=aht, asa=t, interval=30)
    n = int(math.floor(peer.intensity)) + extra
    if n <= peer.intensity:
        n += 1
    m = achieved_metrics(vol, aht * 60, n, interval_min=30, threshold_s=t * 60)
    assert m.p_wait[0] == pytest.approx(peer.waiting_probability(n), abs=1e-9)
    assert m.service_level[0] == pytest.approx(peer.service_level(n), abs=1e-9)
    assert m.occupancy[0] == pytest.approx(peer.achieved_occupancy(n), rel=1e-12)


def test_pyworkforce_quirk_below_capacity_is_not_repeated() -> None:
    # stack-notes §5: pyworkforce waiting_probability(8) = 1.96 for A = 10; ours is 1 and typed
    peer = ErlangC(transactions=100, aht=3, asa=20 / 60, interval=30)
    assert peer.waiting_probability(8) > 1.0
    m = achieved_metrics(100, 180, 8)
    assert m.p_wait[0] == 1.0 and not m.stable[0] and np.isposinf(m.asa_s[0])
    assert m.service_level[0] == 0.0 == peer.service_level(8)


# ---------------------------------------------------------------------------------------------
# Parameter errors name the option and the value


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"service_level": 1.2}, "--sl must be in (0, 1), got 1.2"),
    ({"service_level": 0.8, "max_occupancy": 0.0}, "--max-occupancy must be in (0, 1], got 0.0"),
    ({"asa_s": -3.0}, "--asa-s must be a finite number > 0, got -3.0"),
    ({"max_abandon": 1.5}, "--max-abandon must be in (0, 1), got 1.5"),
    ({}, "no staffing target given"),
])
def test_invalid_targets_raise_parameter_error(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ParameterError) as exc:
        StaffingTarget(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(exc.value)


def test_invalid_workload_and_shrinkage_raise_parameter_error() -> None:
    target = StaffingTarget(service_level=0.8)
    with pytest.raises(ParameterError, match=r"aht_s must be finite and > 0; interval 1 has "
                                             r"-5\.0"):
        required_agents([10.0, 10.0], [180.0, -5.0], target)
    with pytest.raises(ParameterError, match=r"--shrinkage must be in \[0, 1\), got 1\.0"):
        required_agents(10.0, 180.0, target, shrinkage=1.0)
    with pytest.raises(ParameterError, match="needs a patience"):
        required_agents(10.0, 180.0, StaffingTarget(max_abandon=0.05))
