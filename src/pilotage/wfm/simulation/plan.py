"""A staffing plan or a schedule checked by simulation over a day or a week: estimates per
interval and over the horizon, per queue and for all queues together."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.wfm.simulation.estimate import Estimate
from pilotage.wfm.simulation.horizon import Horizon, OfferedWork
from pilotage.wfm.simulation.replications import Metric, SimulationResult
from pilotage.wfm.staffing import achieved_metrics

ALL = "*"  # the scope of every queue together
QUEUE_METRICS = (Metric.OFFERED, Metric.ANSWERED, Metric.ABANDONED, Metric.IN_TARGET,
                 Metric.SERVICE_LEVEL, Metric.SERVICE_LEVEL_ANSWERED,
                 Metric.SERVICE_LEVEL_LATE_ABANDONS, Metric.ASA_S, Metric.MEAN_WAIT_S,
                 Metric.ABANDON_RATE, Metric.P_WAIT)


@dataclass(frozen=True)
class PlanRow:
    """Estimates of one scope (a queue, or ``*`` for all) over one interval (or the whole
    horizon when ``interval_start_local`` is None); occupancy only for ``*``."""

    scope: str
    interval_start_local: dt.datetime | None
    agents: float  # mean scheduled agents (all groups)
    estimates: dict[Metric, Estimate | None]
    erlang_service_level: float | None = None  # closed form at ``agents`` (one queue only)

    def to_json_dict(self) -> dict[str, object]:
        return {"queue": self.scope,
                "interval_start_local": None if self.interval_start_local is None
                else self.interval_start_local.isoformat(sep=" "),
                "agents": self.agents,
                **{m.value: None if e is None else e.to_json_dict()
                   for m, e in self.estimates.items()},
                "erlang_service_level": self.erlang_service_level}

    def flat(self) -> dict[str, object]:
        """One CSV row: ``metric``, ``metric_low``, ``metric_high`` columns."""
        out: dict[str, object] = {
            "queue": self.scope,
            "interval_start_local": "" if self.interval_start_local is None
            else self.interval_start_local.isoformat(sep=" "),
            "agents": round(self.agents, 4)}
        for m, e in self.estimates.items():
            for suffix, value in (("", None if e is None else e.mean),
                                  ("_low", None if e is None else e.low),
                                  ("_high", None if e is None else e.high)):
                out[m.value + suffix] = "" if value is None else f"{value:.6g}"
        out["erlang_service_level"] = ("" if self.erlang_service_level is None
                                       else f"{self.erlang_service_level:.6g}")
        return out


@dataclass(frozen=True)
class PlanSimulation:
    result: SimulationResult
    horizon: Horizon
    queue_ids: tuple[str, ...]

    def _scopes(self) -> list[tuple[str, int | None]]:
        scopes: list[tuple[str, int | None]] = [(ALL, None)]
        if len(self.queue_ids) > 1:
            scopes += [(q, i) for i, q in enumerate(self.queue_ids)]
        return scopes

    def totals(self) -> list[PlanRow]:
        """One row per scope over the whole horizon."""
        agents = float(self.result.scheduled_agents().mean())
        rows = []
        for scope, qi in self._scopes():
            est = {m: self.result.estimate(m, queue=qi) for m in QUEUE_METRICS}
            if qi is None:
                est[Metric.OCCUPANCY] = self.result.estimate(Metric.OCCUPANCY)
            rows.append(PlanRow(scope, None, agents, est))
        return rows

    def erlang_service_level(self) -> npt.NDArray[np.float64] | None:
        """Per interval, the service level Erlang A (Erlang C without patience) gives for the
        mean scheduled agents, taken as stationary within the interval; NaN where nothing is
        offered. Only for one queue answered by one group (no closed form otherwise)."""
        model = self.result.model
        if not model.single_pool:
            return None
        q = model.queues[0]
        out = np.full(q.volume.size, np.nan)
        offered = q.volume > 0
        if offered.any():
            m = achieved_metrics(q.volume[offered], q.aht_s[offered],
                                 self.result.scheduled_agents()[offered],
                                 interval_min=model.interval_s / 60.0,
                                 threshold_s=model.threshold_s, patience_s=q.patience_s)
            out[offered] = m.service_level
        return out

    def intervals(self) -> list[PlanRow]:
        """One row per scope and interval."""
        starts = self.horizon.local_starts()
        agents = self.result.scheduled_agents()
        erlang = self.erlang_service_level()
        rows = []
        for scope, qi in self._scopes():
            metrics = list(QUEUE_METRICS) + ([Metric.OCCUPANCY] if qi is None else [])
            by = {m: self.result.by_interval(m, queue=qi) for m in metrics}
            for i, start in enumerate(starts):
                closed = None if erlang is None or np.isnan(erlang[i]) else float(erlang[i])
                rows.append(PlanRow(scope, start, float(agents[i]),
                                    {m: e.at(i) for m, e in by.items()}, closed))
        return rows

    def to_json_dict(self) -> dict[str, object]:
        return {
            "start": self.horizon.start.isoformat(), "days": self.horizon.days,
            "interval_min": self.horizon.interval_min, "time_zone": self.horizon.time_zone,
            "queues": list(self.queue_ids), "replications": self.result.replications,
            "seed": self.result.seed, "engine": self.result.engine.value,
            "threshold_s": self.result.model.threshold_s,
            "customers": self.result.customers,
            "totals": [r.to_json_dict() for r in self.totals()],
            "intervals": [r.to_json_dict() for r in self.intervals()
                          if r.agents > 0 or _positive(r.estimates[Metric.OFFERED])],
        }


def _positive(e: Estimate | None) -> bool:
    return e is not None and e.mean > 0


def plan_simulation(result: SimulationResult, work: OfferedWork) -> PlanSimulation:
    return PlanSimulation(result, work.horizon, work.queue_ids)
