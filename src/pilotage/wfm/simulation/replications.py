"""Independent replications of a model and their estimates (means and 95 % intervals).

Replication r draws its callers from ``numpy.random.default_rng(SeedSequence(seed).spawn(R)[r])``,
so replications are independent and each one is the same whatever R. The engine is the fast
single-queue path when the model has one queue and one agent group, the event-driven engine
otherwise (or when asked).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError
from pilotage.wfm.choices import SimulationEngine as Engine
from pilotage.wfm.simulation.calls import Calls, draw_calls
from pilotage.wfm.simulation.estimate import (
    Estimate,
    Estimates,
    mean_estimate,
    mean_estimates,
    ratio_estimate,
    ratio_estimates,
)
from pilotage.wfm.simulation.event_engine import run_events
from pilotage.wfm.simulation.measures import (
    AgentMeasure,
    CallerMeasure,
    agent_measures,
    caller_measures,
)
from pilotage.wfm.simulation.model import SimulationModel
from pilotage.wfm.simulation.outcome import Outcome
from pilotage.wfm.simulation.single_queue import serve_fcfs

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[int, int], None]  # (replications done, replications)
C = CallerMeasure


class Metric(StrEnum):
    """What can be estimated. Counts are per replication (a day, a week…); ratios are ratios
    of sums over the selected intervals and all replications."""

    OFFERED = "offered"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    IN_TARGET = "in_target"  # answered within T
    UNSERVED = "unserved"
    SERVICE_LEVEL = "service_level"  # answered ≤ T / offered (as Erlang A in pilotage)
    SERVICE_LEVEL_ANSWERED = "service_level_answered"  # answered ≤ T / answered
    SERVICE_LEVEL_LATE_ABANDONS = "service_level_late_abandons"  # / (answered + abandoned > T)
    ASA_S = "asa_s"  # mean wait of answered callers
    MEAN_WAIT_S = "mean_wait_s"  # mean wait of answered and abandoned callers (Erlang A ASA)
    ABANDON_RATE = "abandon_rate"  # abandoned / offered
    P_WAIT = "p_wait"  # not answered on arrival / offered
    OCCUPANCY = "occupancy"  # busy / available agent time


COUNTS: dict[Metric, CallerMeasure] = {
    Metric.OFFERED: C.OFFERED, Metric.ANSWERED: C.ANSWERED, Metric.ABANDONED: C.ABANDONED,
    Metric.IN_TARGET: C.ANSWERED_IN_T, Metric.UNSERVED: C.UNSERVED,
}
RATIOS: dict[Metric, tuple[tuple[CallerMeasure, ...], tuple[CallerMeasure, ...]]] = {
    Metric.SERVICE_LEVEL: ((C.ANSWERED_IN_T,), (C.OFFERED,)),
    Metric.SERVICE_LEVEL_ANSWERED: ((C.ANSWERED_IN_T,), (C.ANSWERED,)),
    Metric.SERVICE_LEVEL_LATE_ABANDONS: ((C.ANSWERED_IN_T,), (C.ANSWERED, C.ABANDONED_AFTER_T)),
    Metric.ASA_S: ((C.WAIT_ANSWERED_S,), (C.ANSWERED,)),
    Metric.MEAN_WAIT_S: ((C.WAIT_ENDED_S,), (C.ANSWERED, C.ABANDONED)),
    Metric.ABANDON_RATE: ((C.ABANDONED,), (C.OFFERED,)),
    Metric.P_WAIT: ((C.WAITED,), (C.OFFERED,)),
}

Selection = int | slice | Sequence[int] | None


def _pick(selection: Selection) -> slice | list[int]:
    if selection is None:
        return slice(None)
    if isinstance(selection, int):
        return [selection]
    if isinstance(selection, slice):
        return selection
    return list(selection)


@dataclass(frozen=True)
class SimulationResult:
    """Additive measures of every replication; :meth:`estimate` turns them into KPIs."""

    model: SimulationModel
    seed: int
    engine: Engine  # the engine actually used
    callers: FloatArray = field(repr=False)  # [replication, CallerMeasure, queue, interval]
    agents: FloatArray = field(repr=False)  # [replication, AgentMeasure, group, interval]

    @property
    def replications(self) -> int:
        return int(self.callers.shape[0])

    @property
    def customers(self) -> int:
        """Callers simulated over all replications."""
        return int(self.callers[:, C.OFFERED].sum())

    def estimate(self, metric: Metric, *, queue: Selection = None, interval: Selection = None,
                 group: Selection = None) -> Estimate | None:
        """Estimate over the selected queues (default all), intervals (default all) and, for
        occupancy, groups (default all); None for a ratio with nothing in its denominator."""
        iv = _pick(interval)
        if metric is Metric.OCCUPANCY:
            a = self.agents[:, :, _pick(group)][..., iv].sum(axis=(2, 3))
            return ratio_estimate(a[:, AgentMeasure.BUSY_S], a[:, AgentMeasure.AVAILABLE_S])
        c = self.callers[:, :, _pick(queue)][..., iv].sum(axis=(2, 3))  # [replication, measure]
        if metric in COUNTS:
            return mean_estimate(c[:, COUNTS[metric]])
        num, den = RATIOS[metric]
        return ratio_estimate(c[:, list(num)].sum(axis=1), c[:, list(den)].sum(axis=1))

    def by_interval(self, metric: Metric, *, queue: Selection = None,
                    group: Selection = None) -> Estimates:
        """Estimates of every interval at once (NaN mean: undefined ratio)."""
        if metric is Metric.OCCUPANCY:
            a = self.agents[:, :, _pick(group)].sum(axis=2)  # [replication, measure, interval]
            return ratio_estimates(a[:, AgentMeasure.BUSY_S], a[:, AgentMeasure.AVAILABLE_S])
        c = self.callers[:, :, _pick(queue)].sum(axis=2)
        if metric in COUNTS:
            return mean_estimates(c[:, COUNTS[metric]])
        num, den = RATIOS[metric]
        return ratio_estimates(c[:, list(num)].sum(axis=1), c[:, list(den)].sum(axis=1))

    def scheduled_agents(self) -> FloatArray:
        """Mean agents scheduled per interval (all groups, overrun excluded)."""
        edges = self.model.edges_s
        total = sum((g.agent_seconds(edges) for g in self.model.groups),
                    np.zeros(self.model.n_intervals))
        return np.asarray(total / self.model.interval_s, dtype=np.float64)


def replicate(model: SimulationModel, calls: Calls, engine: Engine) -> Outcome:
    """One replication's outcome with the chosen engine."""
    if engine is Engine.FAST:
        if not model.single_pool:
            raise ParameterError("the fast path needs one queue answered by one agent group",
                                 hint="use the event engine (--engine events or auto)")
        return serve_fcfs(calls, model.groups[0])
    return run_events(model, calls)


def simulate(model: SimulationModel, *, replications: int = 100, seed: int = 1,
             engine: Engine = Engine.AUTO, progress: Progress | None = None) -> SimulationResult:
    """Run ``replications`` independent replications of ``model`` (module docstring)."""
    if replications < 2:
        raise ParameterError(f"--replications must be ≥ 2, got {replications}",
                             hint="confidence intervals need at least 2 replications")
    if seed < 0:
        raise ParameterError(f"--seed must be ≥ 0, got {seed}")
    used = engine
    if engine is Engine.AUTO:
        used = Engine.FAST if model.single_pool else Engine.EVENTS
    children = np.random.SeedSequence(seed).spawn(replications)
    callers = np.zeros((replications, len(CallerMeasure), len(model.queues),
                        model.n_intervals))
    agents = np.zeros((replications, len(AgentMeasure), len(model.groups), model.n_intervals))
    step = max(1, replications // 100)
    for r, child in enumerate(children):
        calls = draw_calls(model, np.random.default_rng(child))
        outcome = replicate(model, calls, used)
        callers[r] = caller_measures(model, calls, outcome)
        agents[r] = agent_measures(model, calls, outcome)
        if progress is not None and (r + 1) % step == 0:
            progress(r + 1, replications)
    return SimulationResult(model, seed, used, callers, agents)
