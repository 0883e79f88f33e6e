"""A small hand-made center whose KPI values are computed by hand in the tests.

Two teams (T1 at site S1, T2 at site S1), three advisors; A3 moves from T1 to T2 on
2026-10-06. Queues: ``support`` (voice inbound), ``mail`` (e-mail inbound), ``sales`` (voice
outbound). Times are UTC; the workspace reports in Europe/Paris (UTC+2 in early October).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from pilotage.store import Batch, Workspace

D = dt.datetime


def _contact(cid: str, offered: dt.datetime, outcome: str, wait: float, *,
             queue: str = "support", channel: str = "voice", direction: str = "inbound",
             advisor: str | None = None, talk: float = 0, hold: float = 0, acw: float = 0,
             resolved: bool | None = None, first_response: dt.datetime | None = None,
             sale: bool = False, amount: float | None = None) -> dict[str, object]:
    answered = offered + dt.timedelta(seconds=wait) if outcome in (
        "answered", "transferred") else None
    ended = offered + dt.timedelta(seconds=wait + talk + hold)
    return {"contact_id": cid, "queue_id": queue, "channel": channel, "direction": direction,
            "offered_at": offered, "answered_at": answered, "ended_at": ended,
            "first_response_at": first_response, "wait_s": wait, "talk_s": talk,
            "hold_s": hold, "acw_s": acw, "advisor_id": advisor, "outcome": outcome,
            "resolved": resolved, "sale": sale, "sale_amount_eur": amount,
            "customer_key": f"k{cid}"}


# 2026-10-05 is a Monday. Local time = UTC + 2 h.
CONTACTS = [
    # support, 2026-10-05 08:00-09:00 local (06:xx UTC)
    _contact("c01", D(2026, 10, 5, 6, 0), "answered", 10, advisor="A1", talk=200, hold=20,
             acw=30, resolved=True),
    _contact("c02", D(2026, 10, 5, 6, 10), "answered", 30, advisor="A1", talk=100, acw=20,
             resolved=False),
    _contact("c03", D(2026, 10, 5, 6, 20), "abandoned", 3),
    _contact("c04", D(2026, 10, 5, 6, 40), "abandoned", 45),
    _contact("c05", D(2026, 10, 5, 6, 50), "transferred", 15, advisor="A2", talk=60, acw=0,
             resolved=True),
    _contact("c06", D(2026, 10, 5, 6, 55), "timeout", 120),
    _contact("c07", D(2026, 10, 5, 7, 5), "ivr_abandoned", 0),
    # support, 2026-10-06
    _contact("c08", D(2026, 10, 6, 7, 0), "answered", 5, advisor="A3", talk=300, hold=60,
             acw=40, resolved=True),
    _contact("c09", D(2026, 10, 6, 7, 30), "answered", 25, advisor="A3", talk=150, acw=10),
    _contact("c10", D(2026, 10, 6, 8, 0), "abandoned", 40),  # same customer as c08
    # e-mail: answered within 24 h, then after 24 h
    _contact("m01", D(2026, 10, 5, 9, 0), "answered", 3600, queue="mail", channel="email",
             advisor="A2", talk=400, first_response=D(2026, 10, 5, 12, 0), resolved=True),
    _contact("m02", D(2026, 10, 5, 10, 0), "answered", 90000, queue="mail", channel="email",
             advisor="A2", talk=300, first_response=D(2026, 10, 6, 12, 0), resolved=True),
    # outbound: one answered sale, one no answer
    _contact("o01", D(2026, 10, 6, 12, 0), "answered", 0, queue="sales", direction="outbound",
             advisor="A1", talk=240, acw=60, sale=True, amount=120.0),
    _contact("o02", D(2026, 10, 6, 12, 10), "no_answer", 0, queue="sales",
             direction="outbound", advisor="A1"),
]

CONTACTS[9]["customer_key"] = "kc08"

# A1 on 2026-10-05, 06:00-08:00 UTC
AGENT_STATES = [
    ("A1", "logged_in", D(2026, 10, 5, 6, 0), D(2026, 10, 5, 8, 0)),
    ("A1", "available", D(2026, 10, 5, 6, 0), D(2026, 10, 5, 6, 30)),
    ("A1", "on_contact", D(2026, 10, 5, 6, 30), D(2026, 10, 5, 7, 0)),
    ("A1", "acw", D(2026, 10, 5, 7, 0), D(2026, 10, 5, 7, 10)),
    ("A1", "break", D(2026, 10, 5, 7, 10), D(2026, 10, 5, 7, 25)),
    ("A1", "available", D(2026, 10, 5, 7, 25), D(2026, 10, 5, 8, 0)),
]
SCHEDULES = [
    ("A1", "work", D(2026, 10, 5, 6, 0), D(2026, 10, 5, 7, 15)),
    ("A1", "break", D(2026, 10, 5, 7, 15), D(2026, 10, 5, 7, 30)),
    ("A1", "work", D(2026, 10, 5, 7, 30), D(2026, 10, 5, 8, 0)),
]

SURVEYS = [
    {"response_id": "s1", "contact_id": "c01", "responded_at": D(2026, 10, 5, 10, 0),
     "csat": 5, "nps": 10, "ces": 6, "verbatim_negative": False, "followup_status": None},
    {"response_id": "s2", "contact_id": "c02", "responded_at": D(2026, 10, 5, 11, 0),
     "csat": 2, "nps": 3, "ces": 2, "verbatim_negative": True, "followup_status": "done"},
    {"response_id": "s3", "contact_id": "c08", "responded_at": D(2026, 10, 6, 10, 0),
     "csat": 4, "nps": 8, "ces": 5, "verbatim_negative": False, "followup_status": None},
    {"response_id": "s4", "contact_id": "c09", "responded_at": D(2026, 10, 6, 11, 0),
     "csat": 1, "nps": 0, "ces": 1, "verbatim_negative": True, "followup_status": "pending"},
]


def build(workspace: Workspace) -> None:
    tables = {
        "centers": pa.table({"center_id": ["C"], "name": ["Centre"],
                             "time_zone": ["Europe/Paris"]}),
        "sites": pa.table({"site_id": ["S1"], "center_id": ["C"], "name": ["Lyon"],
                           "time_zone": ["Europe/Paris"]}),
        "teams": pa.table({"team_id": ["T1", "T2"], "site_id": ["S1", "S1"],
                           "name": ["Équipe 1", "Équipe 2"]}),
        "advisors": pa.table({
            "advisor_id": ["A1", "A2", "A3"], "site_id": ["S1"] * 3,
            "contract_type": ["permanent", "temp_agency", "fixed_term"],
            "hire_date": [dt.date(2026, 1, 1), dt.date(2026, 10, 1), dt.date(2025, 6, 1)],
            "leave_date": [None, dt.date(2026, 10, 6), None],
            "weekly_hours": [35.0, 35.0, 28.0], "hourly_cost_eur": [20.0, 25.0, 18.0]}),
        "agent_states": pa.table({
            "advisor_id": [r[0] for r in AGENT_STATES], "state": [r[1] for r in AGENT_STATES],
            "start_at": [r[2] for r in AGENT_STATES], "end_at": [r[3] for r in AGENT_STATES],
            "duration_s": [(r[3] - r[2]).total_seconds() for r in AGENT_STATES]}),
        "schedules": pa.table({
            "advisor_id": [r[0] for r in SCHEDULES], "activity": [r[1] for r in SCHEDULES],
            "start_at": [r[2] for r in SCHEDULES], "end_at": [r[3] for r in SCHEDULES],
            "schedule_version": ["v1"] * 3}),
        "absences": pa.table({
            "advisor_id": ["A3"], "absence_type": ["sickness"], "planned": [False],
            "start_at": [D(2026, 10, 5, 7, 0)], "end_at": [D(2026, 10, 5, 15, 0)],
            "hours": [7.0]}),
        "evaluations": pa.table({
            "evaluation_id": ["e1", "e2", "e3"], "contact_id": ["c01", "c02", "c08"],
            "advisor_id": ["A1", "A1", "A3"], "grid_id": ["g"] * 3,
            "evaluated_at": [D(2026, 10, 5, 14, 0), D(2026, 10, 5, 15, 0),
                             D(2026, 10, 6, 14, 0)],
            "score": [80.0, 60.0, 90.0], "max_score": [100.0] * 3,
            "critical_error": [False, True, False]}),
        "forecasts": pa.table({
            "snapshot_id": ["F1", "F2"],
            "created_at": [D(2026, 10, 4, 12, 0), D(2026, 10, 5, 7, 30)],
            "queue_id": ["support", "support"],
            "interval_start": [D(2026, 10, 5, 6, 0), D(2026, 10, 5, 6, 0)],
            "interval_min": [60, 60], "volume": [5.0, 100.0], "aht_s": [150.0, 10.0]}),
        "team_memberships": pa.table({
            "advisor_id": ["A1", "A2", "A3", "A3"], "team_id": ["T1", "T2", "T1", "T2"],
            "valid_from": [dt.date(2026, 1, 1)] * 3 + [dt.date(2026, 10, 6)],
            "valid_to": [None, None, dt.date(2026, 10, 6), None]}),
        "queues": pa.table({"queue_id": ["support", "mail", "sales"],
                            "channel": ["voice", "email", "voice"],
                            "direction": ["inbound", "inbound", "outbound"],
                            "contract_id": ["K1", "K1", None],
                            "site_id": ["S1", None, None]}),
        "contacts": pa.Table.from_pylist(CONTACTS),
        # support opens 08:30-18:00 on weekdays; the center 08:00-20:00; Oct 6 declared closed
        "opening_hours": pa.table({
            "queue_id": ["support"] * 5 + [None] * 5, "weekday": [1, 2, 3, 4, 5] * 2,
            "opens": ["08:30"] * 5 + ["08:00"] * 5, "closes": ["18:00"] * 5 + ["20:00"] * 5}),
        "public_holidays": pa.table({"day": [dt.date(2026, 10, 6)],
                                     "name": ["Fermeture exceptionnelle"]}),
        "survey_responses": pa.Table.from_pylist(SURVEYS),
    }
    rows = sum(t.num_rows for t in tables.values())
    workspace.commit(Batch(source_path="fixture-center", content_sha256="f" * 64,
                           format="fixture", tables=tables, rows_read=rows, rows_loaded=rows))
