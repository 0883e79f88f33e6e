"""The decomposition: an aggregate model (:mod:`pilotage.wfm.tours`) gives the lower bound, a
tour plan (:mod:`pilotage.wfm.tour_plan`) chooses tours, kinds of shift and template counts,
then they are given to individual advisors under the per-person rules.

1. **Bound** — the LP relaxation of the aggregate model (interior point, HiGHS). It is a lower
   bound of the per-advisor problem (see :mod:`pilotage.wfm.tours` for why).
2. **Tour plan** — an integer solution over every tour when there are at most
   ``all_tours_up_to`` of them (the plan is then exact: its optimum is the per-advisor
   optimum), otherwise over the tours the LP uses (a restricted MILP, a *dive*, see
   :func:`_dive`; its own bound is not a bound of the whole problem and is not reported as
   one).
3. **Tours to advisors** — per class and week, each advisor gets an advisor-week (a tour with
   a kind of shift and a skill group per working day; consecutive days paired by a linear
   assignment that Hall's rows of the plan make conflict-free) whose first run of working days
   and Monday kind suit the run and Sunday kind they ended the previous week with (the plan's
   week flows say how many of each pair there are).
4. **Templates** — within a kind, any template goes with any neighbour: the day's template
   counts are dealt to the advisors working that kind.
5. **Check** — :func:`pilotage.wfm.compliance.rule_breaches` checks every hard rule on the
   result; a shift in breach (none expected) is dropped. The objective is then evaluated on
   the per-advisor schedule with the cost function of :func:`pilotage.wfm.roster.solve_roster`.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from pilotage.wfm.compliance import rule_breaches
from pilotage.wfm.roster import SLOT_H, RosterProblem, RosterSolution
from pilotage.wfm.shifts import SLOTS_PER_DAY
from pilotage.wfm.tour_plan import NO_KIND, TourPlan, solve_tour_plan
from pilotage.wfm.tours import OFF, AggregateModel, AggregateSolution, solve_aggregate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_FORBIDDEN = 1e6


def solve_decomposed(problem: RosterProblem, *, time_limit_s: float = 60.0,
                     mip_rel_gap: float = 0.003, all_tours_up_to: int = 600) -> RosterSolution:
    """Schedule by decomposition (module docstring). ``dual_bound`` is the aggregate LP
    relaxation; ``gap`` is (objective − bound) / objective on the per-advisor schedule."""
    t0 = time.perf_counter()
    model = AggregateModel.build(problem)
    if model.truncated:
        return _empty(problem, "decomposition: too many tours to enumerate",
                      time.perf_counter() - t0, None)
    lp = solve_aggregate(model, integral=False, time_limit_s=max(1.0, 0.4 * time_limit_s))
    if not lp.found:
        return _empty(problem, f"aggregate LP: {lp.message}", time.perf_counter() - t0, lp)
    z = lp.tour_values
    keys = _tour_keys(model)
    used = {key for key, value in zip(keys, z, strict=True) if value > 1e-6}
    plan = None
    if len(keys) <= all_tours_up_to:  # small: every tour, the plan is then exact
        left = time_limit_s - (time.perf_counter() - t0)
        plan = solve_tour_plan(model, set(keys), time_limit_s=max(1.0, 0.5 * left),
                               mip_rel_gap=mip_rel_gap)
    if plan is None or not plan.found:  # a dive on the tours the LP uses
        plan = _dive(model, used, t0, time_limit_s, mip_rel_gap)
    if not plan.found:
        return _empty(problem, f"tour plan MILP: {plan.message}", time.perf_counter() - t0, lp)
    arr = np.array(_assign(model, plan), dtype=np.int64).reshape(-1, 4)
    dropped = 0
    while True:
        breaches = rule_breaches(problem, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
        if not breaches:
            break
        keep = np.ones(len(arr), dtype=bool)
        keep[[b.shift for b in breaches]] = False
        dropped += int((~keep).sum())
        arr = arr[keep]
    under, over, shortfall, objective = evaluate(problem, arr)
    bound = lp.objective
    message = (f"decomposition: aggregate LP bound {bound:.1f} ({lp.seconds:.1f} s), "
               f"tour plan {plan.objective:.1f} ({plan.seconds:.1f} s, {plan.message}), "
               f"{dropped} shift(s) dropped by the rule check")
    return RosterSolution(
        found=True, optimal=False, message=message, objective=objective, dual_bound=bound,
        gap=(objective - bound) / objective if objective > 0 else 0.0,
        seconds=time.perf_counter() - t0, variables=plan.variables,
        integer_variables=plan.integer_variables, constraints=plan.constraints,
        nonzeros=plan.nonzeros, shift_advisor=arr[:, 0], shift_day=arr[:, 1],
        shift_template=arr[:, 2], shift_group=arr[:, 3], under=under, over=over,
        shortfall_h=shortfall)


def _dive(model: AggregateModel, used: set[tuple[int, int, int]], t0: float,
          time_limit_s: float, mip_rel_gap: float) -> TourPlan:
    """Over the tours the LP uses: whole tour counts from the aggregate model first (a quarter
    of the time left), the tour plan with those counts fixed (an incumbent in seconds), then
    the tour plan with the counts free, started from it, for the time left."""
    z_upper = np.array([np.inf if key in used else 0.0 for key in _tour_keys(model)])
    left = time_limit_s - (time.perf_counter() - t0)
    counts = solve_aggregate(model, time_limit_s=max(1.0, 0.25 * left), mip_rel_gap=mip_rel_gap,
                             tour_upper=z_upper)
    first = None
    if counts.found:
        left = time_limit_s - (time.perf_counter() - t0)
        first = solve_tour_plan(model, set(counts.tour_count), time_limit_s=max(1.0, 0.3 * left),
                                mip_rel_gap=mip_rel_gap, fixed=counts.tour_count)
    left = time_limit_s - (time.perf_counter() - t0)
    best = solve_tour_plan(model, used, time_limit_s=max(1.0, 0.9 * left),
                           mip_rel_gap=mip_rel_gap, start=first)
    if first is not None and first.found and not (best.found
                                                  and best.objective <= first.objective):
        return first
    return best


def evaluate(problem: RosterProblem, shifts: IntArray
             ) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Under- and over-coverage (agents per day, slot, group), contract shortfall hours per
    advisor and week, and the objective of :func:`pilotage.wfm.roster.solve_roster`, of the
    shifts (advisor, day, template, group) as worked."""
    tpl, rules, costs = problem.templates, problem.rules, problem.costs
    cover = np.array([t.coverage() for t in tpl])
    planned = np.zeros_like(problem.required, dtype=np.float64)
    hours = np.zeros((len(problem.advisors), problem.weeks))
    for a, d, s, q in shifts:
        planned[d, :, q] += cover[s]
        hours[a, d // 7] += tpl[s].worked_h
    diff = planned - problem.required
    under, over = np.clip(-diff, 0, None), np.clip(diff, 0, None)
    floor = np.array([adv.weekly_hours - rules.contract_tolerance_h
                      for adv in problem.advisors]).reshape(-1, 1)
    shortfall = np.where(floor > 0, np.clip(floor - hours, 0, None), 0.0)
    objective = float(costs.under_per_h * SLOT_H * under.sum()
                      + costs.over_per_h * SLOT_H * over.sum()
                      + costs.contract_shortfall_per_h * shortfall.sum())
    return under, over, shortfall, objective


def _assign(model: AggregateModel, plan: TourPlan) -> list[tuple[int, int, int, int]]:
    """Shifts (advisor, day, template, group) from the tour plan's counts."""
    problem = model.problem
    kinds = plan.kinds
    m = problem.rules.max_consecutive_days
    n_adv, n_days = len(problem.advisors), problem.days
    kind_of = np.full((n_adv, n_days), NO_KIND, dtype=np.int64)
    group_of = np.full((n_adv, n_days), -1, dtype=np.int64)
    for ci, c in enumerate(model.classes):
        state = {a: (problem.advisors[a].trailing_work_days, NO_KIND) for a in c.members}
        for w in range(problem.weeks):
            # advisor-weeks of this class: a (kind, group) per day, keyed by how they start
            pool: dict[tuple[int, int], list[list[tuple[int, int]]]] = {}
            for (c2, w2, ti), n in plan.tour_count.items():
                if (c2, w2) != (ci, w):
                    continue
                tour = model.tours[ci][w][ti]
                for week in _person_weeks(model, plan, ci, w, ti, n):
                    pool.setdefault((tour.lead, week[0][0]), []).append(week)
            flow = {(r, ke, ll, ks): n for (c2, w2, r, ke, ll, ks), n in plan.week_flow.items()
                    if (c2, w2) == (ci, w)}
            for a in sorted(c.members, key=lambda x: (-state[x][0], -state[x][1])):
                r, ke = min(state[a][0], 7), state[a][1]
                options = [(ll, ks) for (r2, ke2, ll, ks), n in flow.items()
                           if (r2, ke2) == (r, ke) and n > 0 and pool.get((ll, ks))]
                if w > 0 and options:
                    ll, ks = options[0]
                    flow[r, ke, ll, ks] -= 1
                else:  # week 0 (or, not expected, no flow left): the start keeping the rules
                    ll, ks = min((key for key in pool if pool[key]),
                                 key=lambda key: (max(state[a][0] + key[0] - m, 0),
                                                  bool(ke != NO_KIND and key[1] != NO_KIND
                                                       and kinds.conflict[ke, key[1]])))
                week = pool[ll, ks].pop()
                for j, (k, q) in enumerate(week):
                    kind_of[a, 7 * w + j], group_of[a, 7 * w + j] = k, q
                flags = kind_of[a, 7 * w:7 * w + 7] != NO_KIND
                trail = next((i for i, f in enumerate(flags[::-1]) if not f), 7)
                state[a] = (state[a][0] + 7 if trail == 7 else trail,
                            int(kind_of[a, 7 * w + 6]))
    # templates: within a kind any template goes with any neighbour
    kind_of_template = {s: k for k, ts in enumerate(kinds.templates) for s in ts}
    shifts: list[tuple[int, int, int, int]] = []
    for d in range(n_days):
        pools: dict[tuple[int, int], list[int]] = {}
        for (dd, _, s, q), n in plan.template_count.items():
            if dd == d:
                pools.setdefault((kind_of_template[s], q), []).extend([s] * n)
        for a in range(n_adv):
            k, q = int(kind_of[a, d]), int(group_of[a, d])
            if k != NO_KIND and pools.get((k, q)):
                shifts.append((a, d, pools[k, q].pop(), q))
    return shifts


def _person_weeks(model: AggregateModel, plan: TourPlan, ci: int, w: int, ti: int,
                  n: int) -> list[list[tuple[int, int]]]:
    """The n advisor-weeks of a tour: a (kind, group) per day (``NO_KIND`` off), consecutive
    working days paired without a daily-rest conflict (a linear assignment per day pair,
    which the Hall rows of the tour plan make possible)."""
    tour = model.tours[ci][w][ti]
    kinds = plan.kinds
    weeks: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for j in range(7):
        if tour.days[j] == OFF:
            for week in weeks:
                week.append((NO_KIND, -1))
            continue
        today = [(k, q) for (c2, w2, t2, j2, k, q), x in plan.kind_count.items()
                 if (c2, w2, t2, j2) == (ci, w, ti, j) for _ in range(x)]
        if len(today) != n:  # not expected: the counts add up to the tour's advisors
            raise RuntimeError(f"tour plan: {len(today)} shifts for {n} advisors")
        if j == 0 or tour.days[j - 1] == OFF:
            order = list(range(n))
        else:
            cost = np.array([[_FORBIDDEN if kinds.conflict[weeks[i][-1][0], k] else 0.0
                              for k, _ in today] for i in range(n)]).reshape(n, n)
            order = linear_sum_assignment(cost)[1].tolist()
        for i in range(n):
            weeks[i].append(today[order[i]])
    return weeks


def _tour_keys(model: AggregateModel) -> list[tuple[int, int, int]]:
    return [(ci, w, ti) for ci in range(len(model.classes)) for w in range(model.problem.weeks)
            for ti in range(len(model.tours[ci][w]))]


def _empty(problem: RosterProblem, message: str, seconds: float,
           lp: AggregateSolution | None) -> RosterSolution:
    n_days, n_q = problem.days, problem.groups
    none = np.zeros(0, dtype=np.int64)
    return RosterSolution(
        found=False, optimal=False, message=message, objective=np.nan,
        dual_bound=lp.objective if lp is not None and lp.found else np.nan, gap=np.nan,
        seconds=seconds, variables=lp.variables if lp else 0, integer_variables=0,
        constraints=lp.constraints if lp else 0, nonzeros=lp.nonzeros if lp else 0,
        shift_advisor=none, shift_day=none, shift_template=none, shift_group=none,
        under=np.zeros((n_days, SLOTS_PER_DAY, n_q)),
        over=np.zeros((n_days, SLOTS_PER_DAY, n_q)),
        shortfall_h=np.zeros((len(problem.advisors), problem.weeks)))
