"""The assignment model: which shift template (if any) each advisor works each day, as a
mixed-integer programme solved by HiGHS (``scipy.optimize.milp``).

Variables
    x[a, d, s, q] ∈ {0, 1}: advisor a works template s on day d on skill group q (created only
    for the days the advisor is available, the templates of their contract and their skills);
    y[d, s, q] ≥ 0: how many advisors work template s on day d on group q (= Σ_a x, so that the
    coverage rows stay short: the coverage matrix has |templates| entries per row instead of
    |advisors| × |templates|);
    under, over ≥ 0: agents missing / in excess per (day, slot, group);
    shortfall[a, w] ≥ 0: hours below contract − tolerance;
    off[a, w, j] ∈ {0, 1}: days j and j + 1 of week w are both off (consecutive days off).

Constraints (per advisor unless said): at most one shift a day (work[a, d] = Σ x ≤ 1, a
column read by the day rules below instead of every x); weekly worked hours ≤ min(weekly
maximum, contract + tolerance) and + shortfall ≥ contract − tolerance; working days per week
≤ 7 − rest days; Σ_j off ≥ 1 with off ≤ 1 − work on both days; working days in any window of
max_consecutive + 1 days ≤ max_consecutive; daily rest: for each end-time threshold t, the shifts
ending at or after t on day d and those starting before t + rest − 24 h on day d + 1 are
mutually exclusive (one row per distinct conflict set); coverage per (day, slot, group):
Σ_s cover[s, slot] · y[d, s, q] + under − over = required.

Objective: under-coverage and over-coverage agent-hours at their costs (under-coverage weighted
more) plus contract shortfall hours at a high cost.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from pilotage.wfm.labour_rules import LabourRule, LabourRules
from pilotage.wfm.shifts import SLOT_MIN, SLOTS_PER_DAY, ShiftTemplate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SLOT_H = SLOT_MIN / 60.0


@dataclass(frozen=True)
class Costs:
    """Objective weights per agent-hour (coverage) or hour (contract shortfall)."""

    under_per_h: float = 4.0
    over_per_h: float = 1.0
    contract_shortfall_per_h: float = 20.0


@dataclass(frozen=True)
class RosterAdvisor:
    """An advisor as the model sees them."""

    weekly_hours: float
    templates: tuple[int, ...]  # indices into the template tuple
    groups: tuple[int, ...]  # indices of the skill groups they can work
    available: tuple[bool, ...]  # one per day of the horizon
    previous_end_min: int | None = None  # end of the shift worked the day before day 0
    trailing_work_days: int = 0  # days worked in a row up to the day before day 0


@dataclass(frozen=True)
class RosterProblem:
    days: int  # a whole number of weeks
    templates: tuple[ShiftTemplate, ...]
    required: FloatArray  # [days, SLOTS_PER_DAY, groups]
    advisors: tuple[RosterAdvisor, ...]
    rules: LabourRules
    costs: Costs

    @property
    def weeks(self) -> int:
        return self.days // 7

    @property
    def groups(self) -> int:
        return int(self.required.shape[2])


@dataclass(frozen=True)
class RosterSolution:
    """What the solver returned (``found`` False: no integer schedule within the limit)."""

    found: bool
    optimal: bool
    message: str
    objective: float
    dual_bound: float
    gap: float  # HiGHS relative gap (objective − bound) / objective
    seconds: float
    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int
    shift_advisor: IntArray  # one entry per worked shift
    shift_day: IntArray
    shift_template: IntArray
    shift_group: IntArray
    under: FloatArray  # [days, slots, groups], agents
    over: FloatArray
    shortfall_h: FloatArray  # [advisors, weeks]


class _Rows:
    """Constraint rows collected as COO triplets."""

    def __init__(self) -> None:
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[FloatArray] = []
        self.lb: list[float] = []
        self.ub: list[float] = []

    def add(self, cols: Sequence[int] | IntArray, vals: Sequence[float] | FloatArray | float,
            lb: float, ub: float) -> None:
        c = np.asarray(cols, dtype=np.int64)
        if c.size == 0:
            return
        v = np.broadcast_to(np.asarray(vals, dtype=np.float64), c.shape)
        self.rows.append(np.full(c.size, len(self.lb), dtype=np.int64))
        self.cols.append(c)
        self.vals.append(np.array(v))
        self.lb.append(lb)
        self.ub.append(ub)

    def matrix(self, n_cols: int) -> tuple[sparse.csr_array, FloatArray, FloatArray]:
        if not self.lb:
            return (sparse.csr_array((0, n_cols)), np.zeros(0), np.zeros(0))
        a = sparse.coo_array((np.concatenate(self.vals),
                              (np.concatenate(self.rows), np.concatenate(self.cols))),
                             shape=(len(self.lb), n_cols)).tocsr()
        return a, np.array(self.lb), np.array(self.ub)


def _rest_conflicts(templates: Sequence[ShiftTemplate], allowed: tuple[int, ...],
                    rest_min: float) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(shifts on day d, shifts on day d + 1) sets that are mutually exclusive, one per
    distinct next-day set, each with the largest day-d set."""
    out: dict[tuple[int, ...], tuple[int, ...]] = {}
    for t in sorted({templates[i].end_min for i in allowed}):
        right = tuple(i for i in allowed if templates[i].start_min + 24 * 60 - t < rest_min)
        if not right or right in out:
            continue
        out[right] = tuple(i for i in allowed if templates[i].end_min >= t)
    return [(left, right) for right, left in out.items()]


def solve_roster(problem: RosterProblem, *, relax: frozenset[LabourRule] = frozenset(),
                 integral: bool = True, time_limit_s: float = 60.0,
                 mip_rel_gap: float = 0.01, solver: str = "highs") -> RosterSolution:
    """Build and solve the model; rule families in ``relax`` are left out (diagnosis).
    ``solver="cpsat"`` solves the same model with OR-Tools CP-SAT (coefficients doubled to
    whole numbers; for comparison in ``benchmarks/scheduling.py``)."""
    t0 = time.perf_counter()
    rules, costs, tpl = problem.rules, problem.costs, problem.templates
    n_days, n_q, n_s = problem.days, problem.groups, len(tpl)
    n_adv, n_weeks = len(problem.advisors), problem.weeks
    worked_h = np.array([t.worked_h for t in tpl])
    max_daily_ok = worked_h <= rules.max_daily_h + 1e-9
    # ---- x variables
    xa, xd, xs, xq = [], [], [], []
    index: list[IntArray] = []  # per advisor: [days, templates, groups] → column or −1
    col = 0
    for a, adv in enumerate(problem.advisors):
        allowed = [s for s in adv.templates
                   if LabourRule.MAX_DAILY_HOURS in relax or max_daily_ok[s]]
        rest_ok_day0 = [s for s in allowed if adv.previous_end_min is None
                        or LabourRule.DAILY_REST in relax
                        or tpl[s].start_min + 24 * 60 - adv.previous_end_min
                        >= rules.min_daily_rest_h * 60.0]
        days = [d for d in range(n_days) if adv.available[d]
                or LabourRule.AVAILABILITY in relax]
        idx = np.full((n_days, n_s, n_q), -1, dtype=np.int64)
        if allowed and days and adv.groups:
            dd, ss, qq = np.meshgrid(np.array(days), np.array(allowed), np.array(adv.groups),
                                     indexing="ij")
            keep = (dd != 0) | np.isin(ss, rest_ok_day0)
            dd, ss, qq = dd[keep], ss[keep], qq[keep]
            k = dd.size
            idx[dd.ravel(), ss.ravel(), qq.ravel()] = np.arange(col, col + k)
            xa.append(np.full(k, a))
            xd.append(dd.ravel())
            xs.append(ss.ravel())
            xq.append(qq.ravel())
            col += k
        index.append(idx)
    n_x = col
    x_adv = np.concatenate(xa) if xa else np.zeros(0, dtype=np.int64)
    x_day = np.concatenate(xd) if xd else np.zeros(0, dtype=np.int64)
    x_tpl = np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64)
    x_grp = np.concatenate(xq) if xq else np.zeros(0, dtype=np.int64)
    # ---- other columns
    y0 = n_x
    n_y = n_days * n_s * n_q
    u0 = y0 + n_y
    n_cov = n_days * SLOTS_PER_DAY * n_q
    o0 = u0 + n_cov
    f0 = o0 + n_cov
    n_f = n_adv * n_weeks
    p0 = f0 + n_f
    use_off = rules.consecutive_days_off and LabourRule.CONSECUTIVE_DAYS_OFF not in relax
    n_p = n_adv * n_weeks * 6 if use_off else 0
    w0 = p0 + n_p  # work[a, d] = Σ_{s,q} x[a, d, s, q] ∈ [0, 1]: the day rules read it
    n_cols = w0 + n_adv * n_days

    def y_col(d: IntArray | int, s: IntArray | int, q: IntArray | int) -> IntArray:
        return np.asarray(y0 + (np.asarray(d) * n_s + s) * n_q + q, dtype=np.int64)

    def cov_index(d: IntArray | int, p: IntArray | int, q: IntArray | int) -> IntArray:
        return np.asarray((np.asarray(d) * SLOTS_PER_DAY + p) * n_q + q, dtype=np.int64)

    rows = _Rows()
    # linking y = Σ_a x
    link = sparse.coo_array((np.ones(n_x), (y_col(x_day, x_tpl, x_grp) - y0, np.arange(n_x))),
                            shape=(n_y, n_x)).tocsr()
    for r in range(n_y):
        lo, hi = link.indptr[r], link.indptr[r + 1]
        if hi > lo:
            rows.add(np.concatenate([link.indices[lo:hi], [y0 + r]]),
                     np.concatenate([np.ones(hi - lo), [-1.0]]), 0.0, 0.0)
    # coverage
    cover = np.array([t.coverage() for t in tpl])  # [templates, slots]
    req = problem.required
    s_nz, p_nz = np.nonzero(cover)
    coverable = np.zeros(SLOTS_PER_DAY, dtype=bool)
    coverable[p_nz] = True
    for d in range(n_days):
        for q in range(n_q):
            for p in range(SLOTS_PER_DAY):
                target = float(req[d, p, q])
                if not coverable[p] and target <= 0:
                    continue
                ss = s_nz[p_nz == p]
                cols = np.concatenate([y_col(d, ss, q), [u0 + cov_index(d, p, q),
                                                         o0 + cov_index(d, p, q)]])
                vals = np.concatenate([cover[ss, p], [1.0, -1.0]])
                rows.add(cols, vals, target, target)
    # per-advisor rules
    conflict_cache: dict[tuple[int, ...], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
    rest_min = rules.min_daily_rest_h * 60.0
    for a, adv in enumerate(problem.advisors):
        idx = index[a]
        if not (idx >= 0).any():
            continue
        x_cols = [idx[d][idx[d] >= 0] for d in range(n_days)]
        day_h = [worked_h[np.nonzero(idx[d] >= 0)[0]] for d in range(n_days)]
        day_cols = []
        for d in range(n_days):
            if x_cols[d].size:
                w_col = w0 + a * n_days + d
                rows.add(np.concatenate([x_cols[d], [w_col]]),
                         np.concatenate([np.ones(x_cols[d].size), [-1.0]]), 0.0, 0.0)
                day_cols.append(np.array([w_col], dtype=np.int64))
            else:
                day_cols.append(np.zeros(0, dtype=np.int64))
        for w in range(n_weeks):
            wd = range(7 * w, 7 * w + 7)
            cols = np.concatenate([x_cols[d] for d in wd])
            hours = np.concatenate([day_h[d] for d in wd])
            w_cols = np.concatenate([day_cols[d] for d in wd])
            if cols.size == 0:
                if adv.weekly_hours - rules.contract_tolerance_h > 0:
                    rows.add([f0 + a * n_weeks + w], 1.0,
                             adv.weekly_hours - rules.contract_tolerance_h, np.inf)
                continue
            if LabourRule.WEEKLY_HOURS not in relax:
                cap = min(rules.max_weekly_h, adv.weekly_hours + rules.contract_tolerance_h)
                rows.add(cols, hours, -np.inf, cap)
            floor = adv.weekly_hours - rules.contract_tolerance_h
            if floor > 0:
                rows.add(np.concatenate([cols, [f0 + a * n_weeks + w]]),
                         np.concatenate([hours, [1.0]]), floor, np.inf)
            if LabourRule.WEEKLY_REST_DAYS not in relax and rules.rest_days_per_week > 0:
                rows.add(w_cols, 1.0, -np.inf, 7 - rules.rest_days_per_week)
            if use_off:
                base = p0 + (a * n_weeks + w) * 6
                rows.add(np.arange(base, base + 6), 1.0, 1.0, np.inf)
                for j in range(6):
                    for d in (7 * w + j, 7 * w + j + 1):
                        if day_cols[d].size:
                            rows.add(np.concatenate([day_cols[d], [base + j]]), 1.0, -np.inf,
                                     1.0)
        m = rules.max_consecutive_days
        if LabourRule.MAX_CONSECUTIVE_DAYS not in relax and n_days > m:
            for d in range(n_days - m):
                rows.add(np.concatenate(day_cols[d:d + m + 1]), 1.0, -np.inf, float(m))
        if LabourRule.MAX_CONSECUTIVE_DAYS not in relax and adv.trailing_work_days:
            for j in range(min(m, n_days)):  # windows reaching back before day 0
                before = min(adv.trailing_work_days, m - j)
                rows.add(np.concatenate(day_cols[:j + 1]), 1.0, -np.inf, float(m - before))
        if LabourRule.DAILY_REST not in relax and rest_min > 0:
            used = np.nonzero((idx >= 0).any(axis=(0, 2)))[0]
            allowed_key = tuple(int(s) for s in used)
            if allowed_key not in conflict_cache:
                conflict_cache[allowed_key] = _rest_conflicts(tpl, allowed_key, rest_min)
            for left, right in conflict_cache[allowed_key]:
                for d in range(n_days - 1):
                    lc = idx[d][list(left)].ravel()
                    rc = idx[d + 1][list(right)].ravel()
                    lc, rc = lc[lc >= 0], rc[rc >= 0]
                    if lc.size and rc.size:
                        rows.add(np.concatenate([lc, rc]), 1.0, -np.inf, 1.0)
    a_mat, lb, ub = rows.matrix(n_cols)
    c = np.zeros(n_cols)
    c[u0:o0] = costs.under_per_h * SLOT_H
    c[o0:f0] = costs.over_per_h * SLOT_H
    c[f0:p0] = costs.contract_shortfall_per_h
    integrality = np.zeros(n_cols)
    if integral:
        integrality[:n_x] = 1
        integrality[p0:w0] = 1
    upper = np.full(n_cols, np.inf)
    upper[:n_x] = 1.0
    upper[p0:] = 1.0
    upper[y0:y0 + n_y][np.diff(link.indptr) == 0] = 0.0  # nobody can work that shift
    left_s = max(1.0, time_limit_s - (time.perf_counter() - t0))
    if solver == "cpsat" and integral:
        big = float(len(problem.advisors)) + float(req.max(initial=0.0)) + 168.0
        col_cap: FloatArray = np.asarray(np.where(np.isfinite(upper), upper, big), dtype=np.float64)
        found, optimal, message, fun, bound, gap, x = _cpsat(c, a_mat, lb, ub, col_cap, left_s,
                                                              mip_rel_gap)
    else:
        options = {"time_limit": left_s, "mip_rel_gap": mip_rel_gap, "disp": False,
                   "presolve": True}
        res = milp(c, integrality=integrality, bounds=Bounds(np.zeros(n_cols), upper),
                   constraints=LinearConstraint(a_mat, lb, ub), options=options)
        found, optimal, message = res.x is not None, res.status == 0, str(res.message)
        fun = float(res.fun) if found else np.nan
        x = np.asarray(res.x) if found else np.zeros(n_cols)
        bound = float(getattr(res, "mip_dual_bound", np.nan) or np.nan) if integral else fun
        gap = float(getattr(res, "mip_gap", np.nan) or 0.0) if integral else 0.0
    seconds = time.perf_counter() - t0
    chosen = np.nonzero(x[:n_x] > 0.5)[0] if integral else np.zeros(0, dtype=np.int64)
    return RosterSolution(
        found=found, optimal=optimal, message=message,
        objective=fun, dual_bound=bound, gap=gap,
        seconds=seconds, variables=n_cols, integer_variables=int(integrality.sum()),
        constraints=int(a_mat.shape[0]), nonzeros=int(a_mat.nnz),
        shift_advisor=x_adv[chosen], shift_day=x_day[chosen], shift_template=x_tpl[chosen],
        shift_group=x_grp[chosen],
        under=x[u0:o0].reshape(n_days, SLOTS_PER_DAY, n_q),
        over=x[o0:f0].reshape(n_days, SLOTS_PER_DAY, n_q),
        shortfall_h=x[f0:p0].reshape(n_adv, n_weeks) if n_adv else np.zeros((0, n_weeks)))


def solve_by_week(problem: RosterProblem, *, time_limit_s: float = 60.0,
                  mip_rel_gap: float = 0.01, solver: str = "highs") -> RosterSolution:
    """Rolling horizon: one model per week, each starting from the previous week's last shifts
    (daily rest) and runs of working days (maximum consecutive days). Objectives and bounds add
    up; the bound is that of the weeks *given* the earlier weeks' choices, not of the whole
    horizon (``benchmarks/scheduling.py`` compares with the whole-horizon LP relaxation)."""
    parts: list[RosterSolution] = []
    prev_end: list[int | None] = [None] * len(problem.advisors)
    trailing = [0] * len(problem.advisors)
    t0 = time.perf_counter()
    for w in range(problem.weeks):
        days = slice(7 * w, 7 * w + 7)
        advisors = tuple(RosterAdvisor(a.weekly_hours, a.templates, a.groups,
                                       a.available[days], prev_end[i], trailing[i])
                         for i, a in enumerate(problem.advisors))
        sub = RosterProblem(7, problem.templates, problem.required[days], advisors,
                            problem.rules, problem.costs)
        left = time_limit_s - (time.perf_counter() - t0)
        part = solve_roster(sub, time_limit_s=max(1.0, left / (problem.weeks - w)),
                            mip_rel_gap=mip_rel_gap, solver=solver)
        parts.append(part)
        worked = np.zeros((len(advisors), 7), dtype=bool)
        worked[part.shift_advisor, part.shift_day] = True
        for i in range(len(advisors)):
            last = np.nonzero(part.shift_advisor == i)[0]
            on_last = last[part.shift_day[last] == 6]
            prev_end[i] = (problem.templates[int(part.shift_template[on_last[0]])].end_min
                           if on_last.size else None)
            run = 0
            for d in range(6, -1, -1):
                if not worked[i, d]:
                    break
                run += 1
            trailing[i] = run if run < 7 else trailing[i] + 7
    found = all(p.found for p in parts)
    return RosterSolution(
        found=found, optimal=all(p.optimal for p in parts),
        message="; ".join(f"week {i + 1}: {p.message}" for i, p in enumerate(parts)),
        objective=float(sum(p.objective for p in parts)),
        dual_bound=float(sum(p.dual_bound for p in parts)),
        gap=float(1 - sum(p.dual_bound for p in parts) / sum(p.objective for p in parts))
        if found and sum(p.objective for p in parts) > 0 else 0.0,
        seconds=time.perf_counter() - t0,
        variables=sum(p.variables for p in parts),
        integer_variables=sum(p.integer_variables for p in parts),
        constraints=sum(p.constraints for p in parts),
        nonzeros=sum(p.nonzeros for p in parts),
        shift_advisor=np.concatenate([p.shift_advisor for p in parts]),
        shift_day=np.concatenate([p.shift_day + 7 * i for i, p in enumerate(parts)]),
        shift_template=np.concatenate([p.shift_template for p in parts]),
        shift_group=np.concatenate([p.shift_group for p in parts]),
        under=np.concatenate([p.under for p in parts]),
        over=np.concatenate([p.over for p in parts]),
        shortfall_h=np.concatenate([p.shortfall_h for p in parts], axis=1))


def _cpsat(c: FloatArray, a_mat: sparse.csr_array, lb: FloatArray, ub: FloatArray,
           cap: FloatArray, time_limit_s: float, mip_rel_gap: float
           ) -> tuple[bool, bool, str, float, float, float, FloatArray]:
    """The same model on CP-SAT: every column an integer in [0, cap] (coverage and hours are
    on the 30-minute grid, so rows doubled are whole; a fractional requirement is rounded up)."""
    from ortools.sat.python import cp_model  # optional: only for this comparison

    model = cp_model.CpModel()
    xs = [model.new_int_var(0, int(math.ceil(u)), "") for u in cap]
    for r in range(a_mat.shape[0]):
        lo_i, hi_i = a_mat.indptr[r], a_mat.indptr[r + 1]
        coefs = np.rint(a_mat.data[lo_i:hi_i] * 2).astype(np.int64)
        expr = sum(int(k) * xs[j] for k, j in zip(coefs, a_mat.indices[lo_i:hi_i], strict=True))
        lo = math.ceil(lb[r] * 2 - 1e-9) if np.isfinite(lb[r]) else None
        hi = math.floor(ub[r] * 2 + 1e-9) if np.isfinite(ub[r]) else None
        if lo is not None and hi is not None and lo > hi:  # fractional equality: round up
            hi = lo
        if lo is not None and hi is not None:
            model.add_linear_constraint(expr, lo, hi)
        elif lo is not None:
            model.add(expr >= lo)
        elif hi is not None:
            model.add(expr <= hi)
    weights = np.rint(c * 4).astype(np.int64)
    model.minimize(sum(int(k) * xs[j] for j, k in enumerate(weights) if k))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    solver.parameters.relative_gap_limit = mip_rel_gap
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    x = np.array([solver.value(v) for v in xs], dtype=np.float64) if found else np.zeros(len(xs))
    fun = float(c @ x) if found else np.nan
    bound = solver.best_objective_bound / 4.0
    gap = (fun - bound) / fun if found and fun > 0 else 0.0
    return (found, status == cp_model.OPTIMAL, f"CP-SAT {solver.status_name(status)}", fun,
            bound, gap, x)


def greedy_roster(problem: RosterProblem) -> RosterSolution:
    """A constructive schedule that respects every hard rule, for when the MILP finds none (or
    a worse one) in time: per week, each advisor (fewest available days first) takes the
    working-day pattern over the days with the most demand left, then day by day each working
    advisor (latest previous end first) takes the template and skill covering the most
    remaining requirement that keeps 11 h of rest."""
    t0 = time.perf_counter()
    rules, costs, tpl = problem.rules, problem.costs, problem.templates
    n_adv = len(problem.advisors)
    cover = np.array([t.coverage() for t in tpl])
    remaining = problem.required.astype(np.float64).copy()
    rest_min = rules.min_daily_rest_h * 60.0
    prev_end: list[int | None] = [a.previous_end_min for a in problem.advisors]
    run = [a.trailing_work_days for a in problem.advisors]
    shifts: list[tuple[int, int, int, int]] = []
    shortfall = np.zeros((n_adv, problem.weeks))
    order = sorted(range(n_adv), key=lambda i: (sum(problem.advisors[i].available),
                                                len(problem.advisors[i].groups)))
    for w in range(problem.weeks):
        days = list(range(7 * w, 7 * w + 7))
        demand = remaining[days].clip(min=0).sum(axis=(1, 2)) * SLOT_H
        plan: dict[int, tuple[list[int], list[int]]] = {}
        for i in order:
            adv = problem.advisors[i]
            allowed = [s for s in adv.templates if tpl[s].worked_h <= rules.max_daily_h + 1e-9]
            free = [d - 7 * w for d in days if adv.available[d]]
            if not allowed or not adv.groups or not free:
                continue
            cap = min(rules.max_weekly_h, adv.weekly_hours + rules.contract_tolerance_h)
            floor = adv.weekly_hours - rules.contract_tolerance_h
            best_len: tuple[float, float, int, float] | None = None
            for length in sorted({tpl[s].worked_h for s in allowed}):
                for k in range(1, min(7 - rules.rest_days_per_week, len(free)) + 1):
                    if k * length <= cap + 1e-9:
                        key = (max(floor - k * length, 0.0), abs(k * length - adv.weekly_hours),
                               k, length)
                        if best_len is None or key < best_len:
                            best_len = key
            if best_len is None:
                continue
            k, length = best_len[2], best_len[3]
            best: tuple[float, tuple[int, ...]] | None = None
            for combo in itertools.combinations(free, k):
                work = [j in combo for j in range(7)]
                if rules.consecutive_days_off and not any(
                        not work[j] and not work[j + 1] for j in range(6)):
                    continue
                longest, cur = 0, run[i]
                for j in range(7):
                    cur = cur + 1 if work[j] else 0
                    longest = max(longest, cur)
                if longest > rules.max_consecutive_days:
                    continue
                score = float(sum(demand[j] for j in combo))
                if best is None or score > best[0]:
                    best = (score, combo)
            if best is None:
                continue
            for j in best[1]:
                demand[j] -= length
            plan[i] = ([7 * w + j for j in best[1]],
                       [s for s in allowed if tpl[s].worked_h == length])
        for d in days:
            people = [i for i in plan if d in plan[i][0]]
            people.sort(key=lambda i: -(prev_end[i] or 0))  # tightest rest first
            ended: dict[int, int] = {}
            for i in people:
                adv = problem.advisors[i]
                choice: tuple[float, int, int] | None = None
                last_end = prev_end[i]
                for s in plan[i][1]:
                    if last_end is not None and tpl[s].start_min + 24 * 60 - last_end < rest_min:
                        continue
                    for q in adv.groups:
                        gain = float((cover[s] * np.clip(remaining[d, :, q], 0, 1)).sum())
                        if choice is None or gain > choice[0]:
                            choice = (gain, s, q)
                if choice is None:
                    continue
                _, s, q = choice
                remaining[d, :, q] -= cover[s]
                shifts.append((i, d, s, q))
                ended[i] = tpl[s].end_min
            for i in range(n_adv):
                prev_end[i] = ended.get(i)
                run[i] = run[i] + 1 if i in ended else 0
        for i, adv in enumerate(problem.advisors):
            hours = sum(tpl[s].worked_h for a, d, s, _ in shifts if a == i and d // 7 == w)
            shortfall[i, w] = max(adv.weekly_hours - rules.contract_tolerance_h - hours, 0.0)
    under = remaining.clip(min=0)
    over = (-remaining).clip(min=0)
    objective = float(costs.under_per_h * SLOT_H * under.sum()
                      + costs.over_per_h * SLOT_H * over.sum()
                      + costs.contract_shortfall_per_h * shortfall.sum())
    arr = np.array(shifts, dtype=np.int64).reshape(-1, 4)
    return RosterSolution(
        found=True, optimal=False, message="greedy construction", objective=objective,
        dual_bound=np.nan, gap=np.nan, seconds=time.perf_counter() - t0, variables=0,
        integer_variables=0, constraints=0, nonzeros=0, shift_advisor=arr[:, 0],
        shift_day=arr[:, 1], shift_template=arr[:, 2], shift_group=arr[:, 3], under=under,
        over=over, shortfall_h=shortfall)
