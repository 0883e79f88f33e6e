"""Rebuilding queued calls (``contacts``) from queue_log events, in SQL.

Expects a DuckDB table ``ev`` of valid events (``line``, ``event_at``, ``callid``, ``queue``,
``agent``, ``event`` and the data fields, see
:class:`~pilotage.ingest.queue_log_reading.DataFieldsSql`). Events are ordered by time, then
line.

A contact is one visit of a caller channel (``callid``) to a queue: it starts at ENTERQUEUE (or
at a FULL / JOINEMPTY written instead of it) and ends at its first terminal event (see
:data:`~pilotage.ingest.queue_log_events.TERMINAL_OUTCOMES`); without one it is ``answered``
when an advisor took it (end and talk unknown), else ``unfinished``. ``contact_id`` is
``asterisk:<callid>:<queue>``, with ``:<n>`` appended for the n-th visit (n ≥ 2) of the same
channel to the same queue, so it is unique and the same at every load of the same events.

How, in a few passes whatever the number of events: one GROUP BY (channel, queue) over the call
events gives, with ``min`` of the order key, the start, the first CONNECT and the first
terminal event of each call. A group whose first event is its only start is one visit (nearly
all calls); the other groups (several visits, or events before the start) are numbered by a
window over their own events only. The details of the chosen events (time, member, data) are
then fetched by line number from the Arrow events, with no join.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.ingest.queue_log_events import (
    CALL_EVENTS,
    CALLTIME_FIELD,
    HOLDTIME_FIELD,
    NON_CALL_IDS,
    START_EVENTS,
    TERMINAL_OUTCOMES,
    WAITTIME_FIELD,
    advisor_id_sql,
    trim_sql,
)
from pilotage.ingest.queue_log_reading import DataFieldsSql
from pilotage.model.vocabulary import Outcome

# Order of events: time, then line (a log is not always written in time order); the line is
# the low 40 bits.
_LINE_BITS = 40
ORDER_KEY_SQL = f"(CAST(epoch_us(event_at) AS HUGEINT) << {_LINE_BITS}) + line"


def _in(values: frozenset[str] | set[str] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


def _field_by_event(mapping: dict[str, int], prefix: str, fields: DataFieldsSql) -> str:
    """SQL: the numeric data field each event keeps a measure in (NULL for other events)."""
    whens = " ".join(f"WHEN '{e}' THEN {fields.field(prefix, i)}"
                     for e, i in sorted(mapping.items()))
    return f"try_cast(CASE {prefix}event {whens} END AS DOUBLE)"


def _seconds(later: str, earlier: str) -> str:
    return f"(epoch_us({later}) - epoch_us({earlier})) / 1e6"


def _firsts(key: str) -> str:
    """Aggregates of one visit: order keys of its start, first CONNECT, first terminal event."""
    return f"""
        min(rn) FILTER (WHERE event IN {_in(START_EVENTS)}) AS s_rn,
        min(rn) FILTER (WHERE event = 'CONNECT') AS c_rn,
        min(rn) FILTER (WHERE event IN {_in(set(TERMINAL_OUTCOMES))}) AS t_rn,
        count(*) FILTER (WHERE event = 'RINGNOANSWER') AS rna,
        count(*) AS {key}"""


def _visits(con: duckdb.DuckDBPyConnection) -> int:
    """Create ``call_visits`` (callid, queue, visit, s_rn, c_rn, t_rn, rna) from ``ev``; return
    the number of call events before the first start of their channel and queue."""
    call_filter = (f"event IN {_in(CALL_EVENTS)} AND callid IS NOT NULL "
                   f"AND queue IS NOT NULL")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_groups AS
        SELECT callid, queue, {_firsts('n_events')},
               count(*) FILTER (WHERE event IN {_in(START_EVENTS)}) AS n_starts,
               min(rn) AS first_rn
        FROM (SELECT {ORDER_KEY_SQL} AS rn, callid, queue, event FROM ev WHERE {call_filter})
        GROUP BY callid, queue
    """)
    # once per group, not per event (a HAVING on the keys would be pushed below the GROUP BY)
    con.execute(f"""
        DELETE FROM call_groups
        WHERE {trim_sql('callid')} IN {_in(NON_CALL_IDS)} OR {trim_sql('queue')} IN ('', 'NONE')
    """)
    single = "n_starts = 1 AND first_rn = s_rn"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_visits AS
        SELECT callid, queue, 1 AS visit, s_rn, c_rn, t_rn, rna
        FROM call_groups WHERE {single}
    """)
    (complex_events,) = con.execute(
        f"SELECT coalesce(sum(n_events), 0) FROM call_groups WHERE NOT ({single})").fetchall()[0]
    if not complex_events:
        return 0
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_visits_more AS
        WITH e AS (
            SELECT {ORDER_KEY_SQL} AS rn, callid, queue, event
            FROM ev SEMI JOIN (SELECT callid, queue FROM call_groups WHERE NOT ({single}))
                 USING (callid, queue)
            WHERE {call_filter}
        ),
        numbered AS (
            SELECT *, sum(CASE WHEN event IN {_in(START_EVENTS)} THEN 1 ELSE 0 END) OVER (
                PARTITION BY callid, queue ORDER BY rn ROWS UNBOUNDED PRECEDING) AS visit
            FROM e
        )
        SELECT callid, queue, visit, {_firsts('n_events')}
        FROM numbered WHERE visit > 0 GROUP BY callid, queue, visit
    """)
    con.execute("""
        INSERT INTO call_visits
        SELECT callid, queue, visit, s_rn, c_rn, t_rn, rna FROM call_visits_more
    """)
    (numbered,) = con.execute(
        "SELECT coalesce(sum(n_events), 0) FROM call_visits_more").fetchall()[0]
    return int(complex_events) - int(numbered)


def _fetch(events: pa.Table, lines: pa.ChunkedArray | pa.Array, prefix: str,
           columns: list[str]) -> dict[str, pa.Array]:
    """Columns of the events at ``lines`` (null line: null values), named ``prefix + column``.
    ``events`` is in line order."""
    known = events.column("line").to_numpy()
    wanted = lines.to_numpy(zero_copy_only=False) if len(lines) else np.empty(0)
    missing = pc.is_null(lines).to_numpy(zero_copy_only=False)
    position = np.searchsorted(known, np.where(missing, 0, wanted).astype(np.int64))
    index = pa.array(position, type=pa.int64(), mask=missing if missing.any() else None)
    return {prefix + c: events.column(c).take(index) for c in columns}


def _advisor_ids(con: duckdb.DuckDBPyConnection, agents: pa.ChunkedArray) -> pa.Array:
    """The advisor id of each member interface, computed once per distinct interface."""
    encoded = pc.dictionary_encode(agents.combine_chunks())
    names = pa.table({"i": pa.array(np.arange(len(encoded.dictionary))),
                      "agent": encoded.dictionary})
    con.register("member_names", names)
    ids = con.sql(f"SELECT {advisor_id_sql('agent')} AS advisor_id FROM member_names "
                  f"ORDER BY i").to_arrow_table().column(0)
    con.unregister("member_names")
    return ids.take(encoded.indices)


def build_contacts(con: duckdb.DuckDBPyConnection, events: pa.Table, *, fields: DataFieldsSql,
                   caller_id_field: int, durations_from_data: bool, source: str,
                   caller_keys: Callable[[pa.Array], pa.Array]) -> tuple[pa.Table, int]:
    """Contacts rebuilt from ``ev`` (``events``: the same rows as Arrow, in line order) and
    the number of call events that belong to no contact (their ENTERQUEUE precedes the
    source). ``caller_keys`` maps the caller ids in clear (null where the call did not start
    with ENTERQUEUE) to the ``customer_key`` of each."""
    orphans = _visits(con)
    mask = (1 << _LINE_BITS) - 1
    visits = con.sql(f"""
        SELECT callid, queue, visit, rna,
               CAST(s_rn & {mask} AS BIGINT) AS s_line, CAST(c_rn & {mask} AS BIGINT) AS c_line,
               CAST(t_rn & {mask} AS BIGINT) AS t_line
        FROM call_visits
    """).to_arrow_table()
    detail = ["event_at", "agent", "event", *fields.columns]
    rows: dict[str, pa.Array | pa.ChunkedArray] = {
        c: visits.column(c) for c in ("callid", "queue", "visit", "rna")}
    for prefix in ("s_", "c_", "t_"):
        rows.update(_fetch(events, visits.column(prefix + "line"), prefix, detail))
    for prefix in ("c_", "t_"):
        rows[prefix + "advisor"] = _advisor_ids(con, pa.chunked_array([rows[prefix + "agent"]]))
    rows["vi"] = pa.array(np.arange(visits.num_rows, dtype=np.int64))
    con.register("call_visit_rows", pa.table(rows))

    answered = _in({e for e, o in TERMINAL_OUTCOMES.items()
                    if o in (Outcome.ANSWERED, Outcome.TRANSFERRED)})
    outcome_case = " ".join(f"WHEN '{e}' THEN '{o.value}'"
                            for e, o in sorted(TERMINAL_OUTCOMES.items()))
    hold = _field_by_event(HOLDTIME_FIELD, "c_", fields)
    wait = _field_by_event(WAITTIME_FIELD, "t_", fields)
    call = _field_by_event(CALLTIME_FIELD, "t_", fields)
    ts_wait = (f"CASE WHEN answered_at IS NOT NULL THEN {_seconds('answered_at', 'offered_at')} "
               f"WHEN t_event_at IS NOT NULL AND t_event NOT IN {answered} "
               f"THEN {_seconds('t_event_at', 'offered_at')} END")
    ts_talk = (f"CASE WHEN t_event IN {answered} AND answered_at IS NOT NULL "
               f"THEN {_seconds('t_event_at', 'answered_at')} END")
    if durations_from_data:
        wait_sql = (f"coalesce(CASE WHEN answered_at IS NOT NULL THEN {hold} ELSE {wait} END, "
                    f"{ts_wait})")
        talk_sql = f"CASE WHEN t_event IN {answered} THEN coalesce({call}, {ts_talk}) END"
    else:
        wait_sql, talk_sql = ts_wait, ts_talk
    callers = con.sql(f"""
        SELECT vi, CASE WHEN s_event = 'ENTERQUEUE'
                        THEN {fields.field('s_', caller_id_field)} END AS caller_id
        FROM call_visit_rows
    """).to_arrow_table()
    # the caller ids are pseudonymised (Python, holding the GIL) while DuckDB (releasing it)
    # builds the contacts; ``vi`` (visit index) then finds each contact's key
    with ThreadPoolExecutor(max_workers=1) as pool:
        keys = pool.submit(caller_keys, callers.column("caller_id"))
        _transfers(con)
        table = con.sql(f"""
            WITH shaped AS (
                SELECT v.*, t.transferred_from, s_event_at AS offered_at,
                       CASE WHEN c_event_at IS NOT NULL
                                 AND (t_event_at IS NULL OR c_event_at <= t_event_at)
                            THEN c_event_at END AS answered_at
                FROM call_visit_rows v LEFT JOIN call_transfers t USING (callid, queue, visit)
            )
            SELECT
                {_CONTACT_ID_SQL} AS contact_id,
                callid AS source_ref,
                vi,
                queue AS queue_id,
                offered_at,
                answered_at,
                t_event_at AS ended_at,
                {wait_sql} AS wait_s,
                {talk_sql} AS talk_s,
                CASE WHEN answered_at IS NOT NULL THEN c_advisor
                     WHEN t_event IN {answered} THEN t_advisor END AS advisor_id,
                -- a call connected to an advisor is answered even if the source ends
                -- before it does (its end and talk stay unknown)
                coalesce(CASE t_event {outcome_case} END,
                         CASE WHEN answered_at IS NOT NULL THEN 'answered' END,
                         'unfinished') AS outcome,
                CAST(rna AS INTEGER) AS ring_no_answer_count,
                transferred_from
            FROM shaped
        """).to_arrow_table()
        # sorting the narrow keys, then taking the rows, is cheaper than sorting the rows
        order = pc.sort_indices(table, sort_keys=[("offered_at", "ascending"),
                                                  ("contact_id", "ascending")])
        table = table.take(order)
        customer_keys = keys.result()
    # the key of visit i is at the row of ``callers`` whose vi is i
    row_of_visit = np.empty(callers.num_rows, dtype=np.int64)
    row_of_visit[callers.column("vi").to_numpy()] = np.arange(callers.num_rows)
    position = row_of_visit[table.column("vi").to_numpy()]
    table = table.set_column(table.column_names.index("vi"), "customer_key",
                             customer_keys.take(pa.array(position)))
    # the same on every row: added after the sort rather than exported and sorted
    for name, value in (("source", source), ("channel", "voice"), ("direction", "inbound")):
        table = table.append_column(name, pa.repeat(pa.scalar(value, pa.string()),
                                                    table.num_rows))
    return table, orphans


_CONTACT_ID_SQL = ("'asterisk:' || callid || ':' || queue "
                   "|| CASE WHEN visit > 1 THEN ':' || visit ELSE '' END")


def _transfers(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``call_transfers`` (callid, queue, visit, transferred_from): the contact after a
    transferred one, on the same channel; only the channels with a transfer are ordered."""
    transferred = _in({e for e, o in TERMINAL_OUTCOMES.items() if o is Outcome.TRANSFERRED})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE call_transfers AS
        WITH visits AS (
            SELECT callid, queue, visit, s_event_at, {_CONTACT_ID_SQL} AS contact_id,
                   coalesce(t_event IN {transferred}, false) AS transferred
            FROM call_visit_rows
            SEMI JOIN (SELECT callid FROM call_visit_rows WHERE t_event IN {transferred})
                 USING (callid)
        )
        SELECT callid, queue, visit,
               CASE WHEN lag(transferred) OVER w THEN lag(contact_id) OVER w END
                   AS transferred_from
        FROM visits
        WINDOW w AS (PARTITION BY callid ORDER BY s_event_at, contact_id)
    """)
