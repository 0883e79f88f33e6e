"""The KPI query API: ``compute(workspace, KpiRequest(...))``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pyarrow as pa

from pilotage.kpi.compiler import Compiler, KpiRequest, ResolvedKpi, resolve
from pilotage.kpi.definitions import Catalogue, load_catalogue
from pilotage.kpi.dimensions import TIME_DIMENSIONS, Grain, check_dimensions, time_label
from pilotage.kpi.engine import backend_for
from pilotage.store import Workspace


@dataclass(frozen=True)
class KpiResult:
    """One column per ``--by`` dimension (named as given), then one per KPI id."""

    table: pa.Table
    resolved: tuple[ResolvedKpi, ...]
    sql: str


def compute(workspace: Workspace, request: KpiRequest, *, engine: str = "duckdb",
            catalogue: Catalogue | None = None) -> KpiResult:
    catalogue = catalogue or load_catalogue()
    check_dimensions(request.by)
    resolved = resolve(catalogue, request)
    with backend_for(workspace, engine) as backend:
        compiler = Compiler(backend, catalogue, workspace.config.time_zone)
        expr = compiler.expression(request, resolved)
        sql = str(ibis.to_sql(expr, dialect=backend.name))
        frame = backend.execute(expr)
    return KpiResult(_present(frame, request), tuple(resolved), sql)


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
                t = compiler.add_org(t.mutate(_ts=ts), dims, ts)
                t = compiler.filter(t, request)
                measure = catalogue.measure(inst.measure)
                for column, cond in measure.where.items():
                    t = t.filter(compiler.condition(t, column, cond, dict(inst.params)))
                frame = backend.to_pyarrow(t.drop("_ts"))
                n = frame.num_rows
                frame = frame.append_column("kpi", pa.array([resolved.kpi.id] * n))
                frame = frame.append_column("kpi_version",
                                            pa.array([resolved.kpi.version] * n))
                frame = frame.append_column("measure", pa.array([inst.measure] * n))
                frame = frame.append_column(
                    "role", pa.array([role if sign > 0 else f"{role} (subtracted)"] * n))
                parts.append(frame)
    return pa.concat_tables(parts, promote_options="permissive")


def _present(frame: Any, request: KpiRequest) -> pa.Table:
    grain = next((Grain(b) for b in request.by if b in TIME_DIMENSIONS), None)
    columns: dict[str, list[Any]] = {}
    for dim in request.by:
        if dim in TIME_DIMENSIONS:
            assert grain is not None
            offsets = (frame["_offset_min"].tolist() if "_offset_min" in frame.columns
                       else [None] * len(frame))
            columns[dim] = [time_label(_py(v), None if o is None else int(o), grain)
                            for v, o in zip(frame["_t"].tolist(), offsets, strict=True)]
        else:
            columns[dim] = [None if v is None or v != v else str(v) for v in frame[dim]]
    for name in frame.columns:
        if name in request.kpis:
            columns[name] = [None if v is None or v != v else v for v in frame[name].tolist()]
    table = pa.table(columns) if columns else pa.table({})
    if request.by:
        table = table.sort_by([(d, "ascending") for d in request.by])
    return table


def _py(value: Any) -> Any:
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
