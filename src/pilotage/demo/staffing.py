"""Staffing requirement: Erlang C per queue and slot (voice, chat), workload for e-mail.

Erlang C: P(wait) = C(N, A); SL(T) = 1 − C·exp(−(N − A)·T / AHT) (shared/docs/
reference-values.md, notation). The requirement is the smallest N with SL(T) ≥ target.
"""

from __future__ import annotations

import numpy as np

from pilotage.demo.activities import QUEUES
from pilotage.demo.arrivals import Demand, open_mask
from pilotage.demo.calendar import SLOT_MS, Calendar
from pilotage.model.vocabulary import Channel, Direction

EMAIL_OCCUPANCY = 0.65


def erlang_c_required(volume: np.ndarray, aht_s: np.ndarray, interval_s: float,
                      threshold_s: float, target: float) -> np.ndarray:
    """Smallest N per slot with Erlang C service level ≥ target (0 where no volume)."""
    load = volume * aht_s / interval_s
    required = np.zeros(load.shape, dtype=np.int32)
    active = load > 1e-9
    if not active.any():
        return required
    a = load[active]
    aht = aht_s[active]
    found = np.zeros(a.shape, dtype=np.int32)
    b = np.ones(a.shape)  # Erlang B for N = 0
    n_max = int(np.ceil(a.max() + 6 * np.sqrt(a.max()) + 10))
    for n in range(1, n_max + 1):
        b = a * b / (n + a * b)
        stable = n > a
        c = np.where(stable, b / np.maximum(1 - (a / n) * (1 - b), 1e-12), 1.0)
        sl = 1 - c * np.exp(-(n - a) * threshold_s / aht)
        hit = stable & (sl >= target) & (found == 0)
        found[hit] = n
        if (found > 0).all():
            break
    found[found == 0] = n_max
    required[active] = found
    return required


def requirement(calendar: Calendar, demand: Demand) -> np.ndarray:
    """Advisors needed per queue and UTC slot (float; e-mail is spread over open hours)."""
    req = np.zeros(demand.forecast.shape)
    interval_s = SLOT_MS / 1000.0
    for q, queue in enumerate(QUEUES):
        if queue.direction == Direction.OUTBOUND:
            req[q] = demand.outbound_positions[q]
        elif queue.channel == Channel.EMAIL:
            mask = open_mask(calendar, queue.opening)
            work_h = demand.forecast[q] * demand.forecast_aht_s[q] / 3600.0
            # the work arrived since the previous open day is done during this day's hours
            day_work = np.bincount(calendar.slot_day, weights=work_h, minlength=calendar.days)
            carried = np.zeros(calendar.days)
            pending = 0.0
            for d in range(calendar.days):
                pending += day_work[d]
                if calendar.day_open[d]:
                    carried[d] = pending
                    pending = 0.0
            open_h = np.bincount(calendar.slot_day, weights=mask * 0.5,
                                 minlength=calendar.days)
            per_slot = np.divide(carried, open_h * EMAIL_OCCUPANCY,
                                 out=np.zeros(calendar.days), where=open_h > 0)
            req[q] = np.where(mask, per_slot[calendar.slot_day], 0.0)
        else:
            req[q] = erlang_c_required(demand.forecast[q], demand.forecast_aht_s[q],
                                       interval_s, queue.sl_threshold_s, queue.sl_target)
    return req
