"""Generic ingestion of CSV/TSV, Parquet and JSON exports through a ``kind: table`` mapping.

One DuckDB query (vectorised, parallel) reads the file (CSV: in the same pass) and converts
every row, in file order: canonical values, the index of the first failed check and, only for
failed rows, the value shown and the record (see ``tabular_sql``). Then, on the Arrow result,
without reordering rows (a DuckDB join would, and sorting back costs more than this):

* local times → UTC with one UTC offset per local hour (:func:`local_to_utc`);
* pseudonymisation: :meth:`Pseudonymizer.keys` hashes each distinct identifier once;
* the failed rows (usually few) go to quarantine with their line.

The file's SHA-256 is computed in a thread while DuckDB works.
"""

from __future__ import annotations

import difflib
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.errors import InputError, MappingError, ParameterError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.table_mapping import FORMATS, WHITESPACE, TableMapping, load_table_mapping
from pilotage.ingest.tabular_sources import (
    LINE,
    SOURCE_VIEW,
    SourceRows,
    read_delimited,
    read_json,
    read_parquet,
    scan_file,
)
from pilotage.ingest.tabular_sql import ConversionPlan, ident, literal, plan
from pilotage.ingest.tabular_time import local_to_utc
from pilotage.store.batch import QUARANTINE_SCHEMA, Batch
from pilotage.store.workspace import file_sha256

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".dat": "csv",
               ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "json",
               ".ndjson": "json"}
_WORKERS = 4  # threads converting the result column by column (see _loaded)


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
    # (DuckDB's own progress bar off: `pilotage ingest` shows its own)
    con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
    con.execute("SET enable_progress_bar = false")
    with ThreadPoolExecutor(max_workers=1) as hasher:
        if fmt == "csv":  # hashed in the same pass that counts its lines
            scan = hasher.submit(scan_file, path, table_mapping.dialect.quote)
            digest = hasher.submit(lambda: scan.result().sha256)
        else:
            digest = hasher.submit(file_sha256, path)
        try:
            con.execute("SET TimeZone = 'UTC'")
            converter = _Converter(con, path, table_mapping, fmt)
            if fmt == "csv":
                rows = read_delimited(con, path, table_mapping, converter, scan.result)
            elif fmt == "parquet":
                rows = read_parquet(con, path)
            else:
                rows = read_json(con, path, table_mapping)
            converted = rows.converted
            if converted is None:
                converted = con.sql(converter(rows.columns, SOURCE_VIEW, LINE)).to_arrow_table()
        except duckdb.Error as exc:
            raise MappingError(f"{table_mapping.path}: the mapping fails on {path.name}: "
                               f"{str(exc).splitlines()[0]}",
                               hint="use TRY_CAST / try_strptime in expressions so that bad "
                                    "values are quarantined instead of stopping the load"
                               ) from None
        finally:
            con.close()
        failed = pc.is_valid(converted.column("__check"))
        any_failed = bool(pc.any(failed).as_py())
        with ThreadPoolExecutor(max_workers=_WORKERS) as workers:
            quarantined = workers.submit(_quarantine, converted,
                                         failed if any_failed else None, path, rows,
                                         converter.conversion)
            loaded = _loaded(converted, failed if any_failed else None, table_mapping,
                             converter, pseudonymizer, workers)
            quarantine = quarantined.result()
        content_sha256 = digest.result()
    mapping_text = hashlib.sha256(table_mapping.text.encode()).hexdigest()[:12]
    return Batch(source_path=str(path), content_sha256=content_sha256, format=fmt,
                 tables={table_mapping.table: loaded}, rows_read=rows.rows_read,
                 rows_loaded=loaded.num_rows, quarantine=quarantine,
                 mapping=f"{table_mapping.name}@{mapping_text}", notes=dict(rows.notes))


def _check_sources(path: Path, mapping: TableMapping, columns: dict[str, str]) -> None:
    available = list(columns)
    for rule in mapping.columns:
        for name in (*rule.source, rule.date, rule.after):
            if name and name not in columns:
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
                       columns: dict[str, str]) -> None:
    """Bind each expression alone so that an error names its line in the mapping."""
    probes = [(r.line, f"columns.{r.column}.expr", r.expr) for r in mapping.columns if r.expr]
    probes += [(f.line, "filters.exclude", f.exclude) for f in mapping.filters]
    if not probes:
        return
    empty = ", ".join(f"CAST(NULL AS {t}) AS {ident(n)}" for n, t in columns.items()) or "1"
    for line, where, expr in probes:
        try:
            con.sql(f"SELECT ({expr}) FROM (SELECT {empty}) LIMIT 0").fetchall()
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0]
            raise MappingError(f"{mapping.path}: line {line}: {where}: {message}",
                               hint=f"source columns of {path.name}: "
                                    f"{', '.join(columns)}; quote names with special "
                                    'characters ("vru+line")') from None


def _record_sql(mapping: TableMapping, columns: dict[str, str], delimiter: str | None) -> str:
    hidden = mapping.pseudonymised_sources
    parts = []
    for name in columns:
        if name in hidden:
            parts.append("'<pseudonymised>'")
        elif delimiter is not None:
            parts.append(f"coalesce(CAST({ident(name)} AS VARCHAR), '')")
        else:
            parts.append(f"{literal(name + '=')} || coalesce(CAST({ident(name)} AS VARCHAR), "
                         "'null')")
    if not parts:
        return "NULL"
    sep = delimiter if delimiter is not None else ", "
    return f"concat_ws({literal(sep)}, {', '.join(parts)})"


class _Converter:
    """Builds the one query that converts and checks every source row (see ``tabular_sql``).

    Called by the reader with the source columns, the relation to read and the SQL of the
    line number; the first call checks the mapping against the columns.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping,
                 fmt: str) -> None:
        self.con, self.path, self.mapping = con, path, mapping
        self.delimiter: str | None = None
        if fmt == "csv":
            delimiter = mapping.dialect.delimiter
            self.delimiter = " " if delimiter == WHITESPACE else delimiter
        self._plan: ConversionPlan | None = None
        self._columns: dict[str, str] = {}
        self.same_as: dict[str, str] = {}  # canonical column -> exported column with its values
        # canonical columns with one value for every row (a constant of the mapping, the
        # source label): computed once here, not exported row by row by the query
        self.constants: dict[str, pa.Scalar] = {}
        self.passing_checks: set[int] = set()  # checks of constants that no row can fail

    @property
    def conversion(self) -> ConversionPlan:
        assert self._plan is not None, "the reader did not convert the rows"
        return self._plan

    def __call__(self, columns: dict[str, str], source: str, line: str) -> str:
        if self._plan is None or columns != self._columns:
            _check_sources(self.path, self.mapping, columns)
            _probe_expressions(self.con, self.path, self.mapping, columns)
            self._plan, self._columns = plan(self.mapping, columns), dict(columns)
            self.constants = self._constants(columns)
        conversion = self._plan
        layers = self._layers(source, line, self.passing_checks)
        exported: dict[str, str] = {}  # SQL -> column: a value exported once (contact_id and
        for name, sql in conversion.typed:  # source_ref from the same field, for instance)
            if name not in self.constants:
                self.same_as[name] = exported.setdefault(sql, name)
        typed = ", ".join(f"{sql} AS {ident(name)}" for sql, name in exported.items())
        line_out = "" if line.startswith("CAST(NULL") else f"{LINE}, "
        value_cases = " ".join(f"WHEN {i} THEN CAST({c.value} AS VARCHAR)"
                               for i, c in enumerate(conversion.checks) if c.value is not None)
        value = f"CASE __check {value_cases} END" if value_cases else "NULL"
        record = _record_sql(self.mapping, columns, self.delimiter)
        typed = typed or "NULL AS __none"
        return (f"SELECT {line_out}{typed}, __check, "
                f"CASE WHEN __check IS NOT NULL THEN {value} END AS __value, "
                f"CASE WHEN __check IS NOT NULL THEN {record} END AS __record "
                f"FROM ({layers[-1]})")


    def _layers(self, source: str, line: str, skip: set[int]) -> list[str]:
        """The layered SELECTs over ``source``: staged, parsed, then the checks (but those
        in ``skip``)."""
        conversion = self.conversion
        layers = [f"SELECT *, {', '.join([*conversion.staged, f'{line} AS {LINE}'])} "
                  f"FROM {source}"]
        for parsed in conversion.parsed:
            layers.append(f"SELECT *, {', '.join(parsed)} FROM ({layers[-1]})")
        layers.append(f"SELECT *, {_check_case(conversion, skip)} AS __check "
                      f"FROM ({layers[-1]})")
        return layers

    def _constants(self, columns: dict[str, str]) -> dict[str, pa.Scalar]:
        """The typed value of each constant column, from one row whose sources are NULL."""
        self.passing_checks = set()
        names = {rule.column for rule in self.mapping.columns if rule.has_constant}
        if "source" in self.mapping.spec.column_names and self.mapping.rule("source") is None:
            names.add("source")
        typed = [(name, sql) for name, sql in self.conversion.typed if name in names]
        if not typed:
            return {}
        row = ", ".join(f"CAST(NULL AS {t}) AS {ident(n)}" for n, t in columns.items()) or "1"
        # the checks of a constant column hold for every row or for none
        checks = {i: c.condition for i, c in enumerate(self.conversion.checks)
                  if c.column in names}
        select = ", ".join([*(f"{sql} AS {ident(name)}" for name, sql in typed),
                            *(f"coalesce({cond}, false) AS __c{i}"
                              for i, cond in checks.items())])
        one_row = self._layers(f"(SELECT {row})", "NULL", set())[-1]
        try:
            values = self.con.sql(f"SELECT {select} FROM ({one_row})").to_arrow_table()
        except duckdb.Error:
            return {}  # the query shows the error, with the mapping's line
        if not any(values.column(f"__c{i}")[0].as_py() for i in checks):
            self.passing_checks = set(checks)  # left out of the query: none can fail
        return {name: values.column(name)[0] for name, _ in typed}


def _check_case(conversion: ConversionPlan, skip: set[int]) -> str:
    """SQL: the index of the first check the row fails (NULL: none); ``skip``: checks that
    cannot fail."""
    whens = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(conversion.checks)
                     if i not in skip)
    if not whens:
        return "CAST(NULL AS INTEGER)"
    return f"CASE {whens} END"


def _loaded(converted: pa.Table, failed: pa.ChunkedArray | None, mapping: TableMapping,
            converter: _Converter, pseudonymizer: Pseudonymizer,
            workers: ThreadPoolExecutor) -> pa.Table:
    """The rows that passed every check, with times in UTC and identifiers pseudonymised.

    Column by column, in ``workers`` threads: pyarrow, numpy and OpenSSL release the GIL, so
    the filtering and casting of some columns overlaps the hashing of the identifiers.
    """
    conversion = converter.conversion
    names = [name for name, _ in conversion.typed]
    keep = None if failed is None else pc.invert(failed)
    hidden = {rule.column for rule in mapping.columns if rule.pseudonymise}
    spec = mapping.spec

    rows = converted.num_rows if keep is None else int(pc.sum(keep).as_py() or 0)

    def columns(source: str, group: list[str]) -> list[pa.ChunkedArray | pa.Array]:
        kept: pa.ChunkedArray | pa.Array
        if source in converter.constants:
            kept = pa.repeat(converter.constants[source], rows)
        else:
            kept = converted.column(source)
            if keep is not None:
                kept = kept.filter(keep)  # once for canonical columns exported from one value
        results = []
        for name in group:
            values = kept
            zone = conversion.zones.get(name)
            if zone is not None:
                values = local_to_utc(values, zone)
            if name in hidden:
                values = pseudonymizer.keys(values)
            results.append(values.cast(spec.column(name).arrow_type))
        return results

    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(converter.same_as.get(name, name), []).append(name)
    order = sorted(groups, key=lambda s: not hidden.intersection(groups[s]))  # longest first
    futures = {source: workers.submit(columns, source, groups[source]) for source in order}
    done = {name: values for source, group in groups.items()
            for name, values in zip(group, futures[source].result(), strict=True)}
    schema = pa.schema([pa.field(n, spec.column(n).arrow_type) for n in names])
    return pa.Table.from_arrays([done[n] for n in names], schema=schema)


def _quarantine(converted: pa.Table, failed: pa.ChunkedArray | None, path: Path,
                rows: SourceRows, conversion: ConversionPlan) -> pa.Table:
    """The rows read but not loaded (structural faults and failed checks), by line."""
    structural = rows.structural.cast(QUARANTINE_SCHEMA)
    if failed is None:
        return structural.sort_by([("line", "ascending")]) if structural.num_rows \
            else structural
    bad = converted.filter(failed)
    if rows.converted is not None:
        positions = np.flatnonzero(failed.to_numpy(zero_copy_only=False))
        lines = pa.array(rows.lines(positions.astype(np.int64)), pa.int64())
    else:
        lines = bad.column(LINE).cast(pa.int64()).combine_chunks()
    checks = conversion.checks
    index = bad.column("__check").to_pylist()
    n = bad.num_rows
    table = pa.Table.from_arrays(
        [pa.array([str(path)] * n, pa.string()), lines,
         pa.array([checks[i].column for i in index], pa.string()),
         bad.column("__value").cast(pa.string()),
         pa.array([checks[i].reason for i in index], pa.string()),
         bad.column("__record").cast(pa.string())], schema=QUARANTINE_SCHEMA)
    return pa.concat_tables([structural, table]).sort_by([("line", "ascending")])
