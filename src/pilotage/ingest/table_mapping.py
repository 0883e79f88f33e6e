"""Declarative mappings for tabular exports (``kind: table``): CSV/TSV, Parquet or JSON
records → one canonical table.

A mapping says how to read the file (``dialect``), which canonical column comes from which
source column (or constant, or SQL expression), how times are written and in which time zone,
which rows to exclude (and why), and which identifiers to pseudonymise. See
``docs/mappings.md`` for the format with a worked example.

Validation happens here, before any data is read, with the YAML line of every fault.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import duckdb
import yaml

from pilotage.errors import MappingError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.model.tables import TABLES, Column, TableSpec
from pilotage.model.time_zone import is_time_zone

KIND = "table"
FORMATS = ("csv", "parquet", "json")
UNITS = ("s", "ms", "min", "h", "hms")
WHITESPACE = "whitespace"
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                    "space": " "}

# Functions an expression (``expr``, ``exclude``) may call: pure scalar functions on the
# values of one row. Anything else (table functions, subqueries, file access) is refused.
ALLOWED_FUNCTIONS = frozenset(str.split("""
abs ceil ceiling floor round greatest least sign
lower upper trim ltrim rtrim length substr substring left right concat concat_ws replace
reverse lpad rpad strpos instr position contains starts_with ends_with prefix suffix
split_part regexp_replace regexp_extract regexp_matches regexp_full_match
coalesce nullif ifnull if
strptime try_strptime strftime make_date make_time make_timestamp date_trunc date_part
epoch to_seconds to_minutes to_hours extract
"""))
_ALLOWED_KEYWORDS = frozenset(str.split("""
case when then else end and or not is null in between like ilike similar escape cast try_cast
as true false distinct from interval
varchar text integer int bigint double float real boolean bool date time timestamp decimal
numeric second seconds minute minutes hour hours day days
"""))

_TOP_KEYS = ("kind", "name", "description", "table", "format", "source", "time_zone",
             "dialect", "source_columns", "columns", "filters")
_DIALECT_KEYS = ("delimiter", "header", "quote", "escape", "encoding", "skip_lines")
_COLUMN_KEYS = ("source", "expr", "constant", "values", "null_if", "format", "date",
                "date_format", "after", "time_zone", "unit", "pseudonymise")
_FILTER_KEYS = ("exclude", "reason")


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written."""

    delimiter: str = ","  # one character, or "whitespace" (any run of spaces and tabs)
    header: bool = True
    quote: str | None = '"'  # None: no quoting, every delimiter separates fields
    escape: str | None = None  # None: the quote character doubled
    encoding: str = "utf-8"
    skip_lines: int = 0  # lines before the header (titles, export banners)


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is computed from a source row."""

    column: str
    line: int
    source: tuple[str, ...] = ()  # first non-null of these source columns
    expr: str | None = None
    constant: str | int | float | bool | None = None
    has_constant: bool = False
    values: Mapping[str, str | int | float | bool | None] | None = None
    null_if: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    date: str | None = None
    date_format: str | None = None
    after: str | None = None
    time_zone: str | None = None
    unit: str = "s"
    pseudonymise: bool = False

    @property
    def described_source(self) -> str:
        if self.has_constant:
            return f"constant {self.constant!r}"
        if self.expr is not None:
            return "expression"
        parts = list(self.source)
        if self.date:
            parts = [self.date, *parts]
        return "source " + " + ".join(parts)


@dataclass(frozen=True)
class RowFilter:
    """Rows where ``exclude`` is true are quarantined with ``reason``."""

    exclude: str
    reason: str
    line: int


@dataclass(frozen=True)
class TableMapping:
    name: str
    path: Path
    text: str
    table: str
    format: str | None
    source_label: str
    time_zone: str
    dialect: Dialect
    source_columns: tuple[str, ...] | None
    columns: tuple[ColumnRule, ...]
    filters: tuple[RowFilter, ...] = ()
    description: str = ""
    extra_lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def spec(self) -> TableSpec:
        return TABLES[self.table]

    def rule(self, column: str) -> ColumnRule | None:
        for r in self.columns:
            if r.column == column:
                return r
        return None

    @property
    def pseudonymised_sources(self) -> frozenset[str]:
        return frozenset(s for r in self.columns if r.pseudonymise for s in r.source)

    @property
    def referenced_sources(self) -> tuple[str, ...]:
        """Source columns named directly (not through expressions), in mapping order."""
        seen: dict[str, None] = {}
        for r in self.columns:
            for name in (*r.source, r.date, r.after):
                if name:
                    seen[name] = None
        return tuple(seen)


# ---------------------------------------------------------------------- YAML with line numbers
class _Located:
    """A YAML document as plain values plus the 1-based line of every key path."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, ...], int] = {}
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        self.value: Any = None if node is None else self._convert(node, ())

    def _convert(self, node: yaml.Node, path: tuple[str, ...]) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(yaml.safe_load(yaml.serialize(key_node)))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self._convert(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(v, (*path, str(i))) for i, v in enumerate(node.value)]
        return yaml.safe_load(yaml.serialize(node))

    def line(self, *path: str) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _Validator:
    def __init__(self, mapping: MappingFile) -> None:
        self.mapping = mapping
        try:
            self.doc = _Located(mapping.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            raise MappingError(f"{mapping.path}: line {line}: invalid YAML: "
                               f"{getattr(exc, 'problem', exc)}",
                               hint="check the indentation and quote values that contain "
                                    "':' or '#'") from None

    def fail(self, path: tuple[str, ...], message: str, hint: str | None = None) -> MappingError:
        return MappingError(f"{self.mapping.path}: line {self.doc.line(*path)}: {message}",
                            hint=hint)

    def check_keys(self, data: Mapping[str, Any], allowed: tuple[str, ...],
                   path: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                where = ".".join(path) or "mapping"
                raise self.fail((*path, key), f"{where}: unknown field '{key}'",
                                hint=_did_you_mean(key, allowed, f"allowed: {', '.join(allowed)}"))


def _did_you_mean(word: str, choices: Any, fallback: str) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else fallback


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(v: _Validator, value: Any, path: tuple[str, ...]) -> str:
    name = str(value)
    if not is_time_zone(name):
        raise v.fail(path, f"{'.'.join(path)}: unknown time zone '{name}'",
                     hint="use an IANA name such as 'Europe/Paris'; "
                          + _did_you_mean(name, _zones(), "see the tz database list")) from None
    return name


def check_expression(expr: str) -> str | None:
    """Why ``expr`` is not an allowed row expression, or None when it is."""
    if ";" in expr:
        return "';' is not allowed in an expression"
    try:
        tokens = duckdb.tokenize(expr)
    except Exception as exc:  # duckdb raises its own error classes for unlexable text
        return f"cannot read the expression: {exc}"
    positions = [int(pos) for pos, _ in tokens] + [len(expr)]
    for i, (pos, kind) in enumerate(tokens):
        text = expr[int(pos):positions[i + 1]].strip()
        kind_name = str(kind).rsplit(".", 1)[-1]
        following = expr[positions[i + 1]:].lstrip()
        is_call = following.startswith("(") and text.lower() in ALLOWED_FUNCTIONS
        if kind_name == "keyword" and text.lower() not in _ALLOWED_KEYWORDS and not is_call:
            return f"'{text}' is not allowed in an expression"
        if kind_name in ("identifier", "keyword") and not text.startswith('"') \
                and following.startswith("(") \
                and text.lower() not in ALLOWED_FUNCTIONS | {"cast", "try_cast", "if"} \
                and text.lower() not in ("in", "and", "or", "not", "then", "else", "when"):
            return (f"function '{text}' is not allowed in an expression "
                    f"(allowed: see docs/mappings.md, 'Expressions')")
    return None


# ---------------------------------------------------------------------- loading
def load_table_mapping(mapping: MappingFile) -> TableMapping:
    """Validate a ``kind: table`` mapping; raises :class:`MappingError` naming the YAML line."""
    v = _Validator(mapping)
    data = v.doc.value
    if not isinstance(data, dict):
        raise v.fail((), "the mapping must be a YAML mapping of fields",
                     hint="start the mapping with 'kind: table'")
    if "kind" not in data:
        raise MappingError(f"{mapping.path}: line 1: field 'kind' is missing",
                           hint="start the mapping with 'kind: table'")
    if data["kind"] != KIND:
        raise v.fail(("kind",), f"kind: expected '{KIND}', found '{data['kind']}'",
                     hint="this parser reads 'kind: table' mappings; a queue_log table uses "
                          "the queue_log_table parser")
    v.check_keys(data, _TOP_KEYS, ())
    table_name = str(data.get("table", "contacts"))
    if table_name not in TABLES:
        raise v.fail(("table",), f"table: no canonical table named '{table_name}'",
                     hint=_did_you_mean(table_name, TABLES, f"tables: {', '.join(TABLES)}"))
    spec = TABLES[table_name]
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise v.fail(("format",), f"format: '{fmt}' is not supported",
                     hint=f"use one of {', '.join(FORMATS)}")
    zone = _check_zone(v, data.get("time_zone", "UTC"), ("time_zone",))
    dialect = _dialect(v, data.get("dialect") or {})
    source_columns = data.get("source_columns")
    if source_columns is not None:
        if not isinstance(source_columns, list) or not all(
                isinstance(c, str) for c in source_columns):
            raise v.fail(("source_columns",), "source_columns: expected a list of names",
                         hint="e.g. source_columns: [call_id, queue, start]")
        source_columns = tuple(source_columns)
    columns_data = data.get("columns")
    if not isinstance(columns_data, dict) or not columns_data:
        raise v.fail(("columns",), "columns: expected a mapping of canonical column → rule",
                     hint="e.g. columns: {queue_id: queue, offered_at: {source: start}}")
    mappable = [c.name for c in spec.columns if c.name != "load_id"]
    rules = []
    for name, body in columns_data.items():
        if name not in mappable:
            raise v.fail(("columns", name),
                         f"columns: '{name}' is not a column of table {table_name}",
                         hint=_did_you_mean(name, mappable,
                                            f"columns of {table_name}: {', '.join(mappable)}"))
        rules.append(_rule(v, spec.column(name), body))
    mapped = {r.column for r in rules}
    missing = [c.name for c in spec.columns if c.required and c.name != "load_id"
               and c.name not in mapped and c.name != "source"]
    if missing:
        raise v.fail(("columns",), f"columns: required column(s) of {table_name} not mapped: "
                                   f"{', '.join(missing)}",
                     hint="map each one to a source column, a constant or an expression")
    filters = _filters(v, data.get("filters") or [])
    name = str(data.get("name", mapping.name))
    return TableMapping(
        name=mapping.name, path=mapping.path, text=mapping.text, table=table_name,
        format=fmt, source_label=str(data.get("source", name)), time_zone=zone,
        dialect=dialect, source_columns=source_columns, columns=tuple(rules),
        filters=filters, description=str(data.get("description", "")))


def _dialect(v: _Validator, data: Any) -> Dialect:
    path = ("dialect",)
    if not isinstance(data, dict):
        raise v.fail(path, "dialect: expected a mapping", hint="e.g. dialect: {delimiter: tab}")
    v.check_keys(data, _DIALECT_KEYS, path)
    delimiter = str(data.get("delimiter", ","))
    delimiter = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if delimiter != WHITESPACE and len(delimiter) != 1:
        raise v.fail((*path, "delimiter"), f"dialect.delimiter: '{delimiter}' is not one "
                     "character", hint="use one character, 'tab', or 'whitespace'")
    quote = data.get("quote", '"')
    quote = None if quote in (None, "", False) else str(quote)
    escape = data.get("escape")
    escape = None if escape in (None, "") else str(escape)
    for key, value in (("quote", quote), ("escape", escape)):
        if value is not None and len(value) != 1:
            raise v.fail((*path, key), f"dialect.{key}: '{value}' is not one character",
                         hint="give one character, or null for none")
    encoding = str(data.get("encoding", "utf-8"))
    try:
        "".encode(encoding)
    except LookupError:
        raise v.fail((*path, "encoding"), f"dialect.encoding: unknown encoding '{encoding}'",
                     hint="e.g. utf-8, latin-1, cp1252, utf-16") from None
    skip = data.get("skip_lines", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise v.fail((*path, "skip_lines"), "dialect.skip_lines: expected a whole number ≥ 0",
                     hint="the number of lines before the header")
    header = data.get("header", True)
    if not isinstance(header, bool):
        raise v.fail((*path, "header"), "dialect.header: expected true or false",
                     hint="false when the file has no header line (then give source_columns)")
    return Dialect(delimiter, header, quote, escape, encoding, skip)


def _names(v: _Validator, value: Any, path: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
        return tuple(value)
    raise v.fail(path, f"{'.'.join(path)}: expected a source column name or a list of names",
                 hint="quote names that YAML could read as numbers or booleans")


def _rule(v: _Validator, column: Column, body: Any) -> ColumnRule:
    path = ("columns", column.name)
    line = v.doc.line(*path)
    if isinstance(body, str):
        body = {"source": body}
    if not isinstance(body, dict):
        raise v.fail(path, f"columns.{column.name}: expected a source column name or a mapping",
                     hint="e.g. queue_id: queue_name, or channel: {constant: voice}")
    v.check_keys(body, _COLUMN_KEYS, path)
    where = f"columns.{column.name}"
    kinds = [k for k in ("source", "expr", "constant") if k in body]
    if len(kinds) != 1:
        raise v.fail(path, f"{where}: give exactly one of source, expr or constant "
                           f"(found {', '.join(kinds) or 'none'})",
                     hint="source: a source column; expr: a SQL expression; constant: a value")
    source = _names(v, body["source"], (*path, "source")) if "source" in body else ()
    expr = None
    if "expr" in body:
        expr = str(body["expr"]).strip()
        problem = check_expression(expr)
        if problem:
            raise v.fail((*path, "expr"), f"{where}.expr: {problem}",
                         hint="expressions are DuckDB SQL over the source columns of one row")
    values = body.get("values")
    if values is not None:
        if not isinstance(values, dict):
            raise v.fail((*path, "values"), f"{where}.values: expected a mapping source → value",
                         hint="e.g. values: {AGENT: answered, HANG: abandoned}")
        values = {str(k): val for k, val in values.items()}
        if column.vocabulary is not None:
            allowed = [m.value for m in column.vocabulary]
            for key, val in values.items():
                if val is not None and str(val) not in allowed:
                    raise v.fail((*path, "values", key),
                                 f"{where}.values: '{val}' is not a valid {column.name}",
                                 hint=_did_you_mean(str(val), allowed,
                                                    f"allowed: {', '.join(allowed)}"))
    constant = body.get("constant")
    if "constant" in body and column.vocabulary is not None:
        allowed = [m.value for m in column.vocabulary]
        if str(constant) not in allowed:
            raise v.fail((*path, "constant"), f"{where}.constant: '{constant}' is not a valid "
                         f"{column.name}", hint=_did_you_mean(str(constant), allowed,
                                                              f"allowed: {', '.join(allowed)}"))
    null_if = body.get("null_if", [])
    null_if = tuple(str(x) for x in (null_if if isinstance(null_if, list) else [null_if]))
    fmt = body.get("format")
    formats = tuple(str(x) for x in (fmt if isinstance(fmt, list) else [fmt])) if fmt else ()
    date = body.get("date")
    after = body.get("after")
    timed = column.sql_type in ("TIMESTAMP", "DATE")
    for key in ("format", "date", "date_format", "after", "time_zone"):
        if key in body and not timed:
            raise v.fail((*path, key), f"{where}.{key}: only for time columns "
                         f"({column.name} is {column.sql_type})", hint=f"remove '{key}'")
    if (date or after) and not source:
        raise v.fail(path, f"{where}: 'date' and 'after' need 'source' (the clock-time column)",
                     hint="e.g. offered_at: {date: call_date, source: start_time}")
    zone = _check_zone(v, body["time_zone"], (*path, "time_zone")) if "time_zone" in body \
        else None
    unit = str(body.get("unit", "s"))
    if "unit" in body and (column.sql_type != "DOUBLE" or unit not in UNITS):
        raise v.fail((*path, "unit"), f"{where}.unit: '{unit}' is not a duration unit "
                     f"of a DOUBLE column", hint=f"use one of {', '.join(UNITS)} on a _s column")
    pseudo = body.get("pseudonymise", False)
    if not isinstance(pseudo, bool):
        raise v.fail((*path, "pseudonymise"), f"{where}.pseudonymise: expected true or false",
                     hint="pseudonymise: true on identifier columns such as customer_key")
    if pseudo and (not source or column.sql_type != "VARCHAR"):
        raise v.fail((*path, "pseudonymise"), f"{where}.pseudonymise: needs 'source' on a text "
                     "column", hint="pseudonymise the source column directly, not an expression")
    if column.name == "customer_key" and not pseudo and not ("constant" in body
                                                             and constant is None):
        raise v.fail(path, f"{where}: customer identifiers must be pseudonymised",
                     hint="add 'pseudonymise: true' (the identifier is never stored in clear)")
    return ColumnRule(column.name, line, source=source, expr=expr, constant=constant,
                      has_constant="constant" in body, values=values, null_if=null_if,
                      formats=formats, date=str(date) if date else None,
                      date_format=str(body["date_format"]) if "date_format" in body else None,
                      after=str(after) if after else None, time_zone=zone, unit=unit,
                      pseudonymise=pseudo)


def _filters(v: _Validator, data: Any) -> tuple[RowFilter, ...]:
    if not isinstance(data, list):
        raise v.fail(("filters",), "filters: expected a list of {exclude, reason}",
                     hint="e.g. filters: [{exclude: \"status = 'TEST'\", reason: 'test call'}]")
    out = []
    for i, item in enumerate(data):
        path = ("filters", str(i))
        if not isinstance(item, dict):
            raise v.fail(path, "filters: each filter is a mapping {exclude, reason}",
                         hint="exclude: a SQL condition; reason: why those rows are set aside")
        v.check_keys(item, _FILTER_KEYS, path)
        if "exclude" not in item or "reason" not in item:
            raise v.fail(path, "filters: each filter needs 'exclude' and 'reason'",
                         hint="the reason is stored with every excluded row in quarantine")
        expr = str(item["exclude"]).strip()
        problem = check_expression(expr)
        if problem:
            raise v.fail((*path, "exclude"), f"filters.exclude: {problem}",
                         hint="expressions are DuckDB SQL over the source columns of one row")
        out.append(RowFilter(expr, str(item["reason"]), v.doc.line(*path)))
    return tuple(out)
