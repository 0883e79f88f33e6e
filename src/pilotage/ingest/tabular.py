"""Generic ingestion of CSV/TSV, Parquet and JSON exports through a ``kind: table`` mapping.

The work is done in DuckDB SQL (vectorised): reading, type conversion, time zones, filters and
checks are one query over all rows; only the pseudonymisation of customer identifiers runs in
Python (once per distinct identifier, see :class:`Pseudonymizer`).
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.errors import InputError, MappingError, ParameterError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.table_mapping import FORMATS, TableMapping, load_table_mapping
from pilotage.ingest.tabular_sources import (
    LINE,
    SOURCE_VIEW,
    SourceRows,
    read_delimited,
    read_json,
    read_parquet,
)
from pilotage.ingest.tabular_sql import ConversionPlan, ident, literal, plan
from pilotage.ingest.tabular_time import local_to_utc
from pilotage.store.batch import QUARANTINE_SCHEMA, Batch
from pilotage.store.workspace import file_sha256

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".dat": "csv",
               ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "json",
               ".ndjson": "json"}


def resolve_format(path: Path, mapping: TableMapping, format: str | None) -> str:
    """``format`` if given, else the mapping's ``format``, else the file extension."""
    chosen = format or mapping.format or _EXTENSIONS.get(path.suffix.lower())
    if chosen is None:
        raise ParameterError(f"{path}: cannot tell the format from the extension "
                             f"'{path.suffix}'",
                             hint=f"pass format= one of {', '.join(FORMATS)}, or set 'format:' "
                                  "in the mapping")
    if chosen not in FORMATS:
        raise ParameterError(f"format '{chosen}' is not supported",
                             hint=f"use one of {', '.join(FORMATS)}")
    return chosen


def parse_table(path: Path, *, mapping: MappingFile, pseudonymizer: Pseudonymizer,
                format: str | None = None) -> Batch:
    """Read ``path`` with a ``kind: table`` mapping into a batch for one canonical table.

    Every record read is either loaded or quarantined (file, line, column, value, reason).
    """
    table_mapping = load_table_mapping(mapping)
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    fmt = resolve_format(path, table_mapping, format)
    con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
    try:
        con.execute("SET TimeZone = 'UTC'")
        if fmt == "csv":
            rows = read_delimited(con, path, table_mapping)
        elif fmt == "parquet":
            rows = read_parquet(con, path)
        else:
            rows = read_json(con, path, table_mapping)
        _check_sources(path, table_mapping, rows)
        loaded, quarantine = _convert(con, path, table_mapping, rows, pseudonymizer)
    finally:
        con.close()
    mapping_text = hashlib.sha256(table_mapping.text.encode()).hexdigest()[:12]
    return Batch(source_path=str(path), content_sha256=file_sha256(path), format=fmt,
                 tables={table_mapping.table: loaded}, rows_read=rows.rows_read,
                 rows_loaded=loaded.num_rows, quarantine=quarantine,
                 mapping=f"{table_mapping.name}@{mapping_text}", notes=dict(rows.notes))


def _check_sources(path: Path, mapping: TableMapping, rows: SourceRows) -> None:
    available = list(rows.columns)
    for rule in mapping.columns:
        for name in (*rule.source, rule.date, rule.after):
            if name and name not in rows.columns:
                raise InputError(
                    f"{path}: line 1: no source column '{name}' (used by columns.{rule.column} "
                    f"at line {rule.line} of {mapping.path})",
                    hint=(_close(name, available) or
                          f"source columns: {', '.join(available) or 'none'}")
                    + "; fix the mapping or the header")


def _close(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _probe_expressions(con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping,
                       rows: SourceRows) -> None:
    """Bind each expression alone so that an error names its line in the mapping."""
    probes = [(r.line, f"columns.{r.column}.expr", r.expr) for r in mapping.columns if r.expr]
    probes += [(f.line, "filters.exclude", f.exclude) for f in mapping.filters]
    for line, where, expr in probes:
        try:
            con.sql(f"SELECT ({expr}) FROM {SOURCE_VIEW} LIMIT 0").fetchall()
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0]
            raise MappingError(f"{mapping.path}: line {line}: {where}: {message}",
                               hint=f"source columns of {path.name}: "
                                    f"{', '.join(rows.columns)}; quote names with special "
                                    'characters ("vru+line")') from None


def _record_sql(mapping: TableMapping, rows: SourceRows) -> str:
    hidden = mapping.pseudonymised_sources
    parts = []
    for name in rows.columns:
        if name in hidden:
            parts.append("'<pseudonymised>'")
        elif rows.delimiter is not None:
            parts.append(f"coalesce(CAST({ident(name)} AS VARCHAR), '')")
        else:
            parts.append(f"{literal(name + '=')} || coalesce(CAST({ident(name)} AS VARCHAR), "
                         "'null')")
    if not parts:
        return "NULL"
    sep = rows.delimiter if rows.delimiter is not None else ", "
    return f"concat_ws({literal(sep)}, {', '.join(parts)})"


def _convert(con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping,
             rows: SourceRows, pseudonymizer: Pseudonymizer) -> tuple[pa.Table, pa.Table]:
    _probe_expressions(con, path, mapping, rows)
    conversion = plan(mapping, rows.columns)
    staged = ", ".join([LINE, *conversion.staged])
    check = _check_case(conversion)
    typed = ", ".join(f"{sql} AS {ident(name)}" for name, sql in conversion.typed)
    query = (f"WITH s AS (SELECT {staged} FROM {SOURCE_VIEW}) "
             f"SELECT {LINE}, {typed}, {check} AS __check FROM s")
    try:
        result = con.sql(query).to_arrow_table()
    except duckdb.Error as exc:
        raise MappingError(f"{mapping.path}: the mapping fails on {path.name}: "
                           f"{str(exc).splitlines()[0]}",
                           hint="use TRY_CAST / try_strptime in expressions so that bad values "
                                "are quarantined instead of stopping the load") from None
    failed = pc.is_valid(result.column("__check"))
    spec = mapping.spec
    names = [name for name, _ in conversion.typed]
    loaded = result.filter(pc.invert(failed)).select(names)
    for column, zone in conversion.zones.items():
        index = loaded.column_names.index(column)
        loaded = loaded.set_column(index, column, local_to_utc(loaded.column(column), zone))
    for rule in mapping.columns:
        if rule.pseudonymise:
            index = loaded.column_names.index(rule.column)
            loaded = loaded.set_column(index, rule.column,
                                       pseudonymizer.keys(loaded.column(rule.column)))
    schema = pa.schema([pa.field(n, spec.column(n).arrow_type) for n in names])
    loaded = loaded.cast(schema)
    bad = result.filter(failed).select([LINE, "__check"])
    quarantine = _conversion_quarantine(con, path, mapping, rows, conversion, bad, staged)
    merged = pa.concat_tables([rows.structural.cast(QUARANTINE_SCHEMA), quarantine])
    if merged.num_rows:
        merged = merged.sort_by([("line", "ascending")])
    return loaded, merged


def _check_case(conversion: ConversionPlan) -> str:
    if not conversion.checks:
        return "CAST(NULL AS INTEGER)"
    whens = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(conversion.checks))
    return f"CASE {whens} END"


def _conversion_quarantine(con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping,
                           rows: SourceRows, conversion: ConversionPlan, bad: pa.Table,
                           staged: str) -> pa.Table:
    if bad.num_rows == 0:
        return QUARANTINE_SCHEMA.empty_table()
    checks = conversion.checks
    value_cases = " ".join(f"WHEN {i} THEN {c.value}" for i, c in enumerate(checks)
                           if c.value is not None)
    value = f"CASE b.__check {value_cases} END" if value_cases else "CAST(NULL AS VARCHAR)"
    con.register("__pilotage_bad", bad)
    try:
        table = con.sql(
            f"WITH s AS (SELECT {staged}, {_record_sql(mapping, rows)} AS __record "
            f"FROM {SOURCE_VIEW} WHERE {LINE} IN (SELECT {LINE} FROM __pilotage_bad)) "
            f"SELECT s.{LINE} AS line, b.__check AS __check, CAST({value} AS VARCHAR) AS value, "
            f"s.__record AS record FROM s JOIN __pilotage_bad b USING ({LINE}) "
            f"ORDER BY s.{LINE}").to_arrow_table()
    finally:
        con.unregister("__pilotage_bad")
    index = table.column("__check").to_pylist()
    columns = pa.array([checks[i].column for i in index], pa.string())
    reasons = pa.array([checks[i].reason for i in index], pa.string())
    n = table.num_rows
    return pa.table({"file": pa.array([str(path)] * n, pa.string()),
                     "line": table.column("line").cast(pa.int64()),
                     "column": columns, "value": table.column("value").cast(pa.string()),
                     "reason": reasons, "record": table.column("record").cast(pa.string())},
                    schema=QUARANTINE_SCHEMA)
