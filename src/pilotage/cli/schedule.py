"""``pilotage schedule``: shifts, lunch and breaks per advisor under labour rules.

Registered by the main app as ``app.command("schedule")(schedule)``.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.choices import SolveMethod
from pilotage.cli.console import console
from pilotage.cli.options import WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.store import Workspace
    from pilotage.wfm.scheduling import ScheduleResult


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def schedule(
    start: Annotated[str, typer.Option("--start", help="First local day, YYYY-MM-DD.")],
    requirements: Annotated[Path | None, typer.Option(
        "--requirements", help="CSV: interval_start (local), agents[, skill].")] = None,
    from_forecast: Annotated[str | None, typer.Option(
        "--from-forecast", help="Forecast snapshot id in the workspace (Erlang C staffing).")]
    = None,
    weeks: Annotated[int, typer.Option("--weeks", help="Weeks to schedule (1-4).")] = 1,
    advisors: Annotated[Path | None, typer.Option(
        "--advisors", help="CSV: advisor_id, weekly_hours[, skills, unavailable]; default: "
                           "the workspace advisors table.")] = None,
    sl: Annotated[float, typer.Option("--sl", help="Service level for --from-forecast.")]
    = 0.8,
    threshold_s: Annotated[float, typer.Option("--threshold-s",
                                               help="Service-level threshold, seconds.")] = 20.0,
    time_limit_s: Annotated[float, typer.Option("--time-limit-s",
                                                help="Solver time limit, seconds.")] = 60.0,
    method: Annotated[SolveMethod, typer.Option(
        "--method", help="decomposition (aggregate tours, then advisors) or per_advisor "
                         "(the exact per-advisor MILP, small instances).",
        case_sensitive=False)] = SolveMethod.DECOMPOSITION,
    max_weekly_h: Annotated[float, typer.Option("--max-weekly-h")] = 48.0,
    max_daily_h: Annotated[float, typer.Option("--max-daily-h")] = 10.0,
    rest_days: Annotated[int, typer.Option("--rest-days", help="Rest days per week.")] = 2,
    tolerance_h: Annotated[float, typer.Option(
        "--tolerance-h", help="Contract hours tolerance per week.")] = 2.0,
    save: Annotated[bool, typer.Option("--save", help="Write it to the schedules table.")]
    = False,
    version: Annotated[str | None, typer.Option("--version-name",
                                                help="Schedule version to store.")] = None,
    format: Annotated[OutputFormat, typer.Option(
        "--format", help="Output format.", case_sensitive=False)] = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Schedule advisors' shifts, lunch and breaks to follow a requirement curve under labour
    rules (HiGHS: aggregate tours model, then advisors); an impossible request gives the best
    partial schedule, its uncovered intervals and the rules that bind."""
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm import scheduling
    from pilotage.wfm.labour_rules import LabourRules

    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        raise ParameterError(f"--start {start!r} is not a date",
                             hint="write it as YYYY-MM-DD") from None
    if (requirements is None) == (from_forecast is None):
        raise ParameterError("give exactly one of --requirements and --from-forecast",
                             hint="--requirements FILE.csv or --from-forecast SNAPSHOT")
    if not 1 <= weeks <= 4:
        raise ParameterError(f"--weeks must be 1 to 4, got {weeks}", hint="use --weeks 4")
    ws: Workspace | None = None
    if from_forecast is not None or advisors is None or save:
        ws = Workspace.open(resolve_workspace_dir(workspace))
    zone = ws.config.time_zone if ws is not None else "Europe/Paris"
    if requirements is not None:
        req = scheduling.read_requirements_csv(requirements, start=first, weeks=weeks,
                                               time_zone=zone)
    else:
        assert ws is not None and from_forecast is not None
        req = scheduling.requirement_from_forecast(ws, from_forecast, first, weeks,
                                                   service_level=sl, threshold_s=threshold_s)
    if advisors is not None:
        people = scheduling.read_advisors_csv(advisors)
    else:
        assert ws is not None
        people = scheduling.advisors_from_workspace(ws, first, weeks)
    if not people:
        raise ParameterError("no advisor to schedule",
                             hint="give --advisors FILE.csv or load the advisors table")
    rules = LabourRules(max_daily_h=max_daily_h, max_weekly_h=max_weekly_h,
                        rest_days_per_week=rest_days, contract_tolerance_h=tolerance_h)
    result = scheduling.build_schedule(req, people, rules=rules, time_limit_s=time_limit_s,
                                       method=method,
                                       schedule_version=version)
    saved = None
    if save and ws is not None and result.assignments:
        saved = scheduling.write_schedule(ws, result)
    if format is OutputFormat.JSON:
        payload = result.to_json_dict()
        payload["saved_rows"] = None if saved is None else saved.inserted.get("schedules", 0)
        typer.echo(json.dumps(payload, indent=2, default=str))
    else:
        console.print(summary_table(result))
        if result.binding_rules:
            console.print(binding_table(result))
        if saved is not None:
            console.print(f"saved {saved.inserted.get('schedules', 0)} activities as version "
                          f"{result.schedule_version}")


def summary_table(r: ScheduleResult) -> Table:
    t = Table(title=f"Schedule {r.schedule_version}: {r.status.value}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    s, v = r.summary, r.solver
    rows = [
        ("shifts", str(len(r.assignments))),
        ("required agent-h", f"{s.required_agent_h:.1f}"),
        ("planned agent-h (on work)", f"{s.planned_agent_h:.1f}"),
        ("under-coverage agent-h / intervals", f"{s.under_agent_h:.1f} / {s.under_intervals}"),
        ("over-coverage agent-h / intervals", f"{s.over_agent_h:.1f} / {s.over_intervals}"),
        ("solver", f"{v.solver}, {v.seconds:.1f} s, gap {v.gap:.2%}"),
    ]
    for name, value in rows:
        t.add_row(name, value)
    return t


def binding_table(r: ScheduleResult) -> Table:
    t = Table(title="Binding rules")
    t.add_column("rule")
    t.add_column("detail")
    for b in r.binding_rules:
        t.add_row(b.rule.value, b.detail)
    return t
