"""Shift scheduling under labour rules: who works which shift, with lunch and breaks placed,
so that planned agents follow a requirement curve (agents per 30-minute interval).

Two stages:

1. a shift template (or a rest day) per advisor and day, minimising under- and over-coverage
   costs under the labour rules: by default the decomposition of
   :func:`pilotage.wfm.assignment.solve_decomposed` (aggregate tours model, then advisors), or
   the per-advisor MILP :func:`pilotage.wfm.roster.solve_roster` (HiGHS).
2. :func:`place_breaks` moves each lunch within its window and places each 15-minute break so
   that, per day and skill, coverage costs the least (a small HiGHS model,
   :mod:`pilotage.wfm.break_placement`; the greedy placement is kept when no worse).

:func:`build_schedule` never raises for "no perfect schedule": it returns a
:class:`ScheduleResult` whose ``status`` is ``partial`` with the uncovered intervals and the
rules that bind (see :func:`_diagnose`), or ``no_solution`` when the solver found none in time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from pilotage.errors import InputError, ParameterError
from pilotage.model.vocabulary import ScheduleActivity
from pilotage.store import Workspace
from pilotage.store.batch import Batch, LoadReport
from pilotage.wfm.assignment import solve_decomposed
from pilotage.wfm.break_placement import greedy_placement, optimal_placement, planned_with
from pilotage.wfm.choices import SolveMethod
from pilotage.wfm.labour_rules import LabourRule, LabourRules
from pilotage.wfm.roster import (
    Costs,
    RosterAdvisor,
    RosterProblem,
    RosterSolution,
    greedy_roster,
    solve_by_week,
    solve_roster,
)
from pilotage.wfm.shifts import BREAK_MIN, SLOT_MIN, SLOTS_PER_DAY, ShiftCatalogue, ShiftTemplate

FloatArray = npt.NDArray[np.float64]
SLOT_H = SLOT_MIN / 60.0
_EPS = 1e-6
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Advisor:
    """An advisor to schedule: contract hours, skills (empty: every skill) and the days they
    cannot work (dates, or weekdays 0 = Monday)."""

    advisor_id: str
    weekly_hours: float
    skills: frozenset[str] = frozenset()
    unavailable_dates: frozenset[dt.date] = frozenset()
    unavailable_weekdays: frozenset[int] = frozenset()

    def available_on(self, day: dt.date) -> bool:
        return day not in self.unavailable_dates and day.weekday() not in self.unavailable_weekdays

    def can_work(self, skill: str | None) -> bool:
        return skill is None or not self.skills or skill in self.skills


@dataclass(frozen=True)
class Requirement:
    """Agents required per (day, 30-minute slot, skill) over whole weeks from ``start`` (local
    dates and wall-clock slots in ``time_zone``)."""

    start: dt.date
    weeks: int
    agents: FloatArray  # [days, 48, skills]
    skills: tuple[str | None, ...] = (None,)
    time_zone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ParameterError(f"--weeks must be ≥ 1, got {self.weeks}",
                                 hint="schedule 1 to 4 weeks")
        shape = (self.weeks * 7, SLOTS_PER_DAY, len(self.skills))
        if self.agents.shape != shape:
            raise ParameterError(f"requirement has shape {self.agents.shape}, expected {shape}")
        if (~np.isfinite(self.agents) | (self.agents < 0)).any():
            raise ParameterError("agents required must be finite and ≥ 0",
                                 hint="fix the requirement values")

    @property
    def days(self) -> int:
        return self.weeks * 7

    def day(self, d: int) -> dt.date:
        return self.start + dt.timedelta(days=d)

    def local(self, d: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(self.day(d), dt.time()) + dt.timedelta(minutes=minute)

    def utc(self, local: dt.datetime) -> dt.datetime:
        aware = local.replace(tzinfo=ZoneInfo(self.time_zone))
        return aware.astimezone(dt.UTC).replace(tzinfo=None)

    @classmethod
    def from_intervals(cls, start: dt.date, weeks: int,
                       rows: Iterable[tuple[dt.datetime, str | None, float]],
                       time_zone: str = "Europe/Paris") -> Requirement:
        """From (local interval start, skill or None, agents) rows; rows outside the horizon
        are left out; several rows for one interval and skill add up."""
        items = list(rows)
        skills = tuple(sorted({s for _, s, _ in items if s is not None}))
        names: tuple[str | None, ...] = skills if skills else (None,)
        if skills and any(s is None for _, s, _ in items):
            raise ParameterError("some requirement rows name a skill and some do not",
                                 hint="give a skill on every row, or on none")
        pos = {s: i for i, s in enumerate(names)}
        agents = np.zeros((weeks * 7, SLOTS_PER_DAY, len(names)))
        for local, skill, value in items:
            d = (local.date() - start).days
            if 0 <= d < weeks * 7:
                agents[d, (local.hour * 60 + local.minute) // SLOT_MIN, pos[skill]] += value
        return cls(start, weeks, agents, names, time_zone)


# ---------------------------------------------------------------------------- results
class ScheduleStatus(StrEnum):
    COMPLETE = "complete"  # every interval covered, every contract met
    PARTIAL = "partial"  # best schedule found; see uncovered and binding_rules
    NO_SOLUTION = "no_solution"  # the solver found no schedule within its time limit


@dataclass(frozen=True)
class Activity:
    advisor_id: str
    activity: ScheduleActivity
    start_at: dt.datetime  # naive UTC
    end_at: dt.datetime
    start_local: dt.datetime
    queue_id: str | None


@dataclass(frozen=True)
class ShiftAssignment:
    advisor_id: str
    day: dt.date
    template: str  # "HH:MM-HH:MM" local presence
    queue_id: str | None
    start_local: dt.datetime
    end_local: dt.datetime
    worked_h: float
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class UncoveredInterval:
    start_local: dt.datetime
    start_at: dt.datetime  # UTC
    queue_id: str | None
    required: float
    planned: float  # agents on work (a 15-minute break counts half)
    reasons: tuple[LabourRule, ...]

    @property
    def missing(self) -> float:
        return self.required - self.planned


@dataclass(frozen=True)
class BindingRule:
    """A rule that keeps the schedule from meeting the requirement or a contract."""

    rule: LabourRule
    detail: str
    recovered_agent_h: float | None = None  # under-coverage removed when relaxed (LP)
    advisor_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SolverReport:
    solver: str
    message: str
    optimal: bool
    objective: float
    dual_bound: float
    gap: float
    seconds: float
    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int


@dataclass(frozen=True)
class CoverageSummary:
    required_agent_h: float
    planned_agent_h: float
    under_agent_h: float
    over_agent_h: float
    under_intervals: int
    over_intervals: int


@dataclass(frozen=True)
class ScheduleResult:
    status: ScheduleStatus
    assignments: tuple[ShiftAssignment, ...]
    uncovered: tuple[UncoveredInterval, ...]
    binding_rules: tuple[BindingRule, ...]
    summary: CoverageSummary
    solver: SolverReport
    schedule_version: str
    planned: FloatArray = field(repr=False)  # [days, 48, skills] agents on work
    requirement: Requirement = field(repr=False)

    def activities(self) -> Iterator[Activity]:
        for shift in self.assignments:
            yield from shift.activities

    def to_table(self) -> pa.Table:
        """Rows of the canonical ``schedules`` table."""
        acts = list(self.activities())
        return pa.table({
            "advisor_id": pa.array([a.advisor_id for a in acts], pa.string()),
            "activity": pa.array([a.activity.value for a in acts], pa.string()),
            "start_at": pa.array([a.start_at for a in acts], pa.timestamp("us")),
            "end_at": pa.array([a.end_at for a in acts], pa.timestamp("us")),
            "queue_id": pa.array([a.queue_id for a in acts], pa.string()),
            "schedule_version": pa.array([self.schedule_version] * len(acts), pa.string()),
        })

    def to_json_dict(self) -> dict[str, object]:
        s = self.solver
        return {
            "status": self.status.value, "schedule_version": self.schedule_version,
            "summary": self.summary.__dict__,
            "solver": {**s.__dict__, "objective": _finite(s.objective),
                       "dual_bound": _finite(s.dual_bound), "gap": _finite(s.gap)},
            "binding_rules": [{"rule": b.rule.value, "detail": b.detail,
                               "recovered_agent_h": b.recovered_agent_h,
                               "advisor_ids": list(b.advisor_ids)} for b in self.binding_rules],
            "uncovered": [{"start_local": u.start_local.isoformat(),
                           "start_at": u.start_at.isoformat(), "queue_id": u.queue_id,
                           "required": u.required, "planned": u.planned,
                           "reasons": [r.value for r in u.reasons]} for u in self.uncovered],
            "assignments": [{"advisor_id": a.advisor_id, "day": a.day.isoformat(),
                             "shift": a.template, "queue_id": a.queue_id,
                             "worked_h": a.worked_h} for a in self.assignments],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------------- scheduling
def build_schedule(requirement: Requirement, advisors: Sequence[Advisor], *,
                   catalogue: ShiftCatalogue | None = None, rules: LabourRules | None = None,
                   costs: Costs | None = None, time_limit_s: float = 60.0,
                   mip_rel_gap: float = 0.01, diagnose: bool = True,
                   by_week: bool = True, method: SolveMethod | str = "decomposition",
                   schedule_version: str | None = None) -> ScheduleResult:
    """The best schedule found within ``time_limit_s`` (see the module docstring).
    ``method="decomposition"`` (default): aggregate tours model, then assignment to advisors
    (:func:`pilotage.wfm.assignment.solve_decomposed`); ``"per_advisor"``: the per-advisor
    MILP, one week after the other with ``by_week`` (:func:`pilotage.wfm.roster.solve_by_week`)
    — too slow for HiGHS at 200 advisors × 4 weeks. Either way the greedy construction is
    kept when it is better or the solver found nothing."""
    catalogue = catalogue or ShiftCatalogue()
    rules = rules or LabourRules()
    costs = costs or Costs()
    ids = [a.advisor_id for a in advisors]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ParameterError(f"advisor {dup!r} is listed twice", hint="give each advisor once")
    problem = _problem(requirement, advisors, catalogue, rules, costs)
    method = SolveMethod(method)
    if method is SolveMethod.DECOMPOSITION:
        sol = solve_decomposed(problem, time_limit_s=time_limit_s)
    elif by_week and requirement.weeks > 1:
        sol = solve_by_week(problem, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    else:
        sol = solve_roster(problem, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    greedy = greedy_roster(problem)
    if not sol.found or greedy.objective < sol.objective - _EPS:
        sol = replace(greedy, message=f"greedy construction kept (objective {greedy.objective:.1f}"
                      f"; {method.value}: {sol.message} objective {sol.objective:.1f})",
                      dual_bound=sol.dual_bound, variables=sol.variables,
                      integer_variables=sol.integer_variables, constraints=sol.constraints,
                      nonzeros=sol.nonzeros, seconds=sol.seconds + greedy.seconds,
                      gap=(greedy.objective - sol.dual_bound) / greedy.objective
                      if greedy.objective > 0 and math.isfinite(sol.dual_bound) else math.nan)
    name = ("greedy construction (HiGHS found worse or none)" if sol.message.startswith("greedy")
            else "decomposition (HiGHS: aggregate tours, then advisors)"
            if method is SolveMethod.DECOMPOSITION else "HiGHS (scipy.optimize.milp)")
    report = SolverReport(name, sol.message, sol.optimal, sol.objective,
                          sol.dual_bound, sol.gap, sol.seconds, sol.variables,
                          sol.integer_variables, sol.constraints, sol.nonzeros)
    version = schedule_version or _version(requirement, advisors)
    templates = problem.templates
    if not sol.found:
        planned = np.zeros_like(requirement.agents)
        uncovered = _uncovered(requirement, planned, advisors, templates, sol)
        binding: tuple[BindingRule, ...] = (BindingRule(LabourRule.TIME_LIMIT,
                               f"no schedule found in {time_limit_s:g} s: {sol.message}"),)
        return ScheduleResult(ScheduleStatus.NO_SOLUTION, (), uncovered, binding,
                              _summary(requirement.agents, planned), report, version, planned,
                              requirement)
    assignments, planned = place_breaks(requirement, advisors, templates, sol, costs=costs)
    uncovered = _uncovered(requirement, planned, advisors, templates, sol)
    binding = _diagnose(problem, requirement, advisors, sol, uncovered, rules, diagnose,
                        time_limit_s)
    complete = not uncovered and not (sol.shortfall_h > _EPS).any()
    status = ScheduleStatus.COMPLETE if complete else ScheduleStatus.PARTIAL
    return ScheduleResult(status, assignments, uncovered, binding,
                          _summary(requirement.agents, planned), report, version, planned,
                          requirement)


def _problem(requirement: Requirement, advisors: Sequence[Advisor], catalogue: ShiftCatalogue,
             rules: LabourRules, costs: Costs) -> RosterProblem:
    templates = catalogue.templates()
    model_advisors = []
    for adv in advisors:
        if not (math.isfinite(adv.weekly_hours) and adv.weekly_hours >= 0):
            raise ParameterError(f"advisor {adv.advisor_id}: weekly hours must be ≥ 0, got "
                                 f"{adv.weekly_hours!r}", hint="fix the advisor's contract")
        groups = tuple(q for q, s in enumerate(requirement.skills) if adv.can_work(s))
        available = tuple(adv.available_on(requirement.day(d)) for d in range(requirement.days))
        model_advisors.append(RosterAdvisor(adv.weekly_hours,
                                            catalogue.template_indices(adv.weekly_hours),
                                            groups, available))
    return RosterProblem(requirement.days, templates, requirement.agents, tuple(model_advisors),
                         rules, costs)


def _version(requirement: Requirement, advisors: Sequence[Advisor]) -> str:
    digest = hashlib.sha256(requirement.agents.tobytes())
    digest.update(json.dumps(sorted((a.advisor_id, a.weekly_hours) for a in advisors)).encode())
    return f"{requirement.start.isoformat()}+{requirement.weeks}w-{digest.hexdigest()[:8]}"


# ---------------------------------------------------------------------------- stage 2
def place_breaks(requirement: Requirement, advisors: Sequence[Advisor],
                 templates: Sequence[ShiftTemplate], sol: RosterSolution, *,
                 costs: Costs | None = None, optimise: bool = True,
                 time_limit_s: float = 1.0) -> tuple[tuple[ShiftAssignment, ...], FloatArray]:
    """Lunch and breaks of each chosen shift: per day and skill the placement of least
    coverage cost (:func:`pilotage.wfm.break_placement.optimal_placement`, HiGHS with
    ``time_limit_s`` per day and skill, never worse than the greedy one), or with
    ``optimise=False`` the greedy placement alone (shifts in start order, where coverage has the
    most to spare). Returns the assignments and the agents on work per (day, slot, skill)."""
    req = requirement.agents
    chosen = (optimal_placement(req, templates, sol, costs, time_limit_s=time_limit_s)
              if optimise else greedy_placement(req, templates, sol))
    planned = planned_with(req.shape, templates, sol, chosen)
    placed = [(k, p.lunch_min, list(p.breaks_min)) for k, p in chosen.items()]
    assignments = []
    for k, lunch, breaks in placed:
        adv = advisors[int(sol.shift_advisor[k])]
        d, q = int(sol.shift_day[k]), int(sol.shift_group[k])
        t = templates[int(sol.shift_template[k])]
        queue = requirement.skills[q]
        blocks = [(b, b + BREAK_MIN, ScheduleActivity.BREAK) for b in breaks]
        if lunch is not None:
            blocks.append((lunch, lunch + t.lunch_min, ScheduleActivity.LUNCH))
        blocks.sort()
        segments: list[tuple[int, int, ScheduleActivity]] = []
        cursor = t.start_min
        for a, b, kind in blocks:
            segments += [(cursor, a, ScheduleActivity.WORK), (a, b, kind)]
            cursor = b
        segments.append((cursor, t.end_min, ScheduleActivity.WORK))
        acts = []
        for a, b, kind in segments:
            if b > a:
                lo_l, hi_l = requirement.local(d, a), requirement.local(d, b)
                acts.append(Activity(adv.advisor_id, kind, requirement.utc(lo_l),
                                     requirement.utc(hi_l), lo_l, queue))
        assignments.append(ShiftAssignment(adv.advisor_id, requirement.day(d), t.name, queue,
                                           requirement.local(d, t.start_min),
                                           requirement.local(d, t.end_min), t.worked_h,
                                           tuple(acts)))
    assignments.sort(key=lambda s: (s.day, s.advisor_id))
    return tuple(assignments), planned


# ---------------------------------------------------------------------------- diagnosis
def _summary(required: FloatArray, planned: FloatArray) -> CoverageSummary:
    diff = planned - required
    return CoverageSummary(
        required_agent_h=float(required.sum() * SLOT_H),
        planned_agent_h=float(planned.sum() * SLOT_H),
        under_agent_h=float(np.clip(-diff, 0, None).sum() * SLOT_H),
        over_agent_h=float(np.clip(diff, 0, None).sum() * SLOT_H),
        under_intervals=int((diff < -_EPS).sum()), over_intervals=int((diff > _EPS).sum()))


def _uncovered(requirement: Requirement, planned: FloatArray, advisors: Sequence[Advisor],
               templates: Sequence[ShiftTemplate],
               sol: RosterSolution) -> tuple[UncoveredInterval, ...]:
    """Intervals planned below requirement, each with the direct reasons found."""
    covered_slots = np.zeros(SLOTS_PER_DAY, dtype=bool)
    for t in templates:
        covered_slots[t.first_slot:t.first_slot + t.slots] = True
    out = []
    for d, p, q in zip(*np.nonzero(planned < requirement.agents - _EPS), strict=True):
        d, p, q = int(d), int(p), int(q)
        need = float(requirement.agents[d, p, q])
        skill = requirement.skills[q]
        day = requirement.day(d)
        reasons: list[LabourRule] = []
        if not covered_slots[p]:
            reasons.append(LabourRule.SHIFT_TEMPLATES)
        elif len(advisors) < need:
            reasons.append(LabourRule.HEADCOUNT)
        elif sum(a.can_work(skill) for a in advisors) < need:
            reasons.append(LabourRule.SKILLS)
        elif sum(a.can_work(skill) and a.available_on(day) for a in advisors) < need:
            reasons.append(LabourRule.AVAILABILITY)
        if sol.found and sol.under[d, p, q] < need - planned[d, p, q] - _EPS:
            reasons.append(LabourRule.BREAKS)  # the assignment stage had it covered
        local = requirement.local(d, p * SLOT_MIN)
        out.append(UncoveredInterval(local, requirement.utc(local), skill, need,
                                     float(planned[d, p, q]), tuple(reasons)))
    return tuple(out)


_RELAXABLE = (LabourRule.WEEKLY_HOURS, LabourRule.WEEKLY_REST_DAYS,
              LabourRule.CONSECUTIVE_DAYS_OFF, LabourRule.MAX_CONSECUTIVE_DAYS,
              LabourRule.DAILY_REST, LabourRule.MAX_DAILY_HOURS, LabourRule.AVAILABILITY)


def _diagnose(problem: RosterProblem, requirement: Requirement, advisors: Sequence[Advisor],
              sol: RosterSolution, uncovered: Sequence[UncoveredInterval],
              rules: LabourRules, diagnose: bool, time_limit_s: float) -> tuple[BindingRule, ...]:
    """Binding rules: direct reasons of the uncovered intervals; rule families whose removal
    lowers the under-coverage of the LP relaxation (one LP per family); contract shortfalls."""
    out: list[BindingRule] = []
    direct: dict[LabourRule, list[UncoveredInterval]] = {}
    for u in uncovered:
        for r in u.reasons:
            direct.setdefault(r, []).append(u)
    for rule, items in direct.items():
        agent_h = sum(u.missing for u in items) * SLOT_H
        first = items[0]
        out.append(BindingRule(rule, f"{len(items)} interval(s), {agent_h:.1f} agent-h short, "
                               f"first {first.start_local:%Y-%m-%d %H:%M}"
                               + (f" on {first.queue_id}" if first.queue_id else "")))
    stage1_under_h = float(sol.under.sum() * SLOT_H)
    if diagnose and stage1_under_h > _EPS:
        base = solve_roster(problem, integral=False, time_limit_s=time_limit_s)
        base_h = float(base.under.sum() * SLOT_H)
        found_family = False
        for rule in _RELAXABLE:
            if rule is LabourRule.AVAILABILITY and all(all(a.available) for a in
                                                        problem.advisors):
                continue
            if rule is LabourRule.MAX_DAILY_HOURS and all(
                    t.worked_h <= rules.max_daily_h for t in problem.templates):
                continue
            relaxed = solve_roster(problem, relax=frozenset({rule}), integral=False,
                                   time_limit_s=time_limit_s)
            gain = base_h - float(relaxed.under.sum() * SLOT_H)
            if gain > 1e-4:
                found_family = True
                out.append(BindingRule(rule, f"relaxing it removes {gain:.1f} of the "
                                       f"{base_h:.1f} agent-h the LP relaxation leaves "
                                       f"uncovered", recovered_agent_h=gain))
        if not found_family and not any(r in direct for r in (
                LabourRule.SHIFT_TEMPLATES, LabourRule.HEADCOUNT, LabourRule.SKILLS,
                LabourRule.AVAILABILITY)):
            out.append(BindingRule(LabourRule.INTEGRALITY,
                                   f"{stage1_under_h:.1f} agent-h uncovered with whole shifts; "
                                   f"no single rule relaxed covers it in the LP relaxation"))
    for a, w in zip(*np.nonzero(sol.shortfall_h > _EPS), strict=True):
        adv = advisors[int(a)]
        week = requirement.day(7 * int(w))
        free = sum(adv.available_on(week + dt.timedelta(days=i)) for i in range(7))
        out.append(BindingRule(
            LabourRule.CONTRACT_HOURS,
            f"advisor {adv.advisor_id}, week of {week}: {float(sol.shortfall_h[a, w]):.1f} h "
            f"below contract {adv.weekly_hours:g} h − {rules.contract_tolerance_h:g} h "
            f"({free} available day(s))", advisor_ids=(adv.advisor_id,)))
    return tuple(out)


# ---------------------------------------------------------------------------- workspace
def write_schedule(workspace: Workspace, result: ScheduleResult) -> LoadReport:
    """Commit the schedule's activities to the ``schedules`` table (one transaction; the
    same schedule committed twice adds nothing)."""
    table = result.to_table()
    digest = hashlib.sha256()
    for column in table.columns:
        digest.update(str(column.to_pylist()).encode())
    n = table.num_rows
    batch = Batch(source_path=f"schedule:{result.schedule_version}",
                  content_sha256=digest.hexdigest(), format="schedule",
                  tables={"schedules": table}, rows_read=n, rows_loaded=n, keys_unique=True)
    return workspace.commit(batch)


def advisors_from_workspace(workspace: Workspace, start: dt.date,
                            weeks: int) -> tuple[Advisor, ...]:
    """Advisors employed during the horizon, with their planned absences as unavailable days."""
    end = start + dt.timedelta(days=7 * weeks)
    zone = ZoneInfo(workspace.config.time_zone)
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT advisor_id, weekly_hours, skills, hire_date, leave_date FROM advisors "
            "WHERE (hire_date IS NULL OR hire_date < ?) AND (leave_date IS NULL OR leave_date > ?)"
            " ORDER BY advisor_id", [end, start]).fetchall()
        absences = con.execute(
            "SELECT advisor_id, start_at, end_at FROM absences WHERE planned").fetchall()
    off: dict[str, set[dt.date]] = {}
    for advisor_id, s, e in absences:
        s_local = s.replace(tzinfo=dt.UTC).astimezone(zone).date()
        e_local = (e - dt.timedelta(microseconds=1)).replace(tzinfo=dt.UTC).astimezone(zone).date()
        day = s_local
        while day <= e_local:
            off.setdefault(advisor_id, set()).add(day)
            day += dt.timedelta(days=1)
    out = []
    for advisor_id, hours, skills, hire, leave in rows:
        dates = set(off.get(advisor_id, set()))
        day = start
        while day < end:
            if (hire is not None and day < hire) or (leave is not None and day >= leave):
                dates.add(day)
            day += dt.timedelta(days=1)
        out.append(Advisor(str(advisor_id), float(hours if hours is not None else 35.0),
                           _skills(skills), frozenset(dates)))
    return tuple(out)


def requirement_from_forecast(workspace: Workspace, snapshot_id: str, start: dt.date,
                              weeks: int, *, service_level: float = 0.8,
                              threshold_s: float = 20.0,
                              shrinkage: float = 0.0) -> Requirement:
    """Agents required by a forecast snapshot (Erlang C, ``required_agents``), by queue."""
    from pilotage.wfm.staffing import StaffingTarget, required_agents

    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT queue_id, interval_start, interval_min, volume, aht_s FROM forecasts "
            "WHERE snapshot_id = ? ORDER BY queue_id, interval_start", [snapshot_id]).fetchall()
    if not rows:
        raise InputError(f"forecast snapshot {snapshot_id!r} not found in the workspace",
                         hint="list snapshots in the forecasts table, or make a forecast first")
    bad = [r for r in rows if r[4] is None or r[4] <= 0]
    if bad:
        raise InputError(f"forecast snapshot {snapshot_id!r}: queue {bad[0][0]} interval "
                         f"{bad[0][1]} has no AHT", hint="re-run the forecast with AHT")
    target = StaffingTarget(service_level=service_level, threshold_s=threshold_s)
    req = required_agents([r[3] for r in rows], [r[4] for r in rows], target,
                          interval_min=[r[2] for r in rows], shrinkage=shrinkage)
    zone = ZoneInfo(workspace.config.time_zone)
    items = [(r[1].replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None), str(r[0]),
              float(n)) for r, n in zip(rows, req.positions, strict=True)]
    return Requirement.from_intervals(start, weeks, items, workspace.config.time_zone)


# ---------------------------------------------------------------------------- files
def _skills(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    return frozenset(s.strip() for s in text.replace(";", ",").split(",") if s.strip())


def _open_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [(i + 2, dict(r)) for i, r in enumerate(reader)]
            return list(reader.fieldnames or []), rows
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})",
                         hint="check the file name") from None


def _column(path: Path, fields: list[str], *names: str) -> str | None:
    lower = {f.strip().lower(): f for f in fields}
    return next((lower[n] for n in names if n in lower), None)


def read_requirements_csv(path: Path, *, start: dt.date, weeks: int,
                          time_zone: str = "Europe/Paris") -> Requirement:
    """``interval_start`` (local, ISO ``YYYY-MM-DD HH:MM``), ``agents`` (agents required) and
    optionally ``skill`` (or ``queue_id``)."""
    fields, rows = _open_csv(path)
    c_start = _column(path, fields, "interval_start", "interval_start_local", "start")
    c_agents = _column(path, fields, "agents", "agents_required", "required")
    c_skill = _column(path, fields, "skill", "queue_id", "queue")
    if c_start is None or c_agents is None:
        raise InputError(f"{path}: line 1: columns interval_start and agents are required "
                         f"(found {', '.join(fields)})",
                         hint="name the columns interval_start,agents[,skill]")
    items: list[tuple[dt.datetime, str | None, float]] = []
    for line, row in rows:
        raw = (row.get(c_start) or "").strip()
        try:
            local = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise InputError(f"{path}: line {line}: field {c_start}: {raw!r} is not a date-time",
                             hint="write local times as YYYY-MM-DD HH:MM") from None
        if local.tzinfo is not None or local.minute % SLOT_MIN or local.second:
            raise InputError(f"{path}: line {line}: field {c_start}: {raw!r} is not a local "
                             f"start of a {SLOT_MIN}-minute interval",
                             hint="give local wall-clock times at :00 or :30, no offset")
        value_raw = (row.get(c_agents) or "").strip()
        try:
            value = float(value_raw)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            raise InputError(f"{path}: line {line}: field {c_agents}: {value_raw!r} is not a "
                             f"number of agents ≥ 0", hint="give agents required as a number")
        skill = (row.get(c_skill) or "").strip() or None if c_skill else None
        items.append((local, skill, value))
    return Requirement.from_intervals(start, weeks, items, time_zone)


def read_advisors_csv(path: Path) -> tuple[Advisor, ...]:
    """``advisor_id``, ``weekly_hours``, optional ``skills`` (separated by ``;`` or ``,``) and
    ``unavailable`` (ISO dates or weekday names mon…sun, separated by ``;`` or spaces)."""
    fields, rows = _open_csv(path)
    c_id = _column(path, fields, "advisor_id", "id")
    c_hours = _column(path, fields, "weekly_hours", "hours")
    c_skills = _column(path, fields, "skills")
    c_off = _column(path, fields, "unavailable", "unavailable_days")
    if c_id is None or c_hours is None:
        raise InputError(f"{path}: line 1: columns advisor_id and weekly_hours are required "
                         f"(found {', '.join(fields)})",
                         hint="name the columns advisor_id,weekly_hours[,skills,unavailable]")
    out = []
    seen: set[str] = set()
    for line, row in rows:
        advisor_id = (row.get(c_id) or "").strip()
        if not advisor_id or advisor_id in seen:
            raise InputError(f"{path}: line {line}: field {c_id}: "
                             f"{'empty' if not advisor_id else 'duplicate ' + repr(advisor_id)}",
                             hint="give each advisor once, with an identifier")
        seen.add(advisor_id)
        raw = (row.get(c_hours) or "").strip()
        try:
            hours = float(raw)
        except ValueError:
            hours = math.nan
        if not (math.isfinite(hours) and 0 <= hours <= 168):
            raise InputError(f"{path}: line {line}: field {c_hours}: {raw!r} is not weekly "
                             f"hours", hint="give contract hours per week, e.g. 35")
        dates: set[dt.date] = set()
        weekdays: set[int] = set()
        for token in (row.get(c_off) or "").replace(";", " ").split() if c_off else []:
            low = token.strip().lower()[:3]
            if low in WEEKDAYS:
                weekdays.add(WEEKDAYS.index(low))
                continue
            try:
                dates.add(dt.date.fromisoformat(token.strip()))
            except ValueError:
                raise InputError(f"{path}: line {line}: field {c_off}: {token!r} is neither a "
                                 f"date nor a weekday",
                                 hint="write YYYY-MM-DD or mon…sun, separated by ';'") from None
        out.append(Advisor(advisor_id, hours, _skills(row.get(c_skills) if c_skills else None),
                           frozenset(dates), frozenset(weekdays)))
    return tuple(out)
