"""Several KPI requests sharing their work: each source aggregated once at the finest grain
the requests need, every request then rolled up from those additive measures.

A report or a benchmark asks the same KPIs at many breakdowns (agent, team, site, center ×
day, week, month…). Computed one by one, every request reads and joins its sources again (the
team membership in force each day, the adherence overlaps, the time zone). Here the requests
that share a period, filters and parameters are put in families by the dimensions they slice
by (the organisation levels are one family: a team, its site and its center follow from the
advisor and the day); each family gets, per source, one **shared aggregate** at the union of
its dimensions and the finest time grain it needs, kept in a temporary table of the engine.
Each request is then a ``GROUP BY`` of those rows. Counts and sums add up, maxima take the
maximum, and a distinct count keeps its values as group keys and counts them at the end: the
figures are those of the request computed alone (never an average of averages).
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
from ibis.common.exceptions import IbisError

from pilotage.errors import PilotageError
from pilotage.kpi.compiler import (
    NULLABLE_STRING,
    KpiRequest,
    MeasureInstance,
    PartKey,
    ResolvedKpi,
    distinct_key,
    join_parts,
    measure_groups,
    nullable,
    reaggregate,
    request_grain,
    request_key,
    utc_window,
)
from pilotage.kpi.definitions import Catalogue
from pilotage.kpi.dimensions import ALL_DIMENSIONS, ORG_DIMENSIONS, TIME_DIMENSIONS, Grain
from pilotage.kpi.engine import create_temporary, drop_temporary

if TYPE_CHECKING:
    from pilotage.kpi.query import CompiledRequest

SUB_DAY = (Grain.INTERVAL15, Grain.INTERVAL30, Grain.HOUR)
# each grain and the coarser ones it rolls up into (a week does not fit in a month)
ROLLS_INTO = {
    Grain.INTERVAL15: set(Grain),
    Grain.INTERVAL30: set(Grain) - {Grain.INTERVAL15},
    Grain.HOUR: set(Grain) - {Grain.INTERVAL15, Grain.INTERVAL30},
    Grain.DAY: {Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR},
    Grain.WEEK: {Grain.WEEK},
    Grain.MONTH: {Grain.MONTH, Grain.QUARTER, Grain.YEAR},
    Grain.QUARTER: {Grain.QUARTER, Grain.YEAR},
    Grain.YEAR: {Grain.YEAR},
}
_MINUTES = {Grain.INTERVAL15: 15, Grain.INTERVAL30: 30, Grain.HOUR: 60}
_names = itertools.count()
PRESENT_PREFIX = "m__present_"  # a measure-like column: carried through join_parts


def family_key(request: KpiRequest) -> tuple[Any, ...]:
    """Requests with equal keys can share aggregates: same period, filters, parameters and
    calendar, dimensions of the same families, all finer or all coarser than a day."""
    families = sorted({"org" if dim in ORG_DIMENSIONS else dim
                       for dim in request.by if dim not in TIME_DIMENSIONS})
    grain = request_grain(request)
    return (request.start, request.end, request.where, request.business_hours,
            tuple(sorted((k, repr(v)) for k, v in request.params.items())), tuple(families),
            grain in SUB_DAY)


def shared_grain(grains: set[Grain | None]) -> Grain | None:
    """The coarsest grain every requested grain rolls up from (``None``: no time key)."""
    wanted = {g for g in grains if g is not None}
    if not wanted:
        return None
    return next(g for g in reversed(Grain) if wanted <= ROLLS_INTO[g])  # coarse to fine


@dataclass(frozen=True)
class SharedPart:
    """A source's measures aggregated at a family's shared grain, in a temporary table that
    may hold other sources' measures too (joined on the same keys): ``present`` is the column
    that is not NULL on the rows this source has."""

    table: ir.Table
    grain: Grain | None
    present: str


class SharedBatch:
    """The requests of one batch (``KpiSession.shared``). A family's shared aggregates are
    built when the first of its requests is computed (or ``prepare`` is called) and dropped after
    the last one, so one family's temporary tables are held at a time."""

    def __init__(self, session: Any, requests: Sequence[KpiRequest],
                 resolved: Sequence[list[ResolvedKpi]]) -> None:
        self.session = session
        self._requests = list(requests)
        self._resolved = list(resolved)
        self._index = {request_key(r): i for i, r in enumerate(requests)}
        families: dict[tuple[Any, ...], list[int]] = {}
        for i, request in enumerate(requests):
            families.setdefault(family_key(request), []).append(i)
        # a family of one request computes it alone
        self._members = [m for m in families.values() if len(m) > 1]
        self._family = {i: f for f, members in enumerate(self._members) for i in members}
        self._left = {f: set(members) for f, members in enumerate(self._members)}
        # per family being computed: its temporary tables (dropped when the stack closes),
        # each member's shared parts, the members' queries compiled beforehand
        self._built: dict[int, tuple[ExitStack, dict[int, dict[PartKey, SharedPart]],
                                     dict[int, CompiledRequest]]] = {}
        # the tables whose window (the same customer's previous contact) two or more of the
        # batch's aggregates read: its rows with a window value are computed once
        self._window_tables = _window_tables(session.catalogue, self._resolved, self._members)
        self._window_rows: dict[str, ir.Table] | None = None
        self._window_stack = ExitStack()
        # the requests alone in their family, compiled while the first family is built
        self._compiled_alone: dict[int, CompiledRequest] | None = None

    def window_rows(self) -> dict[str, ir.Table]:
        """``Compiler.window_rows`` of the batch's window tables, built at the first call."""
        if self._window_rows is None:
            plan, tables = self._plan_window()
            _create_all(self.session.backend, plan)
            self._window_rows = tables
        return self._window_rows

    def _plan_window(self) -> tuple[list[tuple[str, str]], dict[str, ir.Table]]:
        """The window tables to create, (name, SQL), and each table's rows by the name it
        will have (dropped when the batch closes)."""
        backend = self.session.backend
        compiler = self.session.compiler()
        plan, tables = [], {}
        for name in self._window_tables:
            expr = compiler.window_rows(name)
            temporary = f"_pilotage_window_{next(_names)}"
            self._window_stack.callback(drop_temporary, backend, temporary)
            plan.append((temporary, str(backend.compile(expr))))
            tables[name] = ibis.table(expr.schema(), name=temporary)
        return plan, tables

    def prepare(self, request: KpiRequest) -> None:
        """Build the shared aggregates of ``request``'s family now (if it has any). A thread
        creates the tables (the engine releases the GIL) while this one plans them and
        compiles the queries against the tables' names and schemas (Ibis takes ~0.3 s a
        request): the batch's window rows first, while the family's parts are planned; then
        the parts, while the members (those reading nothing but shared tables) and, the
        first time, the requests alone in their family are compiled. The tables' schemas are
        asked of the engine before (``KpiSession.load_tables``): compiling then never uses
        the connection the thread is using."""
        family = self._family.get(self._index.get(request_key(request), -1))
        if family is None or family in self._built or not self._left[family]:
            return
        members = self._members[family]
        backend = self.session.backend
        self.session.load_tables()
        stack = ExitStack()
        window_rows = self._window_rows
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                # one worker: the tables are created in the order they are submitted
                creating = []
                if window_rows is None:
                    window_plan, window_rows = self._plan_window()
                    creating.append(pool.submit(_create_all, backend, window_plan))
                parts, plan = _plan_family(self.session, self._requests, self._resolved,
                                           members, window_rows)
                for name, _ in plan:
                    stack.callback(drop_temporary, backend, name)
                creating.append(pool.submit(_create_all, backend, plan))
                compiled = {i: self.session.compile(self._requests[i], self._resolved[i],
                                                    parts[i], window_rows)
                            for i in members if i in parts and set(measure_groups(
                                self._resolved[i], self.session.catalogue)) <= set(parts[i])}
                if self._compiled_alone is None:
                    self._compiled_alone = self._compile_alone(window_rows)
            for future in creating:
                future.result()
        except BaseException:
            stack.close()
            raise
        self._window_rows = window_rows  # read from now on: the tables exist
        self._built[family] = (stack, parts, compiled)

    def _compile_alone(self, window_rows: dict[str, ir.Table]) -> dict[int, CompiledRequest]:
        """The queries of the requests alone in their family, those that compile (any other
        reports its error when it is computed)."""
        out = {}
        for i, request in enumerate(self._requests):
            if i not in self._family:
                with suppress(PilotageError, IbisError):
                    out[i] = self.session.compile(request, self._resolved[i], None, window_rows)
        return out

    def compute(self, request: KpiRequest) -> Any:
        i = self._index.get(request_key(request), -1)
        family = self._family.get(i, -1)
        if family >= 0:
            self.prepare(request)
        built = self._built.get(family)
        if built is None:  # alone in its family, or asked again after its family was done
            return self.session.compute(request, window_rows=self.window_rows(),
                                        compiled=(self._compiled_alone or {}).get(i))
        stack, parts, compiled = built
        result = self.session.compute(request, shared=parts.get(i), compiled=compiled.get(i),
                                      window_rows=self.window_rows())
        self._left[family].discard(i)
        if not self._left[family]:
            stack.close()
            del self._built[family]
        return result

    def close(self) -> None:
        for stack, _, _ in self._built.values():
            stack.close()
        self._built.clear()
        self._window_stack.close()
        self._window_rows = None


def _window_tables(catalogue: Catalogue, resolved: Sequence[list[ResolvedKpi]],
                   members: list[list[int]]) -> list[str]:
    """The tables whose window columns two or more aggregates of the batch read: each
    family's shared one, and each request's own (a request alone in its family)."""
    in_family = {i for family in members for i in family}
    readers: dict[str, int] = {}
    for group in [*members, *([i] for i in range(len(resolved)) if i not in in_family)]:
        tables = {part_key.table for i in group
                  for part_key in measure_groups(resolved[i], catalogue) if part_key.windowed}
        for table in tables:
            readers[table] = readers.get(table, 0) + 1
    return [table for table, n in readers.items() if n >= 2]


def _create_all(backend: Any, plan: list[tuple[str, str]]) -> None:
    for name, sql in plan:
        create_temporary(backend, name, sql)


def _plan_family(session: Any, requests: Sequence[KpiRequest],
                 resolved: Sequence[list[ResolvedKpi]], members: list[int],
                 window_rows: dict[str, ir.Table]
                 ) -> tuple[dict[int, dict[PartKey, SharedPart]], list[tuple[str, str]]]:
    """For each member request (by index) the shared parts it rolls up from: one per source
    that two or more members read, at the union of their dimensions and the coarsest grain
    they all roll up from. The parts are tables named by the plan, (name, SQL) in the order
    they are to be created: the parts, then the parts with the same keys joined."""
    users: dict[PartKey, list[int]] = {}
    instances: dict[PartKey, list[MeasureInstance]] = {}
    for i in members:
        for part_key, insts in measure_groups(resolved[i], session.catalogue).items():
            users.setdefault(part_key, []).append(i)
            bucket = instances.setdefault(part_key, [])
            bucket += [inst for inst in insts if inst not in bucket]
    first = requests[members[0]]
    dims = [d for d in ALL_DIMENSIONS if d not in TIME_DIMENSIONS
            and any(d in requests[i].by for i in members)]
    grain = shared_grain({request_grain(requests[i]) for i in members})
    base = replace(first, kpis=(), by=(*dims, *([grain.value] if grain else [])),
                   with_volume=False)
    compiler = session.compiler(window_rows)
    compiler.window = utc_window(base)
    # the parts with the same group keys (all but a distinct count's) joined into one table:
    # a request then rolls up one table, with no join
    by_keys: dict[tuple[str, ...], dict[PartKey, ir.Table]] = {}
    for n, (part_key, readers) in enumerate(users.items()):
        if len(readers) < 2:
            continue
        expr = compiler.part(part_key.table, part_key.time, instances[part_key], base,
                             set(base.by) | {name for name, _ in base.where}, grain, dims,
                             distinct_as_keys=True)
        keys = tuple(c for c in expr.columns if not c.startswith("m_"))
        present = f"{PRESENT_PREFIX}{n}"
        by_keys.setdefault(keys, {})[part_key] = expr.mutate(
            **{present: ibis.literal(1, "int8")})
    out: dict[int, dict[PartKey, SharedPart]] = {}
    plan: list[tuple[str, str]] = []

    def planned(expr: ir.Table) -> ir.Table:
        name = f"_pilotage_shared_{next(_names)}"
        plan.append((name, str(session.backend.compile(expr))))
        return ibis.table(expr.schema(), name=name)

    for parts in by_keys.values():
        # each part computed alone (one query holding every source's aggregate at once
        # spills), then the small aggregates joined (a Spark view reads the parts' views:
        # they are kept until the family is done)
        tables = ([planned(expr) for expr in parts.values()] if len(parts) > 1
                  else list(parts.values()))
        table = planned(join_parts(tables))
        for part_key, expr in parts.items():
            present = next(c for c in expr.columns if c.startswith(PRESENT_PREFIX))
            for i in users[part_key]:
                out.setdefault(i, {})[part_key] = SharedPart(table, grain, present)
    return out, plan


def roll_up(shared: Sequence[SharedPart], insts: list[MeasureInstance], request: KpiRequest,
            catalogue: Catalogue) -> ir.Table:
    """The parts of ``request`` (their measures ``insts``) from one shared table (``shared``:
    the parts it holds that the request reads): the keys, names and types of those parts
    computed from their sources and joined. Rows of the table's other parts only are left
    out: the request alone would have no such key."""
    t = shared[0].table
    present = [t[part.present].notnull() for part in shared]
    t = t.filter(functools.reduce(operator.or_, present))
    keys: dict[str, ir.Value] = {}
    grain = request_grain(request)
    if grain is not None:
        assert shared[0].grain is not None
        keys.update(nullable(roll_time_key(t, shared[0].grain, grain)))
    for dim in request.by:
        if dim not in TIME_DIMENSIONS:
            keys[dim] = t[dim].cast(NULLABLE_STRING)
    aggs: dict[str, ir.Scalar] = {}
    for inst in insts:
        aggregate = catalogue.measure(inst.measure).aggregate
        column = t[inst.column]
        aggs[inst.column] = (
            t[distinct_key(inst)].nunique(where=column > 0).cast("float64")
            if aggregate == "count_distinct" else reaggregate(column, aggregate))
    return t.group_by(**keys).aggregate(**aggs) if keys else t.aggregate(**aggs)


def roll_time_key(t: ir.Table, shared: Grain, grain: Grain) -> dict[str, ir.Value]:
    """The time key of ``grain`` from a shared aggregate's time key at ``shared``: a local
    start (timestamp for sub-day grains, with the UTC offset kept; date otherwise)."""
    start = t._t
    if grain in SUB_DAY:
        minutes = _MINUTES[grain]
        out = start.truncate("h")
        if minutes < 60:
            out = out + ((start.minute() // minutes) * minutes).as_interval("m")
        return {"_t": out, "_offset_min": t._offset_min}
    day = start.date() if shared in SUB_DAY else start
    if grain == Grain.DAY:
        return {"_t": day}
    if grain == Grain.WEEK:
        return {"_t": day - day.day_of_week.index().as_interval("D")}
    unit = {Grain.MONTH: "M", Grain.QUARTER: "Q", Grain.YEAR: "Y"}[grain]
    return {"_t": day.truncate(unit)}

