"""Where KPIs run: the workspace's DuckDB (default) or Apache Spark (see docs/kpis.md)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from pilotage.errors import ParameterError
from pilotage.kpi.utc_offsets import duckdb_macro
from pilotage.store import Workspace

ENGINES = ("duckdb", "spark")


MEMORY_LIMIT_ENV = "PILOTAGE_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"  # DuckDB's own default is 80 % of the machine's memory


@contextmanager
def duckdb_backend(workspace: Workspace) -> Iterator[Any]:
    """The workspace's DuckDB, read-only, in UTC, its buffer memory capped (spilling to the
    system's temporary folder past the cap) so a KPI query on a large center stays within a
    few GB beside the other processes of the machine."""
    backend = ibis.duckdb.connect(str(workspace.database_path), read_only=True)
    try:
        backend.raw_sql("SET TimeZone = 'UTC'")
        limit = os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT).replace("'", "")
        backend.raw_sql(f"SET memory_limit = '{limit}'")
        _spill_to_temp(backend)
        # KPI rows are sorted after the query: DuckDB need not keep insertion order
        backend.raw_sql("SET preserve_insertion_order = false")
        # the command shows its own (Rich) progress; DuckDB's would interleave on stderr
        backend.raw_sql("SET enable_progress_bar = false")
        backend.raw_sql(duckdb_macro(workspace.config.time_zone))
        yield backend
    finally:
        backend.disconnect()


def _spill_to_temp(backend: Any) -> None:
    """Spill to the system's temporary folder (a read-only workspace may not be writable).
    Connections of one process share one DuckDB instance per file, whose folder cannot
    change once used: a later connection keeps it."""
    spill = str(Path(tempfile.gettempdir()) / "pilotage-duckdb").replace("'", "")
    ((current,),) = backend.con.sql("SELECT current_setting('temp_directory')").fetchall()
    if current == spill:
        return
    Path(spill).mkdir(exist_ok=True)
    with contextlib.suppress(duckdb.NotImplementedException):
        backend.raw_sql(f"SET temp_directory = '{spill}'")


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


def create_temporary(backend: Any, name: str, sql: str) -> None:
    """A temporary table ``name`` holding the rows of ``sql`` (compiled for ``backend``): a
    DuckDB temporary table, a cached temporary view on Spark.
    Touches no Ibis object: it may run in a thread while another compiles expressions."""
    if backend.name == "duckdb":
        backend.con.sql(f'CREATE TEMPORARY TABLE "{name}" AS {sql}')
    elif backend.name == "pyspark":
        backend.raw_sql(f"CACHE TABLE `{name}` AS {sql}")
    else:
        raise ParameterError(f"no temporary tables on engine {backend.name!r}")


def drop_temporary(backend: Any, name: str) -> None:
    """Drop ``create_temporary``'s table, if it was made."""
    if backend.name == "duckdb":
        backend.raw_sql(f'DROP TABLE IF EXISTS temp."{name}"')
    elif backend.name == "pyspark":
        backend.raw_sql(f"UNCACHE TABLE IF EXISTS `{name}`")
        backend.raw_sql(f"DROP VIEW IF EXISTS `{name}`")


def run_sql(backend: Any, sql: str, schema: pa.Schema) -> pa.Table:
    """Run SQL compiled from an Ibis expression on its backend; the rows as Arrow, typed by
    the expression's schema (so both engines give the same types)."""
    if backend.name == "duckdb":
        table = backend.con.sql(sql).to_arrow_table()
    elif backend.name == "pyspark":
        table = backend.raw_sql(sql).toArrow()
    else:
        raise ParameterError(f"no way to run SQL on engine {backend.name!r}")
    return table.rename_columns(schema.names).cast(schema)
