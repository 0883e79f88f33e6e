"""Smallest headcounts per interval: the Erlang C ladder and a galloping search for Erlang A.

Both answer "the smallest whole N whose goodness reaches a goal" for arrays of intervals at once,
where goodness is a metric that grows with N (service level; answer speed 1/(1 + ASA/AHT);
minus the abandonment rate). :mod:`pilotage.wfm.staffing` defines the goals and uses these.

**Erlang C ladder.** Square-root staffing (Halfin–Whitt 1981) estimates N = A + β·√A, with
β solving α(β)·e^(−β·τ) = 1 − SL, α(β) = 1/(1 + β·Φ(β)/φ(β)) and τ = √A·T/AHT (for an ASA
target α(β)/β = ASA·√A/AHT). The curves τ(β) are explicit, so β comes from a 1,024-entry table
in t = τ/(1 + τ). 1/B is brought by the forward Erlang B recursion to the rung just below the
estimate, or below the occupancy cap when that is higher (exact: see
:func:`pilotage.wfm.erlang.erlang_b_ladder_start`). Then the ladder climbs one agent at a time,
each rung costing a few array operations (Erlang C from 1/B, the service-level exponential
updated by a constant factor), until every goal is met and the cap reached. The rung below the
first one meeting a goal is one where it failed, so the answer is minimal by construction. The
estimate is the answer or one below it in practice; where a goal is already met on the first
rung, the interval is climbed again from ⌊A⌋, where no goal can be met (no steady state).

**Galloping search** (Erlang A, and any other monotone goodness): from a guess, steps of
⌈√guess/4⌉ agents, doubling, bracket the answer; then chord steps (with a bisection every third
round) close the bracket. Each probe evaluates only the intervals still open, and the goodness
seen at N − 1 and N is kept for the fractional answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from pilotage.wfm import erlang

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]

SERVICE_LEVEL = "service_level"
ASA = "asa"

_BETA = np.geomspace(1e-4, 9.0, 600)
_LOG_ALPHA = -np.log1p(_BETA * special.ndtr(_BETA) / (np.exp(-0.5 * _BETA ** 2)
                                                      / np.sqrt(2.0 * np.pi)))


_LOOKUP = 1024  # β tabulated at t = τ/(1 + τ) = 0, 1/1023, …, 1


def _beta_for(tau_grid: FloatArray, tau: FloatArray) -> FloatArray:
    """β where the decreasing curve τ(β) of the grid reaches τ ≥ 0.

    The curve is resampled on a uniform grid of t = τ/(1 + τ) ∈ [0, 1], so each interval costs
    a multiplication and a linear interpolation between two table entries (no search).
    """
    keep = np.flatnonzero(tau_grid >= 0.0)
    t_grid = tau_grid[keep] / (1.0 + tau_grid[keep])
    table = np.interp(np.linspace(0.0, 1.0, _LOOKUP), t_grid[::-1], _BETA[keep][::-1])
    position = tau / (1.0 + tau) * (_LOOKUP - 1)
    low = np.minimum(position.astype(np.intp), _LOOKUP - 2)
    return np.asarray(table[low] + (position - low) * (table[low + 1] - table[low]))


def square_root_staffing(load_erl: FloatArray, aht_s: FloatArray, threshold_s: FloatArray, *,
                         service_level: float | None = None,
                         asa_s: float | None = None) -> FloatArray:
    """Halfin–Whitt estimate A + β·√A of the Erlang C headcount for one goal (SL or ASA)."""
    root = np.sqrt(load_erl)
    if service_level is not None:
        tau_grid = (-np.log1p(-service_level) + _LOG_ALPHA) / _BETA
        beta = _beta_for(tau_grid, root * (threshold_s / aht_s))
    elif asa_s is not None:
        beta = _beta_for(np.exp(_LOG_ALPHA) / _BETA, root * (asa_s / aht_s))
    else:
        raise ValueError("square_root_staffing needs service_level or asa_s")
    return np.asarray(load_erl + beta * root, dtype=np.float64)


@dataclass(frozen=True)
class Rungs:
    """One goal: the smallest whole N meeting it and its goodness at N − 1 and at N."""

    agents: IntArray
    goodness_below: FloatArray
    goodness_at: FloatArray


@dataclass(frozen=True)
class LadderTop:
    """Where the Erlang C ladder stopped: the largest answer over the goals, and 1/B there."""

    rungs: Mapping[str, Rungs]
    agents: FloatArray
    inverse_b: FloatArray


def _erlang_c_goodness(name: str, n: FloatArray, load: FloatArray, inverse_b: FloatArray,
                       decay: FloatArray) -> FloatArray:
    """Goodness at N > A from 1/B: C = 1/(ρ + (1 − ρ)/B) ≤ 1 with ρ = A/N < 1."""
    rho = load / n
    denominator = rho + (1.0 - rho) * inverse_b  # 1/C ≥ 1
    if name == SERVICE_LEVEL:
        return 1.0 - decay / denominator  # decay = e^(−(N − A)·T/AHT) ≤ 1: in [0, 1]
    return 1.0 / (1.0 + 1.0 / (denominator * (n - load)))  # answer speed: ASA/AHT = C/(N − A)


def erlang_c_ladder(load_erl: FloatArray, aht_s: FloatArray, threshold_s: FloatArray,
                    needed: Mapping[str, FloatArray], first: FloatArray,
                    enough: FloatArray | None = None) -> LadderTop:
    """Climb from rung ``first`` (whole, ≥ ⌊A⌋) until each goodness reaches ``needed``.

    ``needed`` maps "service_level" and/or "asa" to the goodness to reach per interval (its goal
    less a tolerance); loads are > 0. ``enough`` is a headcount another constraint requires (the
    occupancy cap): the ladder climbs at least to it, so its top is the overall answer, and a goal
    already met on a first rung below it is left there (its ``agents`` is then only an upper
    bound, below ``enough``: not needed).
    """
    size = load_erl.shape[0]
    floor_a = np.floor(load_erl)
    n = np.maximum(first, floor_a)
    floor_n = np.zeros(size) if enough is None else enough
    r = erlang.inverse_erlang_b_whole(n, load_erl)
    names = list(needed)
    found = {k: np.full(size, -1, dtype=np.int64) for k in names}
    below = {k: np.zeros(size) for k in names}
    at = {k: np.zeros(size) for k in names}
    top_n = np.zeros(size)
    top_inv_b = np.zeros(size)

    a = load_erl
    factor = np.exp(-threshold_s / aht_s)
    decay = np.exp(-(n - a) * threshold_s / aht_s)  # n > A − 1: no overflow
    above = n > a
    safe_n = np.where(above, n, a + 1.0)
    prev = [np.where(above, _erlang_c_goodness(k, safe_n, a, r, decay), 0.0) for k in names]
    goals = [needed[k] for k in names]
    # a goal met on a first rung above ⌊A⌋ may be met lower: climb again from ⌊A⌋ (no steady
    # state there, so no goal is met)
    settled = n < floor_n  # a goal met here needs no lower rung: ``enough`` is above
    redo = np.zeros(size, dtype=np.bool_)
    open_ = []
    for j, k in enumerate(names):
        met = prev[j] >= goals[j]
        redo |= met & ~settled
        done_low = np.flatnonzero(met & settled)
        found[k][done_low] = n[done_low].astype(np.int64)
        below[k][done_low] = prev[j][done_low]
        at[k][done_low] = prev[j][done_low]
        open_.append(~met)
    pos = np.flatnonzero(~redo)
    if pos.size < size:
        n, a, r, decay, factor = n[pos], a[pos], r[pos], decay[pos], factor[pos]
        prev = [g[pos] for g in prev]
        goals = [g[pos] for g in goals]
        open_ = [o[pos] for o in open_]
    floor_n = floor_n[pos]
    while pos.size:
        n = n + 1.0
        r = 1.0 + r * n / a
        decay = decay * factor
        still = np.zeros(pos.size, dtype=np.bool_)
        for j, k in enumerate(names):
            g = _erlang_c_goodness(k, n, a, r, decay)
            hit = np.flatnonzero(open_[j] & (g >= goals[j]))
            if hit.size:
                where = pos[hit]
                found[k][where] = n[hit].astype(np.int64)
                below[k][where] = prev[j][hit]
                at[k][where] = g[hit]
                open_[j][hit] = False
            still |= open_[j]
            prev[j] = g
        still |= n < floor_n
        keep = np.flatnonzero(still)
        if keep.size < pos.size:
            done = np.flatnonzero(~still)
            top_n[pos[done]] = n[done]
            top_inv_b[pos[done]] = r[done]
            pos, n, a, r, decay, factor = (pos[keep], n[keep], a[keep], r[keep], decay[keep],
                                           factor[keep])
            goals = [g[keep] for g in goals]
            prev = [g[keep] for g in prev]
            open_ = [o[keep] for o in open_]
            floor_n = floor_n[keep]
    if redo.any():
        again = np.flatnonzero(redo)
        sub = erlang_c_ladder(load_erl[again], aht_s[again], threshold_s[again],
                              {k: v[again] for k, v in needed.items()}, floor_a[again],
                              None if enough is None else enough[again])
        for k in names:
            found[k][again] = sub.rungs[k].agents
            below[k][again] = sub.rungs[k].goodness_below
            at[k][again] = sub.rungs[k].goodness_at
        top_n[again] = sub.agents
        top_inv_b[again] = sub.inverse_b
    return LadderTop(rungs={k: Rungs(found[k], below[k], at[k]) for k in names}, agents=top_n,
                     inverse_b=top_inv_b)


def gallop(goodness: Callable[[IndexArray, FloatArray], FloatArray], needed: FloatArray,
           guess: FloatArray, known_fail: FloatArray) -> Rungs:
    """Smallest whole N > ``known_fail`` whose goodness reaches ``needed``, searched from ``guess``.

    ``goodness(index, agents)`` evaluates the intervals ``index`` at ``agents``; it must grow with
    N and reach ``needed`` for N large enough. ``known_fail`` is −1 where N = 0 is not known to
    fail. From the guess, steps of ⌈√guess / 4⌉ agents, doubling, bracket the answer; then the
    chord between the bracket's goodness values points at the next probe (a concave goodness is
    approached from above, a convex one from below, so the rung next to the answer comes next),
    with a bisection every third round. ``goodness_below`` is NaN where N − 1 was not probed.
    """
    size = np.asarray(known_fail).shape[0]
    lo = np.asarray(known_fail, dtype=np.float64).copy()
    hi = np.full(size, np.inf)
    g_lo = np.full(size, np.nan)
    g_hi = np.full(size, np.nan)

    def probe(where: IndexArray, agents: FloatArray) -> None:
        g = goodness(where, agents)
        ok = g >= needed[where]
        hi[where[ok]], g_hi[where[ok]] = agents[ok], g[ok]
        lo[where[~ok]], g_lo[where[~ok]] = agents[~ok], g[~ok]

    everyone = np.arange(size)
    probe(everyone, np.maximum(np.round(guess), lo + 1.0))
    step = np.maximum(np.ceil(np.sqrt(np.maximum(guess, 0.0)) / 4.0), 1.0)
    for _ in range(1100):  # bracket; 2**1100 > any float: met long before
        up = np.flatnonzero(~np.isfinite(hi))
        down = np.flatnonzero(np.isfinite(hi) & np.isnan(g_lo) & (hi - lo > 1.0))
        if up.size == 0 and down.size == 0:
            break
        where = np.concatenate([up, down])
        agents = np.concatenate([lo[up] + step[up],
                                 np.maximum(hi[down] - step[down], lo[down] + 1.0)])
        step[where] *= 2.0
        probe(where, agents)
    else:  # pragma: no cover - a finite target is always met by enough agents
        raise ArithmeticError("no headcount meets the target")
    for round_ in range(1100):  # refine the brackets left
        active = np.flatnonzero(hi - lo > 1.0)
        if active.size == 0:
            break
        low, high = lo[active], hi[active]
        mid = np.floor((low + high) / 2.0)
        if round_ % 3 == 2:
            agents = mid
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                x = low + ((needed[active] - g_lo[active]) / (g_hi[active] - g_lo[active])
                           * (high - low))
            agents = np.where(np.isfinite(x), np.clip(np.ceil(x), low + 1.0, high - 1.0), mid)
        probe(active, agents)
    return Rungs(agents=hi.astype(np.int64), goodness_below=np.where(hi - lo == 1.0, g_lo, np.nan),
                 goodness_at=g_hi)
