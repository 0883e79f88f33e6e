"""Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M) formulas, exact and vectorised.

Every function takes numpy arrays (or scalars) that broadcast together, one element per interval,
and returns float64 arrays. Nothing here uses factorials: the Poisson terms are computed in log
space with Loader's saddle-point method (``stirlerr`` / ``bd0``, as in R's ``dpois``) and the
sums with the regularised incomplete gamma functions of :mod:`scipy.special`, so loads of
thousands of Erlangs are exact to about 1e-12. At whole N near the load (the staffing search and
Erlang A), Erlang B comes from its forward recursion started where it forgets its start
(:func:`inverse_erlang_b_whole`): cheaper than the incomplete gamma function and exact to ~1e-14.

Notation (see ``docs/staffing.md``): ``load_erl`` A = λ·AHT offered load in Erlangs, ``agents`` N,
``threshold_s`` T the service-level threshold, ``patience_s`` the mean (exponential) patience,
θ = 1/patience.

Erlang C (no abandonment)
    P(wait) = C(N, A); SL(T) = 1 − C·exp(−(N − A)·T/AHT); ASA = C·AHT/(N − A); occupancy A/N.
    At or above capacity (N ≤ A) the queue has no steady state: every arrival waits
    (P(wait) = 1), SL = 0 (its limit as N ↓ A), ASA = +inf and occupancy = 1. The functions
    never return a probability above 1 and never a sentinel.

Erlang A (Garnett–Mandelbaum–Reiman 2002, Mandelbaum–Zeltyn 2007), with x = N·patience/AHT,
y = λ·patience and 𝒜(x, y) = x·e^y·y^(−x)·γ(x, y) = ₁F₁(1; x + 1; y):
    π_N = E / (1 + (𝒜 − 1)·E) with E = Erlang B(N, A) (probability of exactly N in system);
    P(wait) = 𝒜·π_N; P(abandon) = P(wait)·(1 − 1/ρ) + π_N/ρ with ρ = A/N;
    ASA = E[W] over **all** arrivals (abandoners included, with their time in queue)
        = P(ab)·patience;
    SL(T) = P(answered with wait ≤ T) over **all** arrivals (abandoners, even before T, count as
    failures) = 1 − P(wait) + π_N·x·e^y·y^(−x−1)·[γ(x + 1, y) − γ(x + 1, y·e^(−T/patience))];
    occupancy = λ·(1 − P(ab))·AHT / N (answered load per agent).
    Erlang A is stable for every N ≥ 0 and tends to Erlang C as patience → ∞.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_TINY = 1e-280  # below this, a regularised incomplete gamma is recomputed by a continued fraction


def _f(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _stirlerr(n: FloatArray) -> FloatArray:
    """log Γ(n + 1) − ((n + 0.5)·log n − n + log √(2π)), accurate for every n > 0."""
    n = _f(n)
    out = np.empty_like(n)
    big = n > 15.0
    nb = n[big]
    nn = nb * nb
    out[big] = (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn) / nn)
                / nn) / nb
    ns = n[~big]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[~big] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _LOG_SQRT_2PI
    return out


def _bd0(x: FloatArray, m: FloatArray) -> FloatArray:
    """x·log(x/m) + m − x without cancellation when x ≈ m (Loader 2000)."""
    x, m = np.broadcast_arrays(_f(x), _f(m))
    out = np.empty(x.shape, dtype=np.float64)
    close = np.abs(x - m) < 0.1 * (x + m)
    xc, mc = x[close], m[close]
    v = (xc - mc) / (xc + mc)
    s = (xc - mc) * v
    ej = 2.0 * xc * v
    v2 = v * v
    for j in range(1, 40):  # |v| < 0.1: terms shrink 100× each, converged well before 40
        ej = ej * v2
        term = ej / (2 * j + 1)
        s = s + term
        if not np.any(np.abs(term) > 1e-17 * np.abs(s)):
            break
    out[close] = s
    xf, mf = x[~close], m[~close]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[~close] = special.xlogy(xf, xf / mf) + mf - xf
    return out


def log_poisson_term(k: ArrayLike, mean: ArrayLike) -> FloatArray:
    """log(e^(−mean)·mean^k / Γ(k + 1)) for real k > 0, mean > 0 (saddle-point form)."""
    k_, m_ = np.broadcast_arrays(_f(k), _f(mean))
    return -_stirlerr(k_) - _bd0(k_, m_) - _LOG_SQRT_2PI - 0.5 * np.log(k_)


def _upper_gamma_cf(s: FloatArray, x: FloatArray) -> FloatArray:
    """h(s, x) with Γ(s, x) = e^(−x)·x^s·h, by the modified Lentz continued fraction.

    Used only where Q(s, x) underflows, i.e. x ≫ s, where it converges in a few terms.
    """
    tiny = 1e-300
    b = x + 1.0 - s
    c = np.full_like(b, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 500):
        an = -i * (i - s)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    return h


def log_erlang_b(agents: ArrayLike, load_erl: ArrayLike) -> FloatArray:
    """log of Erlang B, blocking probability of M/M/N/N, continuous in N ≥ 0.

    B(N, A) = A^N·e^(−A) / Γ(N + 1, A) (the usual extension to real N, equal to the Erlang-B
    recursion for integer N). B(N, 0) = 0 for N > 0 and B(0, A) = 1.
    """
    n, a = np.broadcast_arrays(_f(agents), _f(load_erl))
    out = np.zeros(n.shape, dtype=np.float64)  # B(0, A) = 1 → log 0
    pos = (n > 0) & (a > 0)
    out[(n > 0) & (a <= 0)] = -np.inf
    npos, apos = n[pos], a[pos]
    q = special.gammaincc(npos + 1.0, apos)  # P(Poisson(A) ≤ N) for integer N
    res = np.empty_like(npos)
    ok = q > _TINY
    res[ok] = log_poisson_term(npos[ok], apos[ok]) - np.log(q[ok])
    if np.any(~ok):  # deep overload N ≪ A: B = 1/(A·h(N + 1, A))
        res[~ok] = -np.log(apos[~ok] * _upper_gamma_cf(npos[~ok] + 1.0, apos[~ok]))
    out[pos] = np.minimum(res, 0.0)
    return out


def erlang_b(agents: ArrayLike, load_erl: ArrayLike) -> FloatArray:
    """Erlang B blocking probability B(N, A), in [0, 1]."""
    return np.exp(log_erlang_b(agents, load_erl))


# The forward recursion 1/B(n) = 1 + (n/A)·1/B(n − 1) forgets its starting value: a relative error
# at n is multiplied by 1 − B(n) ≈ n/A per step below A, so by about exp(−d²/(2A)) over the d
# steps up to A. Started 7·√A below the load (or at n = 0, where 1/B = 1 exactly) from the
# fluid value with its first correction, 1/B ≈ 1/(1 − r) − r²/(n·(1 − r)³) with r = n/A
# (relative error ≤ 2e-3 there), the error left is below exp(−24.5) · 2e-3 ≈ 5e-14.
_FORGET_SD = 7.0
# one rung costs 4 array operations; past this many, one incomplete gamma evaluation is cheaper
# (and is exact to ~1e-15 at and above the load, where the ladder is used)
_LADDER_MAX_STEPS = 256
_COST_RATIO = 10  # one more climbing round costs about as much as this many direct evaluations
_SHARE = 20  # at most 1/20 of the climbs are cut


def erlang_b_ladder_start(load_erl: ArrayLike, agents: ArrayLike | None = None
                          ) -> tuple[FloatArray, FloatArray]:
    """A whole number n₀ and a value of 1/B(n₀, A) from which the recursion is exact at N.

    n₀ = max(0, ⌊min(N, A) − 7·√A⌋) (N = +inf when not given: any N ≥ A). Returns
    ``(n0, inverse_b)`` for load A > 0; advance with :func:`advance_inverse_erlang_b`.
    """
    a = _f(load_erl)
    top = a if agents is None else np.minimum(_f(agents), a)
    n0 = np.maximum(np.floor(top - _FORGET_SD * np.sqrt(a)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n0 / a
        inv_b = np.where(n0 > 0.0, (1.0 - r * r / (n0 * (1.0 - r) ** 2)) / (1.0 - r), 1.0)
    return n0, inv_b


def advance_inverse_erlang_b(inverse_b: FloatArray, n_from: FloatArray, steps: npt.NDArray[
        np.int64], load_erl: FloatArray) -> FloatArray:
    """1/B(n + s, A) from 1/B(n, A) by 1/B(k) = 1 + (k/A)·1/B(k − 1), element-wise s ≥ 0 steps.

    Vectorised over elements: they are sorted by number of steps so that step k works on the
    leading slice of those still moving (views, no copies). One more step costs about as much
    array-call overhead as ten direct evaluations, so the longest climbs (at most 5 % of them, and
    all beyond 256 steps) are evaluated directly with :func:`log_erlang_b` where that is cheaper.
    1/B grows past 1e308 only where B < 1e-308, which then reads as B = 0.
    """
    out = np.array(inverse_b, dtype=np.float64, copy=True)
    steps = np.asarray(steps, dtype=np.int64)
    if steps.size == 0 or int(steps.max()) <= 0:
        return out
    n_from = np.asarray(n_from, dtype=np.float64)
    load_erl = np.asarray(load_erl, dtype=np.float64)
    key = np.minimum(steps, 32767).astype(np.int16)  # radix sort on 16 bits
    order = np.argsort(-key, kind="stable")
    ranked = steps[order]  # longest first
    head = ranked[: max(1, ranked.size // _SHARE)]
    limit = min(_LADDER_MAX_STEPS,
                int(head[int(np.argmin(_COST_RATIO * head + np.arange(head.size)))]))
    n_far = int(np.searchsorted(-ranked, -limit, side="left"))  # ranked > limit
    if n_far:
        far = order[:n_far]
        with np.errstate(over="ignore"):
            out[far] = np.exp(-log_erlang_b(n_from[far] + steps[far], load_erl[far]))
        order, ranked = order[n_far:], ranked[n_far:]
    if ranked.size == 0 or ranked[0] <= 0:
        return out
    moving = np.searchsorted(-ranked, -np.arange(int(ranked[0])), side="left")
    r = out[order]
    k = n_from[order] + 1.0
    inv_a = 1.0 / load_erl[order]
    with np.errstate(over="ignore"):
        for m in moving.tolist():
            rv = r[:m]
            rv *= k[:m]
            rv *= inv_a[:m]
            rv += 1.0
            k[:m] += 1.0
    out[order] = r
    return out


def inverse_erlang_b_whole(agents: ArrayLike, load_erl: ArrayLike) -> FloatArray:
    """1/B(N, A) for whole N ≥ 0 and A > 0 by the recursion (exact to ~1e-13, no special function).

    Cost is about 7·√A + |N − A| vectorised steps, cheaper than the incomplete gamma function
    for N near the load; use :func:`log_erlang_b` for real N or N far from A.
    """
    n, a = np.broadcast_arrays(np.atleast_1d(_f(agents)), np.atleast_1d(_f(load_erl)))
    n0, inv_b = erlang_b_ladder_start(a, n)
    out = advance_inverse_erlang_b(inv_b, n0, (n - n0).astype(np.int64), a)
    return out.reshape(np.broadcast(_f(agents), _f(load_erl)).shape)


def erlang_c(agents: ArrayLike, load_erl: ArrayLike) -> FloatArray:
    """Erlang C probability of waiting C(N, A), in [0, 1]; exactly 1 when N ≤ A (and A > 0).

    C = B / (1 − ρ·(1 − B)) with ρ = A/N, for N > A. C(N, 0) = 0.
    """
    n, a = np.broadcast_arrays(_f(agents), _f(load_erl))
    b = erlang_b(n, a)
    out = np.ones(n.shape, dtype=np.float64)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = a[stable] / n[stable]
        out[stable] = b[stable] / (1.0 - rho * (1.0 - b[stable]))
    out[a <= 0] = 0.0
    return np.clip(out, 0.0, 1.0)


def erlang_c_service_level(agents: ArrayLike, load_erl: ArrayLike, aht_s: ArrayLike,
                           threshold_s: ArrayLike) -> FloatArray:
    """Erlang C service level: P(wait ≤ T) = 1 − C·exp(−(N − A)·T/AHT); 0 when N ≤ A."""
    n, a, aht, t = np.broadcast_arrays(_f(agents), _f(load_erl), _f(aht_s), _f(threshold_s))
    c = erlang_c(n, a)
    stable = (n > a) | (a <= 0)
    out = np.zeros(n.shape, dtype=np.float64)
    out[stable] = 1.0 - c[stable] * np.exp(-(n[stable] - a[stable]) * t[stable] / aht[stable])
    return np.clip(out, 0.0, 1.0)


def erlang_c_asa_s(agents: ArrayLike, load_erl: ArrayLike, aht_s: ArrayLike) -> FloatArray:
    """Erlang C average speed of answer C·AHT/(N − A), seconds; +inf when N ≤ A (unstable)."""
    n, a, aht = np.broadcast_arrays(_f(agents), _f(load_erl), _f(aht_s))
    c = erlang_c(n, a)
    out = np.full(n.shape, np.inf)
    stable = (n > a) | (a <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[stable] = np.where(c[stable] > 0,
                               c[stable] * aht[stable] / (n[stable] - a[stable]), 0.0)
    return out


def log_kummer_1f1_unit(x: ArrayLike, y: ArrayLike) -> FloatArray:
    """log 𝒜(x, y) = log ₁F₁(1; x + 1; y) = log Σ_k y^k / ((x + 1)…(x + k)), x > 0, y ≥ 0.

    Three regimes, each where it is exact to ~1e-13:

    * y ≥ x − 4·√x: 𝒜 = x·e^y·y^(−x)·γ(x, y) = P(x, y) / poisson_term(x, y), P the
      regularised lower incomplete gamma function (P ≥ Φ(−4) there: no underflow). Further
      below, scipy's P loses digits for large x (0.3 in log at x = 1e8, 6 standard deviations).
    * y < x − 4·√x: scipy's ``hyp1f1``, whose series ratio is at most y/x there.
    * where ``hyp1f1`` gives NaN (x ≥ ~5e10 close to x: a patience of decades), Temme's uniform
      expansion of P to its first term, relative error O(1/x²).
    """
    x_, y_ = np.broadcast_arrays(_f(x), _f(y))
    out = np.zeros(x_.shape, dtype=np.float64)
    pos = np.flatnonzero(y_ > 0)
    xp, yp = x_.ravel()[pos], y_.ravel()[pos]
    res = np.empty_like(xp)
    near = yp >= xp - 4.0 * np.sqrt(xp)
    xn, yn = xp[near], yp[near]
    res[near] = np.log(special.gammainc(xn, yn)) - log_poisson_term(xn, yn)
    far = np.flatnonzero(~near)
    with np.errstate(invalid="ignore"):
        res[far] = np.log(special.hyp1f1(1.0, xp[far] + 1.0, yp[far]))
    bad = far[~np.isfinite(res[far])]
    if bad.size:
        res[bad] = _log_kummer_temme(xp[bad], yp[bad])
    out.ravel()[pos] = res
    return np.maximum(out, 0.0)


def _log_erlang_b_for_erlang_a(agents: FloatArray, load_erl: FloatArray) -> FloatArray:
    """log B(N, A): by the recursion for whole N within 256 steps of its start, else gammaincc."""
    whole = np.floor(agents) == agents
    if not whole.all():
        return log_erlang_b(agents, load_erl)
    with np.errstate(divide="ignore"):
        return np.asarray(-np.log(inverse_erlang_b_whole(agents, load_erl)))


def _log_kummer_temme(x: FloatArray, y: FloatArray) -> FloatArray:
    """log 𝒜(x, y) for huge x and y < x by Temme's uniform expansion (DLMF 8.12.18).

    With λ = y/x, η = −√(2·(λ − 1 − log λ)) and u = η·√x: P(x, y) = Φ(u) − φ(u)·(C₀(η) +
    O(1/x))/√x and poisson_term(x, y) = φ(u)/(√x·e^stirlerr(x)), so
    𝒜 = e^stirlerr(x)·(√x·Φ(u)/φ(u) − C₀(η)), Φ/φ = √(π/2)·erfcx(−u/√2) (no underflow).
    """
    d = (y - x) / x  # λ − 1 ∈ (−1, 0)
    small = np.abs(d) < 0.1
    ds = d[small]
    # λ − 1 − log λ = d²/2 − d³/3 + d⁴/4 − … (no cancellation for small d)
    series = np.zeros_like(ds)
    power = ds * ds
    for k in range(2, 30):
        series += power / k * (1.0 if k % 2 == 0 else -1.0)
        power = power * ds
    half_eta2 = np.empty_like(d)
    half_eta2[small] = series
    half_eta2[~small] = d[~small] - np.log1p(d[~small])
    eta = -np.sqrt(2.0 * half_eta2)
    c0 = np.where(np.abs(eta) < 0.01,
                  -1.0 / 3 + eta / 12 - 2 * eta ** 2 / 135 + eta ** 3 / 864 + eta ** 4 / 2835,
                  1.0 / np.where(d == 0.0, 1.0, d) - 1.0 / np.where(eta == 0.0, 1.0, eta))
    u = eta * np.sqrt(x)
    mills = np.sqrt(np.pi / 2.0) * special.erfcx(-u / np.sqrt(2.0))
    return np.asarray(_stirlerr(x) + np.log(np.sqrt(x) * mills - c0))


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A metrics, one element per interval (definitions in the module docstring)."""

    p_wait: FloatArray
    p_abandon: FloatArray
    service_level: FloatArray  # answered within T / all arrivals
    asa_s: FloatArray  # mean wait in queue of all arrivals, abandoners included
    occupancy: FloatArray


def erlang_a(agents: ArrayLike, arrival_rate_per_s: ArrayLike, aht_s: ArrayLike,
             patience_s: ArrayLike, threshold_s: ArrayLike) -> ErlangAMetrics:
    """Exact steady-state Erlang A (M/M/N+M) metrics; see the module docstring for definitions.

    N = 0 gives P(wait) = P(ab) = 1, SL = 0, ASA = patience, occupancy 0. No arrivals give
    P(wait) = P(ab) = 0, SL = 1, ASA = 0, occupancy 0.
    """
    n, lam, aht, pat, t = np.broadcast_arrays(
        _f(agents), _f(arrival_rate_per_s), _f(aht_s), _f(patience_s), _f(threshold_s))
    shape = n.shape
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl = np.ones(shape)
    occ = np.zeros(shape)
    load = lam * aht

    none = n <= 0  # nobody to answer: everybody waits and abandons
    busy = none & (lam > 0)
    p_wait[busy] = 1.0
    p_ab[busy] = 1.0
    sl[busy] = 0.0

    m = (n > 0) & (lam > 0)
    nm, lm, am, pm, tm, loadm = n[m], lam[m], aht[m], pat[m], t[m], load[m]
    x = nm * pm / am
    y = lm * pm
    log_b = _log_erlang_b_for_erlang_a(nm, loadm)
    log_a = log_kummer_1f1_unit(x, y)
    # log(𝒜 − 1): 𝒜 ≥ 1, log1p(−1/𝒜) is exact near 𝒜 = 1
    with np.errstate(divide="ignore"):
        log_a_minus_1 = log_a + np.log(-np.expm1(-log_a))
    log_pi_n = log_b - np.logaddexp(0.0, log_a_minus_1 + log_b)
    pi_n = np.exp(log_pi_n)
    pw = np.minimum(np.exp(log_a + log_pi_n), 1.0)
    rho = loadm / nm
    pab = np.clip(pw * (1.0 - 1.0 / rho) + pi_n / rho, 0.0, 1.0)

    # answered after waiting at most T: π_N·x·e^y·y^(−x−1)·[γ(x+1, y) − γ(x+1, y_T)], y_T =
    # y·e^(−T/patience). With γ(x+1, y) = x·γ(x, y) − y^x·e^(−y) this is
    # π_N·(x/y)·(𝒜(x, y) − 1)·(1 − P(x+1, y_T)/P(x+1, y)), P regularised. Where P(x+1, y)
    # underflows (y ≪ x) the ratio is e^(y − y_T − (x+1)·T/patience)·𝒜(x+1, y_T)/𝒜(x+1, y),
    # whose logarithms are small there.
    y_t = y * np.exp(-tm / pm)
    p_full = special.gammainc(x + 1.0, y)
    p_t = special.gammainc(x + 1.0, y_t)
    not_served = np.empty_like(x)  # P(x+1, y_T)/P(x+1, y) ∈ [0, 1]
    direct = p_full >= 1e-250
    not_served[direct] = p_t[direct] / p_full[direct]
    far = ~direct
    if far.any():
        xf, yf, ytf = x[far], y[far], y_t[far]
        not_served[far] = np.exp((yf - ytf) - (xf + 1.0) * (tm[far] / pm[far])
                                 + log_kummer_1f1_unit(xf + 1.0, ytf)
                                 - log_kummer_1f1_unit(xf + 1.0, yf))
    with np.errstate(divide="ignore"):
        log_first = np.log(x / y) + log_a_minus_1 + log_pi_n  # π_N·(x/y)·(𝒜 − 1)
    served_fast = np.exp(log_first) * np.clip(1.0 - not_served, 0.0, 1.0)
    slm = np.clip(1.0 - pw + served_fast, 0.0, 1.0)

    p_wait[m] = pw
    p_ab[m] = pab
    sl[m] = slm
    occ[m] = np.minimum(lm * (1.0 - pab) * am / nm, 1.0)
    asa = p_ab * pat
    return ErlangAMetrics(p_wait=p_wait, p_abandon=p_ab, service_level=sl, asa_s=asa,
                          occupancy=occ)
