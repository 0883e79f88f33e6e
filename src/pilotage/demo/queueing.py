"""The contact simulation: first-come-first-served multi-server queues with impatience, served
by the advisors actually logged in, and the outbound dialler.

Each planned shift not lost to an absence is a *server*: it logs in a little late or early,
takes contacts on its queue until its planned end (finishing the contact in hand), and takes
its breaks, lunch and other blocks when they are due — later when a contact runs over
(imperfect adherence). A contact goes to the advisor free the longest; it abandons when its
wait would exceed its patience. FCFS makes each answer time depend only on the contacts
before it, so one pass with a heap of (free time, server) per queue is exact.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from pilotage.demo.shifts import Roster

NOT_READY = 5  # block kind after the roster's five (break, lunch, coaching, training, meeting)
NOT_READY_REASONS = ("Pause personnelle", "Problème technique", "Débrief superviseur",
                     "Rappel client", "Recherche dossier")
NEVER_MS = 10**15


@dataclass(frozen=True)
class Servers:
    """Actual presence of each shift, and its blocks (planned start, duration) in order."""

    login_ms: np.ndarray  # int64 per shift
    end_ms: np.ndarray  # int64 per shift (planned end: no new contact after it)
    active: np.ndarray  # bool per shift (False: lost to an unplanned absence)
    block_lo: np.ndarray  # int64 per shift: first block index
    block_hi: np.ndarray  # int64 per shift: one past the last block
    block_shift: np.ndarray  # int32
    block_kind: np.ndarray  # int8 (roster kinds, or NOT_READY)
    block_reason: np.ndarray  # int8 index in NOT_READY_REASONS (-1: none)
    block_planned_ms: np.ndarray  # int64
    block_dur_ms: np.ndarray  # int64


def build_servers(rng: np.random.Generator, roster: Roster, active: np.ndarray) -> Servers:
    n = roster.size
    late_ms = np.clip(rng.normal(60_000, 100_000, n), -300_000, 480_000)
    very_late = rng.random(n) < 0.04
    late_ms = np.where(very_late, rng.integers(600_000, 1_500_000, n), late_ms).astype(np.int64)
    login = roster.start_ms + late_ms
    # unplanned not-ready moments inside the shift
    count = rng.poisson(1.6, n)
    nr_shift = np.repeat(np.arange(n, dtype=np.int32), count)
    span = (roster.end_ms - login - 900_000)[nr_shift]
    nr_start = login[nr_shift] + (rng.random(nr_shift.size) * np.maximum(span, 0)).astype(
        np.int64)
    nr_dur = rng.integers(90_000, 540_000, nr_shift.size).astype(np.int64)
    shift = np.concatenate([roster.block_shift, nr_shift])
    planned = np.concatenate([roster.block_start_ms, nr_start])
    dur = np.concatenate([roster.block_end_ms - roster.block_start_ms, nr_dur])
    kind = np.concatenate([roster.block_kind, np.full(nr_shift.size, NOT_READY, np.int8)])
    reason = np.concatenate([np.full(roster.block_shift.size, -1, np.int8),
                             rng.choice(len(NOT_READY_REASONS), nr_shift.size,
                                        p=[0.4, 0.15, 0.15, 0.15, 0.15]).astype(np.int8)])
    order = np.lexsort((kind, planned, shift))
    shift, planned, dur, kind, reason = (x[order] for x in (shift, planned, dur, kind, reason))
    lo = np.searchsorted(shift, np.arange(n), side="left")
    hi = np.searchsorted(shift, np.arange(n), side="right")
    return Servers(login, roster.end_ms.copy(), active, lo.astype(np.int64),
                   hi.astype(np.int64), shift, kind, reason, planned, dur)


@dataclass
class Presence:
    """What the simulation records about servers: actual block starts and last free time."""

    block_actual_ms: np.ndarray  # int64, -1: not taken (shift over)
    free_ms: np.ndarray  # int64 per shift: when it was last free (logout ≥ this)


def new_presence(servers: Servers) -> Presence:
    return Presence(np.full(servers.block_planned_ms.size, -1, np.int64),
                    servers.login_ms.copy())


def serve_fcfs(arrival_ms: np.ndarray, patience_ms: np.ndarray, handle_ms: np.ndarray,
               shift_ids: np.ndarray, servers: Servers,
               presence: Presence) -> tuple[np.ndarray, np.ndarray]:
    """Serve one queue's contacts (sorted by arrival) with the given shifts.

    Returns (answer time ms or -1 when abandoned, shift index or -1)."""
    order = shift_ids[np.argsort(servers.login_ms[shift_ids], kind="stable")]
    login = servers.login_ms[order].tolist()
    ends = servers.end_ms.tolist()
    lo = servers.block_lo.tolist()
    hi = servers.block_hi.tolist()
    bplan = servers.block_planned_ms.tolist()
    bdur = servers.block_dur_ms.tolist()
    shift_list = order.tolist()
    n_shifts = len(shift_list)
    free = presence.free_ms.tolist()
    nxt = list(lo)
    actual: dict[int, int] = {}
    arr = arrival_ms.tolist()
    pat = patience_ms.tolist()
    hdl = handle_ms.tolist()
    n = len(arr)
    answer = [-1] * n
    server = [-1] * n
    heap: list[tuple[int, int]] = []
    push, replace, pop = heapq.heappush, heapq.heapreplace, heapq.heappop
    wi = 0
    for i in range(n):
        t = arr[i]
        while True:
            while wi < n_shifts and (not heap or login[wi] <= max(t, heap[0][0])):
                push(heap, (login[wi], shift_list[wi]))
                wi += 1
            if not heap:
                break
            f, k = heap[0]
            s = t if t > f else f
            j = nxt[k]
            if j < hi[k] and s >= bplan[j]:
                bs = bplan[j] if bplan[j] > f else f
                if bs >= ends[k]:
                    nxt[k] = hi[k]
                    continue
                actual[j] = bs
                nf = bs + bdur[j]
                nxt[k] = j + 1
                free[k] = nf
                replace(heap, (nf, k))
                continue
            if s >= ends[k]:
                pop(heap)
                continue
            break
        if not heap:
            continue
        f, k = heap[0]
        s = t if t > f else f
        if s - t > pat[i]:
            continue
        done = s + hdl[i]
        replace(heap, (done, k))
        free[k] = done
        answer[i] = s
        server[i] = k
    # blocks still due after the last contact are taken as planned (or when free)
    for k in shift_list:
        fk = free[k]
        for j in range(nxt[k], hi[k]):
            bs = bplan[j] if bplan[j] > fk else fk
            if bs >= ends[k]:
                break
            actual[j] = bs
            fk = bs + bdur[j]
        free[k] = fk
        nxt[k] = hi[k]
    if actual:
        idx = np.fromiter(actual.keys(), dtype=np.int64, count=len(actual))
        presence.block_actual_ms[idx] = np.fromiter(actual.values(), dtype=np.int64,
                                                    count=len(actual))
    presence.free_ms[order] = np.asarray(free, dtype=np.int64)[order]
    return np.asarray(answer, dtype=np.int64), np.asarray(server, dtype=np.int32)


OUTBOUND_OUTCOMES = ("answered", "no_answer", "busy", "failed")
OUTBOUND_P = (0.30, 0.52, 0.10, 0.08)


@dataclass(frozen=True)
class Dialled:
    """Outbound attempts: one row each, placed by an advisor in a work segment."""

    shift: np.ndarray  # int32
    dial_ms: np.ndarray  # int64
    ring_ms: np.ndarray  # int64
    outcome: np.ndarray  # int8 index in OUTBOUND_OUTCOMES
    talk_ms: np.ndarray  # int64 (0 unless answered)
    hold_ms: np.ndarray  # int64
    acw_ms: np.ndarray  # int64


def dial_outbound(rng: np.random.Generator, shift_ids: np.ndarray, servers: Servers,
                  presence: Presence, talk_mu: float, talk_sigma: float, hold_p: float,
                  hold_mean_s: float, acw_mean_s: float, aht_factor: float) -> Dialled:
    """Progressive dialling: each advisor previews a file, dials, and on answer talks; blocks
    are taken as planned (one after the other), attempts fit between them."""
    seg_start: list[int] = []
    seg_end: list[int] = []
    seg_shift: list[int] = []
    plan = servers.block_planned_ms
    dur = servers.block_dur_ms
    for k in shift_ids.tolist():
        t = int(servers.login_ms[k])
        end = int(servers.end_ms[k])
        for j in range(int(servers.block_lo[k]), int(servers.block_hi[k])):
            bs = max(int(plan[j]), t)
            if bs >= end:
                break
            if bs > t:
                seg_start.append(t)
                seg_end.append(bs)
                seg_shift.append(k)
            presence.block_actual_ms[j] = bs
            t = bs + int(dur[j])
        if end > t:
            seg_start.append(t)
            seg_end.append(end)
            seg_shift.append(k)
        presence.free_ms[k] = max(t, end)
    starts = np.asarray(seg_start, dtype=np.int64)
    lengths = np.asarray(seg_end, dtype=np.int64) - starts
    total = int(lengths.sum())
    parts: list[np.ndarray] = []
    drawn = 0
    while drawn < total + 3_600_000:
        m = max(1000, int((total - drawn) / 120_000 * 1.2))
        outcome = rng.choice(4, m, p=OUTBOUND_P).astype(np.int8)
        ring = np.select([outcome == 0, outcome == 1, outcome == 2],
                         [rng.integers(5_000, 20_000, m), rng.integers(25_000, 35_000, m),
                          rng.integers(2_000, 6_000, m)], rng.integers(1_000, 4_000, m))
        answered = outcome == 0
        talk = np.where(answered, np.maximum(
            5_000, rng.lognormal(talk_mu, talk_sigma, m) * 1000 * aht_factor), 0)
        hold = np.where(answered & (rng.random(m) < hold_p),
                        rng.exponential(hold_mean_s * 1000, m), 0)
        acw = np.where(answered, rng.exponential(acw_mean_s * 1000, m) * aht_factor, 0)
        preview = rng.integers(15_000, 60_000, m)
        talk, hold, acw = (np.round(x / 1000).astype(np.int64) * 1000 for x in (talk, hold, acw))
        cycle = preview + ring + talk + hold + acw
        parts.append(np.stack([outcome, ring, talk, hold, acw, preview, cycle]))
        drawn += int(cycle.sum())
    stream = np.concatenate(parts, axis=1) if parts else np.zeros((7, 0), dtype=np.int64)
    cycle = stream[6]
    stream_end = np.cumsum(cycle)
    stream_start = stream_end - cycle
    seg_cum = np.cumsum(lengths)
    seg_of_start = np.searchsorted(seg_cum, stream_start, side="right")
    seg_of_end = np.searchsorted(seg_cum, stream_end, side="left")
    keep = (seg_of_start == seg_of_end) & (seg_of_start < lengths.size)
    seg = seg_of_start[keep]
    offset = stream_start[keep] - (seg_cum[seg] - lengths[seg])
    kept = stream[:, keep]
    dial = starts[seg] + offset + kept[5]
    return Dialled(np.asarray(seg_shift, dtype=np.int32)[seg], dial, kept[1],
                   kept[0].astype(np.int8), kept[2], kept[3], kept[4])
