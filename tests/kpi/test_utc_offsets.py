"""DuckDB's ``from_utc_timestamp`` by tabulated offsets gives the local times of Python's
``zoneinfo`` exactly, and those of DuckDB's ICU wherever both tz databases agree."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilotage.kpi.utc_offsets import END_YEAR, FIRST_YEAR, duckdb_macro, offset_spans

# DST (Paris, New York, Sydney: southern summer), no DST today (Kolkata, +05:30), a +05:45
# offset (Kathmandu), a half-hour DST (Lord Howe), +12:45/+13:45 (Chatham), DST suspended
# for Ramadan (Casablanca), DST abolished (Sao Paulo, 2019)
ZONES = ("Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "Africa/Casablanca",
         "America/Sao_Paulo")
# DuckDB's ICU data puts Morocco at UTC+00 outside Ramadan from 2027 on (e.g. 2027-01-01),
# the tz database at UTC+01 (Morocco's time since 2018): there the macro follows zoneinfo,
# like every other local time Pilotage shows
ICU_DIFFERS = {"Africa/Casablanca"}


def _connection(time_zone: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(duckdb_macro(time_zone))
    return con


def _mismatches(con: duckdb.DuckDBPyConnection, time_zone: str,
                instants: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Instants whose macro local time differs from Python's zoneinfo (or from ICU, for the
    zones where both agree); out of the tabulated years, from ICU, which answers there."""
    zone = zoneinfo.ZoneInfo(time_zone)
    con.execute("CREATE OR REPLACE TEMP TABLE t (ts TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in instants])
    rows = con.execute(
        "SELECT ts, from_utc_timestamp(ts, ?), timezone(?, CAST(ts AS TIMESTAMPTZ)) FROM t",
        [time_zone, time_zone]).fetchall()
    wrong = []
    for ts, fast, icu in rows:
        if not FIRST_YEAR <= ts.year < END_YEAR:
            if fast != icu:
                wrong.append((ts, fast))
            continue
        expected = ts.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
        if fast != expected or (fast != icu and time_zone not in ICU_DIFFERS):
            wrong.append((ts, fast))
    return wrong


@pytest.mark.parametrize("time_zone", ZONES)
def test_local_time_is_exact_on_both_sides_of_every_transition(time_zone: str) -> None:
    con = _connection(time_zone)
    spans = offset_spans(time_zone)
    instants = [span.start_utc + dt.timedelta(seconds=delta)
                for span in spans[1:] for delta in (-3601, -1, 0, 1, 3599, 86400)]
    instants += [dt.datetime(year, 1, 1) for year in (FIRST_YEAR, 2026, END_YEAR - 1)]
    assert _mismatches(con, time_zone, instants) == []


def test_paris_changes_offset_twice_a_year_at_one_utc() -> None:
    """Europe/Paris: summer time from the last Sunday of March to the last Sunday of
    October, 01:00 UTC (EU directive 2000/84/EC)."""
    spans = [s for s in offset_spans("Europe/Paris") if s.start_utc.year == 2026]
    assert spans == [
        type(spans[0])(dt.datetime(2026, 3, 29, 1, 0), 7200),
        type(spans[0])(dt.datetime(2026, 10, 25, 1, 0), 3600),
    ]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(ZONES),
       st.lists(st.datetimes(min_value=dt.datetime(1900, 1, 1),
                             max_value=dt.datetime(2200, 1, 1)), min_size=1, max_size=50))
def test_local_time_matches_zoneinfo_at_any_instant(time_zone: str,
                                                    instants: list[dt.datetime]) -> None:
    assert _mismatches(_connection(time_zone), time_zone, instants) == []


def test_another_zone_than_the_tabulated_one_goes_through_icu() -> None:
    con = _connection("Europe/Paris")
    ((local,),) = con.execute(
        "SELECT from_utc_timestamp(TIMESTAMP '2026-07-01 12:00', 'America/New_York')"
    ).fetchall()
    assert local == dt.datetime(2026, 7, 1, 8, 0)  # EDT, UTC-4
