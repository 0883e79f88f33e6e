"""The KPI query API: ``compute(workspace, KpiRequest(...))``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis
import pyarrow as pa

from pilotage.kpi.compiler import VOLUME_SUFFIX, Compiler, KpiRequest, ResolvedKpi, resolve
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


class KpiSession:
    """Several KPI queries on one engine connection (opening one costs ~0.1–5 s)."""

    def __init__(self, workspace: Workspace, backend: Any, catalogue: Catalogue) -> None:
        self.workspace = workspace
        self.backend = backend
        self.catalogue = catalogue

    def compute(self, request: KpiRequest) -> KpiResult:
        check_dimensions(request.by)
        resolved = resolve(self.catalogue, request)
        compiler = Compiler(self.backend, self.catalogue, self.workspace.config.time_zone)
        expr = compiler.expression(request, resolved)
        sql = str(ibis.to_sql(expr, dialect=self.backend.name))
        frame = self.backend.execute(expr)
        return KpiResult(_present(frame, request), tuple(resolved), sql)


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
    """Rows in time order (the UTC instant for sub-day grains, so the repeated hour of a
    25-hour day comes out in the order it happened), then by the other dimensions."""
    grain = next((Grain(b) for b in request.by if b in TIME_DIMENSIONS), None)
    records = frame.to_dict("records")
    offsets = "_offset_min" in frame.columns

    def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
        key: list[Any] = []
        for dim in request.by:
            if dim in TIME_DIMENSIONS:
                moment = _py(row["_t"])
                if offsets:
                    moment = moment - dt.timedelta(minutes=int(row["_offset_min"]))
                key.append((0, moment))
            else:
                value = _clean(row[dim])
                key.append((1, "") if value is None else (0, str(value)))
        return tuple(key)

    records.sort(key=sort_key)
    columns: dict[str, list[Any]] = {}
    for dim in request.by:
        if dim in TIME_DIMENSIONS:
            assert grain is not None
            columns[dim] = [time_label(_py(r["_t"]), int(r["_offset_min"]) if offsets else None,
                                       grain) for r in records]
        else:
            columns[dim] = [None if _clean(r[dim]) is None else str(r[dim]) for r in records]
    for kpi_id in request.kpis:
        for name in (kpi_id, f"{kpi_id}{VOLUME_SUFFIX}"):
            if name in frame.columns:
                columns[name] = [_number(r[name]) for r in records]
    return pa.table(columns) if columns else pa.table({})


def _clean(value: Any) -> Any:
    return None if value is None or value != value else value


def _number(value: Any) -> Any:
    value = _clean(value)
    if value is None:
        return None
    return value.item() if hasattr(value, "item") else value


def _py(value: Any) -> Any:
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
