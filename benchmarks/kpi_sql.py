"""Reference implementation of the KPI catalogue in handwritten DuckDB SQL, for
``benchmarks/kpi.py``: what an expert would write by hand for the same figures as
``pilotage.kpi.compute`` with default parameters, one query per grain (a CTE per table
family, UNION ALL BY NAME, then the ratios).

Grains: one organisation level (agent, team, site, center) or ``queue``, and one time grain
(day, week, month, interval30), in the workspace's time zone. Output: one row per key, the
key columns as the engine labels them (``2026-10-05``, ``2026-W41``, ``2026-10``,
``2026-10-05T08:30+02:00``; NULL for rows without that dimension), then one column per KPI.

Semantics mirrored from the engine (see docs/kpis.md): a row's team is the membership in
force on the local date of the row's time; a survey response is attributed to the advisor of
its contact, an evaluation to its own advisor.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

ORG_COLUMN = {"agent": "advisor_id", "team": "team_id", "site": "site_id",
              "center": "center_id", "queue": "queue_id"}
HANDLED = "outcome IN ('answered', 'transferred')"
INBOUND = "direction = 'inbound'"
WRITTEN = "channel IN ('email', 'letter', 'social', 'sms')"
HOUR = 0.000277777777777777777  # the catalogue's seconds-to-hours scale


@dataclass(frozen=True)
class Family:
    """One table family: its rows (a SELECT with ``_ts`` and the org columns it has) and its
    measures (SQL aggregate expressions over those rows)."""

    rows: str
    measures: dict[str, str]
    has_advisor: bool = True
    has_queue: bool = False  # rows carry queue_id: no team (no advisor) → the queue's site


def _count(cond: str) -> str:
    return f"count(*) FILTER (WHERE {cond})"


def _sum(value: str, cond: str | None = None) -> str:
    where = f" FILTER (WHERE {cond})" if cond else ""
    return f"coalesce(sum(coalesce({value}, 0)){where}, 0)"


CONTACT_ROWS = """
SELECT *, offered_at AS _ts,
       epoch(first_response_at) - epoch(offered_at) AS response_s,
       CASE WHEN customer_key IS NOT NULL THEN epoch(offered_at) - epoch(lag(offered_at)
            OVER (PARTITION BY customer_key ORDER BY offered_at)) END AS since_previous_s
FROM contacts"""
CONTACT_MEASURES = {
    "offered": _count(f"{INBOUND} AND outcome <> 'ivr_abandoned'"),
    "answered": _count(f"{INBOUND} AND {HANDLED}"),
    "abandoned": _count(f"{INBOUND} AND outcome = 'abandoned'"),
    "short_abandoned": _count(f"{INBOUND} AND outcome = 'abandoned' AND wait_s <= 5"),
    "ivr_abandoned": _count(f"{INBOUND} AND outcome = 'ivr_abandoned'"),
    "timeouts": _count(f"{INBOUND} AND outcome = 'timeout'"),
    "answered_within_threshold": _count(f"{INBOUND} AND {HANDLED} AND wait_s <= 20"),
    "answered_wait_s": _sum("wait_s", f"{INBOUND} AND {HANDLED}"),
    "abandoned_wait_s": _sum("wait_s", f"{INBOUND} AND outcome = 'abandoned'"),
    "longest_wait_s": "max(coalesce(wait_s, 0)) FILTER (WHERE "
                      f"{INBOUND} AND outcome <> 'ivr_abandoned')",
    "handled": _count(HANDLED),
    "handled_timed": _count(f"{HANDLED} AND talk_s IS NOT NULL"),
    "handle_s": f"coalesce(sum(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0))"
                f" FILTER (WHERE {HANDLED}), 0)",
    "talk_s": _sum("talk_s", HANDLED),
    "hold_s": _sum("hold_s", HANDLED),
    "acw_s": _sum("acw_s", HANDLED),
    "transferred": _count("outcome = 'transferred'"),
    "held": _count(f"{HANDLED} AND hold_s > 0"),
    "resolved": _count(f"{HANDLED} AND resolved"),
    "resolution_known": _count(f"{HANDLED} AND resolved IS NOT NULL"),
    "written_received": _count(f"{WRITTEN} AND {INBOUND}"),
    "written_answered_in_time": _count(f"{WRITTEN} AND {INBOUND} AND response_s <= 86400"),
    "outbound_attempts": _count("direction = 'outbound'"),
    "outbound_reached": _count(f"direction = 'outbound' AND {HANDLED}"),
    "sales": _count(f"{HANDLED} AND sale"),
    "inbound_sales": _count(f"{INBOUND} AND {HANDLED} AND sale"),
    "revenue_eur": _sum("sale_amount_eur", f"{HANDLED} AND sale"),
    "repeat_contacts": _count("outcome <> 'ivr_abandoned' AND since_previous_s <= 604800"),
    "identified_contacts": _count("outcome <> 'ivr_abandoned' AND customer_key IS NOT NULL"),
}

FAMILIES: dict[str, Family] = {
    "contacts": Family(CONTACT_ROWS, CONTACT_MEASURES, has_queue=True),
    "backlog": Family(f"""
SELECT advisor_id, queue_id, offered_at AS _ts,
       epoch((SELECT max(offered_at) FROM contacts)) - epoch(offered_at) AS age_s
FROM contacts WHERE {WRITTEN} AND {INBOUND} AND closed_at IS NULL""", {
        "backlog_items": "count(*)", "backlog_age_s": _sum("age_s")}, has_queue=True),
    "surveys": Family("""
SELECT s.*, s.responded_at AS _ts, c.advisor_id, c.queue_id
FROM survey_responses s LEFT JOIN contacts c USING (contact_id)""", {
        "csat_responses": _count("csat IS NOT NULL"),
        "csat_satisfied": _count("csat >= 4"),
        "nps_responses": _count("nps IS NOT NULL"),
        "promoters": _count("nps >= 9"),
        "detractors": _count("nps <= 6"),
        "ces_responses": _count("ces IS NOT NULL"),
        "ces_points": _sum("ces", "ces IS NOT NULL"),
        "survey_responses": "count(*)",
        "negative_verbatims": _count("verbatim_negative"),
        "negative_verbatims_followed_up": _count(
            "verbatim_negative AND followup_status = 'done'"),
    }, has_queue=True),
    "evaluations": Family("""
SELECT e.*, e.evaluated_at AS _ts, c.queue_id
FROM evaluations e LEFT JOIN contacts c USING (contact_id)""", {
        "evaluations": "count(*)",
        "evaluation_points": _sum("score"),
        "evaluation_max_points": _sum("max_score"),
        "critical_evaluations": _count("critical_error"),
    }, has_queue=True),
    "agent_states": Family("""
SELECT s.*, s.start_at AS _ts,
       coalesce(s.duration_s, epoch(s.end_at) - epoch(s.start_at), 0) / 3600.0
           * coalesce(a.hourly_cost_eur, 0) AS cost_eur
FROM agent_states s LEFT JOIN advisors a USING (advisor_id)""", {
        "handling_state_s": _sum("duration_s", "state IN ('on_contact', 'acw')"),
        "available_state_s": _sum("duration_s", "state = 'available'"),
        "logged_in_s": _sum("duration_s", "state = 'logged_in'"),
        "productive_h": f"coalesce(sum(coalesce(duration_s, 0) * {HOUR}) FILTER (WHERE "
                        "state IN ('available', 'on_contact', 'acw')), 0)",
        "staff_cost_eur": _sum("cost_eur", "state = 'logged_in'"),
    }, has_queue=True),
    "adherence": Family("""
WITH sched AS (
    SELECT row_number() OVER () AS row_id, *, epoch(end_at) - epoch(start_at) AS scheduled_s
    FROM schedules),
category(activity, state) AS (VALUES
    ('work', 'available'), ('work', 'on_contact'), ('work', 'acw'),
    ('back_office', 'not_ready'), ('back_office', 'on_contact'), ('back_office', 'acw'),
    ('back_office', 'available'), ('break', 'break'), ('lunch', 'lunch'),
    ('training', 'training'), ('meeting', 'meeting'), ('coaching', 'coaching')),
sched_days AS (  -- one row per UTC day a scheduled activity touches
    SELECT sc.*, k.state, unnest(range(date_trunc('day', sc.start_at), sc.end_at,
                                       INTERVAL 1 DAY)) AS day
    FROM sched sc JOIN category k USING (activity)),
state_days AS (  -- one row per UTC day an agent state touches (open: to the last schedule)
    SELECT advisor_id, state, start_at, end_at,
           unnest(range(date_trunc('day', start_at), coalesce(end_at, (SELECT max(end_at)
                  FROM schedules)), INTERVAL 1 DAY)) AS day
    FROM agent_states WHERE state <> 'logged_in'),
overlap AS (  -- each overlap clipped to the day: a pair spanning midnight adds its pieces
    SELECT sc.row_id, sum(greatest(0, epoch(least(sc.end_at, coalesce(st.end_at, sc.end_at),
                                                  sc.day + INTERVAL 1 DAY))
                          - epoch(greatest(sc.start_at, st.start_at, sc.day))))
               AS in_adherence_s
    FROM sched_days sc
    JOIN state_days st ON st.advisor_id = sc.advisor_id AND st.state = sc.state
     AND st.day = sc.day
     AND st.start_at < sc.end_at AND (st.end_at IS NULL OR st.end_at > sc.start_at)
    GROUP BY sc.row_id)
SELECT sc.advisor_id, sc.queue_id, sc.activity, sc.start_at AS _ts, sc.scheduled_s,
       coalesce(o.in_adherence_s, 0) AS in_adherence_s
FROM sched sc LEFT JOIN overlap o USING (row_id)""", {
        "scheduled_s": _sum("scheduled_s"),
        "scheduled_work_s": _sum("scheduled_s", "activity IN ('work', 'back_office')"),
        "in_adherence_s": _sum("in_adherence_s"),
        "scheduled_h": f"coalesce(sum(coalesce(scheduled_s, 0) * {HOUR}), 0)",
        "planned_shrinkage_h": f"coalesce(sum(coalesce(scheduled_s, 0) * {HOUR}) FILTER (WHERE "
                               "activity IN ('break', 'lunch', 'training', 'meeting', "
                               "'coaching')), 0)",
    }, has_queue=True),
    "absences": Family("SELECT *, start_at AS _ts FROM absences", {
        "absence_h": _sum("hours"),
        "planned_absence_h": _sum("hours", "planned"),
        "absenteeism_h": _sum("hours", "absence_type IN ('sickness', 'unauthorised', "
                                       "'family', 'other')"),
    }),
    "headcount": Family("""
SELECT a.advisor_id, a.contract_type, d.day + INTERVAL 12 HOUR AS _ts,
       coalesce(a.weekly_hours, 35.0) / 7.0 AS contract_h
FROM advisors a, LATERAL (SELECT unnest(range(a.hire_date::TIMESTAMP, coalesce(
    a.leave_date::TIMESTAMP, (SELECT max(offered_at)::DATE + 1 FROM contacts)::TIMESTAMP),
    INTERVAL 1 DAY)) AS day) d
WHERE a.hire_date IS NOT NULL""", {
        "headcount_days": "count(*)",
        "temp_headcount_days": _count("contract_type = 'temp_agency'"),
        "contract_hours": _sum("contract_h"),
        "calendar_days": "count(DISTINCT _ts)",
    }),
    "leavers": Family("""
SELECT advisor_id, leave_date::TIMESTAMP + INTERVAL 12 HOUR AS _ts
FROM advisors WHERE leave_date IS NOT NULL""", {"leavers": "count(*)"}),
    "forecasts": Family(f"""
WITH in_force AS (
    SELECT * FROM forecasts WHERE created_at <= interval_start
    QUALIFY row_number() OVER (PARTITION BY queue_id, interval_start
                               ORDER BY created_at DESC) = 1),
actual AS (
    SELECT f.queue_id, f.interval_start, f.volume, f.aht_s,
           count(c.offered_at)::DOUBLE AS actual_volume,
           count(*) FILTER (WHERE c.{HANDLED}) AS handled,
           coalesce(sum(coalesce(c.talk_s, 0) + coalesce(c.hold_s, 0) + coalesce(c.acw_s, 0))
                    FILTER (WHERE c.{HANDLED}), 0) AS actual_handle_s
    FROM (SELECT *, unnest(range(date_trunc('hour', interval_start), interval_start
                                 + to_minutes(interval_min), INTERVAL 1 HOUR)) AS hour
          FROM in_force) f  -- one row per UTC hour the interval touches
    LEFT JOIN contacts c
      ON c.queue_id = f.queue_id AND date_trunc('hour', c.offered_at) = f.hour
     AND c.direction = 'inbound' AND c.outcome <> 'ivr_abandoned'
     AND c.offered_at >= f.interval_start
     AND c.offered_at < f.interval_start + to_minutes(f.interval_min)
    GROUP BY ALL)
SELECT queue_id, interval_start AS _ts, actual_volume, actual_handle_s,
       abs(volume - actual_volume) AS abs_volume_error,
       abs(coalesce(aht_s, 0) * handled - actual_handle_s) AS abs_handle_error_s
FROM actual""", {
        "forecast_actual_volume": _sum("actual_volume"),
        "forecast_abs_volume_error": _sum("abs_volume_error"),
        "forecast_actual_handle_s": _sum("actual_handle_s"),
        "forecast_abs_handle_error_s": _sum("abs_handle_error_s"),
    }, has_advisor=False),
}

# KPI id -> (numerator, denominator or None) as SQL over the summed measures
KPIS: dict[str, tuple[str, str | None]] = {
    "offered": ("offered", None), "answered": ("answered", None),
    "abandoned": ("abandoned", None), "short_abandoned": ("short_abandoned", None),
    "ivr_abandoned": ("ivr_abandoned", None), "timeouts": ("timeouts", None),
    "answer_rate": ("answered", "offered"),
    "service_level": ("answered_within_threshold", "offered"),
    "asa": ("answered_wait_s", "answered"),
    "avg_abandon_time": ("abandoned_wait_s", "abandoned"),
    "longest_wait": ("longest_wait_s", None),
    "abandon_rate": ("abandoned", "offered"),
    "csat": ("csat_satisfied", "csat_responses"),
    "nps": ("promoters - detractors", "nps_responses"),
    "ces": ("ces_points", "ces_responses"),
    "survey_response_rate": ("survey_responses", "handled"),
    "negative_verbatim_followup_rate": ("negative_verbatims_followed_up",
                                        "negative_verbatims"),
    "quality_score": ("evaluation_points", "evaluation_max_points"),
    "critical_error_rate": ("critical_evaluations", "evaluations"),
    "absenteeism": ("absenteeism_h", "contract_hours"),
    "attrition": ("leavers::DOUBLE * calendar_days", "headcount_days"),
    "temp_share": ("temp_headcount_days", "headcount_days"),
    "outbound_contact_rate": ("outbound_reached", "outbound_attempts"),
    "conversion_rate": ("sales", "handled"),
    "revenue_per_contact": ("revenue_eur", "handled"),
    "upsell_rate": ("inbound_sales", "answered"),
    "cost_per_contact": ("staff_cost_eur", "handled"),
    "cost_per_productive_hour": ("staff_cost_eur", "productive_h"),
    "aht": ("handle_s", "handled_timed"), "avg_talk": ("talk_s", "handled_timed"),
    "avg_hold": ("hold_s", "handled_timed"), "avg_acw": ("acw_s", "handled_timed"),
    "transfer_rate": ("transferred", "handled"), "hold_rate": ("held", "handled"),
    "fcr": ("resolved", "resolution_known"),
    "email_response_sla": ("written_answered_in_time", "written_received"),
    "backlog": ("backlog_items", None), "backlog_age": ("backlog_age_s", "backlog_items"),
    "occupancy": ("handling_state_s", "handling_state_s + available_state_s"),
    "utilisation": ("handling_state_s", "logged_in_s"),
    "contacts_per_productive_hour": ("handled", "productive_h"),
    "adherence": ("in_adherence_s", "scheduled_s"),
    "conformance": ("logged_in_s", "scheduled_work_s"),
    "shrinkage": ("planned_shrinkage_h + absence_h", "scheduled_h + absence_h"),
    "forecast_accuracy_volume": ("forecast_actual_volume - forecast_abs_volume_error",
                                 "forecast_actual_volume"),
    "forecast_accuracy_aht": ("forecast_actual_handle_s - forecast_abs_handle_error_s",
                              "forecast_actual_handle_s"),
    "repeat_contact_rate": ("repeat_contacts", "identified_contacts"),
}


def _time_label(grain: str) -> str:
    """SQL for the engine's label of ``_ts`` (UTC) at ``grain``, from ``_local``."""
    if grain == "day":
        return "strftime(_local::DATE, '%Y-%m-%d')"
    if grain == "week":
        return "strftime(_local::DATE - (isodow(_local) - 1)::INTEGER, '%G-W%V')"
    if grain == "month":
        return "strftime(_local, '%Y-%m')"
    if grain == "interval30":
        off = "((epoch(_local) - epoch(_ts)) // 60)::INTEGER"
        return (f"strftime(date_trunc('hour', _local) + to_minutes((minute(_local) // 30) * 30),"
                f" '%Y-%m-%dT%H:%M') || CASE WHEN {off} >= 0 THEN '+' ELSE '-' END"
                f" || lpad((abs({off}) // 60)::VARCHAR, 2, '0') || ':'"
                f" || lpad((abs({off}) % 60)::VARCHAR, 2, '0')")
    raise ValueError(f"grain {grain!r} not covered by the reference")


def _family_query(family: Family, measures: list[str], org: str, grain: str,
                  time_zone: str) -> str:
    rows = family.rows
    column = ORG_COLUMN[org]
    joins = ""
    if org in ("team", "site", "center"):
        if family.has_advisor:
            site = "coalesce(t.site_id, q._q_site)" if family.has_queue else "t.site_id"
            queue_join = ("\n    LEFT JOIN (SELECT queue_id AS _q_id, site_id AS _q_site "
                          "FROM queues) q ON q._q_id = r.queue_id" if family.has_queue else "")
            joins = f"""
    LEFT JOIN team_memberships m ON m.advisor_id = r.advisor_id
     AND m.valid_from <= r._local::DATE AND (m.valid_to IS NULL OR r._local::DATE < m.valid_to)
    LEFT JOIN teams t ON t.team_id = m.team_id{queue_join}
    LEFT JOIN sites s ON s.site_id = {site}"""
            column = {"team": "m.team_id", "site": site, "center": "s.center_id"}[org]
        else:
            column = "NULL::VARCHAR"
    elif org == "agent" and not family.has_advisor:
        column = "NULL::VARCHAR"
    aggregates = ",\n       ".join(f"{family.measures[m]} AS {m}" for m in measures)
    return f"""
SELECT {column} AS "{org}", {_time_label(grain)} AS "{grain}",
       {aggregates}
FROM (SELECT *, timezone('{time_zone}', _ts::TIMESTAMPTZ) AS _local FROM ({rows})) r{joins}
GROUP BY ALL"""


def _measures_of(kpi: str) -> set[str]:
    import re

    numerator, denominator = KPIS[kpi]
    return set(re.findall(r"[a-z_]+", f"{numerator} {denominator or ''}")) - {"double"}


def grain_sql(kpis: list[str], org: str, grain: str, time_zone: str) -> str:
    """The one query computing ``kpis`` at ``org`` × ``grain``."""
    wanted = set().union(*(_measures_of(k) for k in kpis))
    parts = []
    for family in FAMILIES.values():
        mine = [m for m in family.measures if m in wanted]
        if mine:
            parts.append(_family_query(family, mine, org, grain, time_zone))
    union = "\nUNION ALL BY NAME\n".join(f"({p})" for p in parts)
    sums = ",\n       ".join(
        f"coalesce({'max' if m == 'longest_wait_s' else 'sum'}({m}), 0) AS {m}"
        for m in sorted(wanted))
    values = []
    for kpi in kpis:
        numerator, denominator = KPIS[kpi]
        if denominator is None:
            values.append(f"{numerator} AS {kpi}")
        else:
            values.append(f"CASE WHEN ({denominator}) = 0 THEN NULL ELSE ({numerator})::DOUBLE"
                          f" / ({denominator})::DOUBLE END AS {kpi}")
    return f"""
WITH parts AS ({union}),
totals AS (SELECT "{org}", "{grain}", {sums} FROM parts GROUP BY ALL)
SELECT "{org}", "{grain}", {', '.join(values)} FROM totals"""


def compute_grain(con: duckdb.DuckDBPyConnection, kpis: list[str], org: str, grain: str,
                  time_zone: str) -> pd.DataFrame:
    return con.execute(grain_sql(kpis, org, grain, time_zone)).df()


def connect(database: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con
