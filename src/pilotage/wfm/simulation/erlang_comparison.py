"""One interval simulated next to its closed form (Erlang A, or Erlang C without patience):
the simulation mirror of ``pilotage staff --agents N``.

The measured interval is preceded by a warm-up at the same arrival rate and headcount
(default max(60 min, 10 × AHT), in whole intervals), so that it starts close to the steady
state the formulas describe; only callers arriving in the measured interval are counted, and
occupancy is the agents' busy share of that interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pilotage.errors import ParameterError
from pilotage.wfm.simulation.estimate import Estimate
from pilotage.wfm.simulation.model import (
    AgentGroup,
    HandleTimeLaw,
    QueueWorkload,
    SimulationModel,
)
from pilotage.wfm.simulation.replications import (
    Engine,
    Metric,
    Progress,
    SimulationResult,
    simulate,
)
from pilotage.wfm.staffing import IntervalStaffing, staff_interval


@dataclass(frozen=True)
class ComparedMeasure:
    """One measure: simulated (mean, 95 % CI; None if undefined) and the closed form (None if
    the formula gives none, e.g. an unbounded Erlang C ASA)."""

    name: str
    key: str
    simulated: Estimate | None
    closed_form: float | None


@dataclass(frozen=True)
class ErlangComparison:
    result: SimulationResult
    erlang: IntervalStaffing
    warmup_intervals: int
    measures: tuple[ComparedMeasure, ...]

    @property
    def model_name(self) -> str:
        return "Erlang A" if self.erlang.patience_s is not None else "Erlang C"

    def to_json_dict(self) -> dict[str, object]:
        return {
            "model": self.erlang.model.value, "replications": self.result.replications,
            "seed": self.result.seed, "engine": self.result.engine.value,
            "warmup_intervals": self.warmup_intervals,
            "measures": {m.key: {"simulated": None if m.simulated is None
                                 else m.simulated.to_json_dict(),
                                 "closed_form": m.closed_form} for m in self.measures},
            "erlang": self.erlang.to_json_dict(),
        }


def default_warmup_min(aht_s: float) -> float:
    return max(60.0, 10.0 * aht_s / 60.0)


def interval_model(volume: float, aht_s: float, agents: int, *, interval_min: float,
                   threshold_s: float, patience_s: float | None, warmup_intervals: int,
                   handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL,
                   handle_cv: float = 1.0) -> SimulationModel:
    """A stationary queue: ``warmup_intervals`` intervals then the measured one."""
    n = warmup_intervals + 1
    interval_s = interval_min * 60.0
    queue = QueueWorkload("queue", np.full(n, float(volume)), np.full(n, float(aht_s)),
                          patience_s, handle_law, handle_cv)
    group = AgentGroup.per_interval("agents", [0], np.full(n, agents), interval_s)
    return SimulationModel(interval_s, (queue,), (group,), threshold_s)


def compare_interval(volume: float, aht_s: float, agents: int, *, interval_min: float = 30.0,
                     threshold_s: float = 20.0, patience_s: float | None = None,
                     replications: int = 1000, seed: int = 1, warmup_min: float | None = None,
                     handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL,
                     handle_cv: float = 1.0, engine: Engine = Engine.AUTO,
                     progress: Progress | None = None) -> ErlangComparison:
    """Simulate one interval after a warm-up and put it next to Erlang A / C."""
    if agents < 0:
        raise ParameterError(f"--agents must be ≥ 0, got {agents}")
    erlang = staff_interval(volume, aht_s, interval_min=interval_min, threshold_s=threshold_s,
                            agents=agents, patience_s=patience_s)
    warm = default_warmup_min(aht_s) if warmup_min is None else warmup_min
    if not (math.isfinite(warm) and warm >= 0):
        raise ParameterError(f"--warmup-min must be ≥ 0, got {warm!r}")
    n_warm = math.ceil(warm / interval_min - 1e-9)
    model = interval_model(volume, aht_s, agents, interval_min=interval_min,
                           threshold_s=threshold_s, patience_s=patience_s,
                           warmup_intervals=n_warm, handle_law=handle_law,
                           handle_cv=handle_cv)
    result = simulate(model, replications=replications, seed=seed, engine=engine,
                      progress=progress)
    last = n_warm

    def est(metric: Metric) -> Estimate | None:
        return result.estimate(metric, interval=last)

    asa = erlang.asa_s if math.isfinite(erlang.asa_s) else None
    rows = [
        ("offered per interval", "offered", est(Metric.OFFERED), erlang.volume),
        (f"service level ({threshold_s:g} s, answered ≤ T / offered)", "service_level",
         est(Metric.SERVICE_LEVEL), erlang.service_level),
        ("mean wait of answered and abandoned, s (Erlang ASA)", "mean_wait_s",
         est(Metric.MEAN_WAIT_S), asa),
        ("ASA of answered calls, s", "asa_s", est(Metric.ASA_S),
         asa if patience_s is None else None),
        ("probability of waiting", "p_wait", est(Metric.P_WAIT), erlang.p_wait),
        ("abandon rate", "abandon_rate", est(Metric.ABANDON_RATE), erlang.p_abandon),
        ("occupancy", "occupancy", est(Metric.OCCUPANCY), erlang.occupancy),
    ]
    measures = tuple(ComparedMeasure(n, k, s, c) for n, k, s, c in rows)
    return ErlangComparison(result, erlang, n_warm, measures)


