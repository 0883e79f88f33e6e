"""Written work (e-mail, letters, back office): backlog, response time and staffing.

Deferrable work does not queue in real time: items wait in a backlog and are answered in
arrival order (FIFO) by the advisors assigned to it. The model is a fluid FIFO queue on an
interval grid:

* items arrive uniformly within each interval (``arrivals`` per interval), each needing
  ``aht_s`` seconds of work; an opening backlog of items received ``opening_backlog_age_s``
  before the start may be given;
* ``agents`` per interval work ``max_occupancy`` of their time on items (the rest is the
  occupancy cap: reading, micro-pauses), only in intervals open to advisors;
* processed work is the Lindley recursion ``P_j = min(A_j, P_{j−1} + capacity_j)`` and,
  inside an interval, ``P(t) = min(A(t), P_{j−1} + c·(t − t_{j−1}))`` — exact, since arrival and
  capacity rates are constant within an interval;
* an item received at τ is answered when processed work reaches the work received up to it,
  ``A(τ)``; it is **in time** when ``P(τ + response_s) ≥ A(τ)``. That is the elapsed-time
  response of the ``email_response_sla`` KPI (first reply − received ≤ ``response_s``, over all
  written items received). The share in time is computed exactly: ``P(τ + R) − A(τ)`` is linear
  between the interval bounds and the knots of P shifted by R, so the items in time are
  integrated piece by piece.

Items still unanswered at the end of a finite horizon whose deadline falls after it are
*pending*: neither in time nor late. In a **cyclic** workload (a typical week repeated) the
horizon is tiled: copy 0 starts empty, and from copy 1 on the backlog is the stationary one
whenever capacity per cycle covers the work per cycle (a backlog older than one cycle only adds
the cycle's net drift, which is ≤ 0), so copy 1 is reported and later copies only give the
future its deadlines need.

Staffing: :func:`required_level` finds by bisection the smallest flat level of agents over the
open intervals that meets a :class:`ResponseTarget` (the share in time is non-decreasing in
agents); :func:`required_per_interval` solves, for an "every item within R" target, the linear
programme (HiGHS) of the fewest agent-intervals, fractional and whole.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from pilotage.errors import ParameterError
from pilotage.wfm.choices import ResponseClock

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_CEIL_TOLERANCE = 1e-9
_SOLVER_TIME_LIMIT_S = 60.0
_BISECTION_RTOL = 1e-10


@dataclass(frozen=True)
class ResponseTarget:
    """``share`` of written items answered within ``response_s`` seconds on ``clock``."""

    response_s: float = 86_400.0
    share: float = 0.9  # in (0, 1]; 1 means every item
    clock: ResponseClock = ResponseClock.ELAPSED

    def __post_init__(self) -> None:
        if not (math.isfinite(self.response_s) and self.response_s > 0):
            raise ParameterError(f"the response-time target must be > 0 s, got "
                                 f"{self.response_s!r}", hint="e.g. --target-h 24")
        if not (math.isfinite(self.share) and 0.0 < self.share <= 1.0):
            raise ParameterError(f"--target-share must be in (0, 1], got {self.share!r}",
                                 hint="write 90 % as 0.9; 1 means every item")

    def met(self, received_s: npt.ArrayLike, replied_s: npt.ArrayLike) -> BoolArray:
        """Items replied within the target in elapsed time (NaN reply: not replied, so not
        in time) — the numerator of ``email_response_sla``."""
        wait = np.asarray(replied_s, dtype=np.float64) - np.asarray(received_s, np.float64)
        return np.asarray(np.isfinite(wait) & (wait <= self.response_s))


@dataclass(frozen=True)
class WrittenWorkload:
    """Written items offered per interval, the intervals open to advisors, an opening backlog."""

    interval_s: float
    arrivals: FloatArray  # items received per interval
    aht_s: FloatArray  # work per item, seconds (any value where no item arrives)
    open: BoolArray  # intervals in which advisors may work
    opening_backlog: float = 0.0  # items waiting at the start (not for a cyclic workload)
    opening_backlog_age_s: float = 0.0  # how long before the start they were received
    backlog_aht_s: float | None = None  # default: the mean AHT of the arrivals
    cyclic: bool = False  # the horizon repeats (a typical day or week)

    @classmethod
    def of(cls, interval_s: float, arrivals: npt.ArrayLike, aht_s: npt.ArrayLike,
           open_: npt.ArrayLike, **kw: float | bool | None) -> WrittenWorkload:
        a = np.atleast_1d(np.asarray(arrivals, dtype=np.float64)).ravel()
        try:
            h, o = (np.ascontiguousarray(x) for x in np.broadcast_arrays(
                np.asarray(aht_s, dtype=np.float64), np.asarray(open_, dtype=np.bool_), a)[:2])
        except ValueError as exc:
            raise ParameterError(f"arrivals, aht_s and open have different lengths: {exc}",
                                 hint="give one value per interval") from exc
        return cls(float(interval_s), a, h.ravel(), o.ravel(), **kw)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval_s) and self.interval_s > 0):
            raise ParameterError(f"interval length must be > 0 s, got {self.interval_s!r}",
                                 hint="use 15, 30 or 60 minutes")
        n = self.arrivals.shape[0]
        if n == 0 or self.aht_s.shape != (n,) or self.open.shape != (n,):
            raise ParameterError("a written workload needs one arrivals, aht_s and open value "
                                 "per interval", hint="give at least one interval")
        bad = ~np.isfinite(self.arrivals) | (self.arrivals < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"arrivals must be finite and ≥ 0; interval {i} has "
                                 f"{float(self.arrivals[i])!r}", hint="fix that interval")
        bad = (self.arrivals > 0) & ~(np.isfinite(self.aht_s) & (self.aht_s > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"aht_s must be > 0 where items arrive; interval {i} has "
                                 f"{float(self.aht_s[i])!r}", hint="give the handle time")
        for name, value in (("opening backlog", self.opening_backlog),
                            ("opening backlog age", self.opening_backlog_age_s)):
            if not (math.isfinite(value) and value >= 0):
                raise ParameterError(f"the {name} must be ≥ 0, got {value!r}",
                                     hint=f"check the {name}")
        if self.cyclic and self.opening_backlog > 0:
            raise ParameterError("a cyclic workload has no opening backlog: its backlog is the "
                                 "stationary one", hint="drop the opening backlog, or give a "
                                 "finite horizon")
        if self.backlog_aht_s is not None and not self.backlog_aht_s > 0:
            raise ParameterError(f"the backlog AHT must be > 0 s, got {self.backlog_aht_s!r}",
                                 hint="give the handle time of the backlog items")

    def __len__(self) -> int:
        return int(self.arrivals.shape[0])

    @property
    def horizon_s(self) -> float:
        return self.interval_s * len(self)

    @property
    def work_s(self) -> FloatArray:
        """Work received per interval, seconds."""
        return np.where(self.arrivals > 0, self.arrivals * self.aht_s, 0.0)

    @property
    def backlog_work_s(self) -> float:
        if self.opening_backlog <= 0:
            return 0.0
        aht = self.backlog_aht_s
        if aht is None:
            total = float(self.arrivals.sum())
            if total <= 0:
                raise ParameterError("an opening backlog without arrivals needs its AHT",
                                     hint="give the backlog's handle time")
            aht = float(self.work_s.sum()) / total
        return self.opening_backlog * aht


@dataclass(frozen=True)
class BacklogProjection:
    """What a staffing plan achieves (per interval: one value per interval of the workload)."""

    agents: FloatArray  # productive agents per interval (before shrinkage)
    capacity_s: FloatArray  # productive seconds on items: agents × occupancy × interval
    answered: FloatArray  # items answered (first reply) in the interval
    backlog: FloatArray  # items waiting at the end of the interval
    oldest_age_s: FloatArray  # age of the oldest waiting item at the end (0: none waiting)
    received: FloatArray  # items received in the interval
    in_time: FloatArray  # of the items received in the interval, those answered in time
    late: FloatArray  # … answered (or still waiting) after their deadline
    pending: FloatArray  # … unanswered at the end, deadline after it (finite horizon only)
    backlog_in_time: float  # opening-backlog items answered in time
    backlog_late: float
    backlog_pending: float
    occupancy: float  # work done / capacity over the horizon
    stable: bool  # cyclic: capacity per cycle covers the work per cycle
    target: ResponseTarget

    @property
    def share_in_time(self) -> float:
        """Items in time / items judged (received in the horizon plus the opening backlog,
        pending ones left out). Unstable cyclic workload: 0, the long-run limit."""
        if not self.stable:
            return 0.0
        judged = float(self.in_time.sum() + self.late.sum()) + self.backlog_in_time \
            + self.backlog_late
        if judged <= 0:
            return 1.0
        return (float(self.in_time.sum()) + self.backlog_in_time) / judged

    @property
    def closing_backlog(self) -> float:
        return float(self.backlog[-1])


def _processed(a_knots: FloatArray, cap: FloatArray, interval_s: float,
               ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Processed work at interval bounds and the knots (times, values) of P(t)."""
    n = cap.shape[0]
    p = np.empty(n + 1)
    p[0] = 0.0
    times = [0.0]
    values = [0.0]
    for j in range(n):
        start = p[j]
        a0, a1 = a_knots[j], a_knots[j + 1]
        end = min(a1, start + cap[j])
        c_rate = cap[j] / interval_s
        w_rate = (a1 - a0) / interval_s
        if start < a0 and c_rate > w_rate:  # the backlog empties inside the interval
            u = (a0 - start) / (c_rate - w_rate)
            if 0.0 < u < interval_s:
                times.append(j * interval_s + u)
                values.append(a0 + w_rate * u)
        p[j + 1] = end
        times.append((j + 1) * interval_s)
        values.append(end)
    return p, np.asarray(times), np.maximum.accumulate(np.asarray(values))


@dataclass(frozen=True)
class _Deadlines:
    """Deadline of an item received at τ (seconds from the start of the grid) and its
    inverse. Business clock: B(t), the open seconds since the start, is piecewise linear with
    slope 1 in open intervals and 0 in closed ones; the deadline is the first t with
    B(t) = B(τ) + R, the latest item due by t was received when B(τ) = B(t) − R."""

    grid: FloatArray
    business: FloatArray | None  # B at the grid points; None: elapsed clock
    response_s: float

    @classmethod
    def of(cls, work: WrittenWorkload, target: ResponseTarget) -> _Deadlines:
        grid = np.arange(len(work) + 1, dtype=np.float64) * work.interval_s
        if target.clock is ResponseClock.ELAPSED:
            return cls(grid, None, target.response_s)
        b = np.concatenate([[0.0], np.cumsum(np.where(work.open, work.interval_s, 0.0))])
        return cls(grid, b, target.response_s)

    def _b(self, t: FloatArray) -> FloatArray:
        assert self.business is not None
        return np.asarray(np.interp(t, self.grid, self.business))

    def due(self, received_s: FloatArray) -> FloatArray:
        """Deadline (+inf when the business clock runs out within the grid)."""
        if self.business is None:
            return received_s + self.response_s
        b = self.business
        y = self._b(received_s) + self.response_s
        k = np.searchsorted(b, y, side="left")  # b[k−1] < y ≤ b[k]
        inside = (k >= 1) & (k < b.size)
        kk = np.clip(k - 1, 0, b.size - 1)
        t = np.where(inside, self.grid[kk] + (y - b[kk]), np.where(k < 1, 0.0, np.inf))
        return np.asarray(t)

    def received_due_by(self, t: FloatArray) -> FloatArray:
        """Latest receipt time whose deadline is ≤ t (−inf: none)."""
        if self.business is None:
            return t - self.response_s
        b = self.business
        y = self._b(t) - self.response_s
        k = np.searchsorted(b, y, side="right") - 1  # last grid point with b ≤ y
        last = b.size - 1
        kk = np.clip(k, 0, last)
        tau = np.where(k < 0, -np.inf, np.where(k >= last, self.grid[last],
                                                 self.grid[kk] + (y - b[kk])))
        return np.asarray(tau)

    def backlog_due(self, age_s: float) -> float:
        """Deadline of the opening backlog (its age counts on the target's clock)."""
        left = self.response_s - age_s
        if left < 0:
            return -math.inf
        if self.business is None:
            return left
        k = int(np.searchsorted(self.business, left, side="left"))
        if k >= self.business.size:
            return math.inf
        if k == 0:
            return 0.0
        return float(self.grid[k - 1] + (left - self.business[k - 1]))


def _project(work: WrittenWorkload, agents: FloatArray, target: ResponseTarget,
             max_occupancy: float) -> BacklogProjection:
    n, dt_s = len(work), work.interval_s
    w = work.work_s
    wb = work.backlog_work_s
    a_knots = np.concatenate([[wb], wb + np.cumsum(w)])
    n_knots = np.concatenate([[work.opening_backlog], work.opening_backlog
                              + np.cumsum(work.arrivals)])
    cap = np.where(work.open, agents, 0.0) * max_occupancy * dt_s
    p, pt, pv = _processed(a_knots, cap, dt_s)
    grid = np.arange(n + 1) * dt_s
    end_s = grid[-1]
    tol = 1e-9 * max(1.0, float(a_knots[-1]))
    clock = _Deadlines.of(work, target)

    # items received in the horizon: g(τ) = P(due(τ)) − A(τ), piecewise linear
    cuts = np.concatenate([grid, clock.received_due_by(np.concatenate([pt, grid]))])
    cuts = np.unique(cuts[(cuts >= 0.0) & (cuts <= end_s)])
    u, v = cuts[:-1], cuts[1:]
    gu = np.interp(clock.due(u), pt, pv) - np.interp(u, grid, a_knots)
    gv = np.interp(clock.due(v), pt, pv) - np.interp(v, grid, a_knots)
    ok_u, ok_v = gu >= -tol, gv >= -tol
    with np.errstate(divide="ignore", invalid="ignore"):
        root = u + (v - u) * np.clip(gu / (gu - gv), 0.0, 1.0)
    ok_len = np.where(ok_u & ok_v, v - u, np.where(ok_u, root - u,
                                                   np.where(ok_v, v - root, 0.0)))
    k = np.minimum((u // dt_s).astype(np.int64), n - 1)
    rate = work.arrivals[k] / dt_s
    ok_items = rate * ok_len
    ko_items = rate * (v - u) - ok_items
    after = clock.due(0.5 * (u + v)) > end_s  # deadline after the end
    in_time = np.bincount(k, ok_items, n).astype(np.float64)
    late = np.bincount(k, np.where(after, 0.0, ko_items), n).astype(np.float64)
    pending = np.bincount(k, np.where(after, ko_items, 0.0), n).astype(np.float64)

    # opening backlog: all received at −age, deadline R − age
    b_in = b_late = b_pending = 0.0
    if wb > 0:
        deadline = clock.backlog_due(work.opening_backlog_age_s)
        done = float(np.interp(deadline, pt, pv)) if deadline >= 0 else 0.0
        share = min(1.0, done / wb + 1e-12)
        b_in = work.opening_backlog * share
        rest = work.opening_backlog - b_in
        if deadline > end_s:
            b_pending = rest
        else:
            b_late = rest

    # backlog and the oldest item's age at each interval end
    q = a_knots[1:] - p[1:]
    waiting = q > tol
    idx = np.searchsorted(a_knots, p[1:], side="right")  # first knot with A > P
    kk = np.clip(idx - 1, 0, n - 1)
    span = a_knots[kk + 1] - a_knots[kk]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (p[1:] - a_knots[kk]) / span, 0.0)
    oldest_t = grid[kk] + frac * dt_s
    items_done = n_knots[kk] + frac * work.arrivals[kk]
    in_backlog = p[1:] < wb - tol
    if wb > 0:
        done_b = p[1:] / wb * work.opening_backlog
        items_done = np.where(in_backlog, done_b, items_done)
        oldest_t = np.where(in_backlog, -work.opening_backlog_age_s, oldest_t)
    backlog = np.where(waiting, np.maximum(n_knots[1:] - items_done, 0.0), 0.0)
    oldest = np.where(waiting, grid[1:] - oldest_t, 0.0)
    answered = np.diff(np.concatenate([[0.0], n_knots[1:] - backlog]))
    total_cap = float(cap.sum())
    occupancy = float(p[-1] / total_cap) if total_cap > 0 else 0.0
    return BacklogProjection(
        agents=agents, capacity_s=cap, answered=answered, backlog=backlog, oldest_age_s=oldest,
        received=work.arrivals.copy(), in_time=in_time, late=late, pending=pending,
        backlog_in_time=b_in, backlog_late=b_late, backlog_pending=b_pending,
        occupancy=occupancy, stable=True, target=target)


def _copies(work: WrittenWorkload, target: ResponseTarget) -> int:
    cycle_s = work.horizon_s
    if target.clock is ResponseClock.BUSINESS:
        cycle_s = float(work.open.sum()) * work.interval_s
        if cycle_s <= 0:
            raise ParameterError("a business-hours target needs opening hours",
                                 hint="give --opening, or count elapsed time")
    return int(math.ceil(target.response_s / cycle_s)) + 2


def _tiled(work: WrittenWorkload, copies: int) -> WrittenWorkload:
    return WrittenWorkload(work.interval_s, np.tile(work.arrivals, copies),
                           np.tile(work.aht_s, copies), np.tile(work.open, copies))


def project_backlog(work: WrittenWorkload, agents: npt.ArrayLike, target: ResponseTarget, *,
                    max_occupancy: float = 1.0) -> BacklogProjection:
    """Backlog, oldest age and response-time attainment of a staffing plan (one value per
    interval, or one flat level for the open intervals)."""
    _check_occupancy(max_occupancy)
    plan = np.broadcast_to(np.asarray(agents, dtype=np.float64), work.arrivals.shape).copy()
    bad = ~np.isfinite(plan) | (plan < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(f"agents must be finite and ≥ 0; interval {i} has "
                             f"{float(plan[i])!r}", hint="fix the staffing plan")
    plan = np.where(work.open, plan, 0.0)
    if not work.cyclic:
        return _project(work, plan, target, max_occupancy)
    copies = _copies(work, target)
    full = _project(_tiled(work, copies), np.tile(plan, copies), target, max_occupancy)
    n = len(work)
    one = slice(n, 2 * n)
    cap = float(full.capacity_s[one].sum())
    stable = cap >= float(work.work_s.sum()) * (1.0 - 1e-12)
    done = float(np.minimum(work.work_s.sum(), cap))
    return BacklogProjection(
        agents=plan, capacity_s=full.capacity_s[one], answered=full.answered[one],
        backlog=full.backlog[one], oldest_age_s=full.oldest_age_s[one],
        received=full.received[one], in_time=full.in_time[one], late=full.late[one],
        pending=full.pending[one], backlog_in_time=0.0, backlog_late=0.0, backlog_pending=0.0,
        occupancy=done / cap if cap > 0 else 0.0, stable=stable, target=target)


def _check_occupancy(max_occupancy: float) -> None:
    if not (math.isfinite(max_occupancy) and 0.0 < max_occupancy <= 1.0):
        raise ParameterError(f"--max-occupancy must be in (0, 1], got {max_occupancy!r}",
                             hint="write 85 % as 0.85; 1 means no cap")


def _check_shrinkage(shrinkage: float) -> None:
    if not (math.isfinite(shrinkage) and 0.0 <= shrinkage < 1.0):
        raise ParameterError(f"--shrinkage must be in [0, 1), got {shrinkage!r}",
                             hint="write 30 % as 0.3")


def _ceil(x: FloatArray) -> FloatArray:
    return np.ceil(x - _CEIL_TOLERANCE * np.maximum(1.0, np.abs(x)))


@dataclass(frozen=True)
class WrittenRequirement:
    """Staffing that meets a response-time target, and what it achieves."""

    agents_fractional: FloatArray  # per interval, before shrinkage (continuous minimum)
    agents: FloatArray  # whole agents per interval, before shrinkage
    positions: FloatArray  # whole positions per interval: ceil(agents / (1 − shrinkage))
    shrinkage: float
    flat: bool  # one level over the open intervals (else per interval, by linear programme)
    projection: BacklogProjection  # at the whole ``agents``
    interval_s: float
    proven_minimal: bool = True  # False: the solver stopped at its time limit
    # False: below 100 %, the programme counts a partly late interval as late, so the answer
    # may exceed the true minimum by up to one interval's items (its share is exact)
    exact_share_model: bool = True

    @property
    def agent_hours(self) -> float:
        """Productive agent hours over the horizon (whole agents)."""
        return float(self.agents.sum()) * self.interval_s / 3600.0

    @property
    def paid_hours(self) -> float:
        """Paid hours: productive hours grossed up by shrinkage (whole agents)."""
        return self.agent_hours / (1.0 - self.shrinkage)


def _infeasible(best: float, target: ResponseTarget) -> ParameterError:
    return ParameterError(
        f"no staffing meets {target.share:.1%} within {target.response_s / 3600:g} h: even "
        f"with unlimited advisors at most {best:.2%} of items can be answered in time (items "
        "received while closed, or an opening backlog already too old)",
        hint="lower --target-share, lengthen the target, or open longer")


@contextmanager
def _solver_output_silenced() -> Iterator[None]:
    """SciPy's HiGHS MIP prints debug lines ("HighsMipSolverData::…") on the C-level stdout,
    which would corrupt ``--format json``: send file descriptor 1 to /dev/null meanwhile."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (e.g. captured): nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _best_share(work: WrittenWorkload, target: ResponseTarget, max_occupancy: float) -> float:
    """The share in time with 10⁶ times the capacity that does all the work in one interval."""
    total = float(work.work_s.sum()) + work.backlog_work_s
    level = total / (max_occupancy * work.interval_s) * 1e6 + 1.0
    return project_backlog(work, level, target, max_occupancy=max_occupancy).share_in_time


def required_level(work: WrittenWorkload, target: ResponseTarget, *,
                   max_occupancy: float = 1.0, shrinkage: float = 0.0) -> WrittenRequirement:
    """Smallest flat level of agents over the open intervals meeting ``target``: the
    continuous minimum (bisection, the share in time being non-decreasing in agents) and the
    smallest whole level."""
    _check_occupancy(max_occupancy)
    _check_shrinkage(shrinkage)
    if not work.open.any():
        raise ParameterError("no interval is open to advisors", hint="give opening hours")

    def share(level: float) -> float:
        return project_backlog(work, level, target, max_occupancy=max_occupancy).share_in_time

    goal = target.share - 1e-12
    total = float(work.work_s.sum()) + work.backlog_work_s
    if total <= 0:
        zero = project_backlog(work, 0.0, target, max_occupancy=max_occupancy)
        z = np.zeros(len(work))
        return WrittenRequirement(z, z, z, shrinkage, True, zero, work.interval_s)
    hi = total / (max_occupancy * work.interval_s) * 1e6 + 1.0  # all of it at once, ×10⁶
    if share(hi) < goal:
        raise _infeasible(_best_share(work, target, max_occupancy), target)
    lo = 0.0
    while hi - lo > _BISECTION_RTOL * hi:
        mid = 0.5 * (lo + hi)
        if share(mid) >= goal:
            hi = mid
        else:
            lo = mid
    whole = float(_ceil(np.array([hi]))[0])
    if whole >= 1.0 and share(whole - 1.0) >= goal:  # hi within tolerance of an integer
        whole -= 1.0
    plan = np.where(work.open, whole, 0.0)
    return WrittenRequirement(
        agents_fractional=np.where(work.open, hi, 0.0), agents=plan,
        positions=np.where(work.open, _ceil(np.array([whole / (1.0 - shrinkage)]))[0], 0.0),
        shrinkage=shrinkage, flat=True,
        projection=project_backlog(work, plan, target, max_occupancy=max_occupancy),
        interval_s=work.interval_s)


def required_per_interval(work: WrittenWorkload, target: ResponseTarget, *,
                          max_occupancy: float = 1.0, shrinkage: float = 0.0,
                          groups: npt.ArrayLike | None = None) -> WrittenRequirement:
    """Fewest agent-hours such that **every** item is answered within the target
    (``target.share`` must be 1), then the lowest peak among those: a linear programme on the
    processed work P_j at interval bounds — ``P_j ≤ A_j``,
    ``0 ≤ P_j − P_{j−1} ≤ occupancy × interval × agents_j``, ``P_j ≥ D_j`` (work already due) —
    solved by HiGHS; whole agents by the same programme with integer agents. ``groups`` (one
    label per interval, e.g. the day) makes agents equal over the open intervals of a group:
    a flat level per day. The target must be a whole number of intervals, so that checking
    P ≥ D at the interval bounds is exact (P is concave within an interval, D steps there)."""
    _check_occupancy(max_occupancy)
    _check_shrinkage(shrinkage)
    steps = target.response_s / work.interval_s
    if abs(steps - round(steps)) > 1e-9:
        raise ParameterError(f"the response target {target.response_s:g} s is not a whole "
                             f"number of {work.interval_s / 60:g}-minute intervals",
                             hint="choose a target that is a multiple of the interval")
    n = len(work)
    labels = np.arange(n) if groups is None else np.asarray(groups).ravel()
    if labels.shape != (n,):
        raise ParameterError("give one group label per interval", hint="e.g. the local day")
    _, group = np.unique(labels, return_inverse=True)
    group = np.where(work.open, group, -1)
    used = np.unique(group[group >= 0])
    if used.size == 0:
        raise ParameterError("no interval is open to advisors", hint="give opening hours")
    column = np.full(int(group.max()) + 1, -1)
    column[used] = np.arange(used.size)
    g_of = np.where(group >= 0, column[np.maximum(group, 0)], -1)  # variable of each interval
    ng = int(used.size)
    weight = np.bincount(g_of[g_of >= 0], minlength=ng).astype(np.float64)  # open intervals
    copies = _copies(work, target) if work.cyclic else 1
    m = n * copies
    tiled = _tiled(work, copies) if work.cyclic else work
    wb = work.backlog_work_s
    a = np.concatenate([[wb], wb + np.cumsum(tiled.work_s)])  # A_j, j = 0..m
    clock = _Deadlines.of(tiled, target)
    grid = np.arange(m + 1, dtype=np.float64) * work.interval_s
    tau = clock.received_due_by(grid)
    d = np.where(np.isfinite(tau), np.interp(np.maximum(tau, 0.0), grid, a - wb), 0.0)
    d = np.where(tau >= 0, d, 0.0)
    every = target.share >= 1.0
    backlog_due = clock.backlog_due(work.opening_backlog_age_s) if wb > 0 else math.inf
    if wb > 0 and every:
        if backlog_due <= 0:
            raise _infeasible(_best_share(work, target, max_occupancy), target)
        d = d + np.where(grid >= backlog_due - 1e-9, wb, 0.0)
    enforce = np.zeros(m + 1, dtype=np.bool_)
    if every:
        enforce[(copies - 1) * n + 1 if work.cyclic else 1:] = True
    cap = max_occupancy * work.interval_s
    # variables: y_0..y_{ng−1} (agents per group), p_1..p_m, then the peak z
    nv = ng + m
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo_c: list[float] = []
    hi_c: list[float] = []
    r = 0
    for j in range(m):  # p_{j+1} − p_j − cap·y_g ≤ 0, and p_{j+1} − p_j ≥ 0
        g = int(g_of[j % n])
        rows.append(r)
        cols.append(ng + j)
        vals.append(1.0)
        if g >= 0:
            rows.append(r)
            cols.append(g)
            vals.append(-cap)
        if j > 0:
            rows += [r, r + 1, r + 1]
            cols += [ng + j - 1, ng + j, ng + j - 1]
            vals += [-1.0, 1.0, -1.0]
            lo_c += [-np.inf, 0.0]
            hi_c += [0.0, np.inf]
            r += 2
        else:
            lo_c.append(-np.inf)
            hi_c.append(0.0)
            r += 1
    if work.cyclic:  # capacity per cycle covers the work per cycle (stationary backlog)
        rows += [r] * ng
        cols += list(range(ng))
        vals += list(cap * weight)
        lo_c.append(float(work.work_s.sum()))
        hi_c.append(np.inf)
        r += 1
    for i in range(ng):  # y_i − z ≤ 0
        rows += [r, r]
        cols += [i, nv]
        vals += [1.0, -1.0]
        lo_c.append(-np.inf)
        hi_c.append(0.0)
        r += 1
    rows += [r] * ng  # total agent-intervals, bounded in the second stage
    cols += list(range(ng))
    vals += list(weight)
    lo_c.append(0.0)
    hi_c.append(np.inf)
    total_row = r
    r += 1
    weights: list[float] = []
    if not every:  # a binary per arrival interval: all its items in time, or counted late
        r, weights = _in_time_rows(work, target, clock, a, grid, ng, nv,
                                   backlog_due, (rows, cols, vals, lo_c, hi_c), r)
    nb = len(weights)
    matrix = csr_array((vals, (rows, cols)), shape=(r, nv + 1 + nb))
    p_lo = np.where(enforce[1:], d[1:], 0.0)
    p_hi = a[1:]
    if (p_lo > p_hi + 1e-9 * max(1.0, float(a[-1]))).any():
        raise _infeasible(_best_share(work, target, max_occupancy), target)
    bounds = Bounds(np.concatenate([np.zeros(ng), np.minimum(p_lo, p_hi), [0.0], np.zeros(nb)]),
                    np.concatenate([np.full(ng, np.inf), p_hi, [np.inf], np.ones(nb)]))

    proven = [True]

    def solve(integer: bool) -> FloatArray:
        integrality = np.concatenate([np.full(ng, 1 if integer else 0), np.zeros(m + 1),
                                      np.ones(nb)])
        upper = np.asarray(hi_c)
        total = np.concatenate([weight, np.zeros(m + 1 + nb)])
        peak = np.concatenate([np.zeros(nv), [1.0], np.zeros(nb)])
        y = None
        for cost in (total, peak):
            with _solver_output_silenced():
                res = milp(cost, constraints=LinearConstraint(matrix, np.asarray(lo_c), upper),
                           bounds=bounds, integrality=integrality,
                           options={"time_limit": _SOLVER_TIME_LIMIT_S})
            if res.x is None:
                if res.status == 1:  # time limit without a solution
                    raise ParameterError(
                        f"the staffing programme found no solution within "
                        f"{_SOLVER_TIME_LIMIT_S:g} s ({nb} interval(s) to judge)",
                        hint="use --levels day or flat, or a shorter horizon")
                raise _infeasible(_best_share(work, target, max_occupancy), target)
            proven[0] = proven[0] and res.status == 0
            y = np.asarray(res.x, dtype=np.float64)
            fewest = float(weight @ y[:ng])
            upper[total_row] = (math.floor(fewest + 0.5) if integer
                                else fewest * (1.0 + 1e-9) + 1e-9)
        assert y is not None
        return np.where(g_of >= 0, np.maximum(y[np.maximum(g_of, 0)], 0.0), 0.0)

    frac = solve(False)
    whole = np.round(solve(True))
    positions = np.where(whole > 0, _ceil(whole / (1.0 - shrinkage)), 0.0)
    return WrittenRequirement(
        agents_fractional=frac, agents=whole, positions=positions, shrinkage=shrinkage,
        flat=False, projection=project_backlog(work, whole, target, max_occupancy=max_occupancy),
        interval_s=work.interval_s, proven_minimal=proven[0], exact_share_model=every)


_Rows = tuple[list[int], list[int], list[float], list[float], list[float]]


def _in_time_rows(work: WrittenWorkload, target: ResponseTarget, clock: _Deadlines,
                  a: FloatArray, grid: FloatArray, ng: int, nv: int,
                  backlog_due: float, out: _Rows, r: int) -> tuple[int, list[float]]:
    """Rows for a share below 1: binary z_i = 1 only if every item received in interval i is
    in time, P(due(t_i)) ≥ A(t_i) and P(due(t_{i+1})) ≥ A(t_{i+1}) (enough: within the
    interval P(due(τ)) − A(τ) is concave), and Σ items × z ≥ share × items judged. Items due
    after the horizon are not judged; a partly late interval counts as late (conservative)."""
    rows, cols, vals, lo_c, hi_c = out
    n, m = len(work), grid.size - 1
    big = float(a[-1]) + 1.0
    dt_s = work.interval_s
    first = n if work.cyclic else 0
    due = clock.due(grid)
    weights: list[float] = []

    def at_least(j: int, value: float, z: int) -> None:  # P_j − big·z ≥ value − big
        nonlocal r
        if j > 0:
            rows.append(r)
            cols.append(ng + j - 1)
            vals.append(1.0)
        rows.append(r)
        cols.append(z)
        vals.append(-big)
        lo_c.append(value - big)
        hi_c.append(np.inf)
        r += 1

    for i in range(first, first + n):
        items = float(work.arrivals[i % n])
        if items <= 0 or not due[i + 1] <= grid[-1] + 1e-9 * max(1.0, grid[-1]):
            continue
        z = nv + 1 + len(weights)
        weights.append(items)
        for k in (i, i + 1):
            at_least(int(round(due[k] / dt_s)), float(a[k]), z)
    if work.opening_backlog > 0 and 0 < backlog_due <= grid[-1]:
        z = nv + 1 + len(weights)
        weights.append(work.opening_backlog)
        at_least(min(int(math.floor(backlog_due / dt_s + 1e-9)), m), float(a[0]), z)
    judged = sum(weights) + (work.opening_backlog if work.opening_backlog > 0
                             and backlog_due <= 0 else 0.0)
    if weights:
        rows += [r] * len(weights)
        cols += list(range(nv + 1, nv + 1 + len(weights)))
        vals += weights
        lo_c.append(target.share * judged)
        hi_c.append(np.inf)
        r += 1
    return r, weights


def fifo_share_in_time(received_s: npt.ArrayLike, replied_s: npt.ArrayLike,
                       target: ResponseTarget) -> float:
    """Share in time when the k-th reply (in time order) answers the k-th item received — the
    model's FIFO matching of cumulative arrivals and cumulative replies, on events. Replies
    missing (NaN) are items still waiting; the denominator is every item received, as in
    ``email_response_sla``."""
    received = np.sort(np.asarray(received_s, dtype=np.float64))
    replies = np.asarray(replied_s, dtype=np.float64)
    replies = np.sort(replies[np.isfinite(replies)])
    if received.size == 0:
        raise ParameterError("no written item received", hint="choose a period with items")
    matched = np.full(received.size, np.nan)
    matched[:replies.size] = replies[:received.size]
    return float(target.met(received, matched).sum()) / received.size
