"""A workspace folder: ``pilotage.toml`` (config), ``secret.key`` (pseudonymisation key) and
``pilotage.duckdb`` (the embedded database holding every canonical table)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import tomllib
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, ValidationError

from pilotage.errors import InputError, InternalError, WorkspaceError
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.model.tables import ALL_TABLES, TABLES, TableSpec
from pilotage.model.time_zone import TimeZoneName
from pilotage.store.batch import QUARANTINE_SCHEMA, Batch, LoadReport

CONFIG_FILE = "pilotage.toml"
SECRET_FILE = "secret.key"
DATABASE_FILE = "pilotage.duckdb"
ENV_VAR = "PILOTAGE_WORKSPACE"
ROW_GROUP_ROWS = 122_880  # DuckDB's default row group size


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "Pilotage"
    time_zone: TimeZoneName = "Europe/Paris"
    schema_version: int = 1

    def to_toml(self) -> str:
        return (f'name = "{self.name}"\ntime_zone = "{self.time_zone}"\n'
                f"schema_version = {self.schema_version}\n")


def resolve_workspace_dir(explicit: Path | None) -> Path:
    """``--workspace`` if given, else ``$PILOTAGE_WORKSPACE``, else the current directory."""
    if explicit is not None:
        return explicit
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path.cwd()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Workspace:
    """An opened workspace. Create one with :meth:`init`, open one with :meth:`open`."""

    def __init__(self, root: Path, config: WorkspaceConfig, secret: bytes) -> None:
        self.root = root
        self.config = config
        self.pseudonymizer = Pseudonymizer(secret)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def init(cls, root: Path, *, name: str = "Pilotage", time_zone: str = "Europe/Paris",
             exist_ok: bool = False) -> Workspace:
        root = root.resolve()
        if (root / CONFIG_FILE).exists():
            if exist_ok:
                return cls.open(root)
            raise WorkspaceError(f"{root} is already a workspace ({CONFIG_FILE} exists)",
                                 hint="open it with --workspace, or choose another folder")
        try:
            config = WorkspaceConfig(name=name, time_zone=time_zone)
        except ValidationError as exc:
            raise WorkspaceError(_validation_message(exc, CONFIG_FILE)) from None
        root.mkdir(parents=True, exist_ok=True)
        secret_path = root / SECRET_FILE
        secret_path.write_text(secrets.token_hex(32) + "\n")
        secret_path.chmod(0o600)
        (root / CONFIG_FILE).write_text(config.to_toml())
        workspace = cls(root, config, bytes.fromhex(secret_path.read_text().strip()))
        with workspace.connect() as con:
            for spec in ALL_TABLES.values():
                con.execute(spec.ddl())
        return workspace

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = root.resolve()
        config_path = root / CONFIG_FILE
        if not config_path.exists():
            raise WorkspaceError(f"{root} is not a Pilotage workspace (no {CONFIG_FILE})",
                                 hint=f"create one with 'pilotage init {root}', or pass "
                                      f"--workspace DIR / set {ENV_VAR}")
        try:
            raw = tomllib.loads(config_path.read_text())
            config = WorkspaceConfig(**raw)
        except tomllib.TOMLDecodeError as exc:
            raise WorkspaceError(f"{config_path}: {exc}",
                                 hint="fix the TOML syntax of the config file") from None
        except ValidationError as exc:
            raise WorkspaceError(_validation_message(exc, str(config_path))) from None
        secret_path = root / SECRET_FILE
        try:
            secret = bytes.fromhex(secret_path.read_text().strip())
        except (OSError, ValueError):
            raise WorkspaceError(f"{secret_path} is missing or damaged",
                                 hint="restore it from a backup: without it new customer keys "
                                      "no longer match the stored ones") from None
        workspace = cls(root, config, secret)
        workspace._add_missing_tables()
        return workspace

    def _add_missing_tables(self) -> None:
        """Tables added to the model since the workspace was created are created empty."""
        if not self.database_path.exists():
            return
        with self.connect(read_only=True) as con:
            present = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [spec for name, spec in ALL_TABLES.items() if name not in present]
        if missing:
            with self.connect() as con:
                for spec in missing:
                    con.execute(spec.ddl())

    @property
    def database_path(self) -> Path:
        return self.root / DATABASE_FILE

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = duckdb.connect(str(self.database_path), read_only=read_only,
                                 config={"autoinstall_known_extensions": "false",
                                         "TimeZone": "UTC"})
            con.execute("SET enable_progress_bar = false")  # commands show their own
        except duckdb.IOException as exc:
            raise WorkspaceError(f"cannot open {self.database_path}: {exc}",
                                 hint="another Pilotage process may be writing to it; "
                                      "wait for it to finish") from None
        try:
            yield con
        finally:
            con.close()

    # ------------------------------------------------------------------ reading
    def count(self, table_name: str) -> int:
        with self.connect(read_only=True) as con:
            rows = con.execute(f'SELECT count(*) FROM "{table_name}"').fetchall()
        return int(rows[0][0])

    def table(self, table_name: str) -> pa.Table:
        with self.connect(read_only=True) as con:
            return con.sql(f'SELECT * FROM "{table_name}"').to_arrow_table()

    def already_loaded(self, content_sha256: str, mapping: str | None) -> str | None:
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT load_id FROM loads WHERE content_sha256 = ? "
                "AND mapping IS NOT DISTINCT FROM ?", [content_sha256, mapping]).fetchall()
        return str(rows[0][0]) if rows else None

    # ------------------------------------------------------------------ writing
    def commit(self, batch: Batch) -> LoadReport:
        """Write a batch in one transaction: all of it, or nothing.

        A file already loaded (same content, same mapping) adds nothing; rows whose key is
        already stored are counted as duplicates and not inserted again.
        """
        if batch.rows_read != batch.rows_loaded + batch.rows_quarantined:
            raise InternalError(
                f"{batch.source_path}: rows read {batch.rows_read} != loaded "
                f"{batch.rows_loaded} + quarantined {batch.rows_quarantined}")
        reasons = Counter(batch.quarantine.column("reason").to_pylist())
        top = tuple(reasons.most_common(5))
        previous = self.already_loaded(batch.content_sha256, batch.mapping)
        if previous is not None:
            return LoadReport(previous, batch.source_path, batch.rows_read, 0, 0, True, {}, {},
                              top, batch.notes)
        load_id = uuid.uuid4().hex[:16]
        inserted: dict[str, int] = {}
        duplicates: dict[str, int] = {}
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for name, rows in batch.tables.items():
                    spec = TABLES.get(name)
                    if spec is None:
                        raise InternalError(f"batch names unknown table {name!r}")
                    try:
                        unique = batch.keys_unique or name in batch.unique_key_tables
                        inserted[name], duplicates[name] = _insert(con, spec, rows, load_id,
                                                                   unique)
                    except duckdb.ConstraintException as exc:
                        raise InputError(
                            f"{batch.source_path}: table {name}: a row breaks the data model "
                            f"({exc}); nothing was loaded",
                            hint="closed vocabularies and required columns are listed in "
                                 "docs/data-model.md") from exc
                    _fault_point(f"after:{name}")
                quarantine = batch.quarantine.cast(QUARANTINE_SCHEMA)
                con.register("_pilotage_quarantine", quarantine)
                con.execute("INSERT INTO quarantine SELECT ? AS load_id, file, line, \"column\", "
                            "value, reason, record FROM _pilotage_quarantine",
                            [load_id]).fetchall()
                con.unregister("_pilotage_quarantine")
                con.execute(
                    "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [load_id, batch.source_path, batch.content_sha256, batch.format,
                     batch.mapping, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                     batch.rows_read, batch.rows_loaded, batch.rows_quarantined]).fetchall()
                _fault_point("before-commit")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return LoadReport(load_id, batch.source_path, batch.rows_read, batch.rows_loaded,
                          batch.rows_quarantined, False, inserted, duplicates, top, batch.notes)


def _insert(con: duckdb.DuckDBPyConnection, spec: TableSpec, rows: pa.Table,
            load_id: str, keys_unique: bool = False) -> tuple[int, int]:
    """Insert ``rows`` into ``spec`` skipping keys already stored; returns (inserted, dups).

    Into an empty table nothing can be a stored duplicate, and a batch whose keys are unique
    by construction needs no in-batch de-duplication: both checks are skipped then."""
    unknown = set(rows.column_names) - set(spec.column_names)
    if unknown:
        raise InternalError(f"{spec.name}: unknown columns {sorted(unknown)}")
    view = f"_pilotage_rows_{spec.name}"
    rows = _row_group_batches(rows)
    con.register(view, rows)
    select = []
    for col in spec.columns:
        if col.name == "load_id":
            select.append("? AS load_id")
        elif col.name in rows.column_names:
            select.append(f'CAST(b."{col.name}" AS {col.sql_type}) AS "{col.name}"')
        else:
            select.append(f'CAST(NULL AS {col.sql_type}) AS "{col.name}"')
    source = f"SELECT {', '.join(select)} FROM {view} b"
    if spec.key:
        partition = ", ".join(f'"{k}"' for k in spec.key)
        match = " AND ".join(f't."{k}" IS NOT DISTINCT FROM s."{k}"' for k in spec.key)
        empty = not con.execute(f'SELECT EXISTS (SELECT 1 FROM "{spec.name}")').fetchall()[0][0]
        if not empty:
            source = (f"SELECT * FROM ({source}) s WHERE NOT EXISTS "
                      f'(SELECT 1 FROM "{spec.name}" t WHERE {match})')
        if not (keys_unique or _unique(con, view, rows, spec.key)):
            source = (f"SELECT * FROM ({source}) s "
                      f"QUALIFY row_number() OVER (PARTITION BY {partition}) = 1")
    result = con.execute(f'INSERT INTO "{spec.name}" {source}', [load_id]).fetchall()
    con.unregister(view)
    added = int(result[0][0])
    return added, rows.num_rows - added


def _row_group_batches(rows: pa.Table) -> pa.Table:
    """``rows`` in batches of DuckDB's row group size when some batch is much smaller.

    DuckDB inserts each Arrow batch apart and merges batches smaller than a row group by
    copying them again: 2 M rows in the 94,000-row batches of a parallel CSV read cost 1.1
    CPU s more to insert (and twice the fresh memory) than in batches of 122,880 rows, far
    more than the one copy of the rows made here (docs/performance.md). Tables of one chunk
    (the demo center's) and Parquet row groups are inserted as they are."""
    sizes = [batch.num_rows for batch in rows.to_batches()]
    if all(size >= ROW_GROUP_ROWS * 0.95 for size in sizes[:-1]):
        return rows
    return pa.Table.from_batches(rows.combine_chunks().to_batches(ROW_GROUP_ROWS),
                                 schema=rows.schema)


def _unique(con: duckdb.DuckDBPyConnection, view: str, rows: pa.Table,
            key: tuple[str, ...]) -> bool:
    """Whether no two rows of ``rows`` (registered as ``view``) share a key, NULL equal to
    NULL as in a PARTITION BY: then the in-batch de-duplication (a window over every row,
    the dearest step of a load) is skipped. A grouping by key in DuckDB (parallel: about
    0.3 CPU s for 2 M text keys, against 1.1 s for Arrow's ``count_distinct``) costs far
    less."""
    # a key column the batch does not carry is NULL on every row: equal everywhere
    key = tuple(k for k in key if k in rows.column_names)
    if not key:
        return rows.num_rows <= 1
    columns = ", ".join(f'"{k}"' for k in key)
    (repeated,) = con.execute(f"SELECT EXISTS (SELECT 1 FROM {view} GROUP BY {columns} "
                              "HAVING count(*) > 1)").fetchall()[0]
    return not repeated


def _fault_point(name: str) -> None:
    """Test hook: ``PILOTAGE_FAULT=<name>`` kills the process there (simulates a crash)."""
    if os.environ.get("PILOTAGE_FAULT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _validation_message(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: field '{field}': {err['msg']}")
    return "\n".join(parts)
