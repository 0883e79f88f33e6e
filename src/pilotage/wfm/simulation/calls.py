"""The callers of one replication: arrival instants, handle times and patience, drawn once so
that every engine sees exactly the same callers for the same seed.

Arrivals: per queue and interval, a Poisson number of calls of mean ``volume``, placed
uniformly in the interval (a Poisson process with a rate constant within each interval,
i.e. non-homogeneous across intervals). Handle times: mean = AHT of the arrival interval,
exponential or lognormal (σ² = ln(1 + cv²), μ = ln(AHT) − σ²/2). Patience: exponential of
mean ``patience_s``, +inf when the queue has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.wfm.simulation.model import HandleTimeLaw, QueueWorkload, SimulationModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Calls:
    """Callers of one replication, sorted by arrival instant."""

    queue: IntArray
    interval: IntArray  # arrival interval
    arrival_s: FloatArray
    handle_s: FloatArray
    patience_s: FloatArray  # +inf: never abandons

    def __len__(self) -> int:
        return int(self.arrival_s.size)


def _queue_calls(q: QueueWorkload, interval_s: float,
                 rng: np.random.Generator) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    counts = rng.poisson(q.volume)
    interval = np.repeat(np.arange(q.volume.size, dtype=np.int64), counts)
    arrival = np.sort((interval + rng.random(interval.size)) * interval_s)
    mean = q.aht_s[interval]
    if q.handle_law is HandleTimeLaw.EXPONENTIAL:
        handle = rng.exponential(mean)
    else:
        sigma2 = np.log1p(q.handle_cv ** 2)
        handle = rng.lognormal(np.log(mean) - sigma2 / 2.0, np.sqrt(sigma2))
    if q.patience_s is None:
        patience = np.full(interval.size, np.inf)
    else:
        patience = rng.exponential(q.patience_s, interval.size)
    return interval, arrival, np.asarray(handle, dtype=np.float64), patience


def draw_calls(model: SimulationModel, rng: np.random.Generator) -> Calls:
    """All callers of one replication (every queue), merged by arrival instant."""
    parts = [_queue_calls(q, model.interval_s, rng) for q in model.queues]
    queue = np.concatenate([np.full(p[0].size, i, dtype=np.int64) for i, p in enumerate(parts)])
    interval, arrival, handle, patience = (np.concatenate([p[k] for p in parts])
                                           for k in range(4))
    if len(parts) > 1:
        order = np.argsort(arrival, kind="stable")
        queue, interval, arrival, handle, patience = (
            a[order] for a in (queue, interval, arrival, handle, patience))
    return Calls(queue, interval, arrival, handle, patience)
