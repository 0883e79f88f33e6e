"""Demand: expected arrivals per queue and UTC slot, their forecast, and the Poisson draws.

Arrivals are a non-homogeneous Poisson process, piecewise constant per 30-minute slot:
intraday profile with peaks at 10–11 h and 14–15 h, Monday peak, reduced Saturday, closed on
Sundays and French public holidays (e-mails keep arriving), a catch-up the day after a closed
day, a slow upward trend and a summer dip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUES, Opening, QueueProfile
from pilotage.demo.calendar import SLOT_MS, Calendar

WEEKDAY_FACTOR = np.array([1.25, 1.06, 1.0, 0.97, 0.93, 0.55, 0.0])
TREND_PER_YEAR = 0.08
UTILISATION_TARGET = 0.58  # workload / productive capacity the volumes are sized for
PRODUCTIVE_HOURS_PER_ADVISOR = 33.0 * 0.78  # contractual hours net of absences and breaks


def mean_handle_s(queue: QueueProfile) -> float:
    return queue.talk_mean_s + queue.hold_probability * queue.hold_mean_s + queue.acw_mean_s


def intraday_weight(minute: np.ndarray) -> np.ndarray:
    """Relative arrival rate by local time of day: morning and afternoon peaks, lunch dip."""
    hour = (minute + 15) / 60.0
    peaks = (0.9 * np.exp(-0.5 * ((hour - 10.5) / 1.2) ** 2)
             + 0.8 * np.exp(-0.5 * ((hour - 14.6) / 1.3) ** 2))
    dip = 0.25 * np.exp(-0.5 * ((hour - 12.8) / 0.5) ** 2)
    evening = 0.25 * np.exp(-0.5 * ((hour - 18.0) / 1.5) ** 2)
    return np.clip(0.15 + peaks + evening - dip, 0.05, None)


def open_mask(calendar: Calendar, opening: Opening) -> np.ndarray:
    """Slots during which a queue is open (local opening hours, open days)."""
    weekday = calendar.day_weekday[calendar.slot_day]
    open_day = calendar.day_open[calendar.slot_day]
    minute = calendar.slot_minute
    lo = np.where(weekday == 5, opening.saturday[0], opening.weekday[0])
    hi = np.where(weekday == 5, opening.saturday[1], opening.weekday[1])
    mask = open_day & (minute >= lo) & (minute < hi)
    if opening.lunch_closed is not None:
        mask &= ~((minute >= opening.lunch_closed[0]) & (minute < opening.lunch_closed[1]))
    return mask


def _profile(calendar: Calendar, queue: QueueProfile) -> np.ndarray:
    day = calendar.slot_day
    weekday = calendar.day_weekday[day]
    closed_before = np.zeros(calendar.days, dtype=bool)
    closed_before[1:] = ~calendar.day_open[:-1]
    catch_up = np.where(closed_before[day] & calendar.day_open[day], 1.15, 1.0)
    trend = 1.0 + TREND_PER_YEAR * day / 365.0
    month = np.array([calendar.date(d).month for d in range(calendar.days)])[day]
    season = np.where(month == 8, 0.88, 1.0)
    weight = intraday_weight(calendar.slot_minute) * WEEKDAY_FACTOR[weekday]
    if queue.arrives_round_the_clock:
        night = np.where((calendar.slot_minute < 7 * 60) | (calendar.slot_minute >= 21 * 60),
                         0.25, 1.0)
        day_factor = np.where(weekday >= 5, 0.4, WEEKDAY_FACTOR[weekday])
        weight = intraday_weight(np.clip(calendar.slot_minute, 7 * 60, 21 * 60)) * night \
            * day_factor
    else:
        weight = weight * open_mask(calendar, queue.opening)
    return weight * catch_up * trend * season


@dataclass(frozen=True)
class Demand:
    """Expected (true) arrivals and the forecast per queue and slot."""

    expected: np.ndarray  # float [queue, slot], true Poisson means (volume_factor = 1)
    forecast: np.ndarray  # float [queue, slot]
    forecast_aht_s: np.ndarray  # float [queue, slot]
    outbound_positions: np.ndarray  # float [queue, slot], planned dialling advisors


def build_demand(rng: np.random.Generator, calendar: Calendar,
                 site_advisors: dict[str, float]) -> Demand:
    """Volumes sized so the workload is ``UTILISATION_TARGET`` of each site's capacity."""
    slots = calendar.slot_utc_ms.size
    weeks = calendar.days / 7.0
    expected = np.zeros((len(QUEUES), slots))
    outbound = np.zeros((len(QUEUES), slots))
    for q, queue in enumerate(QUEUES):
        capacity_h = sum(site_advisors[s] for s in queue.skill_sites) \
            * PRODUCTIVE_HOURS_PER_ADVISOR * queue.workload_share * UTILISATION_TARGET
        profile = _profile(calendar, queue)
        if queue.direction == "outbound":
            open_slots = open_mask(calendar, queue.opening)
            positions = capacity_h * 2.0 / max(1.0, open_slots.sum() / weeks)
            outbound[q] = np.where(open_slots, positions, 0.0)
            continue
        weekly_contacts = capacity_h * 3600.0 / mean_handle_s(queue)
        total = profile.sum()
        if total > 0:
            expected[q] = profile * (weekly_contacts * weeks / total)
    day_error = rng.normal(0.0, 0.06, (len(QUEUES), calendar.days))
    slot_error = rng.normal(0.0, 0.10, (len(QUEUES), slots))
    forecast = np.round(expected * np.exp(day_error[:, calendar.slot_day] + slot_error), 2)
    aht = np.array([mean_handle_s(q) for q in QUEUES])
    aht_error = rng.normal(0.0, 0.03, (len(QUEUES), calendar.days))
    forecast_aht = np.round(aht[:, None] * (1 + aht_error[:, calendar.slot_day]), 1)
    return Demand(expected, forecast, forecast_aht, outbound)


def draw_arrivals(rng: np.random.Generator, calendar: Calendar, expected: np.ndarray,
                  volume_factor: float) -> np.ndarray:
    """Sorted arrival times (UTC ms) of one queue: Poisson counts, uniform inside slots."""
    counts = rng.poisson(expected * volume_factor)
    starts = np.repeat(calendar.slot_utc_ms, counts)
    times = starts + rng.integers(0, SLOT_MS, starts.size)
    times.sort()
    return times
