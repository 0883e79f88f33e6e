"""Advisor state intervals consistent with the simulated contacts: a ``logged_in`` session per
worked shift; inside it ``on_contact`` and ``acw`` for each contact handled, the breaks,
lunch, coaching, training, meetings and not-ready moments actually taken, and ``available``
in between."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.demo.activities import QUEUES
from pilotage.demo.contacts import ContactColumns
from pilotage.demo.queueing import NOT_READY_REASONS, Presence, Servers
from pilotage.demo.shifts import Roster, fill_gaps
from pilotage.model.vocabulary import AgentState

# state codes: the roster's block kinds (0..4), not-ready (5), then these
STATES: tuple[AgentState, ...] = (
    AgentState.BREAK, AgentState.LUNCH, AgentState.COACHING, AgentState.TRAINING,
    AgentState.MEETING, AgentState.NOT_READY, AgentState.ON_CONTACT, AgentState.ACW,
    AgentState.AVAILABLE, AgentState.LOGGED_IN)
_ON, _ACW, _AVAILABLE, _LOGGED_IN = 6, 7, 8, 9


def ms_to_timestamps(ms: np.ndarray) -> pa.Array:
    return pa.array(ms * 1000, type=pa.timestamp("us"), mask=ms < 0)


def session_ends(servers: Servers, presence: Presence) -> np.ndarray:
    return np.maximum(servers.end_ms, presence.free_ms)


def build_agent_states(servers: Servers, presence: Presence, contacts: ContactColumns,
                       roster: Roster, advisor_ids: tuple[str, ...]) -> pa.Table:
    served = contacts.shift >= 0
    c_shift = contacts.shift[served].astype(np.int64)
    outbound = np.array([q.direction == "outbound" for q in QUEUES])[contacts.queue[served]]
    on_start = np.where(outbound, contacts.offered_ms[served], contacts.answered_ms[served])
    on_end = contacts.ended_ms[served]
    acw_end = on_end + np.maximum(contacts.acw_ms[served], 0)
    has_acw = acw_end > on_end
    c_queue = contacts.queue[served].astype(np.int64)
    taken = presence.block_actual_ms >= 0
    b_shift = servers.block_shift[taken].astype(np.int64)
    b_start = presence.block_actual_ms[taken]
    b_end = b_start + servers.block_dur_ms[taken]
    shift = np.concatenate([c_shift, c_shift[has_acw], b_shift])
    start = np.concatenate([on_start, on_end[has_acw], b_start])
    end = np.concatenate([on_end, acw_end[has_acw], b_end])
    state = np.concatenate([np.full(c_shift.size, _ON, np.int8),
                            np.full(int(has_acw.sum()), _ACW, np.int8),
                            servers.block_kind[taken]])
    queue = np.concatenate([c_queue, c_queue[has_acw], np.full(b_shift.size, -1, np.int64)])
    reason = np.concatenate([np.full(c_shift.size + int(has_acw.sum()), -1, np.int8),
                             servers.block_reason[taken]])
    order = np.lexsort((start, shift))
    shift, start, end, state, queue, reason = (
        x[order] for x in (shift, start, end, state, queue, reason))
    logout = session_ends(servers, presence)
    g_shift, g_start, g_end = fill_gaps(shift, start, end, servers.login_ms, logout)
    worked = servers.active[g_shift]  # shifts lost to an absence have no session
    g_shift, g_start, g_end = g_shift[worked], g_start[worked], g_end[worked]
    active = np.flatnonzero(servers.active)
    shift_queue = roster.queue.astype(np.int64)
    all_shift = np.concatenate([active, shift, g_shift])
    all_start = np.concatenate([servers.login_ms[active], start, g_start])
    all_end = np.concatenate([logout[active], end, g_end])
    all_state = np.concatenate([np.full(active.size, _LOGGED_IN, np.int8), state,
                                np.full(g_shift.size, _AVAILABLE, np.int8)])
    all_queue = np.concatenate([np.full(active.size, -1, np.int64), queue,
                                shift_queue[g_shift]])
    all_reason = np.concatenate([np.full(active.size, -1, np.int8), reason,
                                 np.full(g_shift.size, -1, np.int8)])
    # only sessions of worked shifts (blocks of shifts lost to absence were never taken)
    order = np.lexsort((all_start, all_shift))
    all_shift, all_start, all_end, all_state, all_queue, all_reason = (
        x[order] for x in (all_shift, all_start, all_end, all_state, all_queue, all_reason))
    advisor = roster.advisor[all_shift]
    queue_names = pa.array([q.queue_id for q in QUEUES] + [None], type=pa.string())
    reasons = pa.array(list(NOT_READY_REASONS) + [None], type=pa.string())
    states = pa.array([s.value for s in STATES], type=pa.string())
    return pa.table({
        "advisor_id": pc.take(pa.array(advisor_ids), pa.array(advisor)),
        "state": pc.take(states, pa.array(all_state)),
        "start_at": ms_to_timestamps(all_start),
        "end_at": ms_to_timestamps(all_end),
        "duration_s": pa.array((all_end - all_start) / 1000.0),
        "reason_code": pc.take(reasons, pa.array(np.where(all_reason < 0, len(NOT_READY_REASONS),
                                                          all_reason))),
        "queue_id": pc.take(queue_names, pa.array(np.where(all_queue < 0, len(QUEUES),
                                                           all_queue))),
        "source": pa.repeat(pa.scalar("demo"), all_shift.size),
    })
