"""Shift scheduling at the acceptance size: 4 weeks × 30-minute intervals × 200 advisors with
labour rules; objective against a lower bound valid for the per-advisor problem, time, and
coverage compared with pyworkforce's schedulers (MinAbsDifference, MinRequiredResources) on the
same requirement.

    python benchmarks/scheduling.py [--time-limit-s 50] [--full-horizon] [--per-advisor-lp]
                                    [--by-week] [--cpsat]

The bound is the LP relaxation of the aggregate tours model (pilotage.wfm.tours), a relaxation
of the per-advisor model (docs/scheduling.md says why); ``--per-advisor-lp`` also solves the LP
relaxation of the per-advisor model (weaker, about 7 minutes).

pyworkforce only counts shifts per template and day (no advisors, no labour rules, no
breaks); it is given the same templates (presence minus the lunch at its canonical place) and
the same requirement, and its coverage is compared with ours before break placement (the same
counting) and after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np

from pilotage.wfm.break_placement import (
    coverage_cost,
    greedy_placement,
    optimal_placement,
    planned_with,
)
from pilotage.wfm.labour_rules import LabourRules
from pilotage.wfm.roster import Costs, RosterProblem, RosterSolution, solve_by_week, solve_roster
from pilotage.wfm.scheduling import (
    Advisor,
    Requirement,
    ScheduleResult,
    _problem,
    build_schedule,
)
from pilotage.wfm.shifts import SLOTS_PER_DAY, ShiftCatalogue
from pilotage.wfm.tours import AggregateModel, solve_aggregate

START = dt.date(2026, 3, 2)
WEEKS = 4
ADVISORS = 200


def instance() -> tuple[Requirement, tuple[Advisor, ...]]:
    rng = np.random.default_rng(7)
    slot = np.arange(SLOTS_PER_DAY)
    # open 07:00-21:00, a double-humped day (10:00-12:00 and 14:00-16:00 peaks)
    curve = np.where((slot >= 14) & (slot < 42),
                     0.55 + 0.45 * np.exp(-((slot - 22) / 4.0) ** 2)
                     + 0.40 * np.exp(-((slot - 30) / 4.0) ** 2), 0.0)
    agents = np.zeros((WEEKS * 7, SLOTS_PER_DAY, 1))
    for d in range(WEEKS * 7):
        factor = (1.0, 1.0, 0.95, 0.95, 0.9, 0.6, 0.3)[d % 7]
        agents[d, :, 0] = np.round(curve * 96 * factor * rng.uniform(0.93, 1.07, SLOTS_PER_DAY))
    people = []
    for i in range(ADVISORS):
        hours = 35.0 if i < 140 else (24.0 if i < 170 else 20.0)
        off = frozenset({int(rng.integers(0, 7))}) if rng.random() < 0.1 else frozenset()
        people.append(Advisor(f"A{i:03d}", hours, unavailable_weekdays=off))
    return Requirement(START, WEEKS, agents), tuple(people)


def placement_runs(result: ScheduleResult, problem: RosterProblem
                   ) -> list[tuple[str, float, float, float, dict, str]]:
    """Stage 2 alone on pilotage's shifts, greedy against HiGHS (time and coverage)."""
    req = result.requirement.agents
    index = {(t.name, t.worked_h): i for i, t in enumerate(problem.templates)}
    adv = {f"A{i:03d}": i for i in range(ADVISORS)}
    shifts = np.array([(adv[s.advisor_id], (s.day - START).days, index[s.template, s.worked_h], 0)
                       for s in result.assignments])
    sol = RosterSolution(True, False, "", 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, shifts[:, 0],
                         shifts[:, 1], shifts[:, 2], shifts[:, 3], np.zeros_like(req),
                         np.zeros_like(req), np.zeros((ADVISORS, WEEKS)))
    out = []
    for name, run in (("stage 2 greedy placement only", greedy_placement),
                      ("stage 2 HiGHS placement only", optimal_placement)):
        t0 = time.perf_counter()
        placed = run(req, problem.templates, sol)
        seconds = time.perf_counter() - t0
        planned = planned_with(req.shape, problem.templates, sol, placed)
        out.append((name, coverage_cost(planned, req, Costs()), seconds, np.nan,
                    coverage_stats(planned, req), f"{len(placed)} shifts"))
    return out


def coverage_stats(planned: np.ndarray, required: np.ndarray) -> dict[str, float]:
    diff = planned - required
    return {"under_int": int((diff < -1e-6).sum()), "over_int": int((diff > 1e-6).sum()),
            "under_h": float(np.clip(-diff, 0, None).sum() * 0.5),
            "over_h": float(np.clip(diff, 0, None).sum() * 0.5),
            "planned_h": float(planned.sum() * 0.5)}


def pyworkforce_runs(req: Requirement, time_limit_s: float) -> list[tuple[str, dict, float, str]]:
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    catalogue = ShiftCatalogue()
    templates = catalogue.templates()
    coverage = {t.name + f"/{t.worked_min}": [int(v) for v in t.coverage()] for t in templates}
    required = [[int(v) for v in req.agents[d, :, 0]] for d in range(req.days)]
    out = []
    for name, cls in (("pyworkforce MinAbsDifference", MinAbsDifference),
                      ("pyworkforce MinRequiredResources", MinRequiredResources)):
        t0 = time.perf_counter()
        solver = cls(num_days=req.days, periods=SLOTS_PER_DAY, shifts_coverage=coverage,
                     required_resources=required, max_period_concurrency=ADVISORS,
                     max_shift_concurrency=ADVISORS, max_search_time=time_limit_s,
                     num_search_workers=2)
        sol = solver.solve()
        seconds = time.perf_counter() - t0
        planned = np.zeros_like(req.agents)
        for row in sol["resources_shifts"]:
            if row["day"] >= 0:
                planned[row["day"], :, 0] += row["resources"] * np.array(coverage[row["shift"]])
        out.append((name, coverage_stats(planned, req.agents), seconds, str(sol["status"])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit-s", type=float, default=50.0,
                        help="pilotage's solver time limit (greedy and breaks come after)")
    parser.add_argument("--full-horizon", action="store_true",
                        help="also solve the 4 weeks as one per-advisor HiGHS model")
    parser.add_argument("--per-advisor-lp", action="store_true",
                        help="also solve the per-advisor LP relaxation (about 7 min)")
    parser.add_argument("--by-week", action="store_true",
                        help="also run the per-advisor MILP week by week")
    parser.add_argument("--cpsat", action="store_true", help="also solve by week with CP-SAT")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    req, people = instance()
    rules = LabourRules()
    problem = _problem(req, people, ShiftCatalogue(), rules, Costs())
    print(f"instance: {WEEKS} weeks × {SLOTS_PER_DAY} intervals × {ADVISORS} advisors, "
          f"{len(problem.templates)} templates, required {req.agents.sum() * 0.5:.0f} agent-h")

    t0 = time.perf_counter()
    model = AggregateModel.build(problem)
    agg = solve_aggregate(model, integral=False, time_limit_s=120)
    print(f"aggregate LP relaxation (the bound): {agg.objective:.1f} in "
          f"{time.perf_counter() - t0:.1f} s ({len(model.classes)} classes, "
          f"{sum(len(t) for c in model.tours for t in c)} tours, {agg.variables} columns, "
          f"{agg.constraints} rows, {agg.nonzeros} nonzeros)")
    bound = agg.objective
    if args.per_advisor_lp:
        t0 = time.perf_counter()
        lp = solve_roster(problem, integral=False, time_limit_s=900)
        print(f"per-advisor LP relaxation: {lp.objective:.1f} in {time.perf_counter() - t0:.1f} s"
              f" ({lp.variables} columns, {lp.constraints} rows, {lp.nonzeros} nonzeros)")

    rows: list[tuple[str, float, float, float, dict, str]] = []
    t0 = time.perf_counter()
    result = build_schedule(req, people, rules=rules, time_limit_s=args.time_limit_s,
                            diagnose=False)
    total_s = time.perf_counter() - t0
    s = result.solver
    stage1 = np.zeros_like(req.agents)
    templates = problem.templates
    for shift in result.assignments:
        t = next(x for x in templates if x.name == shift.template and x.worked_h ==
                 shift.worked_h)
        stage1[(shift.day - START).days, :, 0] += t.coverage()
    rows.append((f"pilotage ({s.solver.split(' ')[0]}) shifts", s.objective, total_s,
                 (s.objective - bound) / s.objective if s.objective else 0.0,
                 coverage_stats(stage1, req.agents), s.message[:60]))
    rows.append(("pilotage after break placement", np.nan, total_s, np.nan,
                 coverage_stats(result.planned, req.agents), result.status.value))
    rows += placement_runs(result, problem)
    for name, enabled, run in (
            ("per-advisor HiGHS by week", args.by_week,
             lambda: solve_by_week(problem, time_limit_s=args.time_limit_s)),
            ("CP-SAT by week (same model)", args.cpsat,
             lambda: solve_by_week(problem, time_limit_s=args.time_limit_s, solver="cpsat")),
            ("per-advisor HiGHS whole horizon", args.full_horizon,
             lambda: solve_roster(problem, time_limit_s=args.time_limit_s))):
        if not enabled:
            continue
        t0 = time.perf_counter()
        other = run()
        rows.append((name, other.objective, time.perf_counter() - t0,
                     (other.objective - bound) / other.objective if other.found else np.nan,
                     coverage_stats(req.agents - other.under + other.over, req.agents)
                     if other.found else coverage_stats(np.zeros_like(req.agents), req.agents),
                     other.message[:60]))
    for name, stats, seconds, status in pyworkforce_runs(req, args.time_limit_s):
        rows.append((name, np.nan, seconds, np.nan, stats, status))

    base = rows[-2][4]  # pyworkforce MinAbsDifference
    print(f"\n{'run':34} {'objective':>10} {'gap':>7} {'time s':>7} {'under int':>9} "
          f"{'under h':>8} {'over int':>8} {'over h':>8} {'under h / pyw':>13}  status")
    for name, obj, seconds, gap, st, status in rows:
        ratio = st["under_h"] / base["under_h"] if base["under_h"] else float("nan")
        print(f"{name:34} {obj:10.1f} {gap:7.2%} {seconds:7.1f} {st['under_int']:9d} "
              f"{st['under_h']:8.1f} {st['over_int']:8d} {st['over_h']:8.1f} {ratio:13.2f}  "
              f"{status}")
    short = sum(b.rule.value == "contract_hours" for b in result.binding_rules)
    print(f"\npilotage: {len(result.assignments)} shifts, {short} advisor-weeks short of "
          f"contract − tolerance; {total_s:.1f} s in build_schedule; solver: {s.message}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
