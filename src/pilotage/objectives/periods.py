"""Reporting periods: a month ``2026-10``, an ISO week ``2026-W40``, a quarter ``2026-Q4``, a
year ``2026``, a day ``2026-10-05``, or an explicit range — and the period before."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from pilotage.errors import ParameterError
from pilotage.objectives.model import Period


@dataclass(frozen=True)
class ReportingPeriod:
    label: str
    start: dt.date  # first day
    end: dt.date  # last day, included
    kind: Period | None  # None for an explicit range

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportingPeriod:
        if self.kind is Period.MONTH:
            first = (self.start - dt.timedelta(days=1)).replace(day=1)
            return parse_period(f"{first:%Y-%m}")
        if self.kind is Period.QUARTER:
            first = (self.start - dt.timedelta(days=1))
            return parse_period(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
        if self.kind is Period.YEAR:
            return parse_period(str(self.start.year - 1))
        if self.kind is Period.WEEK:
            monday = self.start - dt.timedelta(days=7)
            iso = monday.isocalendar()
            return parse_period(f"{iso.year}-W{iso.week:02d}")
        start = self.start - dt.timedelta(days=self.days)
        end = self.start - dt.timedelta(days=1)
        label = start.isoformat() if self.kind is Period.DAY else f"{start}..{end}"
        return ReportingPeriod(label, start, end, self.kind)


def parse_period(text: str) -> ReportingPeriod:
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            return ReportingPeriod(text, dt.date(year, month, 1), dt.date(year, month, last),
                                   Period.MONTH)
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        try:
            monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            pass
        else:
            return ReportingPeriod(text, monday, monday + dt.timedelta(days=6), Period.WEEK)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, quarter = int(m[1]), int(m[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        end_month = 3 * quarter
        end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
        return ReportingPeriod(text, start, end, Period.QUARTER)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return ReportingPeriod(text, dt.date(year, 1, 1), dt.date(year, 12, 31), Period.YEAR)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(
            f"--period {text!r} is not a period",
            hint="write a month 2026-10, an ISO week 2026-W40, a quarter 2026-Q4, a year "
                 "2026 or a day 2026-10-05; or use --from/--to") from None
    return ReportingPeriod(text, day, day, Period.DAY)


def period_range(start: dt.date, end: dt.date) -> ReportingPeriod:
    if end < start:
        raise ParameterError(f"--to {end} is before --from {start}")
    return ReportingPeriod(f"{start}..{end}", start, end, None)
