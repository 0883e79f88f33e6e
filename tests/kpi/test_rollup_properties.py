"""Roll-ups are right by construction (Hypothesis, random centers): a team's ratio equals the
ratio recomputed from its advisors' pooled measures, and additive measures summed over
intervals equal the day's — on days with 23 and 25 hours too."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilotage.kpi import KpiRequest, compute
from pilotage.store import Batch, Workspace

ADVISORS = {"A1": "T1", "A2": "T1", "A3": "T2", "A4": "T2", "A5": "T2"}
# the DST change of 2026-10-25 (Europe/Paris): that local day has 25 hours
DAY_START_UTC = dt.datetime(2026, 10, 24, 22, 0)

contact = st.tuples(
    st.integers(min_value=0, max_value=25 * 3600 - 1),  # seconds after local midnight
    st.sampled_from(["answered", "answered", "transferred", "abandoned"]),
    st.sampled_from(list(ADVISORS)),
    st.floats(min_value=0, max_value=300, allow_nan=False),  # wait
    st.floats(min_value=1, max_value=900, allow_nan=False),  # talk
    st.floats(min_value=0, max_value=120, allow_nan=False),  # acw
)


def _workspace(contacts: list[tuple[int, str, str, float, float, float]]) -> Workspace:
    root = Path(tempfile.mkdtemp()) / "ws"
    ws = Workspace.init(root)
    rows = []
    for i, (offset, outcome, advisor, wait, talk, acw) in enumerate(contacts):
        answered = outcome != "abandoned"
        rows.append({
            "contact_id": f"c{i}", "queue_id": "q", "channel": "voice", "direction": "inbound",
            "offered_at": DAY_START_UTC + dt.timedelta(seconds=offset), "outcome": outcome,
            "wait_s": wait, "talk_s": talk if answered else None,
            "acw_s": acw if answered else None, "advisor_id": advisor if answered else None})
    tables = {
        "teams": pa.table({"team_id": ["T1", "T2"], "site_id": ["S", "S"],
                           "name": ["T1", "T2"]}),
        "team_memberships": pa.table({"advisor_id": list(ADVISORS),
                                      "team_id": list(ADVISORS.values()),
                                      "valid_from": [dt.date(2026, 1, 1)] * len(ADVISORS)}),
        "contacts": pa.Table.from_pylist(rows),
    }
    n = sum(t.num_rows for t in tables.values())
    ws.commit(Batch(source_path="random", content_sha256="r" * 64, format="test", tables=tables,
                    rows_read=n, rows_loaded=n))
    return ws


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contact, min_size=1, max_size=60))
def test_team_ratio_equals_the_pooled_ratio_of_its_advisors(contacts: list) -> None:  # type: ignore[type-arg]
    ws = _workspace(contacts)
    kpis = ("answered", "aht", "asa", "transfer_rate")
    by_team = {r["team"]: r for r in compute(ws, KpiRequest(kpis=kpis, by=("team",)))
               .table.to_pylist()}
    by_agent = compute(ws, KpiRequest(kpis=kpis, by=("agent",))).table.to_pylist()
    for team in ("T1", "T2"):
        members = [r for r in by_agent if r["agent"] and ADVISORS[r["agent"]] == team]
        answered = sum(r["answered"] for r in members)
        if answered == 0:
            assert team not in by_team or by_team[team]["aht"] is None
            continue
        for kpi in ("aht", "asa", "transfer_rate"):
            pooled = sum(r[kpi] * r["answered"] for r in members) / answered
            assert by_team[team][kpi] == pytest.approx(pooled, rel=1e-9, abs=1e-9)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contact, min_size=1, max_size=60))
def test_intervals_add_up_to_the_day_even_on_a_25_hour_day(contacts: list) -> None:  # type: ignore[type-arg]
    ws = _workspace(contacts)
    kpis = ("offered", "answered", "abandoned")
    day = KpiRequest(kpis=(*kpis, "service_level"), by=("day",))
    intervals = compute(ws, KpiRequest(kpis=(*kpis, "service_level"), by=("interval15",)))
    days = compute(ws, day).table.to_pylist()
    rows = intervals.table.to_pylist()
    for kpi in kpis:
        assert sum(r[kpi] for r in rows) == sum(d[kpi] for d in days)
    # service level of the day = Σ within-threshold / Σ offered over its intervals
    within = sum(r["service_level"] * r["offered"] for r in rows if r["offered"])
    total = sum(r["offered"] for r in rows)
    assert sum(d["service_level"] * d["offered"] for d in days) == pytest.approx(within)
    assert total == len(contacts)
    # a 25-hour day has at most 100 quarter-hours, labelled with their UTC offset
    labels = [r["interval15"] for r in rows]
    assert len(labels) == len(set(labels)) <= 100 + 4  # + the next day's first hour


def test_the_repeated_hour_of_the_dst_change_stays_two_intervals() -> None:
    # 00:30 and 01:30 UTC on 2026-10-25 are both 02:30 local (CEST, then CET)
    ws = _workspace([(2 * 3600 + 1800, "answered", "A1", 5.0, 60.0, 0.0),
                     (3 * 3600 + 1800, "answered", "A1", 5.0, 60.0, 0.0)])
    rows = compute(ws, KpiRequest(kpis=("offered",), by=("interval30",))).table.to_pylist()
    assert rows == [{"interval30": "2026-10-25T02:30+02:00", "offered": 1},
                    {"interval30": "2026-10-25T02:30+01:00", "offered": 1}]
