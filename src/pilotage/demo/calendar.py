"""The demo's calendar: French public holidays, opening hours and the UTC slot grid.

Everything the simulation does happens on a grid of 30-minute slots in **UTC** (so arrival
times are monotonic even across a daylight-saving change); each slot knows its local date,
local time of day and weekday in the center's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

SLOT_MIN = 30
SLOT_MS = SLOT_MIN * 60_000
SLOTS_PER_DAY = 24 * 60 // SLOT_MIN
_EPOCH = dt.datetime(1970, 1, 1)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def french_public_holidays(year: int) -> dict[dt.date, str]:
    """The 11 French public holidays (jours fériés, metropolitan France) of ``year``."""
    easter = easter_sunday(year)
    days = {
        dt.date(year, 1, 1): "Jour de l'an",
        easter + dt.timedelta(days=1): "Lundi de Pâques",
        dt.date(year, 5, 1): "Fête du Travail",
        dt.date(year, 5, 8): "Victoire 1945",
        easter + dt.timedelta(days=39): "Ascension",
        easter + dt.timedelta(days=50): "Lundi de Pentecôte",
        dt.date(year, 7, 14): "Fête nationale",
        dt.date(year, 8, 15): "Assomption",
        dt.date(year, 11, 1): "Toussaint",
        dt.date(year, 11, 11): "Armistice 1918",
        dt.date(year, 12, 25): "Noël",
    }
    return dict(sorted(days.items()))


def utc_ms(moment: dt.datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (or a naive UTC one)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def local_ms_to_utc_ms(day: dt.date, minute_of_day: int, zone: ZoneInfo) -> int:
    """UTC milliseconds of a local wall-clock time (daytime hours: never in a DST gap)."""
    local = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute_of_day)
    return utc_ms(local.replace(tzinfo=zone))


def _offset_ms(epoch_s: int, zone: ZoneInfo) -> int:
    offset = dt.datetime.fromtimestamp(epoch_s, tz=zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) * 1000


@dataclass(frozen=True)
class Calendar:
    """The period simulated, and its UTC slot grid with local attributes per slot."""

    start: dt.date
    days: int
    time_zone: str
    holidays: dict[dt.date, str]
    slot_utc_ms: np.ndarray  # int64, start of each UTC slot
    slot_day: np.ndarray  # int32, local day index (0 = start)
    slot_minute: np.ndarray  # int32, local minute of day of the slot start
    day_weekday: np.ndarray  # int8 per day, Monday = 0
    day_holiday: np.ndarray  # bool per day

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    @property
    def day_open(self) -> np.ndarray:
        """Days the center opens (Monday to Saturday, not a public holiday)."""
        return (self.day_weekday < 6) & ~self.day_holiday

    def day_start_utc_ms(self, day: int) -> int:
        return local_ms_to_utc_ms(self.date(day), 0, ZoneInfo(self.time_zone))


def build_calendar(start: dt.date, days: int, time_zone: str) -> Calendar:
    zone = ZoneInfo(time_zone)
    holidays: dict[dt.date, str] = {}
    for year in range(start.year, (start + dt.timedelta(days=days)).year + 1):
        holidays.update(french_public_holidays(year))
    first = local_ms_to_utc_ms(start, 0, zone)
    last = local_ms_to_utc_ms(start + dt.timedelta(days=days), 0, zone)
    slots = np.arange(first, last, SLOT_MS, dtype=np.int64)
    slot_day = np.empty(slots.size, dtype=np.int32)
    slot_minute = np.empty(slots.size, dtype=np.int32)
    # UTC -> local is a function: evaluate the offset once per hour boundary.
    hours = slots // 3_600_000
    unique_hours, inverse = np.unique(hours, return_inverse=True)
    offsets = np.array([_offset_ms(int(h) * 3600, zone) for h in unique_hours], dtype=np.int64)
    local = slots + offsets[inverse]
    start_ms = utc_ms(dt.datetime.combine(start, dt.time()))
    slot_day[:] = (local - start_ms) // 86_400_000
    slot_minute[:] = ((local - start_ms) % 86_400_000) // 60_000
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    return Calendar(
        start=start, days=days, time_zone=time_zone, holidays=holidays,
        slot_utc_ms=slots, slot_day=slot_day, slot_minute=slot_minute,
        day_weekday=np.array([d.weekday() for d in dates], dtype=np.int8),
        day_holiday=np.array([d in holidays for d in dates], dtype=bool))


def day_utc_base_ms(calendar: Calendar) -> np.ndarray:
    """Per local day, UTC ms of local midnight as seen at noon: base + minute·60 000 is the
    UTC time of a daytime local wall-clock minute (exact outside the 2–3 h DST window)."""
    zone = ZoneInfo(calendar.time_zone)
    base = np.empty(calendar.days, dtype=np.int64)
    for d in range(calendar.days):
        noon_utc = local_ms_to_utc_ms(calendar.date(d), 12 * 60, zone)
        base[d] = noon_utc - 12 * 3_600_000
    return base
