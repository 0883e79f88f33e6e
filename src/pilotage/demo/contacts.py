"""Simulated contacts of every queue, as columns (numpy arrays), before ids and keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUE_INDEX, QUEUES, QueueProfile
from pilotage.demo.arrivals import draw_arrivals
from pilotage.demo.calendar import Calendar
from pilotage.demo.queueing import (
    NEVER_MS,
    OUTBOUND_OUTCOMES,
    Presence,
    Servers,
    dial_outbound,
    serve_fcfs,
)
from pilotage.model.vocabulary import Channel, Direction, Outcome

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
_OUTCOME_CODE = {o: i for i, o in enumerate(OUTCOMES)}
MOTIVES: tuple[str, ...] = tuple(sorted({m for q in QUEUES for m, _ in q.motives}))
_MOTIVE_CODE = {m: i for i, m in enumerate(MOTIVES)}
DAY_MS = 86_400_000


@dataclass(frozen=True)
class ContactColumns:
    """One entry per contact, in offered order. Times are UTC ms (-1: none)."""

    queue: np.ndarray  # int16
    offered_ms: np.ndarray
    answered_ms: np.ndarray
    ended_ms: np.ndarray
    first_response_ms: np.ndarray
    closed_ms: np.ndarray
    wait_ms: np.ndarray  # -1: not applicable
    talk_ms: np.ndarray
    hold_ms: np.ndarray
    acw_ms: np.ndarray
    shift: np.ndarray  # int32, -1: nobody
    outcome: np.ndarray  # int8 index in OUTCOMES
    ring_no_answer: np.ndarray  # int8
    motive: np.ndarray  # int16 index in MOTIVES
    resolved: np.ndarray  # int8: 1, 0, -1 unknown
    sale_amount_eur: np.ndarray  # float64, NaN: no sale / not applicable
    transferred_from: np.ndarray  # int64 index of the source contact, -1

    @property
    def size(self) -> int:
        return int(self.queue.size)


def _lognormal_ms(rng: np.random.Generator, mean_s: float, sigma: float, n: int,
                  factor: float) -> np.ndarray:
    mu = np.log(mean_s) - sigma**2 / 2
    return np.maximum(1, np.round(rng.lognormal(mu, sigma, n) * factor)).astype(np.int64) * 1000


def _motives(rng: np.random.Generator, queue: QueueProfile, n: int) -> np.ndarray:
    codes = np.array([_MOTIVE_CODE[m] for m, _ in queue.motives], dtype=np.int16)
    weights = np.array([w for _, w in queue.motives])
    return codes[rng.choice(codes.size, n, p=weights / weights.sum())]


def simulate_contacts(rng: np.random.Generator, calendar: Calendar, expected: np.ndarray,
                      servers: Servers, presence: Presence, shift_queue: np.ndarray,
                      proficiency_of_shift: np.ndarray, *, volume_factor: float,
                      aht_factor: float, period_end_ms: int, resolution_factor: float = 1.0,
                      progress: Callable[[float], None]) -> ContactColumns:
    parts: list[dict[str, np.ndarray]] = []
    pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # transfers into a queue
    produced = 0
    active_shifts = np.flatnonzero(servers.active)
    for q, queue in enumerate(QUEUES):
        shift_ids = active_shifts[shift_queue[active_shifts] == q]
        if queue.direction == Direction.OUTBOUND:
            part = _outbound(rng, q, queue, shift_ids, servers, presence, aht_factor)
        else:
            native = draw_arrivals(rng, calendar, expected[q], volume_factor)
            extra = pending.pop(q, [])
            times = np.concatenate([native] + [t for t, _ in extra])
            source = np.concatenate([np.full(native.size, -1, np.int64)]
                                    + [s for _, s in extra])
            order = np.argsort(times, kind="stable")
            times, source = times[order], source[order]
            part = _inbound(rng, q, queue, times, source, shift_ids, servers, presence,
                            proficiency_of_shift, aht_factor, period_end_ms, produced,
                            resolution_factor)
            low = 0.0
            draw = part["transfer_draw"]
            for target, p in queue.transfers_to:
                moved = np.flatnonzero(
                    (part["outcome"] == _OUTCOME_CODE[Outcome.ANSWERED])
                    & (draw >= low) & (draw < low + p))
                low += p
                part["outcome"][moved] = _OUTCOME_CODE[Outcome.TRANSFERRED]
                part["resolved"][moved] = 0
                pending.setdefault(QUEUE_INDEX[target], []).append(
                    (part["ended_ms"][moved], produced + moved))
            del part["transfer_draw"]
        produced += part["queue"].size
        parts.append(part)
        progress((q + 1) / len(QUEUES))
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    order = np.lexsort((merged["queue"], merged["offered_ms"]))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    merged = {name: values[order] for name, values in merged.items()}
    source = merged["transferred_from"]
    merged["transferred_from"] = np.where(source >= 0, rank[np.maximum(source, 0)], -1)
    return ContactColumns(**merged)


def _inbound(rng: np.random.Generator, q: int, queue: QueueProfile, times: np.ndarray,
             source: np.ndarray, shift_ids: np.ndarray, servers: Servers, presence: Presence,
             proficiency_of_shift: np.ndarray, aht_factor: float, period_end_ms: int,
             offset: int, resolution_factor: float = 1.0) -> dict[str, np.ndarray]:
    n = times.size
    email = queue.channel == Channel.EMAIL
    talk = _lognormal_ms(rng, queue.talk_mean_s, queue.talk_sigma, n, aht_factor)
    hold = np.where(rng.random(n) < queue.hold_probability,
                    _lognormal_ms(rng, queue.hold_mean_s or 1.0, 0.7, n, aht_factor), 0)
    acw = _lognormal_ms(rng, queue.acw_mean_s, 0.6, n, aht_factor)
    if np.isinf(queue.patience_mean_s):
        patience = np.full(n, NEVER_MS, dtype=np.int64)
    else:
        patience = np.round(rng.exponential(queue.patience_mean_s * 1000, n)).astype(np.int64)
    answer, shift = serve_fcfs(times, patience, talk + hold + acw, shift_ids, servers, presence)
    served = answer >= 0
    wait = np.where(served, answer - times, np.minimum(patience, period_end_ms - times))
    never = ~served & (times + patience >= period_end_ms)
    outcome = np.where(served, _OUTCOME_CODE[Outcome.ANSWERED],
                       np.where(never, _OUTCOME_CODE[Outcome.UNFINISHED],
                                _OUTCOME_CODE[Outcome.ABANDONED])).astype(np.int8)
    ended = np.where(served, answer + talk + hold,
                     np.where(never, -1, times + patience))
    # resolution: queue base rate, lower after a long wait, better with proficient advisors
    prof = np.where(served, proficiency_of_shift[np.maximum(shift, 0)], 0.0)
    wait_penalty = np.clip(wait / (DAY_MS if email else 600_000), 0, 1) * 0.12
    p_res = np.clip((queue.resolved_probability - wait_penalty + 0.04 * prof)
                    * resolution_factor, 0.05, 0.98)
    resolved = np.where(served, rng.random(n) < p_res, -1).astype(np.int8)
    sale = served & (rng.random(n) < queue.sale_probability)
    amount = np.where(sale, np.round(rng.lognormal(np.log(max(queue.sale_median_eur, 1.0)),
                                                   0.45, n), 2), np.nan)
    ring = np.where(served, np.searchsorted([0.965, 0.995], rng.random(n)), 0).astype(np.int8)
    first_response = np.full(n, -1, dtype=np.int64)
    closed = np.full(n, -1, dtype=np.int64)
    if email:
        first_response = np.where(served, answer + talk, -1)
        later = rng.random(n) < 0.3
        close = first_response + np.where(later, rng.integers(DAY_MS, 5 * DAY_MS, n), 0)
        closed = np.where(served & (close < period_end_ms), close, -1)
        ended = np.where(served, first_response, -1)
    return {
        "queue": np.full(n, q, dtype=np.int16), "offered_ms": times, "answered_ms": answer,
        "ended_ms": ended.astype(np.int64), "first_response_ms": first_response,
        "closed_ms": closed, "wait_ms": np.where(never & ~served, -1, wait).astype(np.int64),
        "talk_ms": np.where(served, talk, -1), "hold_ms": np.where(served, hold, -1),
        "acw_ms": np.where(served, acw, -1), "shift": shift, "outcome": outcome,
        "ring_no_answer": ring, "motive": _motives(rng, queue, n), "resolved": resolved,
        "sale_amount_eur": amount, "transferred_from": source,
        "transfer_draw": rng.random(n),
    }


def _outbound(rng: np.random.Generator, q: int, queue: QueueProfile, shift_ids: np.ndarray,
              servers: Servers, presence: Presence, aht_factor: float) -> dict[str, np.ndarray]:
    sigma = queue.talk_sigma
    d = dial_outbound(rng, shift_ids, servers, presence, np.log(queue.talk_mean_s) - sigma**2 / 2,
                      sigma, queue.hold_probability, queue.hold_mean_s, queue.acw_mean_s,
                      aht_factor)
    order = np.argsort(d.dial_ms, kind="stable")
    n = order.size
    dial, ring = d.dial_ms[order], d.ring_ms[order]
    code = d.outcome[order]
    talk, hold, acw = d.talk_ms[order], d.hold_ms[order], d.acw_ms[order]
    mapping = np.array([_OUTCOME_CODE[Outcome(o)] for o in OUTBOUND_OUTCOMES], dtype=np.int8)
    answered = code == 0
    sale = answered & (rng.random(n) < queue.sale_probability)
    return {
        "queue": np.full(n, q, dtype=np.int16), "offered_ms": dial,
        "answered_ms": np.where(answered, dial + ring, -1),
        "ended_ms": dial + ring + talk + hold, "first_response_ms": np.full(n, -1, np.int64),
        "closed_ms": np.full(n, -1, np.int64), "wait_ms": ring,
        "talk_ms": np.where(answered, talk, -1), "hold_ms": np.where(answered, hold, -1),
        "acw_ms": np.where(answered, acw, -1), "shift": d.shift[order],
        "outcome": mapping[code], "ring_no_answer": np.zeros(n, np.int8),
        "motive": np.where(answered, _motives(rng, queue, n), -1).astype(np.int16),
        "resolved": np.full(n, -1, np.int8),
        "sale_amount_eur": np.where(sale, np.round(rng.lognormal(
            np.log(queue.sale_median_eur), 0.6, n), 2), np.nan),
        "transferred_from": np.full(n, -1, np.int64),
    }
