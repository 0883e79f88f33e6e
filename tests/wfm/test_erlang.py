"""Erlang B / C / A formulas against published values, an independent exact oracle and properties.

"REF" below is ``shared/docs/reference-values.md``; "ORACLES" is ``shared/data/erlang-oracles/``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import linalg, special

from pilotage.wfm import achieved_metrics, erlang

# ---------------------------------------------------------------------------------------------
# Independent oracle: the M/M/N+M birth–death chain, truncated, and the tagged-caller absorbing
# chain for the service level (matrix exponential). No incomplete gamma function involved.


def chain_oracle(n: int, lam: float, mu: float, theta: float, t: float) -> dict[str, float]:
    a = lam / mu
    kmax = n + int(40 + 60 * np.sqrt(lam / theta + 1) + lam / theta * 2)
    k = np.arange(kmax + 1)
    logp = np.empty(kmax + 1)
    logp[: n + 1] = k[: n + 1] * np.log(a) - special.gammaln(k[: n + 1] + 1)
    j = np.arange(1, kmax - n + 1)
    logp[n + 1:] = logp[n] + np.cumsum(np.log(lam) - np.log(n * mu + j * theta))
    p = np.exp(logp - special.logsumexp(logp))
    queue = np.maximum(k - n, 0)
    p_wait = p[n:].sum()
    lq = (queue * p).sum()
    busy = (np.minimum(k, n) * p).sum()
    # tagged caller finding n + j in system: states "i ahead" i = j..0, absorbing served/abandoned
    jmax = min(kmax - n, 400)
    size = jmax + 1
    q = np.zeros((size + 1, size + 1))  # last state = served
    for i in range(size):
        move = n * mu + i * theta
        target = i - 1 if i > 0 else size
        q[i, target] += move
        q[i, i] -= move + theta  # own abandonment leaves to an (implicit) absorbing state
    served_by_t = linalg.expm(q * t)[:size, size]
    sl = (1 - p_wait) + (p[n: n + size] * served_by_t).sum()
    return {"p_wait": p_wait, "p_abandon": theta * lq / lam, "occupancy": busy / n,
            "asa": lq / lam, "service_level": sl}


# ---------------------------------------------------------------------------------------------
# Erlang B / C exact special cases


def test_erlang_b_and_c_structural_values() -> None:
    # REF §1.5 (chjacamp/erlangR tests/testthat/test-formulas.R)
    assert erlang.erlang_b(2, 1) == pytest.approx(0.2, abs=1e-14)
    assert erlang.erlang_c(2, 1) == pytest.approx(1 / 3, abs=1e-14)
    assert erlang.erlang_b(1, 0.5) == pytest.approx(1 / 3, abs=1e-14)
    assert erlang.erlang_c(1, 0.5) == pytest.approx(0.5, abs=1e-14)
    assert erlang.erlang_b(0, 3) == 1.0
    assert erlang.erlang_c(5, 5) == 1.0


def test_erlang_b_matches_the_recursion_for_large_loads() -> None:
    # recursion B(k) = A·B(k−1)/(k + A·B(k−1)) (textbook, no reference number): exactness at scale
    for a in (0.3, 57.111, 950.0, 4800.0):
        b = 1.0
        ns = np.arange(0, int(a * 1.3) + 5)
        rec = []
        for k in ns:
            b = 1.0 if k == 0 else a * b / (k + a * b)
            rec.append(b)
        np.testing.assert_allclose(erlang.erlang_b(ns, a), rec, rtol=1e-11, atol=1e-300)


def test_call_centre_helper_example_erlang_c() -> None:
    # REF §1.1: CRAN ErlangC README (N=11, N=14), pyworkforce test_erlang.py; N=12,13,15 recomputed
    n = np.array([11, 12, 13, 14, 15])
    np.testing.assert_allclose(erlang.erlang_c(n, 10.0),
                               [0.6821182, 0.449388, 0.285270, 0.1741319, 0.102042], atol=6e-7)
    np.testing.assert_allclose(erlang.erlang_c_service_level(n, 10.0, 180, 20),
                               [0.3896138, 0.640158, 0.795595, 0.88835, 0.941453], atol=6e-7)
    # REF §1.1, CRAN ErlangC README: ASA 7.83593701177724 s at N = 14; N = 15 recomputed 3.674 s
    assert erlang.erlang_c_asa_s(14, 10.0, 180) == pytest.approx(7.83593701177724, rel=1e-12)
    assert erlang.erlang_c_asa_s(15, 10.0, 180) == pytest.approx(3.674, abs=5e-4)
    # REF §1.1: immediate_answer_probability = 0.8258681
    assert 1 - erlang.erlang_c(14, 10.0) == pytest.approx(0.8258681, abs=5e-8)


def test_westbay_example_erlang_c() -> None:
    # REF §1.2 (Westbay inputs; outputs recomputed + public Jest test: erlangC(48,55) ≈ 0.23870,
    # serviceLevel(48,55,240,20) ≈ 0.8668, asa ≈ 8.184 s, SL(54) 81.7 %)
    assert erlang.erlang_c(54, 48) == pytest.approx(0.301308, abs=5e-7)
    assert erlang.erlang_c(55, 48) == pytest.approx(0.238701, abs=5e-7)
    np.testing.assert_allclose(erlang.erlang_c_service_level([53, 54, 55], 48, 240, 20),
                               [0.7518, 0.817248, 0.866796], atol=5e-5)
    np.testing.assert_allclose(erlang.erlang_c_service_level([54, 55], 48, 240, 15),
                               [0.792914, 0.845883], atol=5e-7)
    np.testing.assert_allclose(erlang.erlang_c_asa_s([54, 55], 48, 240), [12.05, 8.184],
                               atol=5e-3)


def test_contactcenters_mmc_example_exact_values() -> None:
    # REF §1.4, "exact Erlang C (recomputed by us, A = 8.4)": SL 0.8991, ASA 0.1022 min, occ 0.700
    assert erlang.erlang_c_service_level(12, 8.4, 120, 20) == pytest.approx(0.8991, abs=5e-5)
    assert erlang.erlang_c_asa_s(12, 8.4, 120) / 60 == pytest.approx(0.1022, abs=5e-5)
    # the simulated 95 % CI of SL (0.900, 0.904) is a finite-horizon figure: formulas are close
    assert abs(float(erlang.erlang_c_service_level(12, 8.4, 120, 20)) - 0.902) < 0.005
    # REF §1.4: exact occupancy 0.700 (simulated 0.695, CI 0.694–0.697); simulated speed of
    # answer 0.099 min (CI 0.097–0.102) against the exact 0.1022
    occupancy = float(achieved_metrics(4.2 * 30, 120, 12, interval_min=30).occupancy[0])
    assert occupancy == pytest.approx(0.700, abs=5e-4)
    assert abs(float(erlang.erlang_c_asa_s(12, 8.4, 120)) / 60 - 0.099) < 0.005


def test_erlang_c_at_or_above_capacity_is_typed_not_a_sentinel() -> None:
    # REF §1.5: C(N=5, A=5) = 1; SL limit 0 and ASA unbounded for N ≤ A (REF notation)
    n = np.array([0, 1, 5, 8, 10])
    assert np.all(erlang.erlang_c(n, 10.0) == 1.0)
    assert np.all(erlang.erlang_c_service_level(n, 10.0, 180, 20) == 0.0)
    assert np.all(np.isposinf(erlang.erlang_c_asa_s(n, 10.0, 180)))


def test_erlang_c_is_stable_for_thousands_of_agents() -> None:
    # no reference number: no overflow / NaN, values in [0, 1] and continuous around N ≈ A
    n = np.arange(4900, 5200)
    c = erlang.erlang_c(n, 5000.0)
    assert np.all(np.isfinite(c)) and np.all((c >= 0) & (c <= 1))
    assert np.all(np.diff(c) <= 0)
    assert c[n == 5000][0] == 1.0 and c[n == 5001][0] < 1.0


# ---------------------------------------------------------------------------------------------
# Oracles: callcentretools.com captured pages (Erlang C + Erlang A abandon rate)


def _whatif_rows(shared_dir: Path) -> list[dict[str, str]]:
    path = shared_dir / "data" / "erlang-oracles" / "callcentretools_whatif_tables.csv"
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_callcentretools_whatif_tables_all_71_rows(shared_dir: Path) -> None:
    # ORACLES callcentretools_whatif_tables.csv, every row (REF §1.3 and §2.2); the site uses the
    # load as printed (erlangs_displayed, 57.111) and prints SL/occupancy/immediate to 0.1 %,
    # ASA to 0.1 s, abandon to 0.01 %
    rows = _whatif_rows(shared_dir)
    assert len(rows) == 71
    for row in rows:
        n = float(row["agents"])
        a = float(row["erlangs_displayed"])
        aht = float(row["aht_s"])
        t = float(row["target_answer_s"])
        lam = a / aht
        where = f"{row['scenario']} N={row['agents']}"
        sl = 100 * float(erlang.erlang_c_service_level(n, a, aht, t))
        assert sl == pytest.approx(float(row["service_level_pct"]), abs=0.05 + 1e-9), where
        occ = 100 * min(a / n, 1.0)
        assert occ == pytest.approx(float(row["occupancy_pct"]), abs=0.05 + 1e-9), where
        immediate = 100 * (1 - float(erlang.erlang_c(n, a)))
        assert immediate == pytest.approx(float(row["answered_immediately_pct"]),
                                          abs=0.05 + 1e-9), where
        asa = float(erlang.erlang_c_asa_s(n, a, aht))
        if n <= a:  # s5 N = 50 = A: the site prints 359999967.4 (floating junk); ours is +inf
            assert np.isposinf(asa), where
        else:
            assert asa == pytest.approx(float(row["asa_s"]), abs=0.05 + 1e-9), where
        ab = 100 * float(erlang.erlang_a(n, lam, aht, float(row["patience_s"]), t).p_abandon)
        decimals = len(row["abandon_rate_pct"].partition(".")[2])
        assert ab == pytest.approx(float(row["abandon_rate_pct"]),
                                   abs=0.5 * 10 ** -decimals + 1e-9), where


# ---------------------------------------------------------------------------------------------
# Erlang A


def test_erlang_a_pyworkforce_regression_snapshot() -> None:
    # REF §2.1: pyworkforce test_abandonment.py::test_erlanga_regression_metrics (100 / 30 min,
    # AHT 3 min, patience 5 min, T 20 s, N 14)
    m = erlang.erlang_a(14, 100 / 1800, 180, 300, 20)
    assert float(m.p_wait) == pytest.approx(0.14526, abs=5e-6)
    assert float(m.p_abandon) == pytest.approx(0.013984, abs=5e-7)
    assert float(m.occupancy) == pytest.approx(0.704297, abs=5e-7)
    assert float(m.asa_s) / 60 == pytest.approx(0.069919, abs=5e-7)
    assert float(m.service_level) == pytest.approx(0.916792, abs=5e-7)
    # REF §2.1: independent exact recomputation 0.1452601, 0.0139837, 0.7042973, 0.0699187,
    # 0.9167921
    assert float(m.service_level) == pytest.approx(0.9167921, abs=5e-8)


def test_erlang_a_contactcenters_mmc_abandonment_example() -> None:
    # REF §2.3 (exact steady state recomputed): P(ab) 0.02968, occupancy 0.6792, P(wait) 0.12737,
    # fraction of all arrivals answered within 20 s 0.94527
    m = erlang.erlang_a(12, 4.2 / 60, 120, 60, 20)
    assert float(m.p_abandon) == pytest.approx(0.02968, abs=5e-6)
    assert float(m.occupancy) == pytest.approx(0.6792, abs=5e-5)
    assert float(m.p_wait) == pytest.approx(0.12737, abs=5e-6)
    assert float(m.service_level) == pytest.approx(0.94527, abs=5e-6)
    # simulated abandoned calls per day 58.609 ⇒ ≈ 0.0291 of 2016 arrivals (finite horizon)
    assert abs(float(m.p_abandon) - 58.609 / 2016) < 0.001
    # REF §2.3 simulated: occupancy 0.675 (CI 0.674–0.677); SL = served within 20 s / served
    # 0.975, i.e. our answered-within-T over all arrivals divided by 1 − P(ab)
    assert abs(float(m.occupancy) - 0.675) < 0.006
    assert float(m.service_level) / (1 - float(m.p_abandon)) == pytest.approx(0.975, abs=0.001)


def test_erlang_a_callcentretools_spot_values() -> None:
    # REF §2.2: exact P(ab) 0.975, 2.324, 6.290 % (load A, N = 68, 64, 58); 5.244 (N=51), 2.414
    # (N=55), 0.395 (N=62) for load B
    a = erlang.erlang_a(np.array([68, 64, 58]), 57.111 / 257, 257, 60, 20).p_abandon
    np.testing.assert_allclose(100 * a, [0.975, 2.324, 6.290], atol=5e-4)
    b = erlang.erlang_a(np.array([51, 55, 62]), 50 / 180, 180, 120, 10).p_abandon
    np.testing.assert_allclose(100 * b, [5.244, 2.414, 0.395], atol=5e-4)


@pytest.mark.parametrize(("n", "lam", "mu", "theta", "t"), [
    (7, 5.0, 1.0, 1.0, 0.3),  # REF §1.5 identities (θ = μ)
    (10, 8.0, 1.0, 0.5, 0.2),  # REF §1.5 throughput example
    (5, 12.0, 1.0, 0.7, 0.1),  # REF §1.5 throughput example (overloaded)
    (40, 30.0, 1.0, 2.0, 0.05),  # REF §1.5 throughput example
    (14, 100 / 30, 1 / 3, 1 / 5, 1 / 3),  # REF §2.1 inputs, minutes
    (3, 20.0, 1.0, 0.05, 1.0),  # heavy overload, long patience (no reference number)
    (120, 100.0, 1.0, 0.01, 0.1),  # near-critical, long patience (no reference number)
])
def test_erlang_a_matches_the_birth_death_chain(n: int, lam: float, mu: float, theta: float,
                                                t: float) -> None:
    ref = chain_oracle(n, lam, mu, theta, t)
    m = erlang.erlang_a(n, lam, 1 / mu, 1 / theta, t)
    assert float(m.p_wait) == pytest.approx(ref["p_wait"], rel=1e-9, abs=1e-13)
    assert float(m.p_abandon) == pytest.approx(ref["p_abandon"], rel=1e-8, abs=1e-12)
    assert float(m.occupancy) == pytest.approx(ref["occupancy"], rel=1e-9)
    assert float(m.asa_s) == pytest.approx(ref["asa"], rel=1e-8, abs=1e-12)
    assert float(m.service_level) == pytest.approx(ref["service_level"], rel=1e-8, abs=1e-10)


def test_erlang_a_with_patience_equal_to_service_is_poisson() -> None:
    # REF §1.5: with θ = μ the number in system is Poisson(λ/μ) (λ=5, μ=1, θ=1, N=7)
    m = erlang.erlang_a(7, 5.0, 1.0, 1.0, 0.0)
    assert float(m.p_wait) == pytest.approx(float(special.pdtrc(6, 5.0)), rel=1e-12)


def test_erlang_a_throughput_conservation_reference_cases() -> None:
    # REF §1.5: λ(1 − P_ab) = μ·N·occupancy at (10, 8, 1, 0.5), (5, 12, 1, 0.7), (40, 30, 1, 2)
    for n, lam, theta in ((10, 8.0, 0.5), (5, 12.0, 0.7), (40, 30.0, 2.0)):
        m = erlang.erlang_a(n, lam, 1.0, 1 / theta, 0.0)
        ref = chain_oracle(n, lam, 1.0, theta, 0.0)
        assert lam * (1 - float(m.p_abandon)) == pytest.approx(n * ref["occupancy"], rel=1e-9)


def test_erlang_a_tends_to_erlang_c_reference_cases() -> None:
    # REF §2.1: patience 1e6 min matches Erlang C within 1e-4 at N = 15, 20, 25; REF §1.5:
    # θ → 0 recovers Erlang C (λ=8, μ=1, N=10)
    n = np.array([15, 20, 25])
    m = erlang.erlang_a(n, 100 / 1800, 180, 60e6, 20)
    np.testing.assert_allclose(m.p_wait, erlang.erlang_c(n, 10.0), atol=1e-4)
    np.testing.assert_allclose(m.service_level, erlang.erlang_c_service_level(n, 10.0, 180, 20),
                               atol=1e-4)
    m10 = erlang.erlang_a(10, 8.0, 1.0, 1e7, 0.1)
    assert float(m10.p_wait) == pytest.approx(float(erlang.erlang_c(10, 8.0)), abs=1e-5)


def test_erlang_a_is_stable_for_thousands_of_agents() -> None:
    # no reference number: finite, ordered, conservation holds, for loads of thousands of Erlangs
    n = np.arange(3800, 4300, 25)
    m = erlang.erlang_a(n, 4000 / 300.0, 300.0, 120.0, 20.0)
    for v in (m.p_wait, m.p_abandon, m.service_level, m.occupancy):
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1))
    assert np.all(np.diff(m.p_abandon) < 0) and np.all(np.diff(m.service_level) > 0)
    assert np.all(m.p_abandon <= m.p_wait)


# ---------------------------------------------------------------------------------------------
# Properties

loads = st.floats(min_value=0.01, max_value=3000.0)
agent_counts = st.integers(min_value=0, max_value=3500)


@given(n=agent_counts, a=loads, t=st.floats(0.0, 600.0))
@settings(max_examples=300, deadline=None)
def test_erlang_c_probabilities_are_in_unit_interval_for_every_load(n: int, a: float,
                                                                     t: float) -> None:
    c = float(erlang.erlang_c(n, a))
    sl = float(erlang.erlang_c_service_level(n, a, 180.0, t))
    assert 0.0 <= c <= 1.0 and 0.0 <= sl <= 1.0
    if n <= a:
        assert c == 1.0 and sl == 0.0 and np.isposinf(erlang.erlang_c_asa_s(n, a, 180.0))


@given(n=st.integers(0, 800), lam=st.floats(0.001, 5.0), aht=st.floats(10.0, 900.0),
       patience=st.floats(5.0, 3000.0), t=st.floats(0.0, 300.0))
@settings(max_examples=300, deadline=None)
def test_erlang_a_probabilities_in_unit_interval_and_throughput_conserved(
        n: int, lam: float, aht: float, patience: float, t: float) -> None:
    m = erlang.erlang_a(n, lam, aht, patience, t)
    pw, pab, sl, occ = (float(m.p_wait), float(m.p_abandon), float(m.service_level),
                        float(m.occupancy))
    for v in (pw, pab, sl, occ):
        assert 0.0 <= v <= 1.0
    assert pab <= pw + 1e-12
    assert sl <= 1.0 - pab + 1e-9  # abandoners are never "answered within T"
    # λ = answered rate + abandon rate; answered rate = N·occupancy/AHT
    assert lam == pytest.approx(n * occ / aht + lam * pab, rel=1e-7, abs=1e-12)
    # Little: mean queue wait over all arrivals = P(ab)·patience
    assert float(m.asa_s) == pytest.approx(pab * patience, rel=1e-12)


@given(a=st.floats(0.5, 400.0), extra=st.integers(1, 60), t=st.floats(0.0, 120.0))
@example(a=0.998046875, extra=1, t=0.0)  # near capacity: found by Hypothesis in CI
@example(a=233.99609375, extra=1, t=0.0)  # x ≈ 6e10: scipy's hyp1f1 gave NaN (Temme now)
@example(a=54.9375, extra=1, t=0.0)  # x ≈ 9e8, 34 σ below: scipy's gammainc was 11 % off
@example(a=1.9999999999999432, extra=1, t=0.0)  # critical load: the 1/√patience regime
@settings(max_examples=150, deadline=None)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(a: float, extra: int, t: float) -> None:
    n = int(np.floor(a)) + extra
    aht = 180.0
    lam = a / aht
    c = float(erlang.erlang_c(n, a))
    sl_c = float(erlang.erlang_c_service_level(n, a, aht, t))
    gaps = []
    # the 1/patience regime starts once patience ≫ AHT / (N − A): near capacity (A = 0.998,
    # N = 1) a patience of 10⁴·AHT is still short, so patience is scaled by that time
    for scale in (1e4, 1e6):
        patience = scale * aht / max(n - a, 1e-3)
        m = erlang.erlang_a(n, lam, aht, patience, t)
        gaps.append(abs(float(m.p_wait) - c) + abs(float(m.service_level) - sl_c))
    # the gap shrinks like 1/patience (100× more patience: at least 20× closer); at critical load
    # (N − A < 1e-3, e.g. A = 1.99999999999994, N = 2) like 1/√patience (at least 5× closer)
    assert gaps[1] <= gaps[0] / (20 if n - a >= 1e-3 else 5) + 1e-7
    assert gaps[1] <= 1e-3


@given(a=st.floats(0.05, 1500.0), t=st.floats(0.0, 300.0), patience=st.none() | st.floats(
    10.0, 2000.0))
@example(a=1025.0, t=2.0, patience=1380.0)  # deep overload: SL ≈ 1e-12 must not dip
@settings(max_examples=80, deadline=None)
def test_service_level_is_non_decreasing_in_agents(a: float, t: float,
                                                   patience: float | None) -> None:
    n = np.arange(0, int(a * 1.5) + 20)
    aht = 240.0
    if patience is None:
        sl = erlang.erlang_c_service_level(n, a, aht, t)
    else:
        sl = erlang.erlang_a(n, a / aht, aht, patience, t).service_level
    assert np.all(np.diff(sl) >= -1e-12)
