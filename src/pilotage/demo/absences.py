"""Absences: planned (paid holidays, RTT) known when the schedule is made, and unplanned
(sickness, family, unauthorised) that remove already scheduled shifts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotage.demo.calendar import Calendar
from pilotage.demo.organisation import Organisation
from pilotage.model.vocabulary import AbsenceType

SICKNESS_START_PER_DAY = 0.011  # new sickness spells per scheduled day (≈ 4–5 % absenteeism)


@dataclass(frozen=True)
class AbsenceSpell:
    advisor: int
    absence_type: AbsenceType
    planned: bool
    first_day: int
    last_day: int  # inclusive


def employed(org: Organisation, days: int) -> np.ndarray:
    day = np.arange(days)
    return (org.hire_day[:, None] <= day[None, :]) & (day[None, :] < org.leave_day[:, None])


def planned_absences(rng: np.random.Generator, org: Organisation,
                     calendar: Calendar) -> tuple[np.ndarray, tuple[AbsenceSpell, ...]]:
    """Holiday weeks (more in July–August and at Christmas) and single RTT days."""
    n, days = org.size, calendar.days
    off = np.zeros((n, days), dtype=bool)
    spells: list[AbsenceSpell] = []
    on_roll = employed(org, days)
    temp = org.contract == 2
    for week_start in range(0, days, 7):
        date = calendar.date(week_start)
        rate = 0.20 if date.month in (7, 8) else 0.15 if (date.month == 12
                                                         and date.day >= 18) else 0.045
        takes = rng.random(n) < np.where(temp, rate * 0.15, rate)
        last = min(days, week_start + 6) - 1  # Monday to Saturday of that week
        for a in np.flatnonzero(takes):
            if on_roll[a, week_start] and on_roll[a, last]:
                off[a, week_start:last + 1] = True
                spells.append(AbsenceSpell(int(a), AbsenceType.HOLIDAY, True, week_start, last))
    rtt = (rng.random((n, days)) < 0.012) & ~off & on_roll & calendar.day_open[None, :]
    rtt &= (org.contract == 0)[:, None]
    for a, d in zip(*np.nonzero(rtt), strict=True):
        off[a, d] = True
        spells.append(AbsenceSpell(int(a), AbsenceType.RTT, True, int(d), int(d)))
    return off, tuple(sorted(spells, key=lambda s: (s.advisor, s.first_day)))


def unplanned_absences(rng: np.random.Generator, org: Organisation, calendar: Calendar,
                       scheduled: np.ndarray,
                       planned_off: np.ndarray) -> tuple[np.ndarray, tuple[AbsenceSpell, ...]]:
    """Sickness spells (Monday starts more likely, some advisors far more often), plus a few
    family and unauthorised one-day absences; only days with a scheduled shift count."""
    n, days = scheduled.shape
    monday = np.where(calendar.day_weekday == 0, 1.5, 1.0)
    rate = SICKNESS_START_PER_DAY * org.sickness_propensity[:, None] * monday[None, :]
    starts = (rng.random((n, days)) < rate) & scheduled
    lengths = np.minimum(rng.geometric(0.3, (n, days)), 15)
    kinds = rng.random((n, days))
    absent = np.zeros((n, days), dtype=bool)
    spells: list[AbsenceSpell] = []
    for a, d in zip(*np.nonzero(starts), strict=True):
        if absent[a, d]:
            continue
        kind = AbsenceType.SICKNESS
        length = int(lengths[a, d])
        if kinds[a, d] < 0.06:
            kind, length = AbsenceType.UNAUTHORISED, 1
        elif kinds[a, d] < 0.14:
            kind, length = AbsenceType.FAMILY, min(length, 3)
        last = min(days - 1, int(d) + length - 1)
        holiday = np.flatnonzero(planned_off[a, d:last + 1])
        if holiday.size:
            last = int(d) + int(holiday[0]) - 1
        absent[a, d:last + 1] = True
        spells.append(AbsenceSpell(int(a), kind, False, int(d), last))
    return absent & scheduled, tuple(sorted(spells, key=lambda s: (s.advisor, s.first_day)))
