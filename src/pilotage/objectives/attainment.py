"""Attainment of objectives over a period: actual against the target then in force, a status
(met / at risk / missed) that refuses to judge on too little volume and gives an uncertainty
band, the trend against the previous period, and — for an objective missed or at risk — the
sub-units that contribute most to the gap.

Contribution of a sub-unit *i* to its parent's gap, for a ratio KPI: ``n_i / N × (a_i − T)``
where ``n_i`` is its volume (the KPI's denominator), ``a_i`` its value and ``T`` the parent's
target; the contributions add up exactly to the parent's ``actual − target``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pilotage.kpi import KpiRequest, load_catalogue
from pilotage.kpi.compiler import VOLUME_SUFFIX
from pilotage.kpi.definitions import Direction, Unit
from pilotage.kpi.query import KpiSession
from pilotage.objectives.model import (
    LEVEL_DIMENSION,
    LEVEL_ORDER,
    Level,
    Objective,
    ObjectivesFile,
    Period,
    Target,
)
from pilotage.objectives.periods import ReportingPeriod

Z_90 = 1.6448536269514722  # two-sided 90 % normal quantile
GRAIN_OF_PERIOD = {Period.DAY: "day", Period.WEEK: "week", Period.MONTH: "month",
                   Period.QUARTER: "quarter", Period.YEAR: "year"}


class Status(StrEnum):
    MET = "met"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NOT_ENOUGH_DATA = "not_enough_data"
    NO_DATA = "no_data"


SHORT = (Status.MISSED, Status.AT_RISK)
STATUS_NAMES = {
    Status.MET: ("atteint", "met"), Status.AT_RISK: ("à risque", "at risk"),
    Status.MISSED: ("manqué", "missed"),
    Status.NOT_ENOUGH_DATA: ("volume insuffisant", "not enough data"),
    Status.NO_DATA: ("pas de données", "no data"),
}


@dataclass(frozen=True)
class Contribution:
    dimension: str  # team, agent, queue…
    unit: str
    actual: float | None
    volume: float
    contribution: float  # share of the parent's (actual − target), signed: < 0 pulls down


@dataclass(frozen=True)
class Attainment:
    objective_id: str
    kpi: str
    level: Level
    unit: str
    period: str
    actual: float | None
    target: float | None
    tolerance: float
    direction: str
    volume: float
    status: Status
    band: tuple[float, float] | None  # 90 % uncertainty band of the actual
    previous: float | None
    contributors: tuple[Contribution, ...] = ()

    @property
    def gap(self) -> float | None:
        if self.actual is None or self.target is None:
            return None
        signed = self.actual - self.target
        return signed if self.direction == "higher" else -signed

    @property
    def trend(self) -> float | None:
        if self.actual is None or self.previous is None:
            return None
        return self.actual - self.previous


def target_in_force(objective: Objective, level: Level, unit: str | None,
                    period: ReportingPeriod) -> Target | None:
    """The most specific target (unit, then level, then general) in force on the period's
    first day: a target changed mid-year judges each period with the target then in force."""
    day = period.start
    candidates = [t for t in objective.all_targets()
                  if (t.valid_from is None or t.valid_from <= day)
                  and (t.valid_to is None or day < t.valid_to)
                  and (t.level is None or t.level == level)
                  and (t.unit is None or t.unit == unit)]
    if not candidates:
        return None
    return max(candidates, key=lambda t: (t.unit is not None, t.level is not None))


def wilson_band(p: float, n: float, z: float = Z_90) -> tuple[float, float]:
    if n <= 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def judge(actual: float | None, target: float | None, tolerance: float, direction: str,
          volume: float, min_volume: int, band: tuple[float, float] | None) -> Status:
    if actual is None:
        return Status.NO_DATA
    if volume < min_volume:
        return Status.NOT_ENOUGH_DATA
    if target is None:
        return Status.NO_DATA
    sign = 1.0 if direction == "higher" else -1.0
    gap = sign * (actual - target)
    if gap >= 0:
        return Status.MET
    if gap >= -tolerance:
        return Status.AT_RISK
    if band is not None:
        reachable = band[1] >= target if direction == "higher" else band[0] <= target
        if reachable:  # the miss is within the noise of this volume
            return Status.AT_RISK
    return Status.MISSED


class AttainmentEngine:
    """Attainment on one KPI session (open it with ``pilotage.kpi.query.kpi_session``)."""

    explained: tuple[Status, ...] = SHORT  # the statuses whose gap is broken down

    def __init__(self, session: KpiSession, objectives: ObjectivesFile) -> None:
        self.session = session
        self.workspace = session.workspace
        self.objectives = objectives
        self.catalogue = load_catalogue()
        backend = session.backend
        centers = backend.to_pyarrow(backend.table("centers").select("center_id"))
        ids = sorted(str(v) for v in centers.column("center_id").to_pylist())
        self.center_id = ids[0] if ids else "center"
        self._cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    def counts_trials(self, objective: Objective) -> bool:
        """A ratio whose denominator counts contacts (independent trials) gets a binomial
        uncertainty band; a ratio of durations or money does not."""
        kpi = self.catalogue.kpi(objective.kpi)
        formula = kpi.formula_for(str(objective.params.get("variant", "default")))
        return kpi.unit is Unit.PERCENT and bool(formula.denominator) and all(
            self.catalogue.measure(t).aggregate == "count" for t in formula.denominator)

    def direction(self, objective: Objective) -> str:
        if objective.direction is not None:
            return objective.direction
        kpi = self.catalogue.kpi(objective.kpi)
        return "lower" if kpi.direction is Direction.LOWER_IS_BETTER else "higher"

    def _rows(self, batch: tuple[Objective, ...], period: ReportingPeriod,
              by: tuple[str, ...], extra_where: tuple[tuple[str, str], ...] = ()
              ) -> list[dict[str, Any]]:
        """One KPI query for objectives that share their filters (each KPI once), cached."""
        batch = self.supported(batch, by)
        key = (tuple(o.id for o in batch), period.label, by, extra_where)
        if key not in self._cache:
            self._cache[key] = self._compute(batch, period.start, period.end, by,
                                             extra_where) if batch else []
        return self._cache[key]

    def supported(self, batch: tuple[Objective, ...], by: tuple[str, ...]
                  ) -> tuple[Objective, ...]:
        """The objectives whose KPI has every dimension of ``by`` (absenteeism has no queue:
        asking for it would cost a scan for nothing)."""
        return tuple(o for o in batch
                     if all(d in self.catalogue.kpi(o.kpi).dimensions for d in by))

    def _compute(self, batch: tuple[Objective, ...], start: dt.date, end: dt.date,
                 by: tuple[str, ...], extra_where: tuple[tuple[str, str], ...]
                 ) -> list[dict[str, Any]]:
        params = {f"{o.kpi}.{k}": v for o in batch for k, v in o.params.items()}
        request = KpiRequest(kpis=tuple(o.kpi for o in batch), by=by, start=start, end=end,
                             where=tuple(batch[0].where.items()) + extra_where,
                             params=params, with_volume=True)
        return list(self.session.compute(request).table.to_pylist())

    def _rows_with_previous(self, batch: tuple[Objective, ...], period: ReportingPeriod,
                            previous: ReportingPeriod, by: tuple[str, ...],
                            extra_where: tuple[tuple[str, str], ...]
                            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The period's rows and the previous period's, from one query grouped by the
        period's own grain when it is a calendar unit (a month, a week…): one compilation
        and one scan instead of two."""
        grain = GRAIN_OF_PERIOD.get(period.kind) if period.kind is not None else None
        if grain is None or previous.end + dt.timedelta(days=1) != period.start:
            return (self._rows(batch, period, by, extra_where),
                    self._rows(batch, previous, by, extra_where))
        batch = self.supported(batch, by)
        ids = tuple(o.id for o in batch)
        keys = [(ids, p.label, by, extra_where) for p in (period, previous)]
        if not all(k in self._cache for k in keys):
            rows = self._compute(batch, previous.start, period.end, (*by, grain), extra_where)
            for k, p in zip(keys, (period, previous), strict=True):
                self._cache[k] = [{n: v for n, v in r.items() if n != grain}
                                  for r in rows if r[grain] == p.label]
        return self._cache[keys[0]], self._cache[keys[1]]

    @staticmethod
    def batches(objectives: list[Objective]) -> list[tuple[Objective, ...]]:
        """Group objectives with the same filters; a KPI appears once per group (its
        parameters are per KPI)."""
        groups: dict[tuple[tuple[str, str], ...], list[list[Objective]]] = {}
        for objective in objectives:
            lists = groups.setdefault(tuple(sorted(objective.where.items())), [])
            for candidate in lists:
                if all(o.kpi != objective.kpi for o in candidate):
                    candidate.append(objective)
                    break
            else:
                lists.append([objective])
        return [tuple(b) for lists in groups.values() for b in lists]

    def status(self, period: ReportingPeriod, *, level: Level | None = None,
               unit: str | None = None, objective_ids: tuple[str, ...] = (),
               contributors: bool = True) -> list[Attainment]:
        previous = period.previous()
        chosen = [o for o in self.objectives.objectives
                  if not objective_ids or o.id in objective_ids]
        out: list[Attainment] = []
        for lv in LEVEL_ORDER:
            if level is not None and lv != level:
                continue
            at_level = [o for o in chosen if lv in o.levels]
            for batch in self.batches(at_level):
                out.extend(self._level(batch, lv, unit, period, previous, contributors))
        order = {o.id: i for i, o in enumerate(self.objectives.objectives)}
        out.sort(key=lambda a: (order[a.objective_id], LEVEL_ORDER.index(a.level), a.unit))
        return out

    def _level(self, batch: tuple[Objective, ...], level: Level, unit: str | None,
               period: ReportingPeriod, previous: ReportingPeriod,
               with_contributors: bool) -> list[Attainment]:
        dim = LEVEL_DIMENSION[level]
        by = () if level is Level.CENTER else (dim,)
        where: tuple[tuple[str, str], ...] = ()
        if unit is not None and level is not Level.CENTER:
            where = ((dim, unit),)
        current, before_rows = self._rows_with_previous(batch, period, previous, by, where)
        results = []
        for objective in batch:
            before = {self._unit(r, level): r.get(objective.kpi) for r in before_rows}
            direction = self.direction(objective)
            for row in current:
                unit_id = self._unit(row, level)
                if unit_id is None:
                    continue  # rows nobody owns (e.g. abandoned calls at advisor level)
                actual = row.get(objective.kpi)
                volume = float(row.get(f"{objective.kpi}{VOLUME_SUFFIX}") or 0.0)
                target = target_in_force(objective, level, unit_id, period)
                band = (wilson_band(actual, volume) if self.counts_trials(objective)
                        and actual is not None and 0 <= actual <= 1 else None)
                status = judge(actual, target.value if target else None, objective.tolerance,
                               direction, volume, objective.min_volume, band)
                results.append(Attainment(
                    objective.id, objective.kpi, level, unit_id, period.label, actual,
                    target.value if target else None, objective.tolerance, direction, volume,
                    status, band, before.get(unit_id)))
        if not with_contributors:
            return results
        # the sub-units behind a gap, for the objectives missed or at risk somewhere (their
        # breakdowns in one query per dimension)
        short = {a.objective_id for a in results if a.status in self.explained}
        with_gap = tuple(o for o in batch if o.id in short)
        return [replace(a, contributors=self._contributors(
                    with_gap, self._objective(a.objective_id), level, a.unit, unit, period,
                    a.target, a.volume))
                if a.status in self.explained and a.target is not None and a.actual is not None
                else a for a in results]

    def _objective(self, objective_id: str) -> Objective:
        found = self.objectives.objective(objective_id)
        assert found is not None
        return found

    def _unit(self, row: dict[str, Any], level: Level) -> str | None:
        if level is Level.CENTER:
            return self.center_id
        value = row.get(LEVEL_DIMENSION[level])
        return None if value is None else str(value)

    def _contributors(self, batch: tuple[Objective, ...], objective: Objective, level: Level,
                      unit: str, unit_filter: str | None, period: ReportingPeriod,
                      target: float, total_volume: float) -> tuple[Contribution, ...]:
        if not self.catalogue.kpi(objective.kpi).is_ratio or total_volume <= 0:
            return ()
        index = LEVEL_ORDER.index(level)
        children = [LEVEL_DIMENSION[lv] for lv in LEVEL_ORDER[index + 1:index + 2]]
        children.append("queue")
        parent = None if level is Level.CENTER else LEVEL_DIMENSION[level]
        where = () if parent is None or unit_filter is None else ((parent, unit_filter),)
        sign = 1.0 if self.direction(objective) == "higher" else -1.0
        found = []
        for child in children:
            if child not in self.catalogue.kpi(objective.kpi).dimensions:
                continue  # e.g. absenteeism has no queue
            by = (child,) if parent is None else (parent, child)
            for row in self._rows(batch, period, by, where):
                if parent is not None and row.get(parent) != unit:
                    continue
                value = row.get(objective.kpi)
                n = float(row.get(f"{objective.kpi}{VOLUME_SUFFIX}") or 0.0)
                if row.get(child) is None or value is None or n == 0:
                    continue
                share = n / total_volume * sign * (value - target)
                found.append(Contribution(child, str(row[child]), value, n, share))
        found.sort(key=lambda c: c.contribution)
        return tuple(found)
