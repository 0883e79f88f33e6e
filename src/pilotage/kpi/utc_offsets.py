"""A time zone's UTC offsets as plain comparisons, for DuckDB's local-time conversion.

Every KPI row is put in its local day or interval: ``from_utc_timestamp`` runs on each of the
tens of millions of contacts and agent states. DuckDB's ``timezone()`` asks ICU for every
value (about 3.4 s for the 29.5 M agent states of the demo year on 2 cores); the offsets
of a zone change only at its transitions (twice a year for Europe/Paris), so the local time
is the UTC time plus the offset found by a binary search over the transition instants,
written as nested ``CASE`` (eight comparisons for 1970–2100): 0.5 s for the same rows, and
the same values (``tests/kpi/test_utc_offsets.py`` compares both on several zones, DST days
and half-hour offsets included). Outside the tabulated years, ICU answers as before.

The transitions come from the standard library's ``zoneinfo`` (the system's tz database or
the ``tzdata`` package), scanned every six hours and narrowed to the second.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

FIRST_YEAR = 1970
END_YEAR = 2100  # exclusive
_SCAN_STEP = dt.timedelta(hours=6)  # no zone has changed its offset twice within six hours
_UTC = dt.UTC


@dataclass(frozen=True)
class OffsetSpan:
    """From ``start_utc`` (naive UTC) on, the zone's clocks are ``offset_s`` ahead of UTC."""

    start_utc: dt.datetime
    offset_s: int


@functools.cache
def offset_spans(time_zone: str) -> tuple[OffsetSpan, ...]:
    """The zone's offsets from ``FIRST_YEAR`` to ``END_YEAR``, one span per offset change."""
    zone = zoneinfo.ZoneInfo(time_zone)

    def offset(at: dt.datetime) -> dt.timedelta:
        delta = at.astimezone(zone).utcoffset()
        assert delta is not None
        return delta

    at = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=_UTC)
    end = dt.datetime(END_YEAR, 1, 1, tzinfo=_UTC)
    current = offset(at)
    spans = [OffsetSpan(at.replace(tzinfo=None), int(current.total_seconds()))]
    while at < end:
        following = at + _SCAN_STEP
        new = offset(following)
        if new != current:
            before, after = at, following  # offset(before) == current != offset(after)
            while after - before > dt.timedelta(seconds=1):
                middle = (before + (after - before) / 2).replace(microsecond=0)
                if offset(middle) == current:
                    before = middle
                else:
                    after = middle
            spans.append(OffsetSpan(after.replace(tzinfo=None), int(new.total_seconds())))
            current = new
        at = following
    return tuple(spans)


def _literal(at: dt.datetime) -> str:
    return f"TIMESTAMP '{at.isoformat(sep=' ')}'"


def _search(spans: tuple[OffsetSpan, ...], low: int, high: int) -> str:
    """The offset (seconds) of ``ts`` among ``spans[low:high]``, by halves."""
    if high - low == 1:
        return str(spans[low].offset_s)
    middle = (low + high) // 2
    return (f"CASE WHEN ts < {_literal(spans[middle].start_utc)} "
            f"THEN {_search(spans, low, middle)} ELSE {_search(spans, middle, high)} END")


def duckdb_macro(time_zone: str) -> str:
    """``from_utc_timestamp(ts, tz)`` for DuckDB (Spark has it built in): ``time_zone`` by
    its tabulated offsets, any other zone (or a time out of the table) through ICU. ``tz``
    is a constant in every call, so DuckDB folds the zone test away."""
    spans = offset_spans(time_zone)
    end = dt.datetime(END_YEAR, 1, 1)
    zone = time_zone.replace("'", "''")
    return ("CREATE OR REPLACE TEMP MACRO from_utc_timestamp(ts, tz) AS CASE "
            f"WHEN tz = '{zone}' AND ts >= {_literal(spans[0].start_utc)} "
            f"AND ts < {_literal(end)} THEN ts + to_seconds({_search(spans, 0, len(spans))}) "
            "ELSE timezone(tz, CAST(ts AS TIMESTAMPTZ)) END")
