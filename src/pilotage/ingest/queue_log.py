"""Parser of the Asterisk ``queue_log``: the native pipe-delimited file, or the same events
exported from a database table (mapping of kind ``queue_log_table``).

Output tables: ``queue_events`` (every valid line, raw, ``known`` flag), ``contacts`` (one per
queued call, see :mod:`pilotage.ingest.queue_log_calls`) and ``agent_states`` (sessions and
pauses, see :mod:`pilotage.ingest.queue_log_agents`).

Rules worth knowing:

* **Advisor id**: the member interface without its technology and context:
  ``Agent/1141``, ``Local/1141@callback-agent``, ``SIP/1141`` → ``1141``; a member name without
  ``/`` (``Alice Martin``) is kept as written. So the calls of ``Agent/1141`` and the sessions
  of ``Local/1141@callback-agent`` belong to the same advisor.
* **Durations** (native file): Asterisk's own measures when the line carries them (CONNECT
  holdtime, COMPLETE*/TRANSFER calltime, ABANDON/EXIT* waittime), else differences of event
  times. A mapping may say ``durations: timestamps`` (MOR stores its measures outside the
  queue_log fields).
* **Caller id**: pseudonymised (``customer_key``); anonymous ids (``anonymous``, ``unknown``…)
  give NULL, never one shared key.
* Every line read is loaded into ``queue_events`` or quarantined (too few fields, bad time,
  empty event, undecodable bytes). Unknown events are kept (``known`` false) and counted in the
  notes as ``unknown_event:NAME``; a mapping's ``vendor_events`` as ``vendor_event:NAME``.
* ``queue_events.file`` is the path followed by ``@`` and the first 12 hex digits of the file's
  SHA-256: a rotated log keeps its name but not its content, and (file, line) is the key.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.errors import MappingError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log_agents import build_agent_states
from pilotage.ingest.queue_log_calls import build_contacts
from pilotage.ingest.queue_log_events import ANONYMOUS_CALLER_IDS, KNOWN_EVENTS
from pilotage.ingest.queue_log_mapping import (
    DEFAULT_REALTIME,
    KIND,
    QueueLogTableMapping,
    load_queue_log_mapping,
)
from pilotage.ingest.queue_log_reading import (
    DATA_FIELDS,
    read_native_lines,
    read_table_rows,
    sniff_realtime_header,
)
from pilotage.model.tables import table as table_spec
from pilotage.store.batch import QUARANTINE_SCHEMA, Batch
from pilotage.store.workspace import file_sha256

NATIVE_FORMAT = "asterisk_queue_log"
TABLE_FORMAT = "asterisk_queue_log_table"
REALTIME_DEFAULT_NAME = "asterisk-realtime-default"
_MAX_EPOCH_DIGITS = 10

__all__ = ["parse_queue_log"]


def parse_queue_log(path: Path, *, pseudonymizer: Pseudonymizer,
                    mapping: MappingFile | None = None) -> Batch:
    """Parse one queue_log source into a :class:`Batch`.

    ``mapping`` None: a native queue_log file, or (recognised by its header line
    ``time,callid,queuename,agent,event,…``) a realtime ``queue_log`` table export read with
    the standard column names, times in UTC. Otherwise a mapping of kind ``queue_log_table``.
    """
    path = Path(path)
    sha = file_sha256(path) if path.is_file() else ""
    table_mapping: QueueLogTableMapping | None = None
    mapping_name: str | None = None
    if mapping is not None:
        if mapping.kind != KIND:
            raise MappingError(f"{mapping.path}: line 1: field 'kind' is '{mapping.kind}', "
                               f"this parser reads '{KIND}'",
                               hint="use a queue_log_table mapping, or the parser of that kind")
        table_mapping = load_queue_log_mapping(mapping)
        mapping_name = mapping.name
    elif sniff_realtime_header(path):
        table_mapping = DEFAULT_REALTIME
        mapping_name = REALTIME_DEFAULT_NAME
    if not sha:
        from pilotage.errors import InputError

        raise InputError(f"{path}: no such file", hint="check the path")
    file_ref = f"{path}@{sha[:12]}"
    source = mapping_name or NATIVE_FORMAT
    notes: Counter[str] = Counter()

    con = _session()
    try:
        if table_mapping is None:
            con.register("native_lines", read_native_lines(path))
            con.execute(_NATIVE_SPLIT_SQL)
            time_sql = _epoch_sql("time_text")
            caller_field, from_data, vendor = 2, True, frozenset[str]()
        else:
            con.register("raw_rows", read_table_rows(path, table_mapping, source))
            con.execute("CREATE TEMP VIEW raw AS SELECT * FROM raw_rows")
            time_sql = _time_sql(table_mapping)
            reading = table_mapping.events
            caller_field = reading.caller_id_field
            from_data = reading.durations == "event_data"
            vendor = frozenset(reading.vendor_events)
            if table_mapping is DEFAULT_REALTIME:
                notes["time_zone_assumed:UTC"] = 1
        con.execute(_checked_sql(time_sql))
        quarantine = con.sql(f"""
            SELECT '{_sql_text(str(path))}' AS file, line, bad_column AS "column",
                   bad_value AS value, bad_reason AS reason, record
            FROM checked WHERE bad_reason IS NOT NULL ORDER BY line
        """).to_arrow_table().cast(QUARANTINE_SCHEMA)
        known_list = ", ".join(f"'{e}'" for e in sorted(KNOWN_EVENTS))
        con.execute(f"""
            CREATE TEMP VIEW ev AS
            SELECT (CAST(epoch_us(event_at) AS HUGEINT) << 40) + line AS rn, line, event_at,
                   callid, queue, agent, event, data,
                   {", ".join(f"d{i}" for i in range(1, DATA_FIELDS + 1))},
                   event IN ({known_list}) AS known
            FROM checked WHERE bad_reason IS NULL
        """)
        events = con.sql(f"""
            SELECT event_at, callid AS call_ref, queue AS queue_id, agent, event, data, known,
                   '{_sql_text(file_ref)}' AS file, line
            FROM ev
        """).to_arrow_table()
        for name, count in con.execute(
                "SELECT event, count(*) FROM ev WHERE NOT known GROUP BY event").fetchall():
            kind = "vendor_event" if name in vendor else "unknown_event"
            notes[f"{kind}:{name}"] += int(count)
        contacts, orphans = build_contacts(con, caller_id_field=caller_field,
                                           durations_from_data=from_data, source=source)
        states, early_logoffs = build_agent_states(con, source=source)
    finally:
        con.close()

    contacts = _pseudonymise(contacts, pseudonymizer)
    if orphans:
        notes["call_events_before_enterqueue"] = orphans
    if early_logoffs:
        notes["logoffs_without_login"] = early_logoffs
    rows_read = events.num_rows + quarantine.num_rows
    return Batch(
        source_path=str(path),
        content_sha256=sha,
        format=NATIVE_FORMAT if table_mapping is None else TABLE_FORMAT,
        tables={"queue_events": _conform("queue_events", events),
                "contacts": _conform("contacts", contacts),
                "agent_states": _conform("agent_states", states)},
        rows_read=rows_read,
        rows_loaded=events.num_rows,
        quarantine=quarantine,
        mapping=mapping_name if mapping is not None else None,
        notes=dict(notes),
    )


_ENGINE: list[duckdb.DuckDBPyConnection] = []
_ENGINE_LOCK = threading.Lock()


def _session() -> duckdb.DuckDBPyConnection:
    """A fresh connection (own temp tables) to one in-memory DuckDB shared by every parse:
    opening a database costs about 50 ms, a cursor about 2 ms."""
    with _ENGINE_LOCK:
        if not _ENGINE:
            _ENGINE.append(duckdb.connect(config={"autoinstall_known_extensions": "false",
                                                  "TimeZone": "UTC"}))
        return _ENGINE[0].cursor()


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _pseudonymise(contacts: pa.Table, pseudonymizer: Pseudonymizer) -> pa.Table:
    caller = contacts.column("caller_id")
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(caller))
    anonymous = pc.is_in(lowered, value_set=pa.array(sorted(ANONYMOUS_CALLER_IDS)))
    cleaned = pc.if_else(anonymous, pa.scalar(None, pa.string()), caller)
    keys = pseudonymizer.keys(cleaned)
    index = contacts.column_names.index("caller_id")
    return contacts.set_column(index, "customer_key", keys)


def _conform(name: str, rows: pa.Table) -> pa.Table:
    """Cast to the canonical Arrow types (subset of the table's columns, in its order)."""
    spec = table_spec(name)
    fields = [f for f in spec.arrow_schema if f.name in rows.column_names]
    return rows.select([f.name for f in fields]).cast(pa.schema(fields))


_NATIVE_SPLIT_SQL = f"""
    CREATE TEMP VIEW raw AS
    WITH clean AS (
        SELECT line, rtrim(record, chr(13)) AS record, undecodable FROM native_lines
    ),
    parts AS (SELECT *, string_split(record, '|') AS p FROM clean)
    SELECT line, record, p[1] AS time_text, p[2] AS callid, p[3] AS queue, p[4] AS agent,
           p[5] AS event, CASE WHEN len(p) > 5 THEN array_to_string(p[6:], '|') ELSE '' END
           AS data,
           CAST(len(p) AS INTEGER) AS nfields,
           {", ".join(f"p[{5 + i}] AS d{i}" for i in range(1, DATA_FIELDS + 1))},
           CAST(NULL AS VARCHAR) AS bad_column,
           CASE WHEN undecodable THEN record END AS bad_value,
           CASE WHEN undecodable THEN 'bytes that are not valid UTF-8: the file is damaged or '
                || 'in another encoding; convert it to UTF-8 or fix the line' END AS bad_reason
    FROM parts
"""


def _epoch_sql(col: str) -> str:
    text = f"trim({col})"
    return (f"CASE WHEN regexp_full_match({text}, '[0-9]{{1,{_MAX_EPOCH_DIGITS}}}"
            f"(\\.[0-9]{{1,9}})?') THEN make_timestamp(CAST(round(CAST({text} AS DOUBLE) "
            f"* 1e6) AS BIGINT)) END")


def _time_sql(mapping: QueueLogTableMapping) -> str:
    spec = mapping.time
    text = "trim(time_text)"
    fmt = _sql_text(spec.format) if spec.format else None
    parsed = f"try_strptime({text}, '{fmt}')" if fmt else f"try_cast({text} AS TIMESTAMP)"
    if spec.time_zone != "UTC":
        parsed = f"timezone('UTC', timezone('{_sql_text(spec.time_zone)}', {parsed}))"
    if spec.encoding == "epoch":
        return _epoch_sql("time_text")
    if spec.encoding == "datetime":
        return parsed
    return f"coalesce({_epoch_sql('time_text')}, {parsed})"


def _checked_sql(time_sql: str) -> str:
    return f"""
        CREATE TEMP TABLE checked AS
        WITH t AS (SELECT *, {time_sql} AS event_at, trim(event) AS ev_name FROM raw)
        SELECT line, record, event_at, callid, queue, agent, ev_name AS event, data,
               {", ".join(f"d{i}" for i in range(1, DATA_FIELDS + 1))},
               CASE WHEN bad_reason IS NOT NULL THEN bad_column
                    WHEN trim(record) = '' THEN NULL
                    WHEN nfields < 5 THEN NULL
                    WHEN event_at IS NULL THEN 'time'
                    WHEN coalesce(ev_name, '') = '' THEN 'event' END AS bad_column,
               CASE WHEN bad_reason IS NOT NULL THEN bad_value
                    WHEN trim(record) = '' THEN NULL
                    WHEN nfields < 5 THEN CAST(nfields AS VARCHAR)
                    WHEN event_at IS NULL THEN time_text
                    WHEN coalesce(ev_name, '') = '' THEN event END AS bad_value,
               CASE WHEN bad_reason IS NOT NULL THEN bad_reason
                    WHEN trim(record) = '' THEN 'empty line inside the log: remove it'
                    WHEN nfields < 5 THEN 'too few fields (' || nfields || '; a queue_log '
                        || 'line has at least 5: epoch|callid|queue|agent|event): the line '
                        || 'is cut or is not a queue_log line; repair or remove it'
                    WHEN event_at IS NULL THEN 'time is not a valid event time (expected '
                        || 'Unix epoch seconds, or the datetime format of the mapping): '
                        || 'fix the value or the mapping''s time section'
                    WHEN coalesce(ev_name, '') = '' THEN 'empty event name: every queue_log '
                        || 'line names its event (5th field); repair or remove the line'
               END AS bad_reason
        FROM t
    """
