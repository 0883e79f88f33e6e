"""Dimensions a KPI can be sliced by: time grains in the site's time zone (DST days have 23
or 25 hours: interval labels carry the UTC offset), organisation levels with effective-dated
team membership, and contact attributes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import ibis
import ibis.expr.types as ir

from pilotage.errors import ParameterError


class Grain(StrEnum):
    INTERVAL15 = "interval15"
    INTERVAL30 = "interval30"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


TIME_DIMENSIONS = tuple(g.value for g in Grain)
ORG_DIMENSIONS = ("agent", "team", "site", "center")
CONTACT_DIMENSIONS = ("queue", "channel", "direction", "contract", "motive")
ALL_DIMENSIONS = TIME_DIMENSIONS + ORG_DIMENSIONS + CONTACT_DIMENSIONS

# the column an enriched row carries for each non-time dimension
DIMENSION_COLUMN = {
    "agent": "advisor_id", "team": "team_id", "site": "site_id", "center": "center_id",
    "queue": "queue_id", "channel": "channel", "direction": "direction",
    "contract": "contract_id", "motive": "motive",
}


def check_dimensions(by: tuple[str, ...]) -> None:
    for name in by:
        if name not in ALL_DIMENSIONS:
            import difflib

            close = difflib.get_close_matches(name, ALL_DIMENSIONS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                "dimensions: " + ", ".join(ALL_DIMENSIONS))
            raise ParameterError(f"unknown dimension '{name}' in --by", hint=hint)
    grains = [b for b in by if b in TIME_DIMENSIONS]
    if len(grains) > 1:
        raise ParameterError(f"--by names two time grains ({', '.join(grains)}); keep one")


@ibis.udf.scalar.builtin
def from_utc_timestamp(ts: dt.datetime, tz: str) -> dt.datetime:  # type: ignore[empty-body]
    """UTC → wall-clock time in ``tz`` (Spark builtin; a DuckDB macro of the same name,
    ``pilotage.kpi.utc_offsets.duckdb_macro``)."""


def time_key(ts: ir.TimestampValue, grain: Grain, time_zone: str,
             local: ir.TimestampValue | None = None) -> dict[str, ir.Value]:
    """Group-by keys for ``grain``: a local start timestamp and, for sub-day grains, the
    UTC offset in minutes (so the repeated hour of a 25-hour day stays two intervals).
    ``local`` is ``ts`` in ``time_zone`` when the caller has already computed it."""
    if local is None:
        local = from_utc_timestamp(ts, time_zone)
    day = local.date()
    keys: dict[str, ir.Value]
    if grain in (Grain.INTERVAL15, Grain.INTERVAL30, Grain.HOUR):
        minutes = {Grain.INTERVAL15: 15, Grain.INTERVAL30: 30, Grain.HOUR: 60}[grain]
        start = local.truncate("h")
        if minutes < 60:
            start = start + ((local.minute() // minutes) * minutes).as_interval("m")
        offset = ((local.epoch_seconds() - ts.epoch_seconds()) // 60).cast("int32")
        keys = {"_t": start, "_offset_min": offset}
    elif grain == Grain.DAY:
        keys = {"_t": day}
    elif grain == Grain.WEEK:
        keys = {"_t": day - day.day_of_week.index().as_interval("D")}
    elif grain == Grain.MONTH:
        keys = {"_t": local.truncate("M").date()}
    elif grain == Grain.QUARTER:
        keys = {"_t": local.truncate("Q").date()}
    else:
        keys = {"_t": local.truncate("Y").date()}
    return keys


def time_label(value: object, offset_min: int | None, grain: Grain) -> str:
    """The output label of a time key: ``2026-10-05``, ``2026-W41``, ``2026-10``,
    ``2026-Q4``, ``2026``, or ``2026-10-25T02:30+02:00`` for intervals."""
    if grain in (Grain.INTERVAL15, Grain.INTERVAL30, Grain.HOUR):
        assert isinstance(value, dt.datetime) and offset_min is not None
        sign = "+" if offset_min >= 0 else "-"
        hours, minutes = divmod(abs(offset_min), 60)
        return f"{value:%Y-%m-%dT%H:%M}{sign}{hours:02d}:{minutes:02d}"
    day = value.date() if isinstance(value, dt.datetime) else value
    assert isinstance(day, dt.date)
    if grain == Grain.DAY:
        return day.isoformat()
    if grain == Grain.WEEK:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == Grain.MONTH:
        return f"{day:%Y-%m}"
    if grain == Grain.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"
