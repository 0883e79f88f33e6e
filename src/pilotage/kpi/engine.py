"""Where KPIs run: the workspace's DuckDB (default) or Apache Spark (see docs/kpis.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis

from pilotage.errors import ParameterError
from pilotage.kpi.dimensions import DUCKDB_MACROS
from pilotage.store import Workspace

ENGINES = ("duckdb", "spark")


@contextmanager
def duckdb_backend(workspace: Workspace) -> Iterator[Any]:
    backend = ibis.duckdb.connect(str(workspace.database_path), read_only=True)
    try:
        backend.raw_sql("SET TimeZone = 'UTC'")
        for macro in DUCKDB_MACROS:
            backend.raw_sql(macro)
        yield backend
    finally:
        backend.disconnect()


@contextmanager
def backend_for(workspace: Workspace, engine: str) -> Iterator[Any]:
    if engine == "duckdb":
        with duckdb_backend(workspace) as backend:
            yield backend
    elif engine == "spark":
        from pilotage.kpi.spark import spark_backend

        with spark_backend(workspace) as backend:
            yield backend
    else:
        raise ParameterError(f"--engine {engine!r} is not one of {', '.join(ENGINES)}")
