"""What a simulation runs: queues with their offered work, agent groups with their skills and
staffing over time, and the interval grid the results are reported on.

Time is in seconds from the start of the horizon (an instant; for a day or a week of a real
center it is local midnight of the first day, converted to UTC, so DST days have 23/25 hours
of intervals). Arrivals are a Poisson process whose rate is constant within each interval
(``volume`` contacts expected in the interval); handle times are exponential or lognormal with
the interval's AHT as mean; patience is exponential with mean ``patience_s`` (None: callers
never hang up).

Staffing is a step function per agent group: ``agents[k]`` agents from ``change_s[k]`` on
(``change_s[0] == 0``); the last count holds after the horizon until every caller has left.
When the count falls, idle agents leave first; busy agents leave when their current call ends
(the ones that finish soonest), and that overrun counts as available time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError
from pilotage.wfm.choices import HandleTimeLaw

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class QueueWorkload:
    """Offered work of one queue, one value per interval of the grid."""

    queue_id: str
    volume: FloatArray  # expected offered contacts per interval
    aht_s: FloatArray  # mean handle time of the contacts arriving in the interval
    patience_s: float | None = None  # mean exponential patience; None: nobody abandons
    handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL
    handle_cv: float = 1.0  # coefficient of variation (lognormal only)

    def __post_init__(self) -> None:
        vol = np.asarray(self.volume, dtype=np.float64)
        aht = np.asarray(self.aht_s, dtype=np.float64)
        object.__setattr__(self, "volume", vol)
        object.__setattr__(self, "aht_s", aht)
        if vol.ndim != 1 or aht.shape != vol.shape:
            raise ParameterError(f"queue {self.queue_id!r}: volume and aht_s need one value "
                                 f"per interval (got shapes {vol.shape} and {aht.shape})")
        bad = ~np.isfinite(vol) | (vol < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"queue {self.queue_id!r}: interval {i} has volume "
                                 f"{float(vol[i])!r}", hint="volumes must be finite and ≥ 0")
        bad = (vol > 0) & ~(np.isfinite(aht) & (aht > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"queue {self.queue_id!r}: interval {i} has volume "
                                 f"{float(vol[i]):g} but AHT {float(aht[i])!r}",
                                 hint="give a positive AHT (seconds) wherever there is volume")
        if self.patience_s is not None and not (math.isfinite(self.patience_s)
                                                and self.patience_s > 0):
            raise ParameterError(f"queue {self.queue_id!r}: patience must be > 0 s, got "
                                 f"{self.patience_s!r}", hint="give --patience-s, e.g. 120")
        if self.handle_law is HandleTimeLaw.LOGNORMAL and not (
                math.isfinite(self.handle_cv) and self.handle_cv > 0):
            raise ParameterError(f"handle-time coefficient of variation must be > 0, got "
                                 f"{self.handle_cv!r}", hint="e.g. --handle-cv 1.0")


@dataclass(frozen=True)
class AgentGroup:
    """Agents sharing one skill set: they answer the queues in ``skills``."""

    name: str
    skills: tuple[int, ...]  # indices of the queues they answer
    change_s: FloatArray  # increasing, first 0
    agents: IntArray  # agents from change_s[k] on

    def __post_init__(self) -> None:
        ch = np.asarray(self.change_s, dtype=np.float64)
        ag = np.asarray(self.agents, dtype=np.int64)
        object.__setattr__(self, "change_s", ch)
        object.__setattr__(self, "agents", ag)
        if ch.ndim != 1 or ch.shape != ag.shape or ch.size == 0 or ch[0] != 0.0:
            raise ParameterError(f"agent group {self.name!r}: staffing needs change times "
                                 "starting at 0 and one count per change")
        if (np.diff(ch) <= 0).any() or not np.isfinite(ch).all():
            raise ParameterError(f"agent group {self.name!r}: change times must increase")
        if (ag < 0).any():
            raise ParameterError(f"agent group {self.name!r}: negative agents",
                                 hint="agents must be ≥ 0")
        if not self.skills:
            raise ParameterError(f"agent group {self.name!r} answers no queue")

    @classmethod
    def per_interval(cls, name: str, skills: Sequence[int], agents: npt.ArrayLike,
                     interval_s: float) -> AgentGroup:
        """Staffing given as a whole number of agents per interval of the grid."""
        raw = np.asarray(agents, dtype=np.float64).ravel()
        if (~np.isfinite(raw) | (raw < 0) | (raw != np.round(raw))).any():
            i = int(np.flatnonzero(~np.isfinite(raw) | (raw < 0) | (raw != np.round(raw)))[0])
            raise ParameterError(f"agent group {name!r}: interval {i} has {float(raw[i])!r} "
                                 "agents", hint="give whole numbers of agents ≥ 0")
        counts = raw.astype(np.int64)
        return cls.steps(name, skills, np.arange(counts.size) * interval_s, counts)

    @classmethod
    def steps(cls, name: str, skills: Sequence[int], change_s: npt.ArrayLike,
              agents: npt.ArrayLike) -> AgentGroup:
        """A step function, with repeated counts merged (``change_s[0]`` must be 0)."""
        ch = np.asarray(change_s, dtype=np.float64)
        ag = np.asarray(agents, dtype=np.int64)
        keep = np.ones(ag.size, dtype=bool)
        keep[1:] = ag[1:] != ag[:-1]
        return cls(name, tuple(int(s) for s in skills), ch[keep], ag[keep])

    def agent_seconds(self, edges_s: FloatArray) -> FloatArray:
        """Scheduled agent-seconds within each bin [edges[i], edges[i+1])."""
        ends = np.append(self.change_s[1:], np.inf)
        lo = np.maximum(edges_s[:-1, None], self.change_s[None, :])
        hi = np.minimum(edges_s[1:, None], ends[None, :])
        return np.asarray((np.clip(hi - lo, 0.0, None) * self.agents[None, :]).sum(axis=1),
                          dtype=np.float64)


@dataclass(frozen=True)
class SimulationModel:
    """A contact center to simulate over ``n_intervals`` intervals of ``interval_s``."""

    interval_s: float
    queues: tuple[QueueWorkload, ...]
    groups: tuple[AgentGroup, ...]
    threshold_s: float = 20.0  # service-level threshold T

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval_s) and self.interval_s > 0):
            raise ParameterError(f"interval length must be > 0, got {self.interval_s!r}")
        if not self.queues:
            raise ParameterError("no queue to simulate")
        n = self.queues[0].volume.size
        if n == 0:
            raise ParameterError("the horizon has no interval")
        for q in self.queues:
            if q.volume.size != n:
                raise ParameterError(f"queue {q.queue_id!r} has {q.volume.size} intervals, "
                                     f"expected {n}")
        if not self.groups:
            raise ParameterError("no agent group: nobody answers",
                                 hint="give a staffing plan or a schedule")
        for g in self.groups:
            if max(g.skills) >= len(self.queues) or min(g.skills) < 0:
                raise ParameterError(f"agent group {g.name!r} names an unknown queue")
        if not (math.isfinite(self.threshold_s) and self.threshold_s >= 0):
            raise ParameterError(f"--threshold-s must be ≥ 0, got {self.threshold_s!r}")

    @property
    def n_intervals(self) -> int:
        return int(self.queues[0].volume.size)

    @property
    def horizon_s(self) -> float:
        return self.n_intervals * self.interval_s

    @property
    def edges_s(self) -> FloatArray:
        return np.arange(self.n_intervals + 1, dtype=np.float64) * self.interval_s

    @property
    def single_pool(self) -> bool:
        """One queue answered by one group: the exact per-customer fast path applies."""
        return len(self.queues) == 1 and len(self.groups) == 1
