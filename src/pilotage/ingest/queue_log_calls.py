"""Rebuilding queued calls (``contacts``) from queue_log events, in SQL.

Expects a DuckDB table ``ev`` of valid events (``rn`` = order of events by time then line,
``event_at``, ``callid``, ``queue``, ``agent``, ``event``, ``d1``..``d10``).

A contact is one visit of a caller channel (``callid``) to a queue: it starts at ENTERQUEUE (or
at a FULL / JOINEMPTY written instead of it) and ends at its first terminal event (see
:data:`~pilotage.ingest.queue_log_events.TERMINAL_OUTCOMES`); without one it is
``unfinished``. ``contact_id`` is ``asterisk:<callid>:<queue>``, with ``:<n>`` appended for the
n-th visit (n ≥ 2) of the same channel to the same queue, so it is unique and the same at
every load of the same events.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pilotage.ingest.queue_log_events import (
    CALL_EVENTS,
    CALLTIME_FIELD,
    HOLDTIME_FIELD,
    NON_CALL_IDS,
    START_EVENTS,
    TERMINAL_OUTCOMES,
    WAITTIME_FIELD,
    advisor_id_sql,
)
from pilotage.model.vocabulary import Outcome


def _in(values: frozenset[str] | set[str] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


def _field_by_event(mapping: dict[str, int], event_col: str, prefix: str) -> str:
    """SQL: the numeric data field each event keeps a measure in (NULL for other events)."""
    whens = " ".join(f"WHEN '{e}' THEN {prefix}d{i}" for e, i in sorted(mapping.items()))
    return f"try_cast(CASE {event_col} {whens} END AS DOUBLE)"


def _seconds(later: str, earlier: str) -> str:
    return f"(epoch_us({later}) - epoch_us({earlier})) / 1e6"


def build_contacts(con: duckdb.DuckDBPyConnection, *, caller_id_field: int,
                   durations_from_data: bool, source: str) -> tuple[pa.Table, int]:
    """Contacts rebuilt from ``ev`` (caller id still in clear in ``caller_id``) and the number
    of call events that belong to no contact (their ENTERQUEUE precedes the source)."""
    answered = _in({e for e, o in TERMINAL_OUTCOMES.items()
                    if o in (Outcome.ANSWERED, Outcome.TRANSFERRED)})
    outcome_case = " ".join(f"WHEN '{e}' THEN '{o.value}'"
                            for e, o in sorted(TERMINAL_OUTCOMES.items()))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_ev AS
        SELECT rn, event_at, callid, queue, agent, event, d1, d2, d3, d4, d5, d6, d7, d8, d9,
               d10,
               sum(CASE WHEN event IN {_in(START_EVENTS)} THEN 1 ELSE 0 END) OVER (
                   PARTITION BY callid, queue ORDER BY rn ROWS UNBOUNDED PRECEDING) AS visit
        FROM ev
        WHERE event IN {_in(CALL_EVENTS)} AND callid IS NOT NULL
          AND trim(callid) NOT IN {_in(NON_CALL_IDS)}
          AND queue IS NOT NULL AND trim(queue) NOT IN ('', 'NONE')
    """)
    orphans = int(con.execute("SELECT count(*) FROM call_ev WHERE visit = 0").fetchall()[0][0])
    hold = _field_by_event(HOLDTIME_FIELD, "c_event", "c_")
    wait = _field_by_event(WAITTIME_FIELD, "t_event", "t_")
    call = _field_by_event(CALLTIME_FIELD, "t_event", "t_")
    ts_wait = (f"CASE WHEN answered_at IS NOT NULL THEN {_seconds('answered_at', 'offered_at')} "
               f"WHEN ended_at IS NOT NULL AND t_event NOT IN {answered} "
               f"THEN {_seconds('ended_at', 'offered_at')} END")
    ts_talk = (f"CASE WHEN t_event IN {answered} AND answered_at IS NOT NULL "
               f"THEN {_seconds('ended_at', 'answered_at')} END")
    if durations_from_data:
        wait_sql = (f"coalesce(CASE WHEN answered_at IS NOT NULL THEN {hold} ELSE {wait} END, "
                    f"{ts_wait})")
        talk_sql = f"CASE WHEN t_event IN {answered} THEN coalesce({call}, {ts_talk}) END"
    else:
        wait_sql, talk_sql = ts_wait, ts_talk
    source_sql = source.replace("'", "''")
    # one row per visit: start, first CONNECT, first terminal event (by rn)
    fields = ", ".join(f"d{i}" for i in range(1, 11))
    table = con.sql(f"""
        WITH firsts AS (
            SELECT callid, queue, visit,
                   min(rn) FILTER (WHERE event IN {_in(START_EVENTS)}) AS s_rn,
                   min(rn) FILTER (WHERE event = 'CONNECT') AS c_rn,
                   min(rn) FILTER (WHERE event IN {_in(set(TERMINAL_OUTCOMES))}) AS t_rn,
                   count(*) FILTER (WHERE event = 'RINGNOANSWER') AS rna
            FROM call_ev WHERE visit > 0 GROUP BY ALL
        ),
        joined AS (
            SELECT f.callid, f.queue, f.visit, f.rna,
                   s.event_at AS offered_at, s.event AS s_event,
                   s.d{caller_id_field} AS s_caller,
                   c.event_at AS c_at, c.agent AS c_agent, c.event AS c_event,
                   {", ".join(f"c.d{i} AS c_d{i}" for i in range(1, 11))},
                   t.event_at AS ended_at, t.agent AS t_agent, t.event AS t_event,
                   {", ".join(f"t.d{i} AS t_d{i}" for i in range(1, 11))}
            FROM firsts f
            JOIN call_ev s ON s.rn = f.s_rn
            LEFT JOIN (SELECT rn, event_at, agent, event, {fields} FROM call_ev) c
                   ON c.rn = f.c_rn
            LEFT JOIN (SELECT rn, event_at, agent, event, {fields} FROM call_ev) t
                   ON t.rn = f.t_rn
        ),
        shaped AS (
            SELECT *,
                   CASE WHEN c_at IS NOT NULL AND (ended_at IS NULL OR c_at <= ended_at)
                        THEN c_at END AS answered_at
            FROM joined
        ),
        contacts AS (
            SELECT
                'asterisk:' || callid || ':' || queue
                    || CASE WHEN visit > 1 THEN ':' || visit ELSE '' END AS contact_id,
                '{source_sql}' AS source,
                callid AS source_ref,
                CASE WHEN s_event = 'ENTERQUEUE' THEN s_caller END AS caller_id,
                queue AS queue_id,
                'voice' AS channel,
                'inbound' AS direction,
                offered_at,
                answered_at,
                ended_at,
                {wait_sql} AS wait_s,
                {talk_sql} AS talk_s,
                CASE WHEN answered_at IS NOT NULL THEN {advisor_id_sql('c_agent')}
                     WHEN t_event IN {answered} THEN {advisor_id_sql('t_agent')} END
                    AS advisor_id,
                coalesce(CASE t_event {outcome_case} END, 'unfinished') AS outcome,
                CAST(rna AS INTEGER) AS ring_no_answer_count,
                offered_at AS _order_at, callid AS _callid
            FROM shaped
        )
        SELECT * EXCLUDE (_order_at, _callid),
               CASE WHEN lag(outcome) OVER w = 'transferred' THEN lag(contact_id) OVER w END
                   AS transferred_from
        FROM contacts
        WINDOW w AS (PARTITION BY _callid ORDER BY _order_at, contact_id)
        ORDER BY offered_at, contact_id
    """).to_arrow_table()
    return table, orphans
