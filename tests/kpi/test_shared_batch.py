"""Requests computed together (``KpiSession.shared`` / ``compute_many``) give exactly the
figures of each request computed alone: the shared aggregates at the finest grain, rolled
up, change nothing — on the fixture center (tests/kpi/fixture_center.py), whose expected
values are hand-computed in test_contact_kpis.py and test_people_kpis.py, on DuckDB and Spark;
and on random centers across a DST change (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilotage.kpi import KpiRequest, load_catalogue
from pilotage.kpi.dimensions import Grain
from pilotage.kpi.query import kpi_session
from pilotage.kpi.rollup import family_key, shared_grain
from pilotage.store import Workspace
from tests.kpi.test_engine_conformance import assert_same_rows, kpis_for
from tests.kpi.test_rollup_properties import _workspace, contact

ORG_BY = [(org, grain) for org in ("agent", "team", "site", "center")
          for grain in ("day", "week", "month")]
OTHER_BY: list[tuple[str, ...]] = [
    ("queue", "interval30"), ("queue", "interval15"), ("queue", "hour"), ("queue", "day"),
    ("channel", "week"), ("channel", "month"), ("team",), (), ("year",), ("quarter",),
]


def _requests(by_list: list[tuple[str, ...]], **common: object) -> list[KpiRequest]:
    catalogue = load_catalogue()
    return [KpiRequest(kpis=kpis_for(catalogue, by), by=by, **common)  # type: ignore[arg-type]
            for by in by_list]


def _assert_batch_equals_alone(ws: Workspace, requests: list[KpiRequest],
                               engine: str = "duckdb") -> None:
    with kpi_session(ws, engine=engine) as session:
        alone = [session.compute(r).table for r in requests]
        together = session.compute_many(requests)
    for request, want, got in zip(requests, alone, together, strict=True):
        assert got.table.column_names == want.column_names, request.by
        assert want.num_rows > 0, request.by
        assert_same_rows(want.to_pylist(), got.table.to_pylist())


def test_the_shared_grain_is_the_coarsest_every_grain_rolls_up_from() -> None:
    assert shared_grain({Grain.DAY, Grain.WEEK, Grain.MONTH}) == Grain.DAY
    assert shared_grain({Grain.WEEK, Grain.MONTH}) == Grain.DAY  # a week is not in a month
    assert shared_grain({Grain.MONTH, Grain.YEAR, None}) == Grain.MONTH
    assert shared_grain({Grain.WEEK}) == Grain.WEEK
    assert shared_grain({Grain.INTERVAL30, Grain.HOUR}) == Grain.INTERVAL30
    assert shared_grain({Grain.INTERVAL15, Grain.INTERVAL30}) == Grain.INTERVAL15
    assert shared_grain({None}) is None


def test_requests_share_only_with_the_same_period_filters_and_dimension_family() -> None:
    team_week = family_key(KpiRequest(kpis=("aht",), by=("team", "week")))
    assert family_key(KpiRequest(kpis=("offered",), by=("center", "month"))) == team_week
    assert family_key(KpiRequest(kpis=("aht",), by=("queue", "week"))) != team_week
    assert family_key(KpiRequest(kpis=("aht",), by=("team", "interval30"))) != team_week
    assert family_key(KpiRequest(kpis=("aht",), by=("team", "week"),
                                 start=dt.date(2026, 1, 1))) != team_week
    assert family_key(KpiRequest(kpis=("aht",), by=("team", "week"),
                                 params={"aht.variant": "talk_only"})) != team_week


def test_the_whole_catalogue_at_every_level_and_grain_equals_each_request_alone(
        fixture_center_ws: Workspace) -> None:
    _assert_batch_equals_alone(fixture_center_ws, _requests(ORG_BY + OTHER_BY))


def test_a_batch_with_a_period_and_a_filter_equals_each_request_alone(
        fixture_center_ws: Workspace) -> None:
    requests = _requests([("agent", "day"), ("team", "week"), ("site",), ("queue", "hour"),
                          ("queue", "interval15")],
                         where=(("channel", "voice"),), business_hours=True)
    _assert_batch_equals_alone(fixture_center_ws, requests)


def test_the_distinct_day_count_of_attrition_rolls_up_as_distinct_days(
        fixture_center_ws: Workspace) -> None:
    # attrition multiplies leavers by the distinct calendar days of the group
    # (people.yaml: calendar_days, count_distinct): never a sum of the advisors' days
    requests = [KpiRequest(kpis=("attrition", "temp_share"), by=by)
                for by in (("agent", "month"), ("team", "month"), ("center", "month"),
                           ("center", "year"))]
    _assert_batch_equals_alone(fixture_center_ws, requests)
    with kpi_session(fixture_center_ws, catalogue=load_catalogue()) as session:
        rows = session.compute_many(requests)[2].table.to_pylist()
    assert rows and all(r["temp_share"] is None or 0 <= r["temp_share"] <= 1 for r in rows)


def test_a_request_reading_some_of_a_shared_tables_sources_gets_only_their_rows(
        fixture_center_ws: Workspace) -> None:
    # the contacts and the agent states of the family are joined into one shared table;
    # offered alone has no row for an advisor's day without contacts, adherence has; csat
    # is read by one request only: its surveys are aggregated for it alone
    requests = [KpiRequest(kpis=("offered", "adherence"), by=("agent", "week")),
                KpiRequest(kpis=("adherence", "offered"), by=("team", "day")),
                KpiRequest(kpis=("offered",), by=("agent", "day")),
                KpiRequest(kpis=("adherence",), by=("agent", "day")),
                KpiRequest(kpis=("offered", "csat"), by=("team", "week"))]
    _assert_batch_equals_alone(fixture_center_ws, requests)
    with kpi_session(fixture_center_ws) as session:
        offered, adherence = (session.compute(r).table.num_rows for r in requests[2:4])
    assert offered != adherence  # the case is really there


@pytest.mark.slow
def test_spark_rolls_up_the_same_figures(fixture_center_ws: Workspace,
                                         spark_engine: str) -> None:
    _assert_batch_equals_alone(
        fixture_center_ws,
        _requests([("team", "day"), ("site", "month"), ("queue", "interval30"),
                   ("queue", "hour")]),
        engine=spark_engine)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contact, min_size=1, max_size=40))
def test_rolled_up_intervals_equal_the_direct_ones_across_the_25_hour_day(
        contacts: list) -> None:  # type: ignore[type-arg]
    ws = _workspace(contacts)
    kpis = ("offered", "answered", "service_level", "aht", "longest_wait", "abandon_rate")
    requests = [KpiRequest(kpis=kpis, by=by) for by in (
        ("interval15",), ("interval30",), ("hour",), ("day",), ("hour", "queue"),
        ("team", "day"), ("agent", "day"))]
    with kpi_session(ws) as session:
        alone = [session.compute(r).table.to_pylist() for r in requests]
        together = [r.table.to_pylist() for r in session.compute_many(requests)]
    for want, got in zip(alone, together, strict=True):
        assert_same_rows(want, got)


def test_a_familys_temporary_tables_live_until_its_last_request(
        fixture_center_ws: Workspace) -> None:
    requests = [KpiRequest(kpis=("offered", "aht"), by=by)
                for by in (("team", "day"), ("site", "week"), ("queue", "hour"))]

    def temporary(session: object) -> int:
        con = session.backend.con  # type: ignore[attr-defined]
        ((n,),) = con.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
        return int(n)

    with kpi_session(fixture_center_ws) as session, session.shared(requests) as batch:
        assert temporary(session) == 0  # nothing built before it is needed
        batch.compute(requests[0])
        assert temporary(session) == 1  # the contacts' aggregates by team, site and day
        batch.compute(requests[1])
        assert temporary(session) == 0  # its family is done
        batch.compute(requests[2])  # alone in its family: computed directly
        assert temporary(session) == 0
