"""Plan mode of ``pilotage staff``: the Erlang C / Erlang A requirement of every interval of a
forecast (a workspace snapshot or a CSV of interval volumes), in one vectorised call.

Each row is one queue and one interval of the horizon (local wall-clock start, with its UTC
start so that the repeated hour of an autumn DST day stays two rows); intervals without
volume need 0 agents. Totals are agent-hours, summed, never averaged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pilotage.wfm.simulation.horizon import OfferedWork
from pilotage.wfm.staffing import StaffingTarget, required_agents


@dataclass(frozen=True)
class PlannedInterval:
    """The requirement of one queue in one interval."""

    queue_id: str
    interval_start_local: dt.datetime
    interval_start_utc: dt.datetime
    volume: float
    aht_s: float | None
    agents: int
    agents_fractional: float
    positions: int
    binding: str  # the constraint that sets ``agents`` (``no_load`` without volume)
    service_level: float
    asa_s: float
    p_wait: float
    p_abandon: float
    occupancy: float

    def to_json_dict(self) -> dict[str, object]:
        return {
            "queue_id": self.queue_id,
            "interval_start": self.interval_start_local.strftime("%Y-%m-%d %H:%M"),
            "interval_start_utc": self.interval_start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "volume": self.volume, "aht_s": self.aht_s, "agents": self.agents,
            "agents_fractional": self.agents_fractional, "positions": self.positions,
            "binding": self.binding, "service_level": self.service_level,
            "asa_s": self.asa_s if np.isfinite(self.asa_s) else None,
            "p_wait": self.p_wait, "p_abandon": self.p_abandon, "occupancy": self.occupancy,
        }


@dataclass(frozen=True)
class StaffingPlan:
    """Every interval's requirement, and the totals per queue in agent-hours."""

    interval_min: int
    shrinkage: float
    model: str
    intervals: tuple[PlannedInterval, ...]

    def agent_hours(self, queue_id: str | None = None) -> float:
        """Agents required × interval length, over the queue's (or every) interval."""
        hours = self.interval_min / 60.0
        return sum(r.agents * hours for r in self.intervals
                   if queue_id is None or r.queue_id == queue_id)

    def position_hours(self, queue_id: str | None = None) -> float:
        """Positions (after shrinkage) × interval length."""
        hours = self.interval_min / 60.0
        return sum(r.positions * hours for r in self.intervals
                   if queue_id is None or r.queue_id == queue_id)

    def peak_agents(self, queue_id: str) -> int:
        return max((r.agents for r in self.intervals if r.queue_id == queue_id), default=0)


def staffing_plan(work: OfferedWork, target: StaffingTarget, *, shrinkage: float = 0.0,
                  patience_s: float | None = None) -> StaffingPlan:
    """The requirement of every queue and interval of ``work`` (one vectorised solve)."""
    volume = work.volume.reshape(-1)
    aht = np.nan_to_num(work.aht_s.reshape(-1), nan=0.0)
    loaded = volume > 0
    # Intervals without volume need nobody; the solver still wants a positive AHT there.
    aht_in = np.where(loaded, aht, 1.0)
    req = required_agents(volume, aht_in, target, interval_min=float(work.horizon.interval_min),
                          shrinkage=shrinkage, patience_s=patience_s)
    m = req.metrics
    locals_ = work.horizon.local_starts()
    start_utc = work.horizon.start_utc
    step = dt.timedelta(minutes=work.horizon.interval_min)
    n = work.horizon.n_intervals
    rows = []
    for q, queue_id in enumerate(work.queue_ids):
        for i in range(n):
            k = q * n + i
            rows.append(PlannedInterval(
                queue_id=queue_id, interval_start_local=locals_[i],
                interval_start_utc=start_utc + i * step, volume=float(volume[k]),
                aht_s=float(aht[k]) if loaded[k] else None, agents=int(req.agents[k]),
                agents_fractional=float(req.agents_fractional[k]),
                positions=int(req.positions[k]),
                binding=str(req.binding[k]),
                service_level=float(m.service_level[k]), asa_s=float(m.asa_s[k]),
                p_wait=float(m.p_wait[k]), p_abandon=float(m.p_abandon[k]),
                occupancy=float(m.occupancy[k])))
    return StaffingPlan(work.horizon.interval_min, shrinkage,
                        "Erlang A" if patience_s is not None else "Erlang C", tuple(rows))
