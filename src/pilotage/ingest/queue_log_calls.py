"""Rebuilding queued calls (``contacts``) from queue_log events, in SQL.

Expects a DuckDB table ``ev`` of valid events (``line``, ``event_at``, ``callid``, ``queue``,
``agent``, ``event`` and the data fields, see
:class:`~pilotage.ingest.queue_log_reading.DataFieldsSql`). Events are ordered by time, then
line.

A contact is one visit of a caller channel (``callid``) to a queue: it starts at ENTERQUEUE (or
at a FULL / JOINEMPTY written instead of it) and ends at its first terminal event (see
:data:`~pilotage.ingest.queue_log_events.TERMINAL_OUTCOMES`); without one it is
``unfinished``. ``contact_id`` is ``asterisk:<callid>:<queue>``, with ``:<n>`` appended for the
n-th visit (n ≥ 2) of the same channel to the same queue, so it is unique and the same at
every load of the same events.

How, in a few passes whatever the number of events: the call events are copied once into a
narrow table; the visits (start events) are numbered per channel and queue; each call event
finds its visit with an ASOF join (the last start at or before it), and one GROUP BY per visit
takes the first CONNECT and the first terminal event with ``arg_min`` (no self-join).
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
from pilotage.ingest.queue_log_reading import DataFieldsSql
from pilotage.model.vocabulary import Outcome

# Order of events: time, then line (a log is not always written in time order).
ORDER_KEY_SQL = "(CAST(epoch_us(event_at) AS HUGEINT) << 40) + line"


def _in(values: frozenset[str] | set[str] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


def _field_by_event(mapping: dict[str, int], row: str, fields: DataFieldsSql) -> str:
    """SQL: the numeric data field each event keeps a measure in (NULL for other events)."""
    whens = " ".join(f"WHEN '{e}' THEN {fields.field(row, i)}"
                     for e, i in sorted(mapping.items()))
    return f"try_cast(CASE {row}.event {whens} END AS DOUBLE)"


def _seconds(later: str, earlier: str) -> str:
    return f"(epoch_us({later}) - epoch_us({earlier})) / 1e6"


def build_contacts(con: duckdb.DuckDBPyConnection, *, fields: DataFieldsSql,
                   caller_id_field: int, durations_from_data: bool,
                   source: str) -> tuple[pa.Table, int]:
    """Contacts rebuilt from ``ev`` (caller id still in clear in ``caller_id``) and the number
    of call events that belong to no contact (their ENTERQUEUE precedes the source)."""
    answered = _in({e for e, o in TERMINAL_OUTCOMES.items()
                    if o in (Outcome.ANSWERED, Outcome.TRANSFERRED)})
    outcome_case = " ".join(f"WHEN '{e}' THEN '{o.value}'"
                            for e, o in sorted(TERMINAL_OUTCOMES.items()))
    carried = ", ".join(fields.columns)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_ev AS
        SELECT {ORDER_KEY_SQL} AS rn, event_at, callid, queue, agent, event, {carried}
        FROM ev
        WHERE event IN {_in(CALL_EVENTS)} AND callid IS NOT NULL
          AND trim(callid) NOT IN {_in(NON_CALL_IDS)}
          AND queue IS NOT NULL AND trim(queue) NOT IN ('', 'NONE')
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_starts AS
        SELECT callid, queue, rn, event_at AS offered_at, event AS s_event,
               CASE WHEN event = 'ENTERQUEUE' THEN {fields.field('call_ev', caller_id_field)}
               END AS s_caller,
               row_number() OVER (PARTITION BY callid, queue ORDER BY rn) AS visit
        FROM call_ev WHERE event IN {_in(START_EVENTS)}
    """)
    struct_fields = ", ".join(f"'{c}': e.{c}" for c in fields.columns)
    hold = _field_by_event(HOLDTIME_FIELD, "c", fields)
    wait = _field_by_event(WAITTIME_FIELD, "t", fields)
    call = _field_by_event(CALLTIME_FIELD, "t", fields)
    ts_wait = (f"CASE WHEN answered_at IS NOT NULL THEN {_seconds('answered_at', 'offered_at')} "
               f"WHEN t.at IS NOT NULL AND t.event NOT IN {answered} "
               f"THEN {_seconds('t.at', 'offered_at')} END")
    ts_talk = (f"CASE WHEN t.event IN {answered} AND answered_at IS NOT NULL "
               f"THEN {_seconds('t.at', 'answered_at')} END")
    if durations_from_data:
        wait_sql = (f"coalesce(CASE WHEN answered_at IS NOT NULL THEN {hold} ELSE {wait} END, "
                    f"{ts_wait})")
        talk_sql = f"CASE WHEN t.event IN {answered} THEN coalesce({call}, {ts_talk}) END"
    else:
        wait_sql, talk_sql = ts_wait, ts_talk
    source_sql = source.replace("'", "''")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_visits AS
            SELECT s.rn AS s_rn, count(*) AS n_events,
                   any_value(s.callid) AS callid, any_value(s.queue) AS queue,
                   any_value(s.visit) AS visit, any_value(s.offered_at) AS offered_at,
                   any_value(s.s_event) AS s_event, any_value(s.s_caller) AS s_caller,
                   arg_min({{'at': e.event_at, 'agent': e.agent, 'event': e.event,
                             {struct_fields}}}, e.rn)
                       FILTER (WHERE e.event = 'CONNECT') AS c,
                   arg_min({{'at': e.event_at, 'agent': e.agent, 'event': e.event,
                             {struct_fields}}}, e.rn)
                       FILTER (WHERE e.event IN {_in(set(TERMINAL_OUTCOMES))}) AS t,
                   count(*) FILTER (WHERE e.event = 'RINGNOANSWER') AS rna
            FROM call_ev e
            ASOF JOIN call_starts s
              ON e.callid = s.callid AND e.queue = s.queue AND e.rn >= s.rn
            GROUP BY s.rn
    """)
    table = con.sql(f"""
        WITH shaped AS (
            SELECT *,
                   CASE WHEN c.at IS NOT NULL AND (t.at IS NULL OR c.at <= t.at)
                        THEN c.at END AS answered_at
            FROM call_visits
        ),
        contacts AS (
            SELECT
                'asterisk:' || callid || ':' || queue
                    || CASE WHEN visit > 1 THEN ':' || visit ELSE '' END AS contact_id,
                '{source_sql}' AS source,
                callid AS source_ref,
                s_caller AS caller_id,
                queue AS queue_id,
                'voice' AS channel,
                'inbound' AS direction,
                offered_at,
                answered_at,
                t.at AS ended_at,
                {wait_sql} AS wait_s,
                {talk_sql} AS talk_s,
                CASE WHEN answered_at IS NOT NULL THEN {advisor_id_sql('c.agent')}
                     WHEN t.event IN {answered} THEN {advisor_id_sql('t.agent')} END
                    AS advisor_id,
                coalesce(CASE t.event {outcome_case} END, 'unfinished') AS outcome,
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
    orphans = con.execute("""
        SELECT (SELECT count(*) FROM call_ev) - (SELECT coalesce(sum(n_events), 0)
                                                 FROM call_visits)
    """).fetchall()[0][0]
    return table, int(orphans)
