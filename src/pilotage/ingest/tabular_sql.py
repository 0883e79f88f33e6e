"""The SQL that turns source rows into canonical rows, and the checks that quarantine them.

One query computes, for every source row, the canonical values and the index of the first
check that fails (``NULL``: the row loads). Checks, in order: the mapping's exclusion filters,
then per canonical column: a value missing from ``values``, a value that cannot be converted,
a value outside the column's vocabulary, an empty required column.

The query has layers so that every conversion is computed once per row: ``staged`` (the raw
values from the source row), then ``parsed`` (each conversion, over staged names), then the
typed values and the checks, which only refer to staged and parsed names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pilotage.ingest.table_mapping import ColumnRule, TableMapping
from pilotage.model.tables import Column

_NAMES = re.compile(r"__[sp]\d+")
_UNIT_FACTORS = {"s": "", "ms": " / 1000.0", "min": " * 60.0", "h": " * 3600.0"}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Check:
    """A condition that sends a row to quarantine."""

    condition: str  # SQL over the staged columns
    column: str | None  # canonical column at fault
    value: str | None  # SQL giving the offending value (None: not shown)
    reason: str


@dataclass(frozen=True)
class ConversionPlan:
    staged: list[str]  # "expr AS name" computed from the source row
    parsed: list[list[str]]  # layers of "expr AS name" over earlier names: each conversion once
    typed: list[tuple[str, str]]  # (canonical column, SQL over staged names)
    checks: list[Check]
    zones: dict[str, str]  # timestamp column -> time zone its (local) values are read in


class _Planner:
    def __init__(self, mapping: TableMapping, source_types: dict[str, str]) -> None:
        self.mapping = mapping
        self.types = source_types
        self.layers: list[list[str]] = []
        self.depth: dict[str, int] = {}
        self.names: dict[str, str] = {}  # SQL -> name: the same SQL is computed once
        self.zones: dict[str, str] = {}

    def stage(self, sql: str) -> str:
        """A name for ``sql``, computed once, in the layer after the names it uses."""
        if sql in self.depth:  # already a name
            return sql
        if sql in self.names:
            return self.names[sql]
        layer = max([self.depth[n] + 1 for n in _NAMES.findall(sql) if n in self.depth],
                    default=0)
        name = f"__{'s' if layer == 0 else 'p'}{len(self.depth)}"
        self.depth[name] = layer
        self.names[sql] = name
        while len(self.layers) <= layer:
            self.layers.append([])
        self.layers[layer].append(f"{sql} AS {name}")
        return name

    parse = stage

    def source(self, name: str, null_if: tuple[str, ...]) -> str:
        """A staged name for the value of a source column (trimmed; empty and null_if: NULL)."""
        col = ident(name)
        if self.types.get(name) == "VARCHAR":  # trim only removes spaces: skip when none
            # (LIKE with a constant prefix or suffix: quicker than starts_with / ends_with)
            sql = self.stage(f"CASE WHEN {col} LIKE ' %' OR {col} LIKE '% ' "
                             f"THEN nullif(trim({col}), '') ELSE nullif({col}, '') END")
        else:
            sql = self.stage(col)
        if null_if:
            text = sql if self.types.get(name) == "VARCHAR" else f"CAST({sql} AS VARCHAR)"
            sql = self.stage(f"CASE WHEN {text} IN ({', '.join(literal(v) for v in null_if)}) "
                             f"THEN NULL ELSE {sql} END")
        return sql

    def is_text(self, rule: ColumnRule) -> bool:
        return bool(rule.source) and all(self.types.get(s) == "VARCHAR" for s in rule.source)


def plan(mapping: TableMapping, source_types: dict[str, str]) -> ConversionPlan:
    p = _Planner(mapping, source_types)
    checks: list[Check] = []
    typed: list[tuple[str, str]] = []
    for f in mapping.filters:
        cond = p.stage(f"coalesce(({f.exclude}), false)")
        checks.append(Check(cond, None, None, f.reason))
    spec = mapping.spec
    for rule in mapping.columns:
        column = spec.column(rule.column)
        sql, rule_checks = _column(p, rule, column, mapping)
        typed.append((rule.column, sql))
        checks.extend(rule_checks)
    if "source" in spec.column_names and mapping.rule("source") is None:
        typed.append(("source", literal(mapping.source_label)))
    layers = p.layers or [[]]
    return ConversionPlan(layers[0], layers[1:], typed, checks, p.zones)


def _column(p: _Planner, rule: ColumnRule, column: Column,
            mapping: TableMapping) -> tuple[str, list[Check]]:
    where = f"columns.{rule.column}"
    checks: list[Check] = []
    shown = None if rule.pseudonymise else ""

    def value_of(sql: str) -> str | None:
        return None if shown is None else f"CAST({sql} AS VARCHAR)"

    # 1. the raw value: constant, first non-null source, or expression
    if rule.has_constant:
        raw = literal(rule.constant)
    elif rule.expr is not None:
        raw = f"({rule.expr})"
        if rule.null_if:
            raw = (f"CASE WHEN CAST({raw} AS VARCHAR) IN "
                   f"({', '.join(literal(v) for v in rule.null_if)}) THEN NULL ELSE {raw} END")
    else:
        parts = [p.source(s, rule.null_if) for s in rule.source]
        raw = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    raw_name = p.stage(raw)
    value_sql = raw_name
    # 2. the value map
    if rule.values is not None:
        keys = ", ".join(literal(k) for k in rule.values)
        cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in rule.values.items())
        text = f"CAST({raw_name} AS VARCHAR)"
        value_sql = p.parse(f"(CASE {text} {cases} END)")
        checks.append(Check(f"{raw_name} IS NOT NULL AND {text} NOT IN ({keys})", rule.column,
                            value_of(raw_name),
                            f"{rule.column}: this value is not in {where}.values "
                            f"({', '.join(list(rule.values)[:12])}); add it to the map in "
                            "the mapping"))
    # 3. conversion to the canonical type
    converted, failed, shown_raw = _convert(p, rule, column, mapping, value_sql, raw_name)
    if failed is not None:
        checks.append(Check(failed, rule.column, value_of(shown_raw),
                            _conversion_reason(rule, column, where)))
    # 4. vocabulary and required
    if column.vocabulary is not None:
        allowed = [m.value for m in column.vocabulary]
        checks.append(Check(f"{converted} NOT IN ({', '.join(literal(a) for a in allowed)})",
                            rule.column, value_of(converted),
                            f"{rule.column}: not one of {', '.join(allowed)}; map the source "
                            f"values with {where}.values (or fix the expression)"))
    if column.required:
        checks.append(Check(f"{converted} IS NULL", rule.column, None,
                            f"{rule.column} is required but empty ({rule.described_source}); "
                            "fill it in the source, or give a default in the mapping"))
    return converted, checks


def _conversion_reason(rule: ColumnRule, column: Column, where: str) -> str:
    kind = {"TIMESTAMP": "a date-time", "DATE": "a date", "DOUBLE": "a number",
            "INTEGER": "a whole number", "BIGINT": "a whole number",
            "BOOLEAN": "true or false"}.get(column.sql_type, column.sql_type)
    if rule.date:
        fmt = (f"date format {rule.date_format or 'YYYY-MM-DD'}, clock format "
               f"{', '.join(rule.formats) or 'H:MM:SS'}")
        return (f"{rule.column}: cannot read a date and a clock time ({fmt}); fix the value, "
                f"or {where}.date_format / {where}.format in the mapping")
    if column.sql_type in ("TIMESTAMP", "DATE"):
        fmt = ", ".join(rule.formats) or "ISO 8601 (YYYY-MM-DD HH:MM:SS)"
        return (f"{rule.column}: cannot read {kind} (expected {fmt}); fix the value, or set "
                f"{where}.format in the mapping")
    if column.sql_type == "DOUBLE" and rule.unit == "hms":
        return (f"{rule.column}: cannot read a duration H:MM:SS; fix the value, or set "
                f"{where}.unit in the mapping")
    return f"{rule.column}: cannot read {kind}; fix the value in the file, or the mapping"


def _convert(p: _Planner, rule: ColumnRule, column: Column, mapping: TableMapping,
             value: str, raw_name: str) -> tuple[str, str | None, str]:
    """(typed SQL, SQL true when a present value failed to convert, SQL of the value shown)."""
    t = column.sql_type
    if t == "VARCHAR":
        return p.parse(f"CAST({value} AS VARCHAR)"), None, raw_name
    if t in ("TIMESTAMP", "DATE") and rule.date:
        return _date_and_clock(p, rule, column, mapping, value)
    text = f"CAST({value} AS VARCHAR)"
    if t in ("TIMESTAMP", "DATE"):
        aware = any("%z" in f or "%Z" in f for f in rule.formats)
        if rule.formats:
            fmts = "[" + ", ".join(literal(f) for f in rule.formats) + "]"
            parsed = f"try_strptime({text}, {fmts})"
        else:
            source_type = p.types.get(rule.source[0]) if len(rule.source) == 1 else None
            aware = aware or (source_type or "").startswith("TIMESTAMP WITH TIME ZONE")
            parsed = value if aware else f"TRY_CAST({value} AS TIMESTAMP)"
        zone = rule.time_zone or mapping.time_zone
        if aware:
            parsed = f"timezone('UTC', {parsed})"
        elif zone != "UTC" and t == "TIMESTAMP":
            p.zones[rule.column] = zone  # converted after the query (see tabular_time)
        if t == "DATE":
            parsed = f"CAST({parsed} AS DATE)"
        parsed = p.parse(parsed)
        return parsed, f"{value} IS NOT NULL AND {parsed} IS NULL", raw_name
    if t == "DOUBLE":
        if rule.unit == "hms":
            parsed = f"epoch(TRY_CAST({text} AS INTERVAL))"
        else:
            parsed = f"(TRY_CAST({value} AS DOUBLE){_UNIT_FACTORS[rule.unit]})"
    else:
        parsed = f"TRY_CAST({value} AS {t})"
    parsed = p.parse(parsed)
    return parsed, f"{value} IS NOT NULL AND {parsed} IS NULL", raw_name


def _date_and_clock(p: _Planner, rule: ColumnRule, column: Column, mapping: TableMapping,
                    clock: str) -> tuple[str, str | None, str]:
    assert rule.date is not None
    date_raw = p.stage(p.source(rule.date, rule.null_if))
    if rule.date_format:
        date_sql = (f"CAST(try_strptime(CAST({date_raw} AS VARCHAR), "
                    f"{literal(rule.date_format)}) AS DATE)")
    else:
        date_sql = f"TRY_CAST({date_raw} AS DATE)"

    def clock_of(sql: str) -> str:
        if rule.formats:
            fmts = "[" + ", ".join(literal(f) for f in rule.formats) + "]"
            return f"CAST(try_strptime(CAST({sql} AS VARCHAR), {fmts}) AS TIME)"
        return f"TRY_CAST({sql} AS TIME)"

    date_name = p.parse(date_sql)
    clock_name = p.parse(clock_of(clock))
    ts = f"({date_name} + {clock_name})"
    if rule.after:
        ref = p.parse(clock_of(p.stage(p.source(rule.after, rule.null_if))))
        ts = (f"({ts} + CASE WHEN {clock_name} < {ref} THEN INTERVAL 1 DAY "
              f"ELSE INTERVAL 0 DAY END)")
    zone = rule.time_zone or mapping.time_zone
    if zone != "UTC" and column.sql_type == "TIMESTAMP":
        p.zones[rule.column] = zone  # converted after the query (see tabular_time)
    if column.sql_type == "DATE":
        ts = f"CAST({ts} AS DATE)"
    failed = (f"(({date_raw} IS NOT NULL AND {date_name} IS NULL) OR "
              f"({clock} IS NOT NULL AND {clock_name} IS NULL))")
    shown = f"concat_ws(' ', {date_raw}, {clock})"
    return ts, failed, shown
