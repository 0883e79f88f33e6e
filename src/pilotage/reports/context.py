"""What every report of a period shares: one KPI session, one attainment engine, the
organisation (who is in which team during the period), and caches, so a batch of hundreds
of reports computes each figure once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pilotage.errors import ParameterError
from pilotage.kpi import KpiRequest, load_catalogue
from pilotage.kpi.compiler import VOLUME_SUFFIX
from pilotage.kpi.definitions import Catalogue, Kpi
from pilotage.kpi.query import KpiSession
from pilotage.objectives.attainment import Attainment, AttainmentEngine
from pilotage.objectives.model import LEVEL_DIMENSION, Level, Objective, ObjectivesFile
from pilotage.objectives.periods import ReportingPeriod
from pilotage.objectives.result_levers import ResultLeverAnalysis, ResultLeverModel


@dataclass(frozen=True)
class Person:
    advisor_id: str
    name: str
    team_id: str | None  # the team they spent most of the period in


@dataclass(frozen=True)
class TeamInfo:
    team_id: str
    name: str
    site_id: str
    leader_name: str | None


@dataclass(frozen=True)
class Organisation:
    center_id: str
    center_name: str
    sites: dict[str, str]  # id → name
    teams: dict[str, TeamInfo]
    advisors: dict[str, Person]

    def team_members(self, team_id: str) -> list[Person]:
        return sorted((p for p in self.advisors.values() if p.team_id == team_id),
                      key=lambda p: p.advisor_id)


def load_organisation(session: KpiSession, period: ReportingPeriod) -> Organisation:
    backend = session.backend

    def rows(table: str) -> list[dict[str, Any]]:
        return list(backend.to_pyarrow(backend.table(table)).to_pylist())

    centers = sorted(rows("centers"), key=lambda r: str(r["center_id"]))
    center = centers[0] if centers else {"center_id": "center", "name": "Centre"}
    sites = {str(r["site_id"]): str(r["name"]) for r in rows("sites")}
    teams = {str(r["team_id"]): TeamInfo(str(r["team_id"]), str(r["name"]), str(r["site_id"]),
                                         r["leader_name"]) for r in rows("teams")}
    days_in: dict[str, dict[str, int]] = defaultdict(dict)
    for m in rows("team_memberships"):
        start = max(m["valid_from"], period.start)
        end = min(m["valid_to"] - dt.timedelta(days=1) if m["valid_to"] else period.end,
                  period.end)
        if end >= start:
            days_in[str(m["advisor_id"])][str(m["team_id"])] = (end - start).days + 1
    advisors = {}
    for r in rows("advisors"):
        advisor_id = str(r["advisor_id"])
        spent = days_in.get(advisor_id, {})
        team = max(sorted(spent), key=lambda t: spent[t]) if spent else None
        advisors[advisor_id] = Person(advisor_id, str(r["display_name"] or advisor_id), team)
    return Organisation(str(center["center_id"]), str(center["name"]), sites, teams, advisors)


class ReportContext:
    """One period's shared computations (use one for a whole batch)."""

    def __init__(self, session: KpiSession, objectives: ObjectivesFile,
                 period: ReportingPeriod) -> None:
        self.session = session
        self.objectives = objectives
        self.period = period
        self.catalogue: Catalogue = load_catalogue()
        self.engine = AttainmentEngine(session, objectives)
        self.result_levers = ResultLeverModel(session, self.engine)
        self.org = load_organisation(session, period)
        self._levels: dict[Level, list[Attainment]] = {}
        self._units: dict[tuple[Level, str], list[Attainment]] = {}
        self._values: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.memo: dict[tuple[Any, ...], Any] = {}  # per-level builders' own results

    def kpi(self, kpi_id: str) -> Kpi:
        return self.catalogue.kpi(kpi_id)

    def objective(self, objective_id: str) -> Objective:
        found = self.objectives.objective(objective_id)
        assert found is not None
        return found

    def level_attainments(self, level: Level) -> list[Attainment]:
        """Every unit of a level, without contributors (one query per objective)."""
        if level not in self._levels:
            self._levels[level] = self.engine.status(self.period, level=level,
                                                     contributors=False)
        return self._levels[level]

    def unit_attainments(self, level: Level, unit: str) -> list[Attainment]:
        """One unit, with the sub-units and queues that contribute to its gap."""
        key = (level, unit)
        if key not in self._units:
            self._units[key] = self.engine.status(self.period, level=level, unit=unit)
        return self._units[key]

    def attainment(self, level: Level, unit: str, objective_id: str) -> Attainment | None:
        return next((a for a in self.level_attainments(level)
                     if a.unit == unit and a.objective_id == objective_id), None)

    def result_lever_analysis(self, objective: Objective, level: Level, unit: str
                              ) -> ResultLeverAnalysis:
        """A result objective's levers ranked by estimated impact at one unit (cached)."""
        key = ("result_levers", objective.id, level, unit)
        if key not in self.memo:
            self.memo[key] = self.result_levers.analyse(
                objective, level, unit, self.period,
                [a for a in self.level_attainments(level) if a.unit == unit])
        found = self.memo[key]
        assert isinstance(found, ResultLeverAnalysis)
        return found

    def values(self, kpi_id: str, by: tuple[str, ...], *,
               where: tuple[tuple[str, str], ...] = (),
               params: dict[str, float | int | str] | None = None,
               period: ReportingPeriod | None = None) -> list[dict[str, Any]]:
        """Rows of ``kpi_id`` (with its ``__volume``) by ``by``, cached."""
        chosen = period or self.period
        params = params or {}
        key = (kpi_id, by, where, tuple(sorted(params.items())), chosen.start, chosen.end)
        if key not in self._values:
            request = KpiRequest(kpis=(kpi_id,), by=by, start=chosen.start, end=chosen.end,
                                 where=where,
                                 params={f"{kpi_id}.{k}": v for k, v in params.items()},
                                 with_volume=True)
            self._values[key] = self.session.compute(request).table.to_pylist()
        return self._values[key]

    def objective_values(self, objective: Objective, by: tuple[str, ...],
                         extra_where: tuple[tuple[str, str], ...] = ()
                         ) -> list[dict[str, Any]]:
        return self.values(objective.kpi, by,
                           where=tuple(objective.where.items()) + extra_where,
                           params=dict(objective.params))

    def weekly_series(self, objective: Objective, level: Level, unit: str
                      ) -> tuple[float | None, ...]:
        """The objective's value week by week within the period (a sparkline), computed for
        every unit of the level at once."""
        weeks = self.period_weeks()
        if len(weeks) < 2:
            return ()
        by = ("week",) if level is Level.CENTER else (LEVEL_DIMENSION[level], "week")
        rows = self.objective_values(objective, by)
        dim = by[0]
        found = {str(r["week"]): r[objective.kpi] for r in rows
                 if level is Level.CENTER or str(r[dim]) == unit}
        return tuple(found.get(w) for w in weeks)

    def period_weeks(self) -> list[str]:
        day, weeks = self.period.start, []
        while day <= self.period.end:
            iso = day.isocalendar()
            label = f"{iso.year}-W{iso.week:02d}"
            if label not in weeks:
                weeks.append(label)
            day += dt.timedelta(days=1)
        return weeks

    @staticmethod
    def volume(row: dict[str, Any], kpi_id: str) -> float:
        return float(row.get(f"{kpi_id}{VOLUME_SUFFIX}") or 0.0)

    def require(self, kind: str, unit: str | None, known: dict[str, Any]) -> str:
        if unit is None or unit not in known:
            sample = ", ".join(sorted(known)[:8])
            raise ParameterError(
                f"--unit {unit!r} is not a known {kind}" if unit else f"{kind} report needs "
                "--unit", hint=f"{kind} ids: {sample}{'…' if len(known) > 8 else ''}")
        return unit
