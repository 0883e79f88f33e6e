"""The fast staffing search: Erlang B ladder, Erlang C ladder, galloping search, ₁F₁ regimes.

No reference number here: each part is checked against a slower independent computation (the
Erlang B recursion from N = 0, a brute-force scan, the ₁F₁ series summed term by term).
"""

from __future__ import annotations

import numpy as np
import pytest

from pilotage.wfm import StaffingTarget, achieved_metrics, erlang, headcount, required_agents


def _recursion_from_zero(a: float, n_max: int) -> np.ndarray:
    inv_b = np.empty(n_max + 1)
    inv_b[0] = 1.0
    for k in range(1, n_max + 1):
        inv_b[k] = 1.0 + k / a * inv_b[k - 1]
    return inv_b


@pytest.mark.parametrize("a", [0.3, 9.99, 57.111, 72.3, 333.3, 504.0, 950.0])
def test_erlang_b_ladder_matches_the_recursion_from_zero(a: float) -> None:
    # the ladder starts 7·√A below the load from an approximate value: it must have forgotten it
    n_max = int(a + 12 * np.sqrt(a)) + 5
    exact = _recursion_from_zero(a, n_max)
    n = np.arange(max(0, int(a - 12 * np.sqrt(a))), n_max + 1)
    np.testing.assert_allclose(erlang.inverse_erlang_b_whole(n, a), exact[n], rtol=1e-12)


def test_erlang_b_ladder_far_from_the_load_uses_the_gamma_function() -> None:
    # more than 256 steps away: evaluated by log_erlang_b instead, same values
    n = np.array([10, 3000, 4000, 4500])
    np.testing.assert_allclose(erlang.inverse_erlang_b_whole(n, 3500.0),
                               1.0 / erlang.erlang_b(n, 3500.0), rtol=1e-12)


def _log_kummer_series(x: float, y: float) -> float:
    k = np.arange(1, int(60 * np.sqrt(x) + 60 * x / max(x - y, 1.0)) + 200, dtype=np.float64)
    log_terms = np.cumsum(np.log(y) - np.log(x + k))
    top = max(0.0, float(log_terms.max()))
    return top + float(np.log(np.exp(-top) + np.exp(log_terms - top).sum()))


@pytest.mark.parametrize(("x", "z"), [(50.0, 1.0), (1e4, 1.0), (1e4, 4.0), (1e4, 7.0),
                                      (1e4, 20.0), (1e6, 6.0), (1e6, 30.0)])
def test_kummer_function_matches_its_series_on_both_sides_of_the_switch(x: float,
                                                                        z: float) -> None:
    # z standard deviations below x: gammainc up to 4, hyp1f1 beyond (scipy's gammainc drifts)
    y = x - z * np.sqrt(x)
    assert float(erlang.log_kummer_1f1_unit(x, y)) == pytest.approx(_log_kummer_series(x, y),
                                                                    rel=1e-11)


def test_kummer_function_for_decades_of_patience_is_finite() -> None:
    # x ≈ 6e10 a few √x below: scipy's hyp1f1 returns NaN; Temme's expansion takes over and
    # agrees with hyp1f1 where both work (x = 1e8)
    x = np.array([6e10, 6e10, 1e12])
    y = x - np.array([4.5, 6.0, 5.0]) * np.sqrt(x)
    values = erlang.log_kummer_1f1_unit(x, y)
    assert np.all(np.isfinite(values))
    # leading order 𝒜 ≈ √x·Φ(u)/φ(u) with u = −z: between √x/(z + 1/z) and √x/z
    assert np.all(values < np.log(np.sqrt(x) / np.array([4.5, 6.0, 5.0])))
    x8, y8 = np.array([1e8]), np.array([1e8 - 7e4])
    assert float(erlang._log_kummer_temme(x8, y8)[0]) == pytest.approx(
        float(erlang.log_kummer_1f1_unit(1e8, 1e8 - 7e4)), rel=1e-10)


def test_erlang_c_ladder_climbs_again_when_the_estimate_is_too_high() -> None:
    # a first rung above the answer: the goal is met there, so the ladder restarts at ⌊A⌋
    load = np.array([10.0, 57.111, 480.5])
    aht = np.array([180.0, 257.0, 300.0])
    t = np.full(3, 20.0)
    needed = {headcount.SERVICE_LEVEL: np.full(3, 0.8 - 1e-12)}
    good = headcount.erlang_c_ladder(load, aht, t, needed, np.floor(load))
    high = headcount.erlang_c_ladder(load, aht, t, needed, good.agents + 7.0)
    np.testing.assert_array_equal(high.rungs[headcount.SERVICE_LEVEL].agents,
                                  good.rungs[headcount.SERVICE_LEVEL].agents)
    np.testing.assert_allclose(high.inverse_b, good.inverse_b, rtol=1e-12)
    # shared/docs/reference-values.md §1.1 (N = 14 for 80/20) and §1.3 scenario s1 (N = 64)
    assert list(good.agents[:2]) == [14, 64]


@pytest.mark.parametrize("offset", [-40.0, -3.0, 0.0, 1.0, 25.0])
def test_galloping_search_finds_the_brute_force_answer_from_any_guess(offset: float) -> None:
    volume = np.array([3.0, 100.0, 400.0, 2500.0])
    aht = np.array([300.0, 180.0, 257.0, 240.0])
    target = 0.85
    scan = np.arange(0, 400)

    def sl(idx: np.ndarray, agents: np.ndarray) -> np.ndarray:
        m = achieved_metrics(volume[idx], aht[idx], agents, threshold_s=20.0, patience_s=120.0)
        return m.service_level

    brute = [int(scan[np.argmax(sl(np.full(scan.size, i), scan.astype(float)) >= target)])
             for i in range(volume.size)]
    guess = np.maximum(np.array(brute, dtype=float) + offset, 0.0)
    found = headcount.gallop(sl, np.full(volume.size, target), guess, np.full(volume.size, -1.0))
    assert list(found.agents) == brute
    np.testing.assert_array_less(found.goodness_below[~np.isnan(found.goodness_below)], target)
    assert np.all(found.goodness_at >= target)


def test_erlang_a_requirements_are_the_brute_force_ones() -> None:
    # every constraint of plan mode with a patience, against a scan of N
    volume = np.array([1.0, 40.0, 400.0, 1500.0])
    aht = np.array([600.0, 240.0, 257.0, 180.0])
    target = StaffingTarget(service_level=0.8, threshold_s=20.0, asa_s=15.0, max_abandon=0.03,
                            max_occupancy=0.9)
    req = required_agents(volume, aht, target, patience_s=90.0)
    for i in range(volume.size):
        scan = np.arange(0, 300.0)
        m = achieved_metrics(volume[i], aht[i], scan, threshold_s=20.0, patience_s=90.0)
        ok = ((m.service_level >= 0.8) & (m.asa_s <= 15.0) & (m.p_abandon <= 0.03)
              & (m.occupancy <= 0.9) & (scan > 0))
        assert req.agents[i] == int(scan[np.argmax(ok)])
