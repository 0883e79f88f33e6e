"""The aggregate scheduling model: shift counts per day and template, and weekly *tours* per
advisor class, solved by HiGHS (the LP relaxation, which is the decomposition's bound, by
``scipy.optimize.linprog``'s interior point method; whole counts by ``scipy.optimize.milp``).
Stage 1 of the decomposition (:func:`pilotage.wfm.assignment.solve_decomposed`).

Advisor class
    advisors identical for the model: same contract hours, templates, skill groups,
    availability over the horizon, previous shift end and run of working days before day 0.
Tour
    one advisor-week: per day either off or a *bucket* (the templates of one shift length the
    class may work, e.g. the 7 h full-time templates). A tour is enumerated only if it keeps
    every weekly rule of one advisor: available days, rest days, two consecutive days off, at
    most ``max_consecutive_days`` in a row inside the week, worked hours ≤ min(weekly
    maximum, contract + tolerance). Its contract shortfall max(0, contract − tolerance −
    hours) is a constant of the tour.

Variables
    z[c, w, tour] ∈ ℕ advisors of class c working that tour in week w (Σ_tour z = |c|);
    k[c, d, b, q] ∈ ℕ advisors of class c working bucket b on skill group q on day d;
    y[d, b, s, q] ∈ ℕ shifts of template s (of bucket b) on day d and group q;
    f[c, w, r, l] ∈ ℕ advisors of class c ending week w − 1 with a run of r working days and
    starting week w with a run of l, created only for r + l ≤ max_consecutive_days (or a
    full week r = 7, see below);
    under, over ≥ 0 per (day, slot, group), as in :mod:`pilotage.wfm.roster`.

Rows
    Σ_q k[c, d, b, q] = Σ_{tour works b on d} z[c, w, tour];
    Σ_s y[d, b, s, q] = Σ_c k[c, d, b, q];
    the coverage rows of the per-advisor model on y;
    runs across week boundaries: Σ_l f[c, w, r, ·] = advisors of c whose week w − 1 tour ends
    with r working days, Σ_r f[c, w, ·, l] = those whose week w tour starts with l;
    day 0 and the shift worked before it (11 h rest): for each bucket, group and start
    threshold t, the shifts starting before t ≤ the advisors of the classes allowed to start
    before t (Hall's condition for these nested sets, so it is exact).

Why it is a relaxation of the per-advisor model (:func:`pilotage.wfm.roster.solve_roster`)
    every per-advisor schedule maps to a solution of this model with the same objective: count
    each advisor-week as its tour, each shift in k and y, each run across a week boundary in f.
    Every per-advisor rule is either kept exactly (availability, skills, one shift a day, daily
    and weekly maxima, contract + tolerance, contract shortfall cost, rest days, consecutive
    days off, maximum consecutive days — inside a week by the tour, across weeks by f, before
    day 0 by the tours allowed in week 0 — and the daily rest before day 0) or dropped (the
    11 h daily rest between two days of the horizon). Nothing is tightened, so the optimum of
    this model, and any lower bound HiGHS proves for it (the MILP dual bound, the LP
    relaxation), is a lower bound of the per-advisor optimum. (With no rest day a week a tour
    may work all 7 days and a run may span three weeks; f then only sees the last week of it:
    still a relaxation.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from pilotage.wfm.roster import SLOT_H, RosterAdvisor, RosterProblem, _Rows
from pilotage.wfm.shifts import SLOTS_PER_DAY

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
OFF = -1
MAX_TOURS_PER_CLASS_WEEK = 20_000


@dataclass(frozen=True)
class AdvisorClass:
    """Advisors the aggregate model cannot tell apart (indices into ``problem.advisors``)."""

    members: tuple[int, ...]
    advisor: RosterAdvisor  # the first member, representative of all
    buckets: tuple[int, ...]  # indices into ``AggregateModel.buckets``
    day0_min_start: float  # earliest start allowed on day 0 (daily rest), minutes


@dataclass(frozen=True)
class Tour:
    """One advisor-week: a bucket index or ``OFF`` per day."""

    days: tuple[int, ...]
    hours: float
    shortfall_h: float
    lead: int  # working days in a row from the first day of the week
    trail: int  # working days in a row up to the last day of the week


@dataclass(frozen=True)
class AggregateSolution:
    """Counts chosen by the aggregate model (``found`` False: none within the limit)."""

    found: bool
    optimal: bool
    message: str
    objective: float
    dual_bound: float  # proven lower bound of this model, hence of the per-advisor model
    seconds: float
    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int
    tour_count: dict[tuple[int, int, int], int]  # (class, week, tour) → advisors
    bucket_count: dict[tuple[int, int, int, int], int]  # (class, day, bucket, group) → advisors
    template_count: dict[tuple[int, int, int, int], int]  # (day, bucket, template, group)
    run_flow: dict[tuple[int, int, int, int], int]  # (class, week, trail, lead) → advisors
    tour_values: FloatArray  # the tour columns, in (class, week, tour) order


@dataclass(frozen=True)
class AggregateModel:
    problem: RosterProblem
    buckets: tuple[tuple[int, ...], ...]  # template indices of each bucket
    classes: tuple[AdvisorClass, ...]
    tours: tuple[tuple[tuple[Tour, ...], ...], ...]  # [class][week] → tours

    @property
    def truncated(self) -> bool:
        """Some class-week has more tours than are enumerated: the model would then not be a
        relaxation (its bound not valid), and the decomposition is not used."""
        return any(len(t) > MAX_TOURS_PER_CLASS_WEEK for c in self.tours for t in c)

    @classmethod
    def build(cls, problem: RosterProblem) -> AggregateModel:
        tpl, rules = problem.templates, problem.rules
        rest_min = rules.min_daily_rest_h * 60.0
        family: dict[tuple[int, int, int], list[int]] = {}
        for i, t in enumerate(tpl):
            family.setdefault((t.worked_min, t.lunch_min, t.breaks), []).append(i)
        bucket_index: dict[tuple[int, ...], int] = {}
        groups: dict[tuple[object, ...], list[int]] = {}
        for a, adv in enumerate(problem.advisors):
            key = (adv.weekly_hours, adv.templates, adv.groups, adv.available,
                   adv.previous_end_min, adv.trailing_work_days)
            groups.setdefault(key, []).append(a)
        classes = []
        for members in groups.values():
            adv = problem.advisors[members[0]]
            allowed = {s for s in adv.templates if tpl[s].worked_h <= rules.max_daily_h + 1e-9}
            mine = []
            for fam in family.values():
                b = tuple(s for s in fam if s in allowed)
                if b and adv.groups:
                    mine.append(bucket_index.setdefault(b, len(bucket_index)))
            day0 = (-np.inf if adv.previous_end_min is None or rest_min <= 0
                    else adv.previous_end_min + rest_min - 24 * 60)
            classes.append(AdvisorClass(tuple(members), adv, tuple(sorted(mine)), float(day0)))
        buckets = tuple(sorted(bucket_index, key=bucket_index.__getitem__))
        tours = tuple(tuple(_tours(problem, c, buckets, w) for w in range(problem.weeks))
                      for c in classes)
        return cls(problem, buckets, tuple(classes), tours)


def _tours(problem: RosterProblem, c: AdvisorClass, buckets: Sequence[tuple[int, ...]],
           week: int) -> tuple[Tour, ...]:
    rules = problem.rules
    adv = c.advisor
    hours_of = {b: problem.templates[buckets[b][0]].worked_h for b in c.buckets}
    cap = min(rules.max_weekly_h, adv.weekly_hours + rules.contract_tolerance_h)
    floor = adv.weekly_hours - rules.contract_tolerance_h
    max_days = 7 - rules.rest_days_per_week
    m = rules.max_consecutive_days
    options = [[OFF] + (list(c.buckets) if adv.available[7 * week + j] else [])
               for j in range(7)]
    out: list[Tour] = []

    def walk(j: int, days: list[int], hours: float, worked: int) -> None:
        if len(out) > MAX_TOURS_PER_CLASS_WEEK:
            return
        if j == 7:
            flags = [d != OFF for d in days]
            if rules.consecutive_days_off and not any(
                    not flags[i] and not flags[i + 1] for i in range(6)):
                return
            lead = next((i for i, f in enumerate(flags) if not f), 7)
            trail = next((i for i, f in enumerate(reversed(flags)) if not f), 7)
            if week == 0 and lead + adv.trailing_work_days > m:
                return
            run = longest = 0
            for f in flags:
                run = run + 1 if f else 0
                longest = max(longest, run)
            if longest > m:
                return
            short = max(floor - hours, 0.0) if floor > 0 else 0.0
            out.append(Tour(tuple(days), hours, short, lead, trail))
            return
        for b in options[j]:
            h = hours_of.get(b, 0.0)
            if b != OFF and (worked + 1 > max_days or hours + h > cap + 1e-9):
                continue
            walk(j + 1, [*days, b], hours + h, worked + (b != OFF))

    walk(0, [], 0.0, 0)
    return tuple(out)


def solve_aggregate(model: AggregateModel, *, integral: bool = True, time_limit_s: float = 30.0,
                    mip_rel_gap: float = 0.001, tour_lower: FloatArray | None = None,
                    tour_upper: FloatArray | None = None) -> AggregateSolution:
    """Build and solve the aggregate model (see the module docstring); ``tour_lower`` and
    ``tour_upper`` bound the tour columns (in ``z_index`` order) to dive from an LP solution."""
    t0 = time.perf_counter()
    problem, rules, costs = model.problem, model.problem.rules, model.problem.costs
    tpl = problem.templates
    n_days, n_q, n_weeks = problem.days, problem.groups, problem.weeks
    m = rules.max_consecutive_days
    col = 0
    # ---- z: tours
    z_index: list[tuple[int, int, int]] = []
    z_cost: list[float] = []
    z_start: dict[tuple[int, int], int] = {}
    for ci, _ in enumerate(model.classes):
        for w in range(n_weeks):
            z_start[ci, w] = col
            for ti, tour in enumerate(model.tours[ci][w]):
                z_index.append((ci, w, ti))
                z_cost.append(costs.contract_shortfall_per_h * tour.shortfall_h)
                col += 1
    # ---- k: class counts per day, bucket, group
    k_col: dict[tuple[int, int, int, int], int] = {}
    for ci, c in enumerate(model.classes):
        for d in range(n_days):
            if not c.advisor.available[d]:
                continue
            for b in c.buckets:
                for q in c.advisor.groups:
                    k_col[ci, d, b, q] = col
                    col += 1
    # ---- y: template counts
    y_col: dict[tuple[int, int, int, int], int] = {}
    bucket_groups = {(b, q) for (_, _, b, q) in k_col}
    for d in range(n_days):
        for b, q in sorted(bucket_groups):
            for s in model.buckets[b]:
                y_col[d, b, s, q] = col
                col += 1
    # ---- f: runs across week boundaries
    f_col: dict[tuple[int, int, int, int], int] = {}
    for ci, _ in enumerate(model.classes):
        for w in range(1, n_weeks):
            trails = {t.trail for t in model.tours[ci][w - 1]}
            leads = {t.lead for t in model.tours[ci][w]}
            for r in sorted(trails):
                for ll in sorted(leads):
                    if r + ll <= m or r == 7:  # a full week: see the module docstring
                        f_col[ci, w, r, ll] = col
                        col += 1
    n_int = col
    u0 = col
    n_cov = n_days * SLOTS_PER_DAY * n_q
    o0 = u0 + n_cov
    n_cols = o0 + n_cov
    rows = _Rows()
    # each advisor of a class works one tour a week
    for ci, c in enumerate(model.classes):
        for w in range(n_weeks):
            lo = z_start[ci, w]
            n = len(model.tours[ci][w])
            if n == 0:
                raise RuntimeError("no tour for a class")  # the all-off tour always exists
            rows.add(np.arange(lo, lo + n), 1.0, len(c.members), len(c.members))
    # tours → class counts per day and bucket
    for ci, c in enumerate(model.classes):
        for w in range(n_weeks):
            lo = z_start[ci, w]
            tours = model.tours[ci][w]
            days = np.array([t.days for t in tours], dtype=np.int64).reshape(-1, 7)
            for j in range(7):
                d = 7 * w + j
                for b in c.buckets:
                    ks = [k_col[ci, d, b, q] for q in c.advisor.groups if (ci, d, b, q) in k_col]
                    zs = lo + np.nonzero(days[:, j] == b)[0]
                    if not ks and zs.size == 0:
                        continue
                    rows.add(np.concatenate([np.array(ks, dtype=np.int64), zs]),
                             np.concatenate([np.ones(len(ks)), -np.ones(zs.size)]), 0.0, 0.0)
    # class counts → template counts
    by_dbq: dict[tuple[int, int, int], list[int]] = {}
    for (_, d, b, q), k in k_col.items():
        by_dbq.setdefault((d, b, q), []).append(k)
    for d in range(n_days):
        for b, q in sorted(bucket_groups):
            ys = [y_col[d, b, s, q] for s in model.buckets[b]]
            ks = by_dbq.get((d, b, q), [])
            rows.add(np.array(ys + ks, dtype=np.int64),
                     np.concatenate([np.ones(len(ys)), -np.ones(len(ks))]), 0.0, 0.0)
    # daily rest before day 0: shifts starting before t ≤ advisors allowed to start before t
    for b, q in sorted(bucket_groups):
        limits = sorted({c.day0_min_start for ci, c in enumerate(model.classes)
                         if (ci, 0, b, q) in k_col and np.isfinite(c.day0_min_start)})
        for t in limits:
            early = [y_col[0, b, s, q] for s in model.buckets[b] if tpl[s].start_min < t]
            able = [k_col[ci, 0, b, q] for ci, c in enumerate(model.classes)
                    if (ci, 0, b, q) in k_col and c.day0_min_start < t]
            if early:
                rows.add(early + able, [1.0] * len(early) + [-1.0] * len(able), -np.inf, 0.0)
    # runs of working days across week boundaries
    for ci, _ in enumerate(model.classes):
        for w in range(1, n_weeks):
            prev, cur = model.tours[ci][w - 1], model.tours[ci][w]
            for r in sorted({t.trail for t in prev}):
                fs = [v for (c2, w2, r2, _), v in f_col.items() if (c2, w2, r2) == (ci, w, r)]
                ending = [z_start[ci, w - 1] + i for i, t in enumerate(prev) if t.trail == r]
                rows.add(fs + ending, [1.0] * len(fs) + [-1.0] * len(ending), 0.0, 0.0)
            for ll in sorted({t.lead for t in cur}):
                fs = [v for (c2, w2, _, l2), v in f_col.items() if (c2, w2, l2) == (ci, w, ll)]
                starting = [z_start[ci, w] + i for i, t in enumerate(cur) if t.lead == ll]
                rows.add(fs + starting, [1.0] * len(fs) + [-1.0] * len(starting), 0.0, 0.0)
    add_coverage_rows(rows, problem, y_col, u0, o0)
    a_mat, lb, ub = rows.matrix(n_cols)
    c_vec = np.zeros(n_cols)
    c_vec[:len(z_cost)] = z_cost
    c_vec[u0:o0] = costs.under_per_h * SLOT_H
    c_vec[o0:] = costs.over_per_h * SLOT_H
    upper = np.full(n_cols, np.inf)
    for ci, c in enumerate(model.classes):
        for w in range(n_weeks):
            lo = z_start[ci, w]
            upper[lo:lo + len(model.tours[ci][w])] = len(c.members)
    lower = np.zeros(n_cols)
    if tour_lower is not None:
        lower[:len(z_index)] = tour_lower
    if tour_upper is not None:
        upper[:len(z_index)] = np.minimum(upper[:len(z_index)], tour_upper)
    integrality = np.zeros(n_cols)
    if integral:
        integrality[:n_int] = 1
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    if integral:
        res = milp(c_vec, integrality=integrality, bounds=Bounds(lower, upper),
                   constraints=LinearConstraint(a_mat, lb, ub),
                   options={"time_limit": left, "mip_rel_gap": mip_rel_gap, "disp": False,
                            "presolve": True})
    else:  # the interior point method: 5-7 times faster than the dual simplex here
        eq = lb == ub
        le, ge = ~eq & np.isfinite(ub), ~eq & np.isfinite(lb)
        res = linprog(c_vec, A_ub=sparse.vstack([a_mat[le], -a_mat[ge]]),
                      b_ub=np.concatenate([ub[le], -lb[ge]]), A_eq=a_mat[eq], b_eq=lb[eq],
                      bounds=np.column_stack([lower, upper]), method="highs-ipm",
                      options={"time_limit": left})
    found = res.x is not None and (integral or res.status == 0)  # an LP bound only if solved
    x = np.rint(np.asarray(res.x)) if found and integral else (
        np.asarray(res.x) if found else np.zeros(n_cols))
    fun = float(res.fun) if found else np.nan
    bound = (float(getattr(res, "mip_dual_bound", np.nan) or np.nan) if integral else fun)
    if found and not np.isfinite(bound) and res.status == 0:
        bound = fun

    def counts(index: dict[tuple[int, int, int, int], int]) -> dict[tuple[int, int, int, int],
                                                                     int]:
        return {key: int(x[v]) for key, v in index.items() if x[v] > 0.5}

    tour_count = {key: int(x[i]) for i, key in enumerate(z_index) if x[i] > 0.5}
    return AggregateSolution(
        found=found, optimal=res.status == 0, message=str(res.message), objective=fun,
        dual_bound=bound, seconds=time.perf_counter() - t0, variables=n_cols,
        integer_variables=int(integrality.sum()), constraints=int(a_mat.shape[0]),
        nonzeros=int(a_mat.nnz), tour_count=tour_count, bucket_count=counts(k_col),
        template_count=counts(y_col), run_flow=counts(f_col),
        tour_values=x[:len(z_index)].copy())


def add_coverage_rows(rows: _Rows, problem: RosterProblem,
                      y_col: dict[tuple[int, int, int, int], int], u0: int, o0: int) -> None:
    """The coverage rows of the per-advisor model on template counts y[d, b, s, q]:
    Σ_s cover[s, slot] · y + under − over = required, per (day, slot, group); ``u0`` and
    ``o0`` are the first under and over columns."""
    cover = np.array([t.coverage() for t in problem.templates])
    coverable: npt.NDArray[np.bool_] = np.asarray(cover.any(axis=0), dtype=bool)
    n_q = problem.groups
    by_dq: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (d, _, s, q), yc in y_col.items():
        by_dq.setdefault((d, q), []).append((s, yc))
    for d in range(problem.days):
        for q in range(n_q):
            ys = by_dq.get((d, q), [])
            for p in range(SLOTS_PER_DAY):
                target = float(problem.required[d, p, q])
                if not coverable[p] and target <= 0:
                    continue
                cov_i = (d * SLOTS_PER_DAY + p) * n_q + q
                terms = [(yc, float(cover[s, p])) for s, yc in ys if cover[s, p]]
                rows.add([yc for yc, _ in terms] + [u0 + cov_i, o0 + cov_i],
                         [x for _, x in terms] + [1.0, -1.0], target, target)
