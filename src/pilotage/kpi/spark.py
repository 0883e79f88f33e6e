"""Run the KPI catalogue on Apache Spark (``--engine spark``): the same Ibis expressions as on
DuckDB, over the canonical tables registered as Spark temporary views.

Data source, in this order:

1. ``parquet_dir`` (parameter) or ``$PILOTAGE_SPARK_PARQUET``: a folder holding one
   ``<table>.parquet`` (file or Spark folder) per canonical table; absent tables are empty;
2. otherwise the workspace's DuckDB tables, exported once to
   ``<workspace>/spark/<key>/<table>.parquet`` (naive UTC timestamps). ``<key>`` is a digest of
   the ``loads`` table and of the schemas, so a new load triggers a fresh export.

Spark: one SparkSession per process (start-up costs seconds), master ``$PILOTAGE_SPARK_MASTER``
(default ``local[2]``), session time zone UTC, UI off. Each data source gets its own child
session (``newSession()``: shared SparkContext, separate temporary views), kept for the life of
the process. See docs/spark.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pilotage.errors import InputError, ParameterError
from pilotage.model.tables import TABLES, TableSpec
from pilotage.store import Workspace

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MASTER_ENV = "PILOTAGE_SPARK_MASTER"
PARQUET_ENV = "PILOTAGE_SPARK_PARQUET"
DRIVER_MEMORY_ENV = "PILOTAGE_SPARK_DRIVER_MEMORY"
DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "1g"
CONF_ENV = "PILOTAGE_SPARK_CONF"
# local mode runs small data on one machine: 200 shuffle partitions and adaptive re-planning
# only add jobs (about 17 Spark jobs per KPI query with them, 6 without)
LOCAL_CONF = {"spark.sql.shuffle.partitions": "2", "spark.sql.adaptive.enabled": "false"}
EXPORT_DIR = "spark"
EXPORT_FORMAT = "pilotage-spark-export/1"  # bump when the export layout or content changes

SPARK_TYPE = {
    "VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ",
}

_lock = threading.Lock()
_root_session: SparkSession | None = None
# data source (workspace root or Parquet folder) -> (version stamp, child session, ibis backend)
_sources: dict[str, tuple[str, SparkSession, Any]] = {}


# ---------------------------------------------------------------------------- session
def spark_session() -> SparkSession:
    """The process's SparkSession, started on first use (or an already active one)."""
    global _root_session
    with _lock:
        if _root_session is not None and not _is_stopped(_root_session):
            return _root_session
        master = os.environ.get(MASTER_ENV, DEFAULT_MASTER)
        local = master.startswith("local")
        if local:
            # before the JVM starts: no non-loopback bind, no reverse-DNS lookup
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ParameterError(
                "--engine spark needs pyspark, which is not installed",
                hint='install it with: pip install "pilotage[spark]" (Java 17+ required)',
            ) from None
        builder = (SparkSession.builder.master(master).appName("pilotage")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.driver.memory",
                           os.environ.get(DRIVER_MEMORY_ENV, DEFAULT_DRIVER_MEMORY))
                   .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true"))
        for key, value in {**(LOCAL_CONF if local else {}), **extra_conf()}.items():
            builder = builder.config(key, value)
        _sources.clear()  # child sessions of a stopped session are unusable
        _root_session = builder.getOrCreate()
        _root_session.sparkContext.setLogLevel("ERROR")
        return _root_session


def extra_conf() -> dict[str, str]:
    """``$PILOTAGE_SPARK_CONF``: ``key=value`` Spark settings separated by commas."""
    conf = {}
    for item in os.environ.get(CONF_ENV, "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"${CONF_ENV}: {item!r} is not key=value",
                                 hint="e.g. spark.executor.memory=4g,spark.sql.shuffle."
                                      "partitions=64")
        conf[key.strip()] = value.strip()
    return conf


def _is_stopped(session: SparkSession) -> bool:
    context = session.sparkContext
    return context._jsc is None


# ---------------------------------------------------------------------------- backend
@contextmanager
def spark_backend(workspace: Workspace, parquet_dir: Path | None = None) -> Iterator[Any]:
    """An Ibis PySpark backend on which every canonical table is registered by name.

    The backend is reused across calls with the same data; leaving the context does not stop
    Spark (the session lives as long as the process)."""
    if parquet_dir is None and os.environ.get(PARQUET_ENV):
        parquet_dir = Path(os.environ[PARQUET_ENV])
    if parquet_dir is not None:
        folder = parquet_dir.resolve()
        if not folder.is_dir():
            raise InputError(f"{folder}: no such folder of Parquet tables",
                             hint=f"pass a folder holding <table>.parquet files "
                                  f"(${PARQUET_ENV} or parquet_dir=)")
        source, stamp = f"dir:{folder}", _folder_stamp(folder)
    else:
        folder = export_workspace(workspace)
        source, stamp = f"workspace:{workspace.root}", folder.name
    with _lock:
        known = _sources.get(source)
    if known is not None and known[0] == stamp:
        backend = known[2]
    else:
        import ibis

        session = known[1] if known is not None else spark_session().newSession()
        backend = known[2] if known is not None else ibis.pyspark.connect(session)
        for spec in TABLES.values():  # (re)register: the data changed since last time
            _register(session, spec, folder / f"{spec.name}.parquet")
        with _lock:
            _sources[source] = (stamp, session, backend)
    yield backend


def _register(session: SparkSession, spec: TableSpec, path: Path) -> None:
    """A temporary view ``spec.name`` with exactly the canonical columns and types."""
    from pyspark.sql import functions as F

    if not path.exists():
        ddl = ", ".join(f"`{c.name}` {SPARK_TYPE[c.sql_type]}" for c in spec.columns)
        session.createDataFrame([], ddl).createOrReplaceTempView(spec.name)
        return
    frame: DataFrame = session.read.parquet(str(path))
    present = set(frame.columns)
    missing = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing:
        raise InputError(f"{path}: required column(s) {', '.join(missing)} missing",
                         hint=f"table {spec.name} needs {', '.join(spec.column_names)} "
                              "(see docs/data-model.md)")
    frame = frame.select(*[
        (F.col(f"`{c.name}`") if c.name in present else F.lit(None))
        .cast(SPARK_TYPE[c.sql_type]).alias(c.name) for c in spec.columns])
    frame.createOrReplaceTempView(spec.name)


def _folder_stamp(folder: Path) -> str:
    """Changes when a table file of the folder is replaced (name, size, mtime)."""
    digest = hashlib.sha256()
    for name in sorted(TABLES):
        path = folder / f"{name}.parquet"
        if path.exists():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------- export
def export_key(workspace: Workspace) -> str:
    """Digest of the loads committed and of the canonical schemas: the export's cache key."""
    with workspace.connect(read_only=True) as con:
        loads = con.execute("SELECT load_id FROM loads ORDER BY load_id").fetchall()
    digest = hashlib.sha256(EXPORT_FORMAT.encode())
    for spec in TABLES.values():
        digest.update(f"{spec.name}({','.join(f'{c.name} {c.sql_type}' for c in spec.columns)})"
                      .encode())
    for (load_id,) in loads:
        digest.update(f"load:{load_id};".encode())
    return digest.hexdigest()[:16]


def export_workspace(workspace: Workspace) -> Path:
    """Export every canonical table to ``<workspace>/spark/<key>/<table>.parquet`` unless that
    export exists; returns the folder. Older exports are removed."""
    root = workspace.root / EXPORT_DIR
    key = export_key(workspace)
    target = root / key
    if not target.is_dir():
        root.mkdir(exist_ok=True)
        staging = root / f".tmp-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            with workspace.connect(read_only=True) as con:
                for spec in TABLES.values():
                    path = str(staging / f"{spec.name}.parquet").replace("'", "''")
                    con.execute(f"COPY (SELECT * FROM \"{spec.name}\") TO '{path}' "
                                "(FORMAT parquet)")
            try:
                staging.rename(target)  # atomic: readers see a whole export or none
            except OSError:
                if not target.is_dir():  # not a concurrent export of the same key
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    for old in root.iterdir():
        if old.is_dir() and old.name != key and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return target
