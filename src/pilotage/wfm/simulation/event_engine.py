"""General event-driven engine: several queues, agent groups with skill sets, staffing that
changes over time, abandonment.

Events, in time order (equal instants: ends of calls, then staffing changes, then arrivals,
then abandonments):

* **arrival** of a caller to queue q: if an agent of a group answering q is idle, the call is
  answered at once by the group with the fewest skills (specialists before generalists; ties
  by group order); otherwise the caller waits in q's FIFO line and, with a finite patience,
  an abandonment is scheduled;
* **end of call**: the agent leaves if its shift has ended (see below); otherwise it takes the
  caller that has waited longest among the queues of its skills, or becomes idle;
* **staffing change** of a group: an increase adds agents that take waiting callers at once;
  a decrease removes idle agents first, then marks the busy agents whose calls end soonest:
  they finish the call and leave (the time past the change counts as overrun);
* **abandonment**: a caller still waiting hangs up.

With one queue and one group this is the same queue as
:func:`pilotage.wfm.simulation.single_queue.serve_fcfs`, and both give the same outcome on the
same callers (tested).
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from pilotage.wfm.simulation.calls import Calls
from pilotage.wfm.simulation.model import SimulationModel
from pilotage.wfm.simulation.outcome import Outcome

_END, _STAFF, _ABANDON = 0, 1, 3  # event priorities at equal instants (arrival is 2)
_ARRIVAL = 2


class _Group:
    __slots__ = ("busy", "idle", "leaving", "skills", "target")

    def __init__(self, skills: tuple[int, ...], agents: int) -> None:
        self.skills = skills
        self.idle = agents
        self.target = agents
        self.busy: dict[int, float] = {}  # agent id -> end of its call
        self.leaving: dict[int, float] = {}  # agent id -> instant its shift ended


def run_events(model: SimulationModel, calls: Calls) -> Outcome:
    """Simulate ``calls`` through ``model``'s queues and groups (module docstring)."""
    n = len(calls)
    arrival = calls.arrival_s.tolist()
    handle = calls.handle_s.tolist()
    patience = calls.patience_s.tolist()
    queue_of = calls.queue.tolist()
    start = [math.nan] * n
    served_by = [-1] * n
    abandoned = [False] * n
    waiting = [False] * n
    lines: list[deque[int]] = [deque() for _ in model.queues]
    groups = [_Group(g.skills, int(g.agents[0])) for g in model.groups]
    # groups able to answer each queue, specialists first
    eligible = [sorted((gi for gi, g in enumerate(model.groups) if q in g.skills),
                       key=lambda gi: (len(model.groups[gi].skills), gi))
                for q in range(len(model.queues))]
    over_group: list[int] = []
    over_from: list[float] = []
    over_to: list[float] = []
    events: list[tuple[float, int, int, int, int]] = []  # (time, priority, seq, a, b)
    seq = 0
    for gi, spec in enumerate(model.groups):
        for b, count in zip(spec.change_s[1:].tolist(), spec.agents[1:].tolist(), strict=True):
            events.append((b, _STAFF, seq, gi, count))
            seq += 1
    heapq.heapify(events)
    next_agent = 0

    def begin(gi: int, i: int, t: float, agent: int) -> None:
        nonlocal seq
        start[i] = t
        served_by[i] = gi
        end = t + handle[i]
        groups[gi].busy[agent] = end
        heapq.heappush(events, (end, _END, seq, gi, agent))
        seq += 1

    def take_waiting(gi: int, t: float, agent: int) -> bool:
        """The agent takes the longest-waiting caller of its queues; False if none waits."""
        best = -1
        best_q = -1
        for q in groups[gi].skills:
            line = lines[q]
            while line and not waiting[line[0]]:
                line.popleft()
            if line and (best < 0 or arrival[line[0]] < arrival[best]):
                best, best_q = line[0], q
        if best < 0:
            return False
        lines[best_q].popleft()
        waiting[best] = False
        begin(gi, best, t, agent)
        return True

    i = 0
    while i < n or events:
        if events and (i >= n or (events[0][0], events[0][1]) < (arrival[i], _ARRIVAL)):
            t, kind, _, a, b = heapq.heappop(events)
            if kind == _END:
                g = groups[a]
                del g.busy[b]
                if b in g.leaving:
                    shift_end = g.leaving.pop(b)
                    if t > shift_end:
                        over_group.append(a)
                        over_from.append(shift_end)
                        over_to.append(t)
                elif not take_waiting(a, t, b):
                    g.idle += 1
            elif kind == _STAFF:
                g = groups[a]
                delta = b - g.target
                g.target = b
                if delta > 0:
                    for _ in range(delta):
                        agent = next_agent
                        next_agent += 1
                        if not take_waiting(a, t, agent):
                            g.idle += 1
                else:
                    gone = min(g.idle, -delta)
                    g.idle -= gone
                    rest = -delta - gone
                    if rest:
                        candidates = sorted((end, agent) for agent, end in g.busy.items()
                                            if agent not in g.leaving)
                        for _, agent in candidates[:rest]:
                            g.leaving[agent] = t
            else:  # abandonment
                if waiting[a]:
                    waiting[a] = False
                    abandoned[a] = True
            continue
        t = arrival[i]
        q = queue_of[i]
        for gi in eligible[q]:
            if groups[gi].idle > 0:
                groups[gi].idle -= 1
                begin(gi, i, t, next_agent)
                next_agent += 1
                break
        else:
            waiting[i] = True
            lines[q].append(i)
            if patience[i] < math.inf:
                heapq.heappush(events, (t + patience[i], _ABANDON, seq, i, 0))
                seq += 1
        i += 1

    return Outcome(start_s=np.array(start, dtype=np.float64),
                   group=np.array(served_by, dtype=np.int64),
                   abandoned=np.array(abandoned, dtype=bool),
                   overrun_group=np.array(over_group, dtype=np.int64),
                   overrun_from_s=np.array(over_from, dtype=np.float64),
                   overrun_to_s=np.array(over_to, dtype=np.float64))
