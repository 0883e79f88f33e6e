"""The tour plan: an integer solution of the aggregate model in which every count can be given
to individual advisors with their 11 h daily rest kept — the *dive* of the decomposition
(:mod:`pilotage.wfm.assignment`).

Shift kinds
    the 11 h rest only forbids a shift ending late followed by one starting early the next
    day. Templates are grouped, within their bucket, by the set of next-day starts their end
    forbids and the set of previous-day ends their start forbids (``kind``); whether two
    shifts on consecutive days conflict then depends only on their kinds, and the conflicts
    are *nested* (a later end forbids more starts).

Variables (only the tours the aggregate LP relaxation uses)
    z[c, w, tour] ∈ ℕ as in :mod:`pilotage.wfm.tours`;
    v[c, w, tour, j, kind, q] ∈ ℕ advisors on that tour working a shift of that kind on group q
    on day j of the week (Σ_kind,q v = z on each working day of the tour);
    y[d, b, s, q] ∈ ℕ template counts, Σ_s∈kind y = Σ v of that day and kind;
    f[c, w, (r, end kind), (l, start kind)] ∈ ℕ advisors going from week w − 1 to week w with
    those runs of working days and kinds on Sunday and Monday (only allowed pairs).

Daily rest rows: for each tour, consecutive working days j, j + 1 and each late-end class e,
v[j, kinds ending at least as late as e] + v[j + 1, kinds starting early enough to conflict with
e] ≤ z. The conflicts being nested, these are Hall's conditions: the kinds of day j can be
paired with those of day j + 1 without conflict, day after day, so every advisor on the tour
gets a kind per day that keeps the rest. The solution is therefore a per-advisor schedule
(given to people in :mod:`pilotage.wfm.assignment`), not only a bound.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from pilotage.wfm.roster import SLOT_H, _Rows
from pilotage.wfm.shifts import SLOTS_PER_DAY, ShiftTemplate
from pilotage.wfm.tours import OFF, AggregateModel, add_coverage_rows

FloatArray = npt.NDArray[np.float64]
NO_KIND = -1  # off that day


@dataclass(frozen=True)
class ShiftKinds:
    """Templates grouped by what the daily rest lets them follow and precede."""

    bucket_kinds: tuple[tuple[int, ...], ...]  # per bucket, its kind indices
    templates: tuple[tuple[int, ...], ...]  # per kind, its template indices
    bucket: tuple[int, ...]  # per kind
    conflict: npt.NDArray[np.bool_]  # [kind on d, kind on d + 1]

    @classmethod
    def build(cls, templates: Sequence[ShiftTemplate], buckets: Sequence[tuple[int, ...]],
              rest_min: float) -> ShiftKinds:
        used = sorted({s for b in buckets for s in b})

        def clash(s1: int, s2: int) -> bool:
            return (rest_min > 0 and templates[s2].start_min + 24 * 60 - templates[s1].end_min
                    < rest_min - 1e-9)

        kinds: list[tuple[int, ...]] = []
        owner: list[int] = []
        per_bucket: list[tuple[int, ...]] = []
        for b, members in enumerate(buckets):
            keys: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
            for s in members:
                after = tuple(x for x in used if clash(s, x))
                before = tuple(x for x in used if clash(x, s))
                keys.setdefault((after, before), []).append(s)
            first = len(kinds)
            for group in keys.values():
                kinds.append(tuple(group))
                owner.append(b)
            per_bucket.append(tuple(range(first, len(kinds))))
        conflict = np.array([[clash(k1[0], k2[0]) for k2 in kinds] for k1 in kinds],
                            dtype=bool).reshape(len(kinds), len(kinds))
        return cls(tuple(per_bucket), tuple(kinds), tuple(owner), conflict)

    def hall_pairs(self, b1: int, b2: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """(late kinds of bucket b1, early kinds of bucket b2) per distinct late-end class:
        Hall's conditions for pairing b1 shifts with next-day b2 shifts."""
        out: dict[tuple[int, ...], tuple[int, ...]] = {}
        k1s, k2s = self.bucket_kinds[b1], self.bucket_kinds[b2]
        for e in k1s:
            early = tuple(k for k in k2s if self.conflict[e, k])
            if not early:
                continue
            late = tuple(k for k in k1s if all(self.conflict[k, x] for x in early))
            out[early] = late
        return [(late, early) for early, late in out.items()]


@dataclass(frozen=True)
class TourPlan:
    found: bool
    optimal: bool
    message: str
    objective: float
    seconds: float
    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int
    kinds: ShiftKinds
    tour_count: dict[tuple[int, int, int], int]  # (class, week, tour) → advisors
    kind_count: dict[tuple[int, int, int, int, int, int], int]  # (c, w, tour, j, kind, q)
    template_count: dict[tuple[int, int, int, int], int]  # (day, bucket, template, group)
    week_flow: dict[tuple[int, int, int, int, int, int], int]  # (c, w, r, end k, l, start k)


def solve_tour_plan(model: AggregateModel, support: set[tuple[int, int, int]], *,
                    time_limit_s: float, mip_rel_gap: float,
                    fixed: dict[tuple[int, int, int], int] | None = None,
                    start: TourPlan | None = None) -> TourPlan:
    """The restricted MILP of the module docstring over the tours in ``support``; ``fixed``
    gives the advisors of each tour when they are decided already; ``start`` is a plan over
    tours of ``support`` handed to HiGHS as its first incumbent."""
    t0 = time.perf_counter()
    problem = model.problem
    rules, costs, tpl = problem.rules, problem.costs, problem.templates
    n_days, n_q, n_weeks = problem.days, problem.groups, problem.weeks
    m = rules.max_consecutive_days
    kinds = ShiftKinds.build(tpl, model.buckets, rules.min_daily_rest_h * 60.0)
    col = 0
    z_col: dict[tuple[int, int, int], int] = {}
    for key in sorted(support):
        z_col[key] = col
        col += 1
    v_col: dict[tuple[int, int, int, int, int, int], int] = {}
    for (ci, w, ti) in sorted(support):
        tour = model.tours[ci][w][ti]
        for j, b in enumerate(tour.days):
            if b != OFF:
                for k in kinds.bucket_kinds[b]:
                    for q in model.classes[ci].advisor.groups:
                        v_col[ci, w, ti, j, k, q] = col
                        col += 1
    used_bq = sorted({(model.tours[ci][w][ti].days[j], q)
                      for (ci, w, ti, j, _, q) in v_col})
    y_col: dict[tuple[int, int, int, int], int] = {}
    for d in range(n_days):
        for b, q in used_bq:
            for s in model.buckets[b]:
                y_col[d, b, s, q] = col
                col += 1
    # week boundaries: states (run, kind on the edge day or NO_KIND)
    ends: dict[tuple[int, int], dict[tuple[int, int], list[tuple[int, float]]]] = {}
    starts: dict[tuple[int, int], dict[tuple[int, int], list[tuple[int, float]]]] = {}
    for (ci, w, ti), zc in z_col.items():
        tour = model.tours[ci][w][ti]
        for edge, store, j, run in ((True, ends, 6, tour.trail), (False, starts, 0, tour.lead)):
            if (edge and w == n_weeks - 1) or (not edge and w == 0):
                continue
            key_w = (ci, w + 1) if edge else (ci, w)
            states = store.setdefault(key_w, {})
            if tour.days[j] == OFF:
                states.setdefault((0, NO_KIND), []).append((zc, 1.0))
                continue
            for (c2, w2, t2, j2, k, _q), vc in v_col.items():
                if (c2, w2, t2, j2) == (ci, w, ti, j):
                    states.setdefault((run, k), []).append((vc, 1.0))
    f_col: dict[tuple[int, int, int, int, int, int], int] = {}
    for key_w, end_states in ends.items():
        for (r, ke) in end_states:
            for (ll, ks) in starts.get(key_w, {}):
                if not (r + ll <= m or r == 7):
                    continue
                if ke != NO_KIND and ks != NO_KIND and kinds.conflict[ke, ks]:
                    continue
                f_col[(*key_w, r, ke, ll, ks)] = col
                col += 1
    n_int = col
    u0 = col
    n_cov = n_days * SLOTS_PER_DAY * n_q
    o0 = u0 + n_cov
    n_cols = o0 + n_cov
    rows = _Rows()
    for ci, c in enumerate(model.classes):
        for w in range(n_weeks):
            zs = [v for (c2, w2, _), v in z_col.items() if (c2, w2) == (ci, w)]
            rows.add(zs, 1.0, len(c.members), len(c.members))
    by_tour_day: dict[tuple[int, int, int, int], list[tuple[int, int, int]]] = {}
    for (ci, w, ti, j, k, q), vc in v_col.items():
        by_tour_day.setdefault((ci, w, ti, j), []).append((k, q, vc))
    for (ci, w, ti, j), items in by_tour_day.items():
        zc = z_col[ci, w, ti]
        rows.add([vc for _, _, vc in items] + [zc], [1.0] * len(items) + [-1.0], 0.0, 0.0)
        nxt = by_tour_day.get((ci, w, ti, j + 1))
        if nxt is None:
            continue
        b1 = model.tours[ci][w][ti].days[j]
        b2 = model.tours[ci][w][ti].days[j + 1]
        for late, early in kinds.hall_pairs(b1, b2):
            cols = [vc for k, _, vc in items if k in late] + [vc for k, _, vc in nxt
                                                               if k in early]
            rows.add(cols + [zc], [1.0] * len(cols) + [-1.0], -np.inf, 0.0)
    link: dict[tuple[int, int, int], list[int]] = {}
    for (_, w, _, j, k, q), vc in v_col.items():
        link.setdefault((7 * w + j, k, q), []).append(vc)
    for (d, k, q), vcs in link.items():
        b = kinds.bucket[k]
        ys = [y_col[d, b, s, q] for s in kinds.templates[k]]
        rows.add(vcs + ys, [1.0] * len(vcs) + [-1.0] * len(ys), 0.0, 0.0)
    for (d, b, s, q), yc in y_col.items():  # templates whose kind nobody works that day
        k = next(k for k in kinds.bucket_kinds[b] if s in kinds.templates[k])
        if (d, k, q) not in link:
            rows.add([yc], 1.0, 0.0, 0.0)
    for key_w, end_states in ends.items():
        for state, terms in end_states.items():
            fs = [fc for (c2, w2, r, ke, _, _), fc in f_col.items()
                  if (c2, w2, r, ke) == (*key_w, *state)]
            rows.add(fs + [t for t, _ in terms], [1.0] * len(fs) + [-1.0] * len(terms),
                     0.0, 0.0)
        for state, terms in starts.get(key_w, {}).items():
            fs = [fc for (c2, w2, _, _, ll, ks), fc in f_col.items()
                  if (c2, w2, ll, ks) == (*key_w, *state)]
            rows.add(fs + [t for t, _ in terms], [1.0] * len(fs) + [-1.0] * len(terms),
                     0.0, 0.0)
    add_coverage_rows(rows, problem, y_col, u0, o0)
    a_mat, lb, ub = rows.matrix(n_cols)
    c_vec = np.zeros(n_cols)
    for (ci, w, ti), zc in z_col.items():
        c_vec[zc] = costs.contract_shortfall_per_h * model.tours[ci][w][ti].shortfall_h
    c_vec[u0:o0] = costs.under_per_h * SLOT_H
    c_vec[o0:] = costs.over_per_h * SLOT_H
    integrality = np.zeros(n_cols)
    integrality[:n_int] = 1
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, np.inf)
    for key, n in (fixed or {}).items():
        if key in z_col:
            col_lower[z_col[key]] = col_upper[z_col[key]] = n
    known = np.zeros(n_int)
    if start is not None and start.found:
        pairs: list[tuple[dict[Any, int], dict[Any, int]]] = [
            (z_col, start.tour_count), (v_col, start.kind_count),
            (y_col, start.template_count), (f_col, start.week_flow)]
        for index, values in pairs:
            for key, n in values.items():
                if key in index:
                    known[index[key]] = n
    res = _highs(c_vec, a_mat, lb, ub, col_lower, col_upper, integrality, left, mip_rel_gap,
                 known if start is not None and start.found else None)
    found = res.x is not None
    x = np.rint(np.asarray(res.x)) if found else np.zeros(n_cols)

    def counts(index: dict[Any, int]) -> dict[Any, int]:  # keys of several shapes
        return {key: int(x[c]) for key, c in index.items() if x[c] > 0.5}

    return TourPlan(found=found, optimal=res.status == 0, message=str(res.message),
                    objective=float(res.fun) if found else np.nan,
                    seconds=time.perf_counter() - t0, variables=n_cols,
                    integer_variables=n_int, constraints=int(a_mat.shape[0]),
                    nonzeros=int(a_mat.nnz), kinds=kinds, tour_count=counts(z_col),
                    kind_count=counts(v_col), template_count=counts(y_col),
                    week_flow=counts(f_col))


@dataclass(frozen=True)
class _Result:
    x: FloatArray | None
    fun: float
    status: int
    message: str


def _highs(c: FloatArray, a_mat: sparse.csr_array, lb: FloatArray, ub: FloatArray,
           col_lower: FloatArray, col_upper: FloatArray, integrality: FloatArray,
           time_limit_s: float, mip_rel_gap: float, start: FloatArray | None) -> _Result:
    """Solve with highspy (HiGHS options that ``scipy.optimize.milp`` does not pass)."""
    a = sparse.csc_array(a_mat)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(a.shape[1]), int(a.shape[0])
    lp.col_cost_ = c
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.where(np.isfinite(col_upper), col_upper, highspy.kHighsInf)
    lp.row_lower_ = np.where(np.isfinite(lb), lb, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(ub), ub, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                       for v in integrality]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    # more sub-MIP heuristics (RINS/RENS): the first incumbent in about 16 s instead of 40 s
    # on the benchmark instance (benchmarks/scheduling.py, load average 6-7)
    h.setOptionValue("mip_heuristic_effort", 0.3)
    h.passModel(lp)
    if start is not None:  # the integer columns; HiGHS completes the others by an LP
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32),
                      start.astype(np.float64))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    x = np.array(h.getSolution().col_value) if has else None
    return _Result(x, float(info.objective_function_value) if has else np.nan,
                   0 if status == highspy.HighsModelStatus.kOptimal else 1,
                   h.modelStatusToString(status))
