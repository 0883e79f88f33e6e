"""``pilotage demo``: build the simulated demo center, then show its first result."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console, progress_bar
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.errors import ParameterError
from pilotage.reports.overview import SL_THRESHOLD_S, queue_overview
from pilotage.store import Workspace, resolve_workspace_dir
from pilotage.store.workspace import CONFIG_FILE


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _sec(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} s"


def show_overview(ws: Workspace) -> None:
    table = Table(title=f"{ws.config.name}: contacts per queue over the period "
                        f"(service level = answered within {SL_THRESHOLD_S:.0f} s / offered)")
    for col in ("queue", "channel", "direction", "offered", "answered", "service level",
                "abandon rate", "ASA", "AHT (DMT)"):
        table.add_column(col, justify="left" if col in {"queue", "channel", "direction"}
                         else "right")
    for q in queue_overview(ws):
        table.add_row(q.queue_id, q.channel, q.direction, f"{q.offered:,}", f"{q.answered:,}",
                      _pct(q.service_level), _pct(q.abandon_rate), _sec(q.asa_s), _sec(q.aht_s))
    console.print(table)


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
    root = resolve_workspace_dir(workspace)
    if (root / CONFIG_FILE).exists():
        ws = Workspace.open(root)
    else:
        ws = Workspace.init(root, name="Centre de démonstration")
    from pilotage.demo import build_demo

    with progress_bar("demo center") as update:
        report = build_demo(ws, seed=seed, agents=agents, days=days, progress=update)
    if report.already_loaded:
        console.print("This demo (same seed and size) is already in the workspace: nothing added.")
    else:
        console.print(f"Demo center built in {ws.root}: " + ", ".join(
            f"{name} {n:,}" for name, n in report.inserted.items()))
    show_overview(ws)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
