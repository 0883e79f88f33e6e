"""Weekly opening hours of a queue (local wall-clock), from the command line or the workspace.

Spans are written ``[DAYS ]HH:MM-HH:MM``, DAYS being ``Mon``, ``Mon-Fri`` or ``Mon,Wed``
(no DAYS: every day); the closing time is exclusive and ``24:00`` is allowed. The workspace's
``opening_hours`` table holds the same spans (weekday 1 = Monday … 7 = Sunday); its
``public_holidays`` (for every site, or the queue's site) are closed days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pilotage.errors import InputError, ParameterError
from pilotage.store import Workspace

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningSpan:
    weekday: int  # 0 = Monday … 6 = Sunday
    opens_min: int  # minutes after local midnight
    closes_min: int  # exclusive


def _minutes(text: str, spec: str) -> int:
    try:
        hours, minutes = (int(x) for x in text.split(":"))
    except ValueError:
        raise ParameterError(f"--opening {spec!r}: {text!r} is not HH:MM",
                             hint="write e.g. 'Mon-Fri 08:00-19:00'") from None
    value = hours * 60 + minutes
    if not (0 <= minutes < 60 and 0 <= value <= 24 * 60):
        raise ParameterError(f"--opening {spec!r}: {text!r} is not a time of day",
                             hint="use 00:00 to 24:00")
    return value


def _days(text: str, spec: str) -> list[int]:
    out: list[int] = []
    for part in text.lower().split(","):
        ends = part.strip().split("-")
        try:
            first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        except ValueError:
            raise ParameterError(f"--opening {spec!r}: {part!r} is not a day or a range of "
                                 "days", hint="use Mon, Tue, … Sun, e.g. 'Mon-Fri'") from None
        if len(ends) > 2 or last < first:
            raise ParameterError(f"--opening {spec!r}: {part!r} is not a range of days",
                                 hint="write the first day first, e.g. 'Mon-Fri'")
        out += range(first, last + 1)
    return out


@dataclass(frozen=True)
class OpeningHours:
    """Spans in which advisors work on the queue."""

    spans: tuple[OpeningSpan, ...]
    closed_days: frozenset[dt.date] = frozenset()

    def closed_on(self, days: Iterable[dt.date]) -> OpeningHours:
        """The same hours, closed on ``days`` too (public holidays, declared closed days)."""
        return OpeningHours(self.spans, self.closed_days | frozenset(days))

    @classmethod
    def parse(cls, specs: Sequence[str]) -> OpeningHours:
        spans = []
        for spec in specs:
            words = spec.split()
            if len(words) not in (1, 2) or "-" not in words[-1]:
                raise ParameterError(f"--opening {spec!r} is not '[DAYS ]HH:MM-HH:MM'",
                                     hint="write e.g. 'Mon-Fri 08:00-19:00' or '09:00-17:00'")
            opens, closes = (_minutes(t, spec) for t in words[-1].split("-", 1))
            if closes <= opens:
                raise ParameterError(f"--opening {spec!r} closes before it opens",
                                     hint="split a span over midnight in two")
            days = _days(words[0], spec) if len(words) == 2 else list(range(7))
            spans += [OpeningSpan(d, opens, closes) for d in days]
        return cls(tuple(spans))

    @classmethod
    def of_queue(cls, workspace: Workspace, queue_id: str) -> OpeningHours:
        """The queue's rows of ``opening_hours`` (rows without a queue apply to every queue),
        closed on the public holidays of every site or of the queue's site."""
        with workspace.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT weekday, opens, closes FROM opening_hours "
                "WHERE queue_id = ? OR queue_id IS NULL", [queue_id]).fetchall()
            holidays = con.execute(
                "SELECT h.day FROM public_holidays h WHERE h.site_id IS NULL OR h.site_id = "
                "(SELECT site_id FROM queues WHERE queue_id = ?)", [queue_id]).fetchall()
        if not rows:
            raise InputError(f"the workspace has no opening hours for queue {queue_id!r}",
                             hint="load the opening_hours table, or give --opening")
        spans = []
        for weekday, opens, closes in rows:
            spec = f"{opens}-{closes}"
            spans.append(OpeningSpan(int(weekday) - 1, _minutes(str(opens), spec),
                                     _minutes(str(closes), spec)))
        return cls(tuple(spans), frozenset(d for (d,) in holidays))

    def is_open(self, local_starts: Iterable[dt.datetime], interval_min: int) -> list[bool]:
        """Whether each interval (local start) lies within an opening span."""
        out = []
        for start in local_starts:
            minute = start.hour * 60 + start.minute
            day = start.weekday()
            in_span = any(s.weekday == day and s.opens_min <= minute
                          and minute + interval_min <= s.closes_min for s in self.spans)
            out.append(in_span and start.date() not in self.closed_days)
        return out
