"""The KPI query API: ``compute(workspace, KpiRequest(...))``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.kpi.compiler import (
    VOLUME_SUFFIX,
    Compiler,
    KpiRequest,
    MeasureInstance,
    PartKey,
    ResolvedKpi,
    measure_groups,
    request_key,
    resolve,
)
from pilotage.kpi.definitions import Catalogue, load_catalogue
from pilotage.kpi.dimensions import (
    TIME_DIMENSIONS,
    Grain,
    check_dimensions,
    from_utc_timestamp,
    time_label,
)
from pilotage.kpi.engine import backend_for, run_sql
from pilotage.kpi.rollup import SharedBatch, SharedPart, roll_up
from pilotage.model.tables import TABLES
from pilotage.store import Workspace


@dataclass(frozen=True)
class KpiResult:
    """One column per ``--by`` dimension (named as given), then one per KPI id."""

    table: pa.Table
    resolved: tuple[ResolvedKpi, ...]
    sql: str


@dataclass(frozen=True)
class CompiledRequest:
    """A request compiled once: the SQL the engine runs and the Arrow schema of its rows."""

    sql: str
    schema: pa.Schema


# (engine dialect, workspace, catalogue digest, time zone, request key) -> compiled request
# (the SQL names the workspace's tables, qualified by its database on DuckDB); building
# and rendering the Ibis expression of the whole catalogue costs about a second, running the
# SQL of a small center milliseconds: a process asks each distinct request's SQL once.
_compiled: dict[tuple[str, str, str, str, str], CompiledRequest] = {}
_COMPILED_MAX = 512


def catalogue_digest(catalogue: Catalogue) -> str:
    """Changes with any definition, measure or parameter of the catalogue."""
    return hashlib.sha256(catalogue.model_dump_json().encode()).hexdigest()[:16]


class KpiSession:
    """Several KPI queries on one engine connection (opening one costs ~0.1–5 s)."""

    def __init__(self, workspace: Workspace, backend: Any, catalogue: Catalogue) -> None:
        self.workspace = workspace
        self.backend = backend
        self.catalogue = catalogue
        self._digest = catalogue_digest(catalogue)
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        """A stored table, its schema asked of the engine once a session."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = self.backend.table(name)
        return table

    def load_tables(self) -> None:
        """Every canonical table's schema now: compiling then never uses the connection, so
        it may run while a thread uses it (``SharedBatch.prepare``)."""
        for name in TABLES:
            self.table(name)

    def compiler(self, window_rows: Mapping[str, ir.Table] | None = None) -> Compiler:
        return Compiler(self.backend, self.catalogue, self.workspace.config.time_zone,
                        window_rows, tables=self.table)

    def compile(self, request: KpiRequest, resolved: list[ResolvedKpi],
                shared: Mapping[PartKey, SharedPart] | None = None,
                window_rows: Mapping[str, ir.Table] | None = None) -> CompiledRequest:
        if shared or window_rows:  # reads a batch's temporary tables: not kept for later
            compiler = self.compiler(window_rows)
            shared = shared or {}
            # the measures read from one shared table rolled up together
            readers: dict[int, tuple[list[SharedPart], list[PartKey], list[MeasureInstance]]]
            readers = {}
            for part_key, insts in measure_groups(resolved, self.catalogue).items():
                if (part := shared.get(part_key)) is not None:
                    parts, keys, measures = readers.setdefault(id(part.table), ([], [], []))
                    parts.append(part)
                    keys.append(part_key)
                    measures += insts
            rolled = {}
            for parts, keys, measures in readers.values():
                table = roll_up(parts, measures, request, self.catalogue)
                rolled.update(dict.fromkeys(keys, table))
            expr = compiler.expression(request, resolved, rolled)
            return CompiledRequest(str(self.backend.compile(expr)), expr.schema().to_pyarrow())
        key = (self.backend.name, str(self.workspace.root), self._digest,
               self.workspace.config.time_zone, request_key(request))
        compiled = _compiled.get(key)
        if compiled is None:
            expr = self.compiler().expression(request, resolved)
            compiled = CompiledRequest(str(self.backend.compile(expr)),
                                       expr.schema().to_pyarrow())
            if len(_compiled) >= _COMPILED_MAX:
                _compiled.pop(next(iter(_compiled)))
            _compiled[key] = compiled
        return compiled

    def compute(self, request: KpiRequest, *,
                shared: Mapping[PartKey, SharedPart] | None = None,
                window_rows: Mapping[str, ir.Table] | None = None,
                compiled: CompiledRequest | None = None) -> KpiResult:
        """``request``'s figures; ``shared`` and ``window_rows``: a batch's temporary tables
        (``pilotage.kpi.rollup``) it may read; ``compiled``: its query, compiled already."""
        check_dimensions(request.by)
        resolved = resolve(self.catalogue, request)
        if compiled is None:
            compiled = self.compile(request, resolved, shared, window_rows)
        table = run_sql(self.backend, compiled.sql, compiled.schema)
        return KpiResult(_present(table, request), tuple(resolved), compiled.sql)

    @contextmanager
    def shared(self, requests: Sequence[KpiRequest]) -> Iterator[SharedBatch]:
        """Prepare ``requests`` together: requests of the same period, filters and
        parameters whose breakdowns belong to the same families (``pilotage.kpi.rollup``)
        share one aggregate per source at the finest grain among them; ``compute`` on the
        yielded batch rolls each up from it, with the figures of the request alone."""
        for request in requests:
            check_dimensions(request.by)
        batch = SharedBatch(self, requests, [resolve(self.catalogue, r) for r in requests])
        try:
            yield batch
        finally:
            batch.close()

    def compute_many(self, requests: Sequence[KpiRequest]) -> list[KpiResult]:
        """``compute`` of each request, sharing their sources' aggregates (``shared``)."""
        with self.shared(requests) as batch:
            return [batch.compute(r) for r in requests]


@contextmanager
def kpi_session(workspace: Workspace, *, engine: str = "duckdb",
                catalogue: Catalogue | None = None) -> Iterator[KpiSession]:
    with backend_for(workspace, engine) as backend:
        yield KpiSession(workspace, backend, catalogue or load_catalogue())


def compute(workspace: Workspace, request: KpiRequest, *, engine: str = "duckdb",
            catalogue: Catalogue | None = None) -> KpiResult:
    with kpi_session(workspace, engine=engine, catalogue=catalogue) as session:
        return session.compute(request)


def compile_sql(workspace: Workspace, request: KpiRequest, *, engine: str = "duckdb") -> str:
    """The SQL a request runs (``pilotage kpi explain``)."""
    catalogue = load_catalogue()
    resolved = resolve(catalogue, request)
    with backend_for(workspace, engine) as backend:
        expr = Compiler(backend, catalogue, workspace.config.time_zone).expression(
            request, resolved)
        return str(ibis.to_sql(expr, dialect=backend.name))


def drill(workspace: Workspace, request: KpiRequest, *, engine: str = "duckdb") -> pa.Table:
    """The records behind one KPI figure: each row of each measure of its formula, with the
    measure, its role (numerator / denominator) and the KPI definition version (lineage)."""
    catalogue = load_catalogue()
    if len(request.kpis) != 1:
        from pilotage.errors import ParameterError

        raise ParameterError("--drill takes exactly one KPI")
    check_dimensions(request.by)
    (resolved,) = resolve(catalogue, request)
    dims = set(request.by) | {name for name, _ in request.where}
    parts = []
    with backend_for(workspace, engine) as backend:
        compiler = Compiler(backend, catalogue, workspace.config.time_zone)
        for role, terms in (("numerator", resolved.numerator),
                            ("denominator", resolved.denominator)):
            for sign, inst in terms:
                t = compiler.enrich(inst.table, dims)
                ts = t[inst.time[0]]
                for extra in inst.time[1:]:
                    ts = ts.fill_null(t[extra])
                t = t.mutate(_ts=ts)
                t = t.mutate(_local=from_utc_timestamp(t._ts, workspace.config.time_zone))
                t = compiler.add_org(t, dims, t._local)
                t = compiler.filter(t, request)
                measure = catalogue.measure(inst.measure)
                for column, cond in measure.where.items():
                    t = t.filter(compiler.condition(t, column, cond, dict(inst.params)))
                frame = backend.to_pyarrow(t.drop("_ts", "_local"))
                n = frame.num_rows
                frame = frame.append_column("kpi", pa.array([resolved.kpi.id] * n))
                frame = frame.append_column("kpi_version",
                                            pa.array([resolved.kpi.version] * n))
                frame = frame.append_column("measure", pa.array([inst.measure] * n))
                frame = frame.append_column(
                    "role", pa.array([role if sign > 0 else f"{role} (subtracted)"] * n))
                parts.append(frame)
    return pa.concat_tables(parts, promote_options="permissive")


def _present(table: pa.Table, request: KpiRequest) -> pa.Table:
    """The rows as the engine sorted them (``Compiler.expression``), time keys as labels.
    Arrow throughout: a year of agent × day is 10⁵–10⁶ rows, which Python objects would
    make slow and large."""
    grain = next((Grain(b) for b in request.by if b in TIME_DIMENSIONS), None)
    offsets = table.column("_offset_min") if "_offset_min" in table.column_names else None
    columns: dict[str, pa.Array] = {}
    for dim in request.by:
        if dim in TIME_DIMENSIONS:
            assert grain is not None
            instant = _instant(table.column("_t"), offsets)
            columns[dim] = _labels(table.column("_t"), offsets, instant, grain)
        else:
            columns[dim] = table.column(dim).cast(pa.string())
    for kpi_id in request.kpis:
        for name in (kpi_id, f"{kpi_id}{VOLUME_SUFFIX}"):
            if name in table.column_names:
                columns[name] = _no_nan(table.column(name))
    return pa.table(columns) if columns else pa.table({})


def _instant(t: pa.ChunkedArray, offsets: pa.ChunkedArray | None) -> pa.ChunkedArray:
    """A time key's instant: UTC (µs) for sub-day grains (where a local time may occur
    twice), else the key itself."""
    if offsets is None:
        return t
    micros = pc.cast(t.cast(pa.timestamp("us")), pa.int64())
    return pc.subtract(micros, pc.multiply(offsets.cast(pa.int64()), 60_000_000))


def _labels(t: pa.ChunkedArray, offsets: pa.ChunkedArray | None, instant: pa.ChunkedArray,
            grain: Grain) -> pa.ChunkedArray:
    """``time_label`` of each key, computed once per distinct key (a year has ~17,500
    half-hours) and spread back with ``take``."""
    code = instant if offsets is not None else t
    distinct = pc.unique(code)
    first = pc.index_in(distinct, value_set=code)  # a row holding each distinct key
    values = t.take(first).to_pylist()
    offset_values = offsets.take(first).to_pylist() if offsets is not None else None
    labels = pa.array([
        None if value is None else time_label(
            value, None if offset_values is None else int(offset_values[i]), grain)
        for i, value in enumerate(values)], pa.string())
    return labels.take(pc.index_in(code, value_set=distinct))


def _no_nan(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A missing float value is NULL, never NaN (looked for first: replacing copies)."""
    if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
        return pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column
