"""Customers: who calls again. Repeat contacts come back within days, far more often when the
previous contact was abandoned or not resolved, on the same queue or another channel of the
same client; a transferred call keeps its caller. Identifiers are synthetic French mobile
numbers, stored only as workspace pseudonyms."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.demo.activities import QUEUES
from pilotage.demo.contacts import OUTCOMES, ContactColumns
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.model.vocabulary import Direction, Outcome

REPEAT_P_ABANDONED = 0.55
REPEAT_P_UNRESOLVED = 0.40
REPEAT_P_RESOLVED = 0.05
REPEAT_MEAN_DELAY_MS = 30 * 3_600_000
REPEAT_HORIZON_MS = 7 * 86_400_000
_ABANDONED = OUTCOMES.index(Outcome.ABANDONED)


def assign_customers(rng: np.random.Generator, contacts: ContactColumns) -> np.ndarray:
    """Customer number per contact (int64)."""
    n = contacts.size
    customer = np.arange(n, dtype=np.int64)
    inbound = np.array([q.direction == Direction.INBOUND for q in QUEUES])[contacts.queue]
    fresh = inbound & (contacts.transferred_from < 0)
    p = np.where(contacts.outcome == _ABANDONED, REPEAT_P_ABANDONED,
                 np.where(contacts.resolved == 0, REPEAT_P_UNRESOLVED, REPEAT_P_RESOLVED))
    comes_back = inbound & (rng.random(n) < p)
    sources = np.flatnonzero(comes_back)
    delay = 600_000 + rng.exponential(REPEAT_MEAN_DELAY_MS, sources.size).astype(np.int64)
    target_time = contacts.offered_ms[sources] + delay
    # same queue mostly, else another inbound queue of the same client contract
    siblings = {q: [r for r, other in enumerate(QUEUES) if other.direction == Direction.INBOUND
                    and other.contract_id == QUEUES[q].contract_id and r != q]
                for q in range(len(QUEUES))}
    target_queue = contacts.queue[sources].astype(np.int64)
    switch = rng.random(sources.size) < 0.3
    pick = rng.random(sources.size)
    for q, others in siblings.items():
        if others:
            sel = switch & (target_queue == q)
            target_queue[sel] = np.array(others)[(pick[sel] * len(others)).astype(np.int64)]
    links_from: list[np.ndarray] = []
    links_to: list[np.ndarray] = []
    for q in range(len(QUEUES)):
        members = np.flatnonzero(fresh & (contacts.queue == q))
        sel = target_queue == q
        if not members.size or not sel.any():
            continue
        pos = np.searchsorted(contacts.offered_ms[members], target_time[sel])
        ok = pos < members.size
        src = sources[sel][ok]
        dst = members[pos[ok]]
        ok = (contacts.offered_ms[dst] - contacts.offered_ms[src] <= REPEAT_HORIZON_MS) \
            & (dst > src)
        src, dst = src[ok], dst[ok]
        dst, first = np.unique(dst, return_index=True)  # one predecessor per contact
        links_from.append(src[first])
        links_to.append(dst)
    # a transferred contact is the same caller; apply links in target order so chains hold
    transfers = np.flatnonzero(contacts.transferred_from >= 0)
    links_from.append(contacts.transferred_from[transfers])
    links_to.append(transfers)
    src = np.concatenate(links_from)
    dst = np.concatenate(links_to)
    order = np.argsort(dst, kind="stable")
    for s, d in zip(src[order].tolist(), dst[order].tolist(), strict=True):
        customer[d] = customer[s]
    return customer


def phone_numbers(customer: np.ndarray) -> pa.Array:
    """A synthetic French mobile number per customer number (06/07, bijective scramble)."""
    scrambled = (customer * 48_271 + 12_345_678) % 100_000_000
    prefix = np.where(customer % 3 == 0, "+337", "+336")
    digits = pc.utf8_lpad(pa.array(scrambled).cast(pa.string()), 8, "0")
    return pc.binary_join_element_wise(pa.array(prefix), digits, "")


def customer_keys(pseudonymizer: Pseudonymizer, customer: np.ndarray) -> pa.Array:
    unique, inverse = np.unique(customer, return_inverse=True)
    keys = pseudonymizer.keys(phone_numbers(unique))
    return pc.take(keys, pa.array(inverse))
