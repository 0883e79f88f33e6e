"""Shift templates: when a shift starts, how long it is worked, its lunch and breaks.

Times inside a day are minutes after local midnight; the planning grid is 30-minute
intervals (slots). A template's *presence* is ``worked_min + lunch_min`` (lunch is unpaid,
breaks are paid and part of the worked time). A shift never crosses local midnight.

For the assignment model (stage 1) a template covers each slot of its presence with one agent,
except the lunch at its canonical start; the placement stage (stage 2,
:func:`pilotage.wfm.scheduling.place_breaks`) then chooses each lunch within its window and
each 15-minute break in its window at the least coverage cost
(:mod:`pilotage.wfm.break_placement`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError

SLOT_MIN = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MIN
BREAK_MIN = 15
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ShiftTemplate:
    """One kind of shift: start, worked time, unpaid lunch and paid 15-minute breaks."""

    start_min: int  # minutes after local midnight, on the 30-minute grid
    worked_min: int  # paid time, breaks included, lunch excluded
    lunch_min: int = 0
    breaks: int = 0

    def __post_init__(self) -> None:
        if self.start_min % SLOT_MIN or self.worked_min % SLOT_MIN or self.lunch_min % SLOT_MIN:
            raise ParameterError(
                f"shift template {self.name}: start, worked time and lunch must be multiples "
                f"of {SLOT_MIN} min", hint="use the 30-minute planning grid")
        if self.worked_min <= 0 or self.start_min < 0 or self.end_min > 24 * 60:
            raise ParameterError(f"shift template {self.name} does not fit in one day",
                                 hint="a shift starts and ends the same local day")
        if self.breaks * BREAK_MIN * 2 > self.worked_min:
            raise ParameterError(f"shift template {self.name} has too many breaks",
                                 hint="at most one 15-minute break per hour worked")

    @property
    def presence_min(self) -> int:
        return self.worked_min + self.lunch_min

    @property
    def end_min(self) -> int:
        return self.start_min + self.presence_min

    @property
    def worked_h(self) -> float:
        return self.worked_min / 60.0

    @property
    def name(self) -> str:
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"
        return f"{hhmm(self.start_min)}-{hhmm(self.end_min)}"

    @property
    def first_slot(self) -> int:
        return self.start_min // SLOT_MIN

    @property
    def slots(self) -> int:
        return self.presence_min // SLOT_MIN

    def lunch_window(self) -> tuple[int, int]:
        """First and last allowed lunch start (minutes after midnight): lunch begins between
        a third and the middle of the shift so that neither half is longer than about 5 h."""
        if self.lunch_min == 0:
            return (self.start_min, self.start_min - SLOT_MIN)
        third = self.start_min + _grid(self.presence_min / 3)
        middle = self.start_min + _grid(self.presence_min / 2)
        last = min(middle, self.end_min - self.lunch_min - 60)
        return (max(third, self.start_min + 120), max(last, self.start_min + 120))

    def break_windows(self) -> tuple[tuple[int, int], ...]:
        """Allowed start range (minutes) of each 15-minute break: the k-th break of n falls in
        the k-th of n equal parts of the presence, at least 1 h from the start and the end."""
        if self.breaks == 0:
            return ()
        part = self.presence_min / self.breaks
        windows = []
        for k in range(self.breaks):
            lo = self.start_min + max(60, int(k * part) // BREAK_MIN * BREAK_MIN + 45)
            hi = self.start_min + min(self.presence_min - 60 - BREAK_MIN,
                                      int((k + 1) * part) // BREAK_MIN * BREAK_MIN - 60)
            windows.append((lo, max(lo, hi)))
        return tuple(windows)

    def canonical_lunch_min(self) -> int:
        """Lunch start assumed by the assignment model: the middle of its window, on the grid."""
        lo, hi = self.lunch_window()
        return lo + (hi - lo) // (2 * SLOT_MIN) * SLOT_MIN

    def coverage(self) -> FloatArray:
        """Agents on work per slot of the day (length 48) as the assignment model counts them:
        1 over the presence, 0 during the lunch at its canonical start. Breaks are left to the
        placement stage (whole coefficients keep the HiGHS model fast: fractional ones made the
        LP 5-20 times slower in benchmarks/scheduling.py trials)."""
        cover = np.zeros(SLOTS_PER_DAY)
        cover[self.first_slot:self.first_slot + self.slots] = 1.0
        if self.lunch_min:
            first = self.canonical_lunch_min() // SLOT_MIN
            cover[first:first + self.lunch_min // SLOT_MIN] = 0.0
        return cover


def _grid(minutes: float) -> int:
    return int(round(minutes / SLOT_MIN)) * SLOT_MIN


@dataclass(frozen=True)
class ShiftLength:
    """A worked length offered by a template family, with its lunch and breaks."""

    worked_h: float
    lunch_min: int = 0
    breaks: int = 0


# full-time: 7 h worked, 1 h unpaid lunch, two breaks (a 35-hour week in 5 days);
# part-time: 4 h with one break, 6 h with one break and a 30-minute lunch
FULL_TIME_LENGTHS = (ShiftLength(7.0, lunch_min=60, breaks=2),)
PART_TIME_LENGTHS = (ShiftLength(4.0, breaks=1), ShiftLength(6.0, lunch_min=30, breaks=1))


@dataclass(frozen=True)
class ShiftCatalogue:
    """The templates offered: starts every ``step_min`` between ``open_min`` and the latest
    start that still ends by ``close_min``; full-time lengths for advisors whose weekly hours
    reach ``full_time_from_h``, part-time lengths for the others."""

    open_min: int = 7 * 60
    close_min: int = 21 * 60
    step_min: int = 30
    full_time: tuple[ShiftLength, ...] = FULL_TIME_LENGTHS
    part_time: tuple[ShiftLength, ...] = PART_TIME_LENGTHS
    full_time_from_h: float = 28.0

    def __post_init__(self) -> None:
        if not 0 <= self.open_min < self.close_min <= 24 * 60:
            raise ParameterError("shift catalogue: opening must come before closing, same day",
                                 hint="give --open and --close as HH:MM, e.g. 07:00 and 21:00")
        if self.step_min <= 0 or self.step_min % SLOT_MIN:
            raise ParameterError(f"shift start step must be a multiple of {SLOT_MIN} min",
                                 hint="use 30 or 60")

    def templates(self) -> tuple[ShiftTemplate, ...]:
        """Every template, full-time lengths first; indices are stable for a catalogue."""
        out: list[ShiftTemplate] = []
        for length in (*self.full_time, *self.part_time):
            worked = int(round(length.worked_h * 60))
            presence = worked + length.lunch_min
            start = self.open_min
            while start + presence <= self.close_min:
                out.append(ShiftTemplate(start, worked, length.lunch_min, length.breaks))
                start += self.step_min
        seen: set[ShiftTemplate] = set()
        unique = [t for t in out if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
        return tuple(unique)

    def allowed(self, weekly_hours: float) -> tuple[ShiftLength, ...]:
        return self.full_time if weekly_hours >= self.full_time_from_h else self.part_time

    def template_indices(self, weekly_hours: float) -> tuple[int, ...]:
        allowed = {(int(round(x.worked_h * 60)), x.lunch_min, x.breaks)
                   for x in self.allowed(weekly_hours)}
        return tuple(i for i, t in enumerate(self.templates())
                     if (t.worked_min, t.lunch_min, t.breaks) in allowed)
