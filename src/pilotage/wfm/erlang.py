"""Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M) formulas, exact and vectorised.

Every function takes numpy arrays (or scalars) that broadcast together, one element per interval,
and returns float64 arrays. Nothing here uses factorials: the Poisson terms are computed in log
space with Loader's saddle-point method (``stirlerr`` / ``bd0``, as in R's ``dpois``) and the
sums with the regularised incomplete gamma functions of :mod:`scipy.special`, so loads of
thousands of Erlangs are exact to about 1e-12.

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
    for j in range(1, 40):  # |v| < 0.1: 0.01**j, converged well before 40 terms
        ej = ej * v2
        s = s + ej / (2 * j + 1)
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

    For y < x (the sum is below 1/(1 − y/x)) scipy's ``hyp1f1`` is exact to ~1e-14; for y ≥ x
    𝒜 = x·e^y·y^(−x)·γ(x, y) = P(x, y) / poisson_term(x, y) with P regularised, which cannot
    underflow there (P(x, y) ≥ ~1/2).
    """
    x_, y_ = np.broadcast_arrays(_f(x), _f(y))
    out = np.zeros(x_.shape, dtype=np.float64)
    under = (y_ < x_) & (y_ > 0)
    out[under] = np.log(special.hyp1f1(1.0, x_[under] + 1.0, y_[under]))
    over = y_ >= x_
    xo, yo = x_[over], y_[over]
    out[over] = np.log(special.gammainc(xo, yo)) - log_poisson_term(xo, yo)
    return np.maximum(out, 0.0)


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
    log_b = log_erlang_b(nm, loadm)
    log_a = log_kummer_1f1_unit(x, y)
    # log(𝒜 − 1): 𝒜 ≥ 1, log1p(−1/𝒜) is exact near 𝒜 = 1
    with np.errstate(divide="ignore"):
        log_a_minus_1 = log_a + np.log(-np.expm1(-log_a))
    log_pi_n = log_b - np.logaddexp(0.0, log_a_minus_1 + log_b)
    pi_n = np.exp(log_pi_n)
    pw = np.minimum(np.exp(log_a + log_pi_n), 1.0)
    rho = loadm / nm
    pab = np.clip(pw * (1.0 - 1.0 / rho) + pi_n / rho, 0.0, 1.0)

    # answered after waiting at most T: π_N·x·e^y·y^(−x−1)·Γ(x+1)·[P(x+1, y) − P(x+1, y·e^(−T/pat))]
    y_t = y * np.exp(-tm / pm)
    g_full = special.gammainc(x + 1.0, y)
    g_t = special.gammainc(x + 1.0, y_t)
    diff = g_full - g_t
    # y < x + 1 (long patience, P(x+1, y) may underflow): Kummer form; otherwise gammainc form
    small = y < x + 1.0
    log_scale = log_pi_n + np.log(x / (x + 1.0)) - log_poisson_term(x + 1.0, y)
    served_fast = np.zeros_like(x)
    ok = ~small & (diff > 0)
    served_fast[ok] = np.exp(log_scale[ok] + np.log(diff[ok]))
    if np.any(small):
        served_fast[small] = _served_within_small(x[small], y[small], tm[small], pm[small],
                                                  log_pi_n[small])
    slm = np.clip(1.0 - pw + served_fast, 0.0, 1.0)

    p_wait[m] = pw
    p_ab[m] = pab
    sl[m] = slm
    occ[m] = np.minimum(lm * (1.0 - pab) * am / nm, 1.0)
    asa = p_ab * pat
    return ErlangAMetrics(p_wait=p_wait, p_abandon=p_ab, service_level=sl, asa_s=asa,
                          occupancy=occ)


def _served_within_small(x: FloatArray, y: FloatArray, t: FloatArray, pat: FloatArray,
                         log_pi_n: FloatArray) -> FloatArray:
    """Answered-after-waiting-≤T when P(x + 1, y) underflows (y ≪ x, very long patience).

    Uses x·e^y·y^(−x−1)·γ(x+1, z) = (x/y)·(z/y)^x·e^(y−z)·𝒜(x + 1, z)·… expanded as
    (x/(x+1))·(z/y)^(x+1)·e^(y−z)·₁F₁(1; x + 2; z), for z = y and z = y·e^(−T/patience).
    """
    def part(z: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            log_term = (x + 1.0) * (np.log(z) - np.log(y)) + (y - z) + log_kummer_1f1_unit(
                x + 1.0, z)
        return np.exp(log_pi_n + np.log(x / (x + 1.0)) + log_term)

    z_t = y * np.exp(-t / pat)
    return np.maximum(part(y) - part(z_t), 0.0)
