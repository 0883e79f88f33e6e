"""Additive measures of one replication, per queue and arrival interval (callers) or per
group and interval (agent time). Every reported KPI is a ratio of two of these summed over
the intervals and replications asked for.

Callers are counted in the interval they arrive in, even when answered or abandoned later
(the convention that reconciles with Erlang and forecasts). Agent time is cut at the interval
edges: busy time is time on calls, available time is scheduled time plus overrun (an agent
finishing a call after the end of its shift); both stop at the end of the horizon.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

from pilotage.wfm.simulation.calls import Calls
from pilotage.wfm.simulation.model import SimulationModel
from pilotage.wfm.simulation.outcome import Outcome

FloatArray = npt.NDArray[np.float64]


class CallerMeasure(IntEnum):
    OFFERED = 0
    ANSWERED = 1
    ANSWERED_IN_T = 2  # answered with wait ≤ T
    ABANDONED = 3
    ABANDONED_AFTER_T = 4  # abandoned with wait > T
    WAITED = 5  # not answered on arrival (answered later, abandoned or never answered)
    UNSERVED = 6  # still waiting at the end: no agent left and no patience
    WAIT_ANSWERED_S = 7  # sum of waits of answered callers
    WAIT_ENDED_S = 8  # sum of waits of answered and abandoned callers (time to hang-up)


class AgentMeasure(IntEnum):
    BUSY_S = 0
    AVAILABLE_S = 1


def span_seconds(start_s: FloatArray, end_s: FloatArray, edges_s: FloatArray) -> FloatArray:
    """Total length of the spans [start, end) within each bin [edges[i], edges[i+1])."""
    if start_s.size == 0:
        return np.zeros(edges_s.size - 1)
    s = np.sort(start_s)
    e = np.sort(end_s)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    ms = np.searchsorted(s, edges_s, side="right")
    me = np.searchsorted(e, edges_s, side="right")
    covered = (ms * edges_s - cs[ms]) - (me * edges_s - ce[me])  # ∫_0^edge of the coverage
    return np.asarray(np.clip(np.diff(covered), 0.0, None), dtype=np.float64)


def caller_measures(model: SimulationModel, calls: Calls, outcome: Outcome) -> FloatArray:
    """Array [measure, queue, interval]."""
    n_q, n_i = len(model.queues), model.n_intervals
    answered = outcome.answered
    wait = np.where(answered, outcome.start_s - calls.arrival_s, 0.0)
    abandoned = outcome.abandoned
    t = model.threshold_s
    columns = {
        CallerMeasure.OFFERED: np.ones(len(calls)),
        CallerMeasure.ANSWERED: answered,
        CallerMeasure.ANSWERED_IN_T: answered & (wait <= t),
        CallerMeasure.ABANDONED: abandoned,
        CallerMeasure.ABANDONED_AFTER_T: abandoned & (calls.patience_s > t),
        CallerMeasure.WAITED: ~answered | (wait > 0),
        CallerMeasure.UNSERVED: outcome.unserved,
        CallerMeasure.WAIT_ANSWERED_S: wait,
        CallerMeasure.WAIT_ENDED_S: wait + np.where(abandoned, calls.patience_s, 0.0),
    }
    cell = calls.queue * n_i + calls.interval
    out = np.zeros((len(CallerMeasure), n_q, n_i))
    for m, values in columns.items():
        out[m] = np.bincount(cell, weights=np.asarray(values, dtype=np.float64),
                             minlength=n_q * n_i).reshape(n_q, n_i)
    return out


def agent_measures(model: SimulationModel, calls: Calls, outcome: Outcome) -> FloatArray:
    """Array [measure, group, interval]."""
    edges = model.edges_s
    out = np.zeros((len(AgentMeasure), len(model.groups), model.n_intervals))
    for gi, g in enumerate(model.groups):
        mine = outcome.group == gi
        begin = outcome.start_s[mine]
        out[AgentMeasure.BUSY_S, gi] = span_seconds(begin, begin + calls.handle_s[mine], edges)
        late = outcome.overrun_group == gi
        out[AgentMeasure.AVAILABLE_S, gi] = g.agent_seconds(edges) + span_seconds(
            outcome.overrun_from_s[late], outcome.overrun_to_s[late], edges)
    return out
