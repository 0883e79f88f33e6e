"""``pilotage init``, ``pilotage status``, ``pilotage quarantine``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console
from pilotage.cli.options import DebugOption, WorkspaceOption


def init(
    directory: Annotated[Path | None, typer.Argument(
        help="Folder to create the workspace in (default: --workspace, then "
             "$PILOTAGE_WORKSPACE, then the current directory).")] = None,
    name: Annotated[str, typer.Option(help="Name of the center.")] = "Pilotage",
    time_zone: Annotated[str, typer.Option(help="IANA time zone used for reporting.")] =
    "Europe/Paris",
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """Create a workspace: a config file, a secret and an embedded DuckDB database."""
    from pilotage.store import Workspace, resolve_workspace_dir

    root = directory if directory is not None else resolve_workspace_dir(workspace)
    ws = Workspace.init(root, name=name, time_zone=time_zone)
    console.print(f"Workspace created in [bold]{ws.root}[/] (time zone {ws.config.time_zone}).")


def status(workspace: WorkspaceOption = None, debug: DebugOption = False) -> None:
    """Show what the workspace holds: rows per table and the loads committed."""
    from pilotage.model.tables import TABLES
    from pilotage.store import Workspace, resolve_workspace_dir

    ws = Workspace.open(resolve_workspace_dir(workspace))
    counts = Table(title=f"Workspace {ws.root}")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    with ws.connect(read_only=True) as con:
        for name in TABLES:
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchall()
            counts.add_row(name, f"{rows[0][0]:,}")
        loads = con.execute(
            "SELECT load_id, source_path, format, coalesce(mapping, ''), rows_read, rows_loaded, "
            "rows_quarantined, loaded_at FROM loads ORDER BY loaded_at").fetchall()
    console.print(counts)
    table = Table(title="Loads")
    for col in ("load", "source", "format", "mapping", "read", "loaded", "quarantined", "at (UTC)"):
        table.add_column(col)
    for load in loads:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in load))
    console.print(table)


def quarantine(
    load: Annotated[str | None, typer.Option(help="Only this load id.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """List quarantined rows with their file, line, column, value and reason."""
    from pilotage.store import Workspace, resolve_workspace_dir

    ws = Workspace.open(resolve_workspace_dir(workspace))
    where, params = ("WHERE load_id = ?", [load]) if load else ("", [])
    with ws.connect(read_only=True) as con:
        summary = con.execute(
            f"SELECT reason, count(*) n FROM quarantine {where} GROUP BY reason ORDER BY n DESC",
            params).fetchall()
        rows = con.execute(
            f'SELECT file, line, "column", value, reason FROM quarantine {where} '
            f"ORDER BY file, line LIMIT {int(limit)}", params).fetchall()
    reasons = Table(title="Quarantine by reason")
    reasons.add_column("rows", justify="right")
    reasons.add_column("reason")
    for reason, n in summary:
        reasons.add_row(f"{n:,}", reason)
    console.print(reasons)
    detail = Table(title=f"First {len(rows)} rows")
    for col in ("file", "line", "column", "value", "reason"):
        detail.add_column(col)
    for row in rows:
        detail.add_row(*("" if v is None else str(v) for v in row))
    console.print(detail)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)
    app.command("quarantine")(quarantine)
