"""Fast exact path for one FCFS queue answered by one agent group.

Each caller is handled in arrival order with a heap of the instants the agents become free:
the caller's virtual wait is (earliest free instant − arrival); the caller abandons when the
patience is shorter (using no agent), otherwise takes that agent, which becomes free again
after the handle time. This is exactly the event-driven FCFS queue (see
:mod:`pilotage.wfm.simulation.event_engine`, tested equal on the same callers) because with
first-come-first-served service a caller's start depends only on the callers before them.

Staffing changes are applied in time order before the first caller arriving after them, and
also earlier whenever every agent is busy past the change (then no later caller can start
before it, so the order cannot matter): an increase adds agents free from the change instant;
a decrease removes the agents that become free first (idle ones, then those whose call ends
soonest — they finish it, which is recorded as overrun).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from pilotage.wfm.simulation.calls import Calls
from pilotage.wfm.simulation.model import AgentGroup
from pilotage.wfm.simulation.outcome import Outcome


def serve_fcfs(calls: Calls, group: AgentGroup) -> Outcome:
    """Serve every caller of ``calls`` (one queue) by ``group``; see the module docstring."""
    change_s = group.change_s.tolist()
    counts = group.agents.tolist()
    free: list[float] = [0.0] * counts[0]  # a list of equal values is a valid heap
    n_changes = len(change_s)
    k = 1  # next staffing change
    next_change = change_s[1] if n_changes > 1 else math.inf
    current = counts[0]
    over_from: list[float] = []
    over_to: list[float] = []
    starts: list[float] = []
    push = starts.append
    replace = heapq.heapreplace
    nan = math.nan
    inf = math.inf
    abandoned_idx: list[int] = []

    def apply_change() -> None:
        nonlocal k, current, next_change
        b = next_change
        delta = counts[k] - current
        current = counts[k]
        if delta > 0:
            for _ in range(delta):
                heapq.heappush(free, b)
        else:
            for _ in range(-delta):
                f = heapq.heappop(free)
                if f > b:
                    over_from.append(b)
                    over_to.append(f)
        k += 1
        next_change = change_s[k] if k < n_changes else inf

    for i, (t, h, p) in enumerate(zip(calls.arrival_s.tolist(), calls.handle_s.tolist(),
                                      calls.patience_s.tolist(), strict=True)):
        # staffing changes due before this caller, or while every agent is busy past them
        while next_change <= t or (next_change < inf and (not free or free[0] > next_change)):
            apply_change()
        if not free:  # nobody will ever answer
            push(nan)
            if p < inf:
                abandoned_idx.append(i)
            continue
        f = free[0]
        if f <= t:
            replace(free, t + h)
            push(t)
        elif t + p < f:
            push(nan)
            abandoned_idx.append(i)
        else:
            replace(free, f + h)
            push(f)

    while next_change < inf:  # changes after the last caller: only overrun to record
        apply_change()
    start = np.array(starts, dtype=np.float64)
    abandoned = np.zeros(start.size, dtype=bool)
    abandoned[abandoned_idx] = True
    served = ~np.isnan(start)
    return Outcome(start_s=start, group=np.where(served, 0, -1).astype(np.int64),
                   abandoned=abandoned,
                   overrun_group=np.zeros(len(over_from), dtype=np.int64),
                   overrun_from_s=np.array(over_from, dtype=np.float64),
                   overrun_to_s=np.array(over_to, dtype=np.float64))
