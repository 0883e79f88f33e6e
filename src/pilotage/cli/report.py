"""``pilotage report LEVEL|all``: a report for every decision level, in HTML, PDF or XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pilotage.cli.console import console, err_console
from pilotage.cli.objectives import load_objectives, workspace_objectives_file
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.objectives.periods import ReportingPeriod


def _period(period: str | None, from_: str | None, to: str | None) -> ReportingPeriod:
    from pilotage.objectives.periods import parse_period, period_range

    if period is not None:
        return parse_period(period)
    if from_ and to:
        try:
            return period_range(dt.date.fromisoformat(from_), dt.date.fromisoformat(to))
        except ValueError:
            raise ParameterError(f"--from {from_!r} / --to {to!r} are not dates",
                                 hint="write days as 2026-09-01") from None
    raise ParameterError("give --period, or --from and --to",
                         hint="e.g. --period 2026-09 (a month) or --period 2026-W40")


def report(
    level: Annotated[str, typer.Argument(
        help="advisor | team | site | director | contract | commitments | all")],
    unit: Annotated[str | None, typer.Option(
        help="Advisor, team, site or contract id (advisor, team, site, contract).")] = None,
    period: Annotated[str | None, typer.Option(
        help="2026-09 (month), 2026-W40 (ISO week), 2026-Q3, 2026, or a day.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day (with --to).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day included.")] = None,
    format: Annotated[str, typer.Option("--format", help="html | pdf | xlsx")] = "html",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File (a folder for 'all'); default: a name in the current "
        "folder.")] = None,
    lang: Annotated[str, typer.Option(help="fr (default) | en")] = "fr",
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """A report for a decision level: the advisor's scorecard, the team leader's, the floor
    manager's, the director's, a client contract's clauses and penalties, or the public page
    of commitments to customers. 'all' writes every report of the period."""
    from pilotage.kpi.query import kpi_session
    from pilotage.reports.batch import check_format, render_all, write_report
    from pilotage.reports.content import build_report, parse_level
    from pilotage.reports.context import ReportContext
    from pilotage.reports.language import check_lang
    from pilotage.store import Workspace, resolve_workspace_dir

    chosen = _period(period, from_, to)
    check_format(format)
    check_lang(lang)
    is_all = level == "all"
    report_level = None if is_all else parse_level(level)
    ws = Workspace.open(resolve_workspace_dir(workspace))
    objectives = load_objectives(workspace_objectives_file(workspace))
    with kpi_session(ws) as session:
        ctx = ReportContext(session, objectives, chosen)
        if report_level is None:
            directory = output or Path(f"reports-{chosen.label}")
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err_console) as bar:
                task = bar.add_task("reports", total=None)

                def step(name: str, done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total, description=name)

                written = render_all(ctx, format, directory, lang, step)
            console.print(f"{len(written)} reports written under {directory}")
            return
        built = build_report(ctx, report_level, unit, lang)
        path = output or Path(f"{built.file_stem}.{format}")
        write_report(built, format, path)
    console.print(f"{path}")
