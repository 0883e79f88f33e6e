"""Advisor-time, HR, quality, commercial, financial and forecast KPIs on the fixture center
(tests/kpi/fixture_center.py); every expected value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from pilotage.kpi import KpiRequest, compute
from pilotage.store import Workspace
from tests.kpi import fixture_center

OCT5 = dt.date(2026, 10, 5)


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("kpi") / "ws")
    fixture_center.build(ws)
    return ws


def one(center: Workspace, *kpis: str, **kw: object) -> dict[str, object]:
    (row,) = compute(center, KpiRequest(kpis=kpis, **kw)).table.to_pylist()  # type: ignore[arg-type]
    return row


def test_occupancy_utilisation_adherence_conformance_of_a1(center: Workspace) -> None:
    r = one(center, "occupancy", "utilisation", "adherence", "conformance",
            where=(("agent", "A1"),))
    # handling = on_contact 1800 + acw 600; available 1800 + 2100; logged in 7200
    assert r["occupancy"] == pytest.approx(2400 / 6300)
    assert r["utilisation"] == pytest.approx(2400 / 7200)
    # in adherence: work 06:00-07:15 ← available 1800 + on_contact 1800 + acw 600;
    # break 07:15-07:30 ← break 07:10-07:25 overlaps 600; work 07:30-08:00 ← available 1800
    assert r["adherence"] == pytest.approx((4200 + 600 + 1800) / 7200)
    # logged in 7200 / scheduled work 4500 + 1800
    assert r["conformance"] == pytest.approx(7200 / 6300)


def test_shrinkage_and_its_planned_and_unplanned_parts(center: Workspace) -> None:
    # scheduled 2 h (A1) of which break 0.25 h; A3 unplanned sickness 7 h
    assert one(center, "shrinkage")["shrinkage"] == pytest.approx((0.25 + 7) / (2 + 7))
    planned = one(center, "shrinkage", params={"shrinkage.variant": "planned"})
    assert planned["shrinkage"] == pytest.approx(0.25 / 9)
    unplanned = one(center, "shrinkage", params={"shrinkage.variant": "unplanned"})
    assert unplanned["shrinkage"] == pytest.approx(7 / 9)


def test_contacts_per_productive_hour_and_costs_of_a1_on_oct_5(center: Workspace) -> None:
    r = one(center, "contacts_per_productive_hour", "cost_per_contact",
            "cost_per_productive_hour", where=(("agent", "A1"),), start=OCT5, end=OCT5)
    # handled by A1 on Oct 5: c01, c02; productive: 1800 + 1800 + 600 + 2100 s = 1.75 h;
    # staff cost: 2 h logged in × 20 €/h = 40 €
    assert r["contacts_per_productive_hour"] == pytest.approx(2 / 1.75)
    assert r["cost_per_contact"] == pytest.approx(40 / 2)
    assert r["cost_per_productive_hour"] == pytest.approx(40 / 1.75)


def test_quality_score_and_critical_errors(center: Workspace) -> None:
    r = one(center, "quality_score", "critical_error_rate")
    assert r == {"quality_score": pytest.approx(230 / 300),
                 "critical_error_rate": pytest.approx(1 / 3)}


def test_headcount_kpis_for_october(center: Workspace) -> None:
    r = one(center, "temp_share", "attrition", "absenteeism", start=dt.date(2026, 10, 1),
            end=dt.date(2026, 10, 31))
    # person-days in October up to the data's last day (Oct 6): A1 6, A2 5 (left Oct 6),
    # A3 6 = 17; temps: A2 5; leavers 1 over 6 days → average headcount 17 / 6
    assert r["temp_share"] == pytest.approx(5 / 17)
    assert r["attrition"] == pytest.approx(1 / (17 / 6))
    # sickness 7 h / contractual hours: A1 6 × 5 h + A2 5 × 5 h + A3 6 × 4 h = 79 h
    assert r["absenteeism"] == pytest.approx(7 / 79)


def test_commercial_kpis(center: Workspace) -> None:
    r = one(center, "outbound_contact_rate", "conversion_rate", "revenue_per_contact",
            "upsell_rate")
    # outbound: o01 reached (sale 120 €), o02 no answer; handled (any direction) 8
    assert r == {"outbound_contact_rate": pytest.approx(1 / 2),
                 "conversion_rate": pytest.approx(1 / 8),
                 "revenue_per_contact": pytest.approx(120 / 8), "upsell_rate": 0.0}


def test_forecast_accuracy_uses_the_forecast_in_force(center: Workspace) -> None:
    r = one(center, "forecast_accuracy_volume", "forecast_accuracy_aht")
    # F1 (made the day before): 5 calls, AHT 150 s for support 06:00-07:00 UTC; F2 was made
    # after the interval started, so it is ignored. Actual: offered 6 (c01-c06); handled 3
    # (c01 250 s, c02 120 s, c05 60 s) = 430 s against 3 × 150 = 450 s
    assert r["forecast_accuracy_volume"] == pytest.approx((6 - 1) / 6)
    assert r["forecast_accuracy_aht"] == pytest.approx((430 - 20) / 430)


def test_repeat_contacts_across_days(center: Workspace) -> None:
    # c10 comes from c08's customer one hour later; 13 identified contacts (c07 is IVR)
    r = one(center, "repeat_contact_rate")
    assert r["repeat_contact_rate"] == pytest.approx(1 / 13)


def test_written_backlog_and_its_age(center: Workspace) -> None:
    # m01, m02 not closed; data ends at o02 (Oct 6 12:10 UTC): ages 27h10 and 26h10
    r = one(center, "backlog", "backlog_age")
    assert r == {"backlog": 2, "backlog_age": pytest.approx((97800 + 94200) / 2)}


@pytest.fixture(scope="module")
def night_shift(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A9 works 22:00-02:00 UTC across midnight; a 30-minute forecast interval spans 23:00."""
    from pilotage.store import Batch

    night = dt.datetime(2026, 10, 5, 22, 0)
    at = [night + dt.timedelta(minutes=m) for m in (-30, 60, 150, 180, 270)]
    states = [("available", at[0], at[1]), ("on_contact", at[1], at[2]),
              ("acw", at[2], at[3]), ("break", at[3], at[4])]
    contacts = [fixture_center._contact(cid, night + dt.timedelta(minutes=m), "answered", 5,
                                        advisor="A9", talk=60)
                for cid, m in (("n1", 50), ("n2", 65), ("n3", 80))]
    ws = Workspace.init(tmp_path_factory.mktemp("kpi-night") / "ws")
    tables = {
        "agent_states": pa.table({
            "advisor_id": ["A9"] * 4, "state": [s[0] for s in states],
            "start_at": [s[1] for s in states], "end_at": [s[2] for s in states],
            "duration_s": [(s[2] - s[1]).total_seconds() for s in states]}),
        "schedules": pa.table({
            "advisor_id": ["A9"], "activity": ["work"], "start_at": [night],
            "end_at": [night + dt.timedelta(hours=4)], "schedule_version": ["v1"]}),
        "forecasts": pa.table({
            "snapshot_id": ["F"], "created_at": [night - dt.timedelta(days=1)],
            "queue_id": ["support"], "interval_start": [night + dt.timedelta(minutes=45)],
            "interval_min": [30], "volume": [3.0], "aht_s": [60.0]}),
        "contacts": pa.Table.from_pylist(contacts),
    }
    rows = sum(t.num_rows for t in tables.values())
    ws.commit(Batch(source_path="night-shift", content_sha256="n" * 64, format="fixture",
                    tables=tables, rows_read=rows, rows_loaded=rows))
    return ws


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_adherence_and_forecast_actuals_count_intervals_across_midnight_and_hours(
        night_shift: Workspace, engine: str) -> None:
    # schedule work 22:00-02:00 (14,400 s); satisfying states: available 21:30-23:00 overlaps
    # 3,600 s, on_contact 23:00-00:30 5,400 s, acw 00:30-01:00 1,800 s (break 01:00-02:30
    # does not satisfy work): 10,800 / 14,400, whatever UTC day each piece falls in
    (r,) = compute(night_shift, KpiRequest(kpis=("adherence", "forecast_accuracy_volume")),
                   engine=engine).table.to_pylist()
    assert r["adherence"] == pytest.approx(10_800 / 14_400)
    # interval 22:45-23:15 UTC: n1 (22:50) and n2 (23:05) fall in it, n3 (23:20) does not:
    # actual 2, forecast 3 → 1 − |3 − 2| / 2
    assert r["forecast_accuracy_volume"] == pytest.approx(0.5)
