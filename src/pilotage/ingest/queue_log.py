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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.errors import InputError, MappingError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log_agents import build_agent_states
from pilotage.ingest.queue_log_calls import build_contacts
from pilotage.ingest.queue_log_events import ANONYMOUS_CALLER_IDS, KNOWN_EVENTS, trim_sql
from pilotage.ingest.queue_log_mapping import (
    DEFAULT_REALTIME,
    KIND,
    QueueLogTableMapping,
    load_queue_log_mapping,
)
from pilotage.ingest.queue_log_reading import (
    DATA_FIELDS,
    NATIVE_DATA,
    DataFieldsSql,
    NativeLines,
    read_table_rows,
    sniff_realtime_header,
    split_native_lines,
)
from pilotage.model.tables import table as table_spec
from pilotage.store.batch import QUARANTINE_SCHEMA, Batch
from pilotage.store.workspace import file_sha256

NATIVE_FORMAT = "asterisk_queue_log"
TABLE_FORMAT = "asterisk_queue_log_table"
REALTIME_DEFAULT_NAME = "asterisk-realtime-default"
_MAX_EPOCH_DIGITS = 10
_UNDECODABLE_REASON = ("bytes that are not valid UTF-8: the file is damaged or in another "
                       "encoding; convert it to UTF-8 or fix the line")

__all__ = ["parse_queue_log"]


def parse_queue_log(path: Path, *, pseudonymizer: Pseudonymizer,
                    mapping: MappingFile | None = None) -> Batch:
    """Parse one queue_log source into a :class:`Batch`.

    ``mapping`` None: a native queue_log file, or (recognised by its header line
    ``time,callid,queuename,agent,event,…``) a realtime ``queue_log`` table export read with
    the standard column names, times in UTC. Otherwise a mapping of kind ``queue_log_table``.
    """
    path = Path(path)
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
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    source = mapping_name or NATIVE_FORMAT
    notes: Counter[str] = Counter()

    native: NativeLines | None = None
    if table_mapping is None:
        native = split_native_lines(path)
        sha = native.sha256
        raw = native.table
        time_sql = _epoch_sql("time_t")
        blank_sql = "(nfields = 1 AND trim(time_text) = '')"  # no pipe, only spaces
        fields = NATIVE_DATA
        caller_field, from_data, vendor = 2, True, frozenset[str]()
    else:
        sha = file_sha256(path)
        raw = read_table_rows(path, table_mapping, source)
        time_sql = _time_sql(table_mapping)
        blank_sql = "(trim(record) = '')"
        fields = DataFieldsSql(tuple(f"d{i}" for i in range(1, DATA_FIELDS + 1)))
        reading = table_mapping.events
        caller_field = reading.caller_id_field
        from_data = reading.durations == "event_data"
        vendor = frozenset(reading.vendor_events)
        if table_mapping is DEFAULT_REALTIME:
            notes["time_zone_assumed:UTC"] = 1
    file_ref = f"{path}@{sha[:12]}"

    con = _session()
    try:
        con.register("raw_lines", raw)
        # a native line has no problem found while reading
        extra = ("" if native is None else ", NULL::VARCHAR AS bad_column, "
                 "NULL::VARCHAR AS bad_value, NULL::VARCHAR AS bad_reason")
        con.execute(f"CREATE TEMP VIEW raw AS SELECT *{extra} FROM raw_lines")
        events, ev = _valid_events(con, raw, time_sql, blank_sql, fields, file_ref)
        quarantine = _quarantine(con, path, raw, native, time_sql, blank_sql,
                                 bad=raw.num_rows - events.num_rows)
        con.register("ev", ev)
        # the advisor states are built on a second connection (own temp tables) while the
        # contacts are: DuckDB releases the GIL, so each fills the other's Python-bound gaps
        agents_con = _session()
        try:
            agents_con.register("ev", ev)
            with ThreadPoolExecutor(max_workers=1) as pool:
                agents = pool.submit(build_agent_states, agents_con, fields=fields,
                                     source=source)
                contacts, orphans = build_contacts(
                    con, ev, fields=fields, caller_id_field=caller_field,
                    durations_from_data=from_data, source=source,
                    caller_keys=lambda ids: _caller_keys(ids, pseudonymizer))
                states, early_logoffs = agents.result()
        finally:
            agents_con.close()
    finally:
        con.close()

    unknown = pc.filter(events.column("event"), pc.invert(events.column("known")))
    for item in pc.value_counts(unknown).to_pylist():
        name, count = str(item["values"]), int(item["counts"])
        kind = "vendor_event" if name in vendor else "unknown_event"
        notes[f"{kind}:{name}"] += count
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
        # a native log gives one row per valid line of this one file: (file, line), the key
        # of queue_events, cannot repeat (the store skips its check, 0.5 CPU s per 2 M lines)
        unique_key_tables=frozenset({"queue_events"} if native is not None else ()),
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
        cursor = _ENGINE[0].cursor()
    cursor.execute("SET enable_progress_bar = false")  # `pilotage ingest` shows its own
    return cursor


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _valid_events(con: duckdb.DuckDBPyConnection, raw: pa.Table, time_sql: str, blank_sql: str,
                  fields: DataFieldsSql, file_ref: str) -> tuple[pa.Table, pa.Table]:
    """The valid lines: ``queue_events`` rows and the ``ev`` table the calls and advisor states
    are rebuilt from. One DuckDB pass computes the time and the validity of every line (or
    Arrow, when every line is plain: :func:`_plain_native_lines`); the text columns stay the
    Arrow arrays of the reading (filtered only if some line is bad).
    That pass must keep the rows in order: no IN list there (DuckDB turns it into a join,
    which reorders the rows of a parallel scan)."""
    checked = _plain_native_lines(raw) if time_sql == _epoch_sql("time_t") else None
    if checked is None:
        checked = con.sql(f"""
            SELECT event_at,
                   CASE WHEN ev_name <> event THEN ev_name END AS trimmed_event,
                   bad_reason IS NULL AND NOT coalesce({blank_sql}, false) AND nfields >= 5
                       AND event_at IS NOT NULL AND coalesce(ev_name, '') <> '' AS ok
            FROM (SELECT *, {time_sql} AS event_at FROM {_TRIMMED})
        """).to_arrow_table()
    ok = checked.column("ok")
    all_ok = pc.all(ok).as_py() is not False  # all() of an empty column is None
    keep = ["line", "callid", "queue", "agent", "event", "data", *fields.columns]
    ev = raw.select(list(dict.fromkeys(keep)))
    ev = ev.append_column("event_at", checked.column("event_at"))
    ev = ev.append_column("trimmed_event", checked.column("trimmed_event"))
    if not all_ok:
        ev = ev.filter(ok)
    trimmed = ev.column("trimmed_event")
    if trimmed.null_count < len(trimmed):  # some event name had spaces around it
        event = pc.coalesce(trimmed, ev.column("event"))
        ev = ev.set_column(ev.column_names.index("event"), "event", event)
    ev = ev.drop_columns(["trimmed_event"])
    event = ev.column("event")
    events = pa.table({
        "event_at": ev.column("event_at"),
        "call_ref": ev.column("callid"),
        "queue_id": ev.column("queue"),
        "agent": ev.column("agent"),
        "event": event,
        "data": ev.column("data"),
        "known": pc.is_in(event, value_set=pa.array(sorted(KNOWN_EVENTS))),
        "file": pa.repeat(pa.scalar(file_ref), ev.num_rows),
        "line": ev.column("line"),
    })
    return events, ev


def _plain_native_lines(raw: pa.Table) -> pa.Table | None:
    """What the validity query gives, computed with Arrow when every line is plain: its
    time whole epoch seconds (ASCII digits, up to 10, below 2**53 µs so that the query's
    double gives the same microseconds) and its event name printable ASCII without spaces
    (nothing to trim). None otherwise: the query runs."""
    if "bad_reason" in raw.column_names:
        return None  # a table export: problems found while reading are in the query
    time_text, event = raw.column("time_text"), raw.column("event")
    if raw.num_rows == 0 or time_text.null_count or not pc.all(
            pc.match_substring_regex(time_text, r"^[0-9]{1,10}$")).as_py():
        return None
    if pc.any(pc.match_substring_regex(event, r"[^\x21-\x7e]")).as_py():
        return None
    seconds = pc.cast(time_text, pa.int64())
    if pc.max(seconds).as_py() >= _PLAIN_EPOCH_LIMIT_S:
        return None
    event_at = pc.multiply(seconds, 1_000_000).cast(pa.timestamp("us"))
    ok = pc.and_(pc.greater_equal(raw.column("nfields"), 5),
                 pc.not_equal(pc.fill_null(event, ""), ""))
    return pa.table({"event_at": event_at,
                     "trimmed_event": pa.nulls(raw.num_rows, pa.large_string()),
                     "ok": ok})


_PLAIN_EPOCH_LIMIT_S = 2**53 // 1_000_000  # seconds whose µs a double holds exactly


def _quarantine(con: duckdb.DuckDBPyConnection, path: Path, raw: pa.Table,
                native: NativeLines | None, time_sql: str, blank_sql: str,
                bad: int) -> pa.Table:
    """The ``bad`` lines that did not load, with column, value and a reason saying the fix."""
    file = str(path)
    schema = pa.schema([f for f in QUARANTINE_SCHEMA if f.name != "file"])
    parts: list[pa.Table] = []
    if bad:
        rows = con.sql(_checked_sql(time_sql, blank_sql,
                                    "record" if native is None else "NULL")).to_arrow_table()
        if native is not None:
            records = [native.record(line) for line in rows.column("line").to_pylist()]
            rows = rows.set_column(rows.column_names.index("record"), "record",
                                   pa.array(records, type=pa.string()))
        parts.append(rows.cast(schema))
    if native is not None and len(native.undecodable):
        records = [native.record(int(line)) for line in native.undecodable]
        parts.append(pa.table({
            "line": pa.array(native.undecodable, type=pa.int64()),
            "column": pa.nulls(len(records), pa.string()),
            "value": pa.array(records, type=pa.string()),
            "reason": pa.array([_UNDECODABLE_REASON] * len(records), type=pa.string()),
            "record": pa.array(records, type=pa.string()),
        }).cast(schema))
    if not parts:
        return QUARANTINE_SCHEMA.empty_table()
    rows = pa.concat_tables(parts).sort_by("line")
    rows = rows.add_column(0, "file", pa.repeat(pa.scalar(file), rows.num_rows))
    return rows.cast(QUARANTINE_SCHEMA)


def _caller_keys(caller: pa.Array, pseudonymizer: Pseudonymizer) -> pa.Array:
    """The ``customer_key`` of each caller id (NULL for an anonymous or blank one)."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(caller))
    anonymous = pc.is_in(lowered, value_set=pa.array(sorted(ANONYMOUS_CALLER_IDS)))
    cleaned = pc.if_else(anonymous, pa.scalar(None, pa.string()), caller)
    return pseudonymizer.keys(cleaned)


def _conform(name: str, rows: pa.Table) -> pa.Table:
    """Cast to the canonical Arrow types (subset of the table's columns, in its order)."""
    spec = table_spec(name)
    fields = [f for f in spec.arrow_schema if f.name in rows.column_names]
    return rows.select([f.name for f in fields]).cast(pa.schema(fields))


# The lines with their time text and event name trimmed (time expressions read ``time_t``).
_TRIMMED = (f"(SELECT *, {trim_sql('time_text')} AS time_t, {trim_sql('event')} AS ev_name "
            f"FROM raw)")


def _epoch_sql(text: str) -> str:
    """SQL: the time of a trimmed epoch text (NULL unless digits with up to 9 decimals)."""
    return (f"CASE WHEN regexp_full_match({text}, '[0-9]{{1,{_MAX_EPOCH_DIGITS}}}"
            f"(\\.[0-9]{{1,9}})?') THEN make_timestamp(CAST(round(CAST({text} AS DOUBLE) "
            f"* 1e6) AS BIGINT)) END")


def _time_sql(mapping: QueueLogTableMapping) -> str:
    spec = mapping.time
    text = "time_t"
    fmt = _sql_text(spec.format) if spec.format else None
    parsed = f"try_strptime({text}, '{fmt}')" if fmt else f"try_cast({text} AS TIMESTAMP)"
    if spec.time_zone != "UTC":
        parsed = f"timezone('UTC', timezone('{_sql_text(spec.time_zone)}', {parsed}))"
    if spec.encoding == "epoch":
        return _epoch_sql("time_t")
    if spec.encoding == "datetime":
        return parsed
    return f"coalesce({_epoch_sql('time_t')}, {parsed})"


def _checked_sql(time_sql: str, blank_sql: str, record_sql: str) -> str:
    """The bad lines of ``raw``: line, column, value, reason (first problem found), record."""
    return f"""
        WITH t AS (SELECT *, {time_sql} AS event_at, coalesce({blank_sql}, false) AS blank
                   FROM {_TRIMMED}),
        c AS (
            SELECT line, {record_sql} AS record,
               CASE WHEN bad_reason IS NOT NULL THEN bad_column
                    WHEN blank THEN NULL
                    WHEN nfields < 5 THEN NULL
                    WHEN event_at IS NULL THEN 'time'
                    WHEN coalesce(ev_name, '') = '' THEN 'event' END AS "column",
               CASE WHEN bad_reason IS NOT NULL THEN bad_value
                    WHEN blank THEN NULL
                    WHEN nfields < 5 THEN CAST(nfields AS VARCHAR)
                    WHEN event_at IS NULL THEN time_text
                    WHEN coalesce(ev_name, '') = '' THEN event END AS value,
               CASE WHEN bad_reason IS NOT NULL THEN bad_reason
                    WHEN blank THEN 'empty line inside the log: remove it'
                    WHEN nfields < 5 THEN 'too few fields (' || nfields || '; a queue_log '
                        || 'line has at least 5: epoch|callid|queue|agent|event): the line '
                        || 'is cut or is not a queue_log line; repair or remove it'
                    WHEN event_at IS NULL THEN 'time is not a valid event time (expected '
                        || 'Unix epoch seconds, or the datetime format of the mapping): '
                        || 'fix the value or the mapping''s time section'
                    WHEN coalesce(ev_name, '') = '' THEN 'empty event name: every queue_log '
                        || 'line names its event (5th field); repair or remove the line'
               END AS reason
            FROM t
        )
        SELECT line, "column", value, reason, record FROM c WHERE reason IS NOT NULL
        ORDER BY line
    """
