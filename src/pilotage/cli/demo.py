"""``pilotage demo``: build the simulated demo center, then show its first result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console, progress_bar
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.store import Workspace


def show_overview(ws: Workspace, lang: str = "fr") -> None:
    from pilotage.reports.overview import format_value, overview

    for section in overview(ws):
        table = Table(title=section.title, title_justify="left")
        table.add_column("file / queue")
        for kpi in section.kpis:
            name = getattr(kpi.abbreviation or kpi.name, lang)
            table.add_column(name, justify="right")
        for row in section.rows:
            table.add_row(str(row["queue"]),
                          *(format_value(k, row[k.id], lang) for k in section.kpis))
        console.print(table)
    console.print("Définitions : 'pilotage kpi explain ID' (e.g. service_level: answered within "
                  "20 s / offered).")


def demo(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same center.")]
    = 1,
    agents: Annotated[int, typer.Option(help="Number of advisors.")] = 150,
    days: Annotated[int, typer.Option(help="Number of days simulated.")] = 91,
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """Build a realistic simulated French multi-site contact center in the workspace
    (created if needed), then show its headline figures."""
    if agents < 10:
        raise ParameterError(f"--agents must be at least 10, got {agents}")
    if days < 1:
        raise ParameterError(f"--days must be at least 1, got {days}")
    from pilotage.demo import build_demo
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.store.workspace import CONFIG_FILE

    root = resolve_workspace_dir(workspace)
    if (root / CONFIG_FILE).exists():
        ws = Workspace.open(root)
    else:
        ws = Workspace.init(root, name="Centre de démonstration")
    with progress_bar("demo center") as update:
        report = build_demo(ws, seed=seed, agents=agents, days=days, progress=update)
    objectives_file = ws.root / "objectives.yaml"
    if not objectives_file.exists():
        shipped = Path(__file__).resolve().parents[1] / "objectives" / "demo_objectives.yaml"
        objectives_file.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    if report.already_loaded:
        console.print("This demo (same seed and size) is already in the workspace: nothing added.")
    else:
        console.print(f"Demo center built in {ws.root}: " + ", ".join(
            f"{name} {n:,}" for name, n in report.inserted.items()))
    show_overview(ws)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
