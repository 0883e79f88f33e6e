"""Lever analysis of a result objective (CSAT, NPS, conversion…): its lever indicators ranked
by their estimated impact on the result, by re-weighting the result's own population.

The result's population is the records its KPI counts (survey responses for CSAT and NPS,
handled contacts for FCR…), taken from the KPI engine itself (``kpi.query.drill``), each
with its value: 1 when it is in the numerator (a satisfied respondent), −1 when it is
subtracted (an NPS detractor), else 0. Each lever splits that population in two segments:

* a **contact** lever (a share of contacts or responses: service level, FCR, e-mails answered
  in time…) by whether the record's own contact met the lever's condition — answered within
  the threshold, resolved at first contact… — read from the lever KPI's own records; records
  the lever does not apply to (an e-mail for a voice service level) keep their weight;
* an **advisor** lever (quality score, AHT…) by whether the advisor who handled the contact
  met the advisor-level target over the period.

The result if lever L met its target is ``Σ_s r_s · w′_s``: the observed result ``r_s`` of
each segment weighted by the segment's share at the lever's target. For a contact lever
whose actual ``A`` misses its target ``T`` (in the good direction), the share of the
population failing the condition shrinks in the same proportion as the lever's failures:
``(1 − p′) = (1 − p) · (1 − T) / (1 − A)``; for an advisor lever every advisor reaches the
target (``p′ = 1``). The impact is that estimate minus the actual result. The joint effect
of every lever is the same re-weighting on the joint segments (iterative proportional
fitting of each lever's share, the observed results of every combination kept), and what
remains between it and the target is what the levers do not explain.

The model is associational: a lever whose segments differ in result for another reason
(customers who wait longer also call about harder problems) gets credit for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.kpi import KpiRequest
from pilotage.kpi.query import KpiSession, drill
from pilotage.model.tables import TABLES
from pilotage.objectives.attainment import Attainment, AttainmentEngine, target_in_force
from pilotage.objectives.model import LEVEL_DIMENSION, Level, Objective
from pilotage.objectives.periods import ReportingPeriod

LOOKBACK_DAYS = 7  # a response may come days after its contact: the lever's records start earlier
RAKING_ROUNDS = 200
UNIT_COLUMN = {Level.SITE: "site_id", Level.TEAM: "team_id", Level.ADVISOR: "advisor_id"}
DRILL_DIMENSIONS = ("site", "team", "agent")


class LinkKind(StrEnum):
    CONTACT = "contact"  # the record's own contact met the lever's condition
    ADVISOR = "advisor"  # the advisor who handled it met the advisor-level target


class LeverReason(StrEnum):
    """Why a lever gets no estimate, or a zero one."""

    ALREADY_MET = "already_met"  # the lever meets its target: nothing to gain
    AFTER_THE_ANSWER = "after_the_answer"  # measured on the answer itself (a follow-up)
    NO_LINK = "no_link"  # neither a contact nor an advisor links it to the result's records
    ONE_SEGMENT = "one_segment"  # every record on one side: the data cannot tell the effect
    NO_DATA = "no_data"


@dataclass(frozen=True)
class LeverImpact:
    lever_id: str
    kpi: str
    link: LinkKind | None
    actual: float | None  # the lever's actual at the unit
    target: float | None  # its target then in force (advisor level for an advisor lever)
    records: int  # records of the result the lever applies to
    share_met: float | None  # of those, the share meeting the condition today
    share_met_at_target: float | None  # and the share once the lever meets its target
    result_met: float | None  # the result among the records meeting the condition
    result_not_met: float | None  # and among the others
    estimate: float | None  # the result if the lever met its target
    impact: float | None  # estimate − actual result, in the result KPI's unit
    reason: LeverReason | None = None


@dataclass(frozen=True)
class ResultLeverAnalysis:
    objective_id: str
    kpi: str
    level: Level
    unit: str
    period: str
    direction: str  # higher | lower: the result's better direction
    actual: float | None
    target: float | None
    records: int  # the result's population (responses, contacts)
    source_table: str | None  # the table of those records (survey_responses, contacts)
    levers: tuple[LeverImpact, ...]  # largest gain first, then the levers without estimate
    joint_estimate: float | None  # the result if every estimable lever met its target

    def gain(self, impact: LeverImpact) -> float:
        """The impact in the result's good direction (> 0 helps)."""
        sign = 1.0 if self.direction == "higher" else -1.0
        return sign * (impact.impact or 0.0)

    @property
    def joint_impact(self) -> float | None:
        if self.joint_estimate is None or self.actual is None:
            return None
        return self.joint_estimate - self.actual

    @property
    def unexplained(self) -> float | None:
        """The gap to the target left once every lever meets its target (signed: < 0 short
        of the target)."""
        if self.joint_estimate is None or self.target is None:
            return None
        sign = 1.0 if self.direction == "higher" else -1.0
        return sign * (self.joint_estimate - self.target)


@dataclass(frozen=True)
class Population:
    """The result's records at one unit: value, contact and advisor of each."""

    keys: np.ndarray  # the record's key (response_id, contact_id)
    contacts: np.ndarray
    advisors: np.ndarray
    values: np.ndarray  # float: 1 in the numerator, −1 subtracted, 0 otherwise


def _is_count_ratio(session: KpiSession, kpi_id: str, variant: str) -> str | None:
    """The table of a KPI that is a share of records (every measure a count on one table),
    else None."""
    catalogue = session.catalogue
    formula = catalogue.kpi(kpi_id).formula_for(variant)
    if not formula.denominator:
        return None
    terms = [t.lstrip("-") for t in (*formula.numerator, *formula.denominator)]
    measures = [catalogue.measure(t) for t in terms]
    tables = {m.table for m in measures}
    if len(tables) != 1 or any(m.aggregate != "count" for m in measures):
        return None
    if any(t.startswith("-") for t in formula.denominator):
        return None
    return tables.pop()


def _request(objective: Objective, start: dt.date, end: dt.date,
             by: tuple[str, ...] = ()) -> KpiRequest:
    return KpiRequest(kpis=(objective.kpi,), by=by, start=start, end=end,
                      where=tuple(objective.where.items()),
                      params={f"{objective.kpi}.{k}": v for k, v in objective.params.items()})


class ResultLeverModel:
    """Re-weighting lever analysis on one KPI session; records are drilled once per period
    and reused for every unit (a batch of reports pays for them once)."""

    def __init__(self, session: KpiSession, engine: AttainmentEngine) -> None:
        self.session = session
        self.engine = engine
        self._drills: dict[tuple[Any, ...], pa.Table] = {}
        self._advisor_values: dict[tuple[Any, ...], dict[str, float]] = {}

    # ------------------------------------------------------------------ records
    def _drill(self, objective: Objective, start: dt.date, end: dt.date,
               by: tuple[str, ...]) -> pa.Table:
        key = (objective.kpi, tuple(sorted(objective.params.items())),
               tuple(sorted(objective.where.items())), start, end, by)
        if key not in self._drills:
            self._drills[key] = drill(self.session.workspace, _request(objective, start, end, by))
        return self._drills[key]

    def population(self, objective: Objective, level: Level, unit: str,
                   period: ReportingPeriod) -> Population | None:
        variant = str(objective.params.get("variant", "default"))
        table_name = _is_count_ratio(self.session, objective.kpi, variant)
        if table_name is None:
            return None
        records = self._drill(objective, period.start, period.end, DRILL_DIMENSIONS)
        if level is not Level.CENTER and records.num_rows:
            records = records.filter(pc.equal(records.column(UNIT_COLUMN[level]), unit))
        key = TABLES[table_name].key[0]
        if records.num_rows == 0:
            return Population(*(np.zeros(0) for _ in range(4)))
        role = records.column("role").to_numpy(zero_copy_only=False)
        keys = records.column(key).to_numpy(zero_copy_only=False).astype(str)
        contacts = records.column("contact_id").to_numpy(zero_copy_only=False).astype(str)
        advisors = np.asarray([str(a) if a is not None else "" for a in
                               records.column("advisor_id").to_pylist()])
        value: dict[str, float] = {}
        for k, r in zip(keys[role != "denominator"], role[role != "denominator"], strict=True):
            value[k] = value.get(k, 0.0) + (-1.0 if "subtracted" in r else 1.0)
        chosen = np.flatnonzero(role == "denominator")
        _, first = np.unique(keys[chosen], return_index=True)
        rows = chosen[np.sort(first)]
        return Population(keys[rows], contacts[rows], advisors[rows],
                          np.asarray([value.get(k, 0.0) for k in keys[rows]]))

    # ------------------------------------------------------------------ lever conditions
    def _contact_condition(self, lever: Objective, period: ReportingPeriod,
                           table_name: str, result_table: str, population: Population
                           ) -> tuple[np.ndarray, np.ndarray]:
        """Per record: does the lever apply, and is its condition met (in the lever's good
        direction: for a lower-is-better lever, met = not in its numerator)."""
        records = self._drill(lever, period.start - dt.timedelta(days=LOOKBACK_DAYS),
                              period.end, ())
        link = TABLES[table_name].key[0] if table_name == result_table else "contact_id"
        mine = population.keys if link == TABLES[result_table].key[0] else population.contacts
        role = records.column("role").to_numpy(zero_copy_only=False)
        ids = records.column(link).to_numpy(zero_copy_only=False).astype(str)
        applies = np.isin(mine, ids[role == "denominator"])
        in_numerator = np.isin(mine, ids[role == "numerator"])
        met = in_numerator if self.engine.direction(lever) == "higher" else ~in_numerator
        return applies, met & applies

    def _advisor_condition(self, lever: Objective, period: ReportingPeriod,
                           population: Population) -> tuple[np.ndarray, np.ndarray, float | None]:
        key = (lever.id, period.label)
        if key not in self._advisor_values:
            rows = self.session.compute(KpiRequest(
                kpis=(lever.kpi,), by=("agent",), start=period.start, end=period.end,
                where=tuple(lever.where.items()),
                params={f"{lever.kpi}.{k}": v for k, v in lever.params.items()})
            ).table.to_pylist()
            self._advisor_values[key] = {str(r["agent"]): float(r[lever.kpi]) for r in rows
                                         if r["agent"] is not None and r[lever.kpi] is not None}
        values = self._advisor_values[key]
        sign = 1.0 if self.engine.direction(lever) == "higher" else -1.0
        applies = np.zeros(population.advisors.size, dtype=bool)
        met = np.zeros(population.advisors.size, dtype=bool)
        targets: set[float] = set()
        met_by_advisor: dict[str, bool] = {}
        for advisor in set(population.advisors.tolist()) & set(values):
            target = target_in_force(lever, Level.ADVISOR, advisor, period)
            if target is None:
                continue
            targets.add(target.value)
            met_by_advisor[advisor] = sign * (values[advisor] - target.value) >= 0
        for i, advisor in enumerate(population.advisors):
            if advisor in met_by_advisor:
                applies[i] = True
                met[i] = met_by_advisor[advisor]
        return applies, met, (targets.pop() if len(targets) == 1 else None)

    # ------------------------------------------------------------------ analysis
    def analyse(self, objective: Objective, level: Level, unit: str,
                period: ReportingPeriod,
                attainments: Sequence[Attainment] | None = None) -> ResultLeverAnalysis:
        """``objective``'s levers ranked by their estimated impact at ``unit`` of ``level``
        (``attainments``: the level's attainments when the caller has them already)."""
        direction = self.engine.direction(objective)
        levers = [lv for lv in (self.engine.objectives.objective(i) for i in objective.levers)
                  if lv is not None]
        figures = self._figures((objective, *levers), level, unit, period, attainments)
        actual, target = figures[objective.id]
        variant = str(objective.params.get("variant", "default"))
        result_table = _is_count_ratio(self.session, objective.kpi, variant)
        population = self.population(objective, level, unit, period)
        if result_table is None or population is None or population.values.size == 0:
            reason = LeverReason.NO_LINK if population is None else LeverReason.NO_DATA
            return ResultLeverAnalysis(
                objective.id, objective.kpi, level, unit, period.label, direction, actual,
                target, 0, result_table,
                tuple(_empty(lv, reason, *figures[lv.id]) for lv in levers), None)
        y = population.values
        impacts: list[LeverImpact] = []
        segments: list[tuple[np.ndarray, np.ndarray, float]] = []
        for lever in levers:
            impact, segment = self._lever(lever, figures[lever.id], period, population, y,
                                          result_table)
            impacts.append(impact)
            if segment is not None:
                segments.append(segment)
        joint = _raked_mean(y, segments) if segments else None
        sign = 1.0 if direction == "higher" else -1.0
        ranked = sorted(impacts, key=lambda i: (i.impact is None, -sign * (i.impact or 0.0),
                                                i.lever_id))
        return ResultLeverAnalysis(objective.id, objective.kpi, level, unit, period.label,
                                   direction, float(y.mean()), target, int(y.size),
                                   result_table, tuple(ranked), joint)

    def _figures(self, objectives: tuple[Objective, ...], level: Level, unit: str,
                 period: ReportingPeriod, attainments: Sequence[Attainment] | None
                 ) -> dict[str, tuple[float | None, float | None]]:
        """Actual and target in force of each objective at the unit: from the attainments
        (one batched query when not given), else computed for an objective not followed
        at that level."""
        measured = [o for o in objectives if level in o.levels]
        if attainments is None:
            attainments = self.engine.status(
                period, level=level, unit=None if level is Level.CENTER else unit,
                objective_ids=tuple(o.id for o in measured), contributors=False)
        found = {a.objective_id: (a.actual, a.target) for a in attainments
                 if a.level is level and (a.unit == unit or level is Level.CENTER)}
        for objective in objectives:
            if objective.id not in found:
                found[objective.id] = self._computed_figure(objective, level, unit, period)
        return found

    def _computed_figure(self, objective: Objective, level: Level, unit: str,
                         period: ReportingPeriod) -> tuple[float | None, float | None]:
        where = tuple(objective.where.items())
        if level is not Level.CENTER:
            where += ((LEVEL_DIMENSION[level], unit),)
        rows = self.session.compute(KpiRequest(
            kpis=(objective.kpi,), start=period.start, end=period.end, where=where,
            params={f"{objective.kpi}.{k}": v for k, v in objective.params.items()})
        ).table.to_pylist()
        value = rows[0].get(objective.kpi) if rows else None
        target = target_in_force(objective, level, unit, period)
        return (None if value is None else float(value)), (target.value if target else None)

    def _lever(self, lever: Objective, figure: tuple[float | None, float | None],
               period: ReportingPeriod, population: Population, y: np.ndarray,
               result_table: str
               ) -> tuple[LeverImpact, tuple[np.ndarray, np.ndarray, float] | None]:
        actual, target = figure
        variant = str(lever.params.get("variant", "default"))
        table_name = _is_count_ratio(self.session, lever.kpi, variant)
        if table_name == "survey_responses":
            return _empty(lever, LeverReason.AFTER_THE_ANSWER, actual, target), None
        if table_name is not None:
            link = LinkKind.CONTACT
            applies, met = self._contact_condition(lever, period, table_name, result_table,
                                                   population)
        elif "agent" in self.session.catalogue.kpi(lever.kpi).dimensions:
            link = LinkKind.ADVISOR
            applies, met, advisor_target = self._advisor_condition(lever, period, population)
            target = advisor_target if advisor_target is not None else target
        else:
            return _empty(lever, LeverReason.NO_LINK, actual, target), None
        n = int(applies.sum())
        if n == 0:
            return _empty(lever, LeverReason.NO_DATA, actual, target, link), None
        share = float(met.sum() / n)
        r_met = float(y[met].mean()) if met.any() else None
        not_met = applies & ~met
        r_not = float(y[not_met].mean()) if not_met.any() else None
        share_at_target = 1.0 if link is LinkKind.ADVISOR else _share_at_target(
            share, actual, target, self.engine.direction(lever))
        if share == 1.0 and link is LinkKind.CONTACT and share_at_target is not None \
                and _misses(actual, target, self.engine.direction(lever)):
            # every record meets the condition though the lever misses: it cannot move the
            # result's rate (e.g. reaching more customers does not change the conversion
            # of those reached)
            return _empty(lever, LeverReason.ONE_SEGMENT, actual, target, link), None
        mean = float(y.mean())
        impact = LeverImpact(lever.id, lever.kpi, link, actual, target, n, share,
                             share_at_target, r_met, r_not, None, None)
        if share_at_target is None or share_at_target <= share:
            # the lever meets its target (every advisor, for an advisor lever): nothing to gain
            return replace(impact, share_met_at_target=share, estimate=mean, impact=0.0,
                           reason=LeverReason.ALREADY_MET), None
        if r_met is None or r_not is None:
            return replace(impact, reason=LeverReason.ONE_SEGMENT), None
        estimate = _raked_mean(y, [(applies, met, share_at_target)])
        return (replace(impact, estimate=estimate, impact=estimate - mean),
                (applies, met, share_at_target))


def _empty(lever: Objective, reason: LeverReason, actual: float | None = None,
           target: float | None = None, link: LinkKind | None = None) -> LeverImpact:
    return LeverImpact(lever.id, lever.kpi, link, actual, target, 0, None, None, None, None,
                       None, None, reason)


def _misses(actual: float | None, target: float | None, direction: str) -> bool:
    if actual is None or target is None:
        return False
    return actual < target if direction == "higher" else actual > target


def _share_at_target(share: float, actual: float | None, target: float | None,
                     direction: str) -> float | None:
    """The share of records meeting a contact lever's condition once the lever meets its
    target: the failures shrink as the lever's do, ``(1 − p′) = (1 − p)(1 − T)/(1 − A)``
    (for a lower-is-better lever, A and T are the shares of failures: good = 1 − A)."""
    if actual is None or target is None:
        return None
    good_actual, good_target = (actual, target) if direction == "higher" else (
        1 - actual, 1 - target)
    if good_actual >= good_target or good_actual >= 1:
        return share
    return 1 - (1 - share) * (1 - good_target) / (1 - good_actual)


def _raked_mean(y: np.ndarray, segments: Iterable[tuple[np.ndarray, np.ndarray, float]]
                ) -> float:
    """The weighted mean of ``y`` once each lever's share of records meeting its condition
    (among the records it applies to) is brought to its share at target, by iterative
    proportional fitting; records a lever does not apply to keep their weight."""
    chosen = list(segments)
    weights = np.ones(y.size)
    for _ in range(RAKING_ROUNDS if len(chosen) > 1 else 1):
        for applies, met, share in chosen:
            total = weights[applies].sum()
            good = weights[met].sum()
            bad = total - good
            if good > 0:
                weights[met] *= share * total / good
            if bad > 0:
                weights[applies & ~met] *= (1 - share) * total / bad
    return float((weights * y).sum() / weights.sum())
