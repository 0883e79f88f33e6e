"""Rebuilding advisor states (``agent_states``) from queue_log events, in SQL.

Expects the DuckDB table ``ev`` of valid events (see :mod:`pilotage.ingest.queue_log_calls`);
the presence and pause events are first copied into a narrow table, the advisor id computed
once per event.

* ``logged_in`` sessions: an advisor holds *memberships*: one per queue (ADDMEMBER /
  REMOVEMEMBER) and one for the agent login (AGENTLOGIN / AGENTCALLBACKLOGIN and their
  LOGOFF). Adding a membership already held changes nothing (Asterisk re-adds persistent
  members after a restart). A session runs from the moment the advisor holds a first membership
  to the moment they hold none; ``queue_id`` is NULL (a session spans queues).
* ``not_ready`` intervals: the same rule over pauses (PAUSE / UNPAUSE per queue, PAUSEALL /
  UNPAUSEALL for all); an interval also ends when the session around it ends. ``reason_code``
  is the first non-empty pause reason (data1) given in the interval; ``queue_id`` is the queue of
  the opening PAUSE (NULL for PAUSEALL).
* Intervals still open at the end of the source have ``end_at`` NULL.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pilotage.ingest.queue_log_calls import ORDER_KEY_SQL
from pilotage.ingest.queue_log_events import (
    LOGIN_EVENTS,
    LOGOFF_EVENTS,
    PAUSE_EVENTS,
    UNPAUSE_EVENTS,
    advisor_id_sql,
)
from pilotage.ingest.queue_log_reading import DataFieldsSql


def _in(values: frozenset[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _intervals(con: duckdb.DuckDBPyConnection, name: str, on: frozenset[str],
               off: frozenset[str], per_queue: frozenset[str]) -> None:
    """Create temp table ``name`` (adv, start_rn, start_at, end_at, queue) of the periods when
    the advisor holds at least one of the (advisor, key) flags switched by ``on``/``off``."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        WITH flags AS (
            SELECT rn, event_at, adv, queue,
                   CASE WHEN event IN {_in(per_queue)} THEN 'q:' || coalesce(queue, '')
                        ELSE 'all' END AS k,
                   CASE WHEN event IN {_in(on)} THEN 1 ELSE 0 END AS flag
            FROM agent_ev WHERE event IN {_in(on | off)}
        ),
        deltas AS (
            SELECT *, flag - coalesce(lag(flag) OVER (PARTITION BY adv, k ORDER BY rn), 0)
                       AS delta
            FROM flags WHERE adv IS NOT NULL
        ),
        held AS (
            SELECT *, sum(delta) OVER (PARTITION BY adv ORDER BY rn
                                       ROWS UNBOUNDED PRECEDING) AS n
            FROM deltas
        ),
        marks AS (
            SELECT *, coalesce(lag(n) OVER (PARTITION BY adv ORDER BY rn), 0) AS prev FROM held
        ),
        edges AS (
            SELECT adv, rn, event_at, queue, k, n > 0 AS opens
            FROM marks WHERE (prev = 0 AND n > 0) OR (prev > 0 AND n = 0)
        )
        SELECT adv, rn AS start_rn, event_at AS start_at,
               lead(rn) OVER w AS end_rn, lead(event_at) OVER w AS end_at,
               CASE WHEN k LIKE 'q:%' AND queue NOT IN ('', 'NONE') THEN queue END AS queue
        FROM edges
        WINDOW w AS (PARTITION BY adv ORDER BY rn)
        QUALIFY opens
    """)


def build_agent_states(con: duckdb.DuckDBPyConnection, *, fields: DataFieldsSql,
                       source: str) -> tuple[pa.Table, int]:
    """``agent_states`` rows, and the number of logoffs of advisors not logged in within the
    source (their login precedes it)."""
    presence = LOGIN_EVENTS | LOGOFF_EVENTS | PAUSE_EVENTS | UNPAUSE_EVENTS
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE agent_ev AS
        SELECT {ORDER_KEY_SQL} AS rn, event_at, {advisor_id_sql('agent')} AS adv, queue, event,
               CASE WHEN event IN {_in(PAUSE_EVENTS)}
                    THEN nullif(trim({fields.field('', 1)}), '') END AS reason
        FROM ev WHERE event IN {_in(presence)}
    """)
    _intervals(con, "sessions", LOGIN_EVENTS, LOGOFF_EVENTS, frozenset({"ADDMEMBER",
                                                                         "REMOVEMEMBER"}))
    _intervals(con, "pauses", PAUSE_EVENTS, UNPAUSE_EVENTS, frozenset({"PAUSE", "UNPAUSE"}))
    source_sql = source.replace("'", "''")
    table = con.sql(f"""
        WITH pause_reasons AS (
            SELECT p.adv, p.start_rn,
                   arg_min(e.reason, e.rn) FILTER (WHERE e.reason IS NOT NULL) AS reason
            FROM pauses p
            JOIN agent_ev e ON e.adv = p.adv AND e.event IN {_in(PAUSE_EVENTS)}
                     AND e.rn >= p.start_rn AND (p.end_rn IS NULL OR e.rn < p.end_rn)
            GROUP BY ALL
        ),
        pause_ends AS (
            SELECT p.adv, p.start_rn,
                   min(s.end_at) FILTER (WHERE s.end_rn > p.start_rn) AS session_end
            FROM pauses p LEFT JOIN sessions s ON s.adv = p.adv
            GROUP BY ALL
        ),
        rows AS (
            SELECT adv AS advisor_id, 'logged_in' AS state, start_at, end_at,
                   CAST(NULL AS VARCHAR) AS reason_code, CAST(NULL AS VARCHAR) AS queue_id
            FROM sessions
            UNION ALL
            SELECT p.adv, 'not_ready', p.start_at,
                   CASE WHEN p.end_at IS NULL THEN e.session_end
                        WHEN e.session_end IS NULL THEN p.end_at
                        ELSE least(p.end_at, e.session_end) END,
                   r.reason, p.queue
            FROM pauses p
            LEFT JOIN pause_reasons r USING (adv, start_rn)
            LEFT JOIN pause_ends e USING (adv, start_rn)
        )
        SELECT advisor_id, state, start_at, end_at,
               (epoch_us(end_at) - epoch_us(start_at)) / 1e6 AS duration_s,
               reason_code, queue_id, '{source_sql}' AS source
        FROM rows ORDER BY start_at, advisor_id, state
    """).to_arrow_table()
    early = con.execute(f"""
        SELECT count(*) FROM (
            SELECT event, lag(event) OVER (PARTITION BY adv,
                CASE WHEN event IN ('ADDMEMBER', 'REMOVEMEMBER') THEN queue END ORDER BY rn)
                AS before
            FROM agent_ev WHERE event IN {_in(LOGIN_EVENTS | LOGOFF_EVENTS)}
        ) WHERE event IN {_in(LOGOFF_EVENTS)} AND before IS NULL
    """).fetchall()
    return table, int(early[0][0])
