"""``pilotage objectives check|status``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.errors import ParameterError, UserError

if TYPE_CHECKING:
    from pilotage.objectives.attainment import Attainment
    from pilotage.objectives.model import ObjectivesFile

OBJECTIVES_FILE = "objectives.yaml"
objectives_app = typer.Typer(help="Objectives: check the cascade, follow its attainment.",
                             no_args_is_help=True)


def workspace_objectives_file(workspace: Path | None) -> Path:
    from pilotage.store import resolve_workspace_dir

    return resolve_workspace_dir(workspace) / OBJECTIVES_FILE


def load_objectives(file: Path) -> ObjectivesFile:
    from pilotage.objectives.checks import check_file

    if not file.is_file():
        raise UserError(f"{file}: no objectives file",
                        hint="write one (see docs/objectives.md), or build the demo center, "
                             "which ships one")
    checked = check_file(file)
    if checked.errors or checked.objectives is None:
        raise UserError(f"{file} has {len(checked.errors)} error(s)",
                        hint="run 'pilotage objectives check' to see them")
    return checked.objectives


@objectives_app.command("check")
def check(
    file: Annotated[Path | None, typer.Argument(
        help="Objectives file (default: objectives.yaml in the workspace).")] = None,
    workspace: WorkspaceOption = None,
    lang: Annotated[str, typer.Option(help="fr | en")] = "fr",
    debug: DebugOption = False,
) -> None:
    """Check an objectives file: every problem at once, with file:line, the field and what to
    do. Exit code 1 when there are errors (warnings alone exit 0)."""
    from pilotage.objectives.checks import check_file
    from pilotage.reports.language import check_lang, say

    check_lang(lang)
    path = file or workspace_objectives_file(workspace)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    checked = check_file(path)
    for issue in checked.issues:
        colour = "red" if issue.severity.value == "error" else "yellow"
        console.print(f"[{colour}]{issue.text(lang)}[/]", markup=True, highlight=False)
    errors, warnings = len(checked.errors), len(checked.warnings)
    console.print(say(lang, f"{errors} erreur(s), {warnings} avertissement(s).",
                      f"{errors} error(s), {warnings} warning(s)."))
    if checked.errors:
        raise typer.Exit(1)


@objectives_app.command("status")
def status(
    period: Annotated[str | None, typer.Option(
        help="2026-10 (month), 2026-W40 (ISO week), 2026-Q4, 2026, or a day 2026-10-05.")]
    = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day (with --to).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day included.")] = None,
    level: Annotated[str | None, typer.Option(
        help="center | site | team | advisor (default: all).")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this site, team or advisor id.")]
    = None,
    format: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    lang: Annotated[str, typer.Option(help="fr | en")] = "fr",
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """Actual against target for each objective: status (met / at risk / missed) with a
    minimum-volume guard and a 90 % uncertainty band, the trend against the previous period,
    and the sub-units contributing most to the gap."""
    import datetime as dt

    from pilotage.kpi.query import kpi_session
    from pilotage.objectives.attainment import AttainmentEngine
    from pilotage.objectives.model import Level
    from pilotage.objectives.periods import parse_period, period_range
    from pilotage.store import Workspace, resolve_workspace_dir

    if period is not None:
        chosen = parse_period(period)
    elif from_ and to:
        chosen = period_range(dt.date.fromisoformat(from_), dt.date.fromisoformat(to))
    else:
        raise ParameterError("give --period, or --from and --to")
    if format not in ("table", "csv", "json"):
        raise ParameterError(f"--format {format!r} is not table, csv or json")
    chosen_level = Level(level) if level else None
    ws = Workspace.open(resolve_workspace_dir(workspace))
    objectives = load_objectives(workspace_objectives_file(workspace))
    with kpi_session(ws) as session:
        rows = AttainmentEngine(session, objectives).status(chosen, level=chosen_level,
                                                            unit=unit)
    _print(rows, objectives, format, lang)


def _record(a: Attainment) -> dict[str, object]:
    worst = [c for c in a.contributors if c.contribution < 0][:3]
    return {
        "objective": a.objective_id, "kpi": a.kpi, "level": a.level.value, "unit": a.unit,
        "period": a.period, "actual": a.actual, "target": a.target, "status": a.status.value,
        "volume": a.volume, "band_low": a.band[0] if a.band else None,
        "band_high": a.band[1] if a.band else None, "previous": a.previous, "trend": a.trend,
        "main_contributors": "; ".join(f"{c.dimension} {c.unit} ({c.contribution:+.4f})"
                                       for c in worst),
    }


@objectives_app.command("levers")
def levers(
    period: Annotated[str, typer.Option(
        help="2026-10 (month), 2026-W40 (ISO week), 2026-Q4, 2026, or a day 2026-10-05.")],
    level: Annotated[str, typer.Option(help="center | site | team | advisor.")] = "center",
    unit: Annotated[str | None, typer.Option(
        help="The site, team or advisor id (not for center).")] = None,
    objective: Annotated[list[str] | None, typer.Option(
        help="Only this objective (repeat for several), whatever its status.")] = None,
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    lang: Annotated[str, typer.Option(help="fr | en")] = "fr",
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """For each missed (or at-risk) objective of a unit, its levers ranked by estimated
    impact, with the model stated: result objectives (CSAT, NPS, conversion…) by
    re-weighting their responses or contacts by each lever's condition; accessibility
    objectives by an Erlang A counterfactual; other ratios by mix and rate effects."""
    from pilotage.cli.levers_output import analyse_levers, print_levers
    from pilotage.kpi.query import kpi_session
    from pilotage.objectives.model import Level
    from pilotage.objectives.periods import parse_period
    from pilotage.reports.language import check_lang
    from pilotage.store import Workspace, resolve_workspace_dir

    check_lang(lang)
    if format not in ("table", "json"):
        raise ParameterError(f"--format {format!r} is not table or json")
    chosen_level = Level(level)
    if chosen_level is not Level.CENTER and unit is None:
        raise ParameterError(f"--level {level} needs --unit", hint="e.g. --unit LYO-EQ02")
    ws = Workspace.open(resolve_workspace_dir(workspace))
    objectives = load_objectives(workspace_objectives_file(workspace))
    with kpi_session(ws) as session:
        found = analyse_levers(session, objectives, parse_period(period), chosen_level, unit,
                               tuple(objective or ()))
    print_levers(found, objectives, format, lang)


LEVEL_NAMES = {"center": ("centre", "center"), "site": ("site", "site"),
               "team": ("équipe", "team"), "advisor": ("conseiller", "advisor")}
"""Level names by ``pilotage.objectives.model.Level`` value."""


def _print(rows: list[Attainment], objectives: ObjectivesFile, format: str, lang: str) -> None:
    records = [_record(a) for a in rows]
    if format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else ["objective"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        print(buffer.getvalue(), end="")
        return
    from pilotage.kpi import load_catalogue
    from pilotage.objectives.attainment import Status
    from pilotage.reports.language import bilingual, say, status_label
    from pilotage.reports.overview import format_change, format_value

    catalogue = load_catalogue()
    names = {o.id: bilingual(o.name, lang) for o in objectives.objectives}
    table = Table(title=say(lang, "Atteinte des objectifs", "Objective attainment"))
    columns = (say(lang, "Objectif", "Objective"), say(lang, "Niveau", "Level"),
               say(lang, "Unité", "Unit"), say(lang, "Réel", "Actual"),
               say(lang, "Cible", "Target"), say(lang, "Statut", "Status"),
               say(lang, "Évolution", "Trend"),
               say(lang, "Principaux contributeurs à l'écart", "Main gap contributors"))
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i in (3, 4, 6) else "left")
    colours = {"met": "green", "at_risk": "yellow", "missed": "red"}
    for a in rows:
        kpi = catalogue.kpi(a.kpi)
        colour = colours.get(a.status.value, "dim")
        worst = [c for c in a.contributors if c.contribution < 0][:2]
        table.add_row(names[a.objective_id], LEVEL_NAMES[a.level.value][0 if lang == "fr" else 1],
                      a.unit, format_value(kpi, a.actual, lang),
                      format_value(kpi, a.target, lang),
                      f"[{colour}]{status_label(a.status, lang)}[/]",
                      format_change(kpi, a.trend, lang),
                      ", ".join(f"{c.dimension} {c.unit}" for c in worst))
    console.print(table)
    if any(a.status in (Status.MISSED, Status.AT_RISK) for a in rows):
        console.print(say(lang, "Leviers d'un objectif manqué : 'pilotage objectives levers "
                                "--period P [--level L --unit ID]'.",
                          "Levers of a missed objective: 'pilotage objectives levers --period "
                          "P [--level L --unit ID]'."), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(objectives_app, name="objectives")
