"""``pilotage ingest``: load files into the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console, progress_bar
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.ingest.source_formats import FORMATS

if TYPE_CHECKING:
    from pilotage.store import LoadReport

EXIT_REJECTS = 3


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files to load.", show_default=False)],
    format: Annotated[str | None, typer.Option(
        "--format", help=f"Input format: {' | '.join(FORMATS)} (default: from the mapping or "
                         "the file).")] = None,
    mapping: Annotated[str | None, typer.Option(
        "--mapping", help="Mapping name (shipped with Pilotage) or YAML file.")] = None,
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """Load files into the workspace; bad rows go to quarantine with their reason.

    Each file is loaded whole or not at all; a file already loaded adds nothing.
    Exit code: 0 all rows loaded, 3 some rows quarantined, 1 error (nothing loaded).
    """
    from pilotage.ingest.source import read_source
    from pilotage.store import Workspace, resolve_workspace_dir

    ws = Workspace.open(resolve_workspace_dir(workspace))
    reports: list[LoadReport] = []
    with progress_bar("ingest") as update:
        for index, path in enumerate(paths):
            update(f"{path.name} (read)", index / len(paths))
            batch = read_source(path, pseudonymizer=ws.pseudonymizer, format=format,
                                mapping=mapping)
            update(f"{path.name} (commit)", (index + 0.8) / len(paths))
            reports.append(ws.commit(batch))
        update("done", 1.0)
    table = Table(title="Ingestion")
    for col in ("file", "read", "loaded", "quarantined", "note"):
        numeric = col in {"read", "loaded", "quarantined"}
        table.add_column(col, justify="right" if numeric else "left")
    for report in reports:
        note = "already loaded: nothing added" if report.already_loaded else ", ".join(
            f"{name} +{n:,}" for name, n in report.inserted.items() if n)
        table.add_row(report.source_path, f"{report.rows_read:,}", f"{report.rows_loaded:,}",
                      f"{report.rows_quarantined:,}", note)
    console.print(table)
    for report in reports:
        if report.top_reasons:
            console.print(f"[bold]{report.source_path}[/]: main reasons for quarantine")
            for reason, n in report.top_reasons:
                console.print(f"  {n:>8,}  {reason}")
        unknown = {k: v for k, v in report.notes.items() if v}
        if unknown:
            console.print(f"[bold]{report.source_path}[/]: " + ", ".join(
                f"{k} ×{v:,}" for k, v in sorted(unknown.items())))
    if any(r.rows_quarantined for r in reports if not r.already_loaded):
        console.print("Some rows were quarantined: see 'pilotage quarantine'.")
        raise typer.Exit(EXIT_REJECTS)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
