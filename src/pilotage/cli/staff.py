"""``pilotage staff``: Erlang C / Erlang A staffing, for one interval (calculator mode) or for
every interval of a forecast (plan mode: ``--forecast SNAPSHOT`` or ``--volumes FILE.csv``).

Registered by the main app as ``app.command("staff")(staff)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console
from pilotage.cli.options import WorkspaceOption, check_number, check_shrinkage
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.wfm.staffing import IntervalStaffing
    from pilotage.wfm.staffing_plan import StaffingPlan


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def staff(
    volume: Annotated[float | None, typer.Option(
        "--volume", help="Calculator: offered contacts in the interval.")] = None,
    aht_s: Annotated[float | None, typer.Option(
        "--aht-s", help="Calculator: average handling time, seconds.")] = None,
    forecast: Annotated[str | None, typer.Option(
        "--forecast", help="Plan: a forecast snapshot of the workspace (inbound voice and "
                           "chat queues).")] = None,
    volumes: Annotated[Path | None, typer.Option(
        "--volumes", help="Plan: CSV interval_start (local), volume, aht_s[, queue_id].")]
    = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Plan: first local day, YYYY-MM-DD.")] = None,
    days: Annotated[int, typer.Option("--days", help="Plan: number of days (1 to 31).")] = 7,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", help="Plan: only this queue (repeat for several; default all).")] = None,
    interval_min: Annotated[float, typer.Option("--interval-min",
                                                help="Interval length, minutes.")] = 30.0,
    threshold_s: Annotated[float, typer.Option(
        "--threshold-s", help="Service-level threshold T, seconds (answered within T).")] = 20.0,
    sl: Annotated[float | None, typer.Option(
        "--sl", help="Target service level, fraction answered within T (0.8 = 80 %).")] = None,
    asa_s: Annotated[float | None, typer.Option(
        "--asa-s", help="Target average speed of answer, seconds.")] = None,
    max_abandon: Annotated[float | None, typer.Option(
        "--max-abandon", help="Maximum abandonment rate (fraction); needs --patience-s.")] = None,
    max_occupancy: Annotated[float, typer.Option(
        "--max-occupancy", help="Maximum occupancy (fraction; 1 = no cap).")] = 1.0,
    shrinkage: Annotated[float, typer.Option(
        "--shrinkage", help="Shrinkage (fraction of paid time off the phones).")] = 0.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean patience, seconds: switches to Erlang A.")] = None,
    agents: Annotated[int | None, typer.Option(
        "--agents", help="Report the metrics of this headcount instead of a requirement.")] = None,
    format: Annotated[OutputFormat, typer.Option(
        "--format", help="Output format (csv: plan mode).", case_sensitive=False)]
    = OutputFormat.TABLE,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Plan: write the csv/json to this file instead of the terminal.")]
    = None,
    time_zone: Annotated[str | None, typer.Option(
        "--time-zone", help="Plan: time zone of local times (default: the workspace's, else "
                            "Europe/Paris).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Agents required for a service-level / ASA / abandonment target, or the metrics achieved
    by a headcount (Erlang C; Erlang A with --patience-s). Calculator mode: one interval
    (--volume --aht-s). Plan mode: every interval of a forecast (--forecast SNAPSHOT or
    --volumes FILE.csv, with --start and --days)."""
    if forecast is not None or volumes is not None:
        if volume is not None or aht_s is not None or agents is not None:
            raise ParameterError("--volume/--aht-s/--agents are for one interval; plan mode "
                                 "takes its volumes from --forecast or --volumes",
                                 hint="drop --volume, --aht-s and --agents")
        plan = staff_plan(forecast=forecast, volumes=volumes, start=start, days=days,
                          queues=queue, interval_min=interval_min, threshold_s=threshold_s,
                          sl=sl, asa_s=asa_s, max_abandon=max_abandon,
                          max_occupancy=max_occupancy, shrinkage=shrinkage,
                          patience_s=patience_s, time_zone=time_zone, workspace=workspace)
        _print_plan(plan, format, output)
        return
    if volume is None or aht_s is None:
        raise ParameterError("give --volume and --aht-s (one interval), or --forecast / "
                             "--volumes (every interval of a forecast)",
                             hint="pilotage staff --volume 100 --aht-s 180 --sl 0.8")
    if format is OutputFormat.CSV:
        raise ParameterError("--format csv is for plan mode", hint="use --format json")
    result = staff_calculation(volume=volume, interval_min=interval_min, aht_s=aht_s,
                               threshold_s=threshold_s, sl=sl, asa_s=asa_s,
                               max_abandon=max_abandon, max_occupancy=max_occupancy,
                               shrinkage=shrinkage, patience_s=patience_s, agents=agents)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(staffing_table(result))


def staff_calculation(*, volume: float, aht_s: float, interval_min: float = 30.0,
                      threshold_s: float = 20.0, sl: float | None = None,
                      asa_s: float | None = None, max_abandon: float | None = None,
                      max_occupancy: float = 1.0, shrinkage: float = 0.0,
                      patience_s: float | None = None,
                      agents: int | None = None) -> IntervalStaffing:
    """The function layer of ``pilotage staff`` (validates every option by name)."""
    from pilotage.wfm.staffing import StaffingTarget, staff_interval

    check_number("--volume", volume, allow_zero=True)
    check_number("--interval-min", interval_min)
    check_number("--aht-s", aht_s)
    check_number("--threshold-s", threshold_s, allow_zero=True)
    if patience_s is not None:
        check_number("--patience-s", patience_s)
    check_shrinkage(shrinkage)
    if agents is not None:
        if agents < 0:
            raise ParameterError(f"--agents must be ≥ 0, got {agents!r}",
                                 hint="give the number of agents on the phones")
        return staff_interval(volume, aht_s, interval_min=interval_min, threshold_s=threshold_s,
                              agents=agents, shrinkage=shrinkage, patience_s=patience_s)
    target = StaffingTarget(service_level=sl, threshold_s=threshold_s, asa_s=asa_s,
                            max_abandon=max_abandon, max_occupancy=max_occupancy)
    return staff_interval(volume, aht_s, interval_min=interval_min, threshold_s=threshold_s,
                          target=target, shrinkage=shrinkage, patience_s=patience_s)


def staff_plan(*, forecast: str | None, volumes: Path | None, start: str | None, days: int = 7,
               queues: list[str] | None = None, interval_min: float = 30.0,
               threshold_s: float = 20.0, sl: float | None = None, asa_s: float | None = None,
               max_abandon: float | None = None, max_occupancy: float = 1.0,
               shrinkage: float = 0.0, patience_s: float | None = None,
               time_zone: str | None = None, workspace: Path | None = None) -> StaffingPlan:
    """The function layer of plan mode (validates every option by name)."""
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm.simulation.horizon import Horizon, first_day, offered_work
    from pilotage.wfm.staffing import StaffingTarget
    from pilotage.wfm.staffing_plan import staffing_plan

    if (forecast is None) == (volumes is None):
        raise ParameterError("give exactly one of --forecast and --volumes",
                             hint="--forecast SNAPSHOT (workspace) or --volumes FILE.csv")
    first = first_day(start)
    check_number("--threshold-s", threshold_s, allow_zero=True)
    if patience_s is not None:
        check_number("--patience-s", patience_s)
    check_shrinkage(shrinkage)
    if interval_min != int(interval_min):
        raise ParameterError(f"--interval-min must be whole minutes in plan mode, got "
                             f"{interval_min!r}", hint="use 15, 30 or 60")
    ws = Workspace.open(resolve_workspace_dir(workspace)) if forecast is not None else None
    zone = time_zone or (ws.config.time_zone if ws is not None else "Europe/Paris")
    horizon = Horizon(first, days, int(interval_min), zone)
    work = offered_work(ws, forecast, volumes, horizon, queues)
    if sl is None and asa_s is None and max_abandon is None and max_occupancy >= 1.0:
        sl = 0.8  # the usual 80/20 when no target is given
    target = StaffingTarget(service_level=sl, threshold_s=threshold_s, asa_s=asa_s,
                            max_abandon=max_abandon, max_occupancy=max_occupancy)
    return staffing_plan(work, target, shrinkage=shrinkage, patience_s=patience_s)


_PLAN_FIELDS = ("queue_id", "interval_start", "interval_start_utc", "volume", "aht_s", "agents",
                "agents_fractional", "positions", "binding", "service_level", "asa_s",
                "p_wait", "p_abandon", "occupancy")


def _print_plan(plan: StaffingPlan, format: OutputFormat, output: Path | None) -> None:
    rows = [r.to_json_dict() for r in plan.intervals]
    if format is OutputFormat.TABLE:
        if output is not None:
            raise ParameterError("--output writes csv or json", hint="add --format csv")
        console.print(plan_table(plan))
        return
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if format is OutputFormat.JSON:
            queues = sorted({r.queue_id for r in plan.intervals})
            json.dump({"model": plan.model, "interval_min": plan.interval_min,
                       "shrinkage": plan.shrinkage,
                       "totals": {q: {"agent_hours": plan.agent_hours(q),
                                      "position_hours": plan.position_hours(q),
                                      "peak_agents": plan.peak_agents(q)} for q in queues},
                       "intervals": rows}, stream, indent=2)
            stream.write("\n")
        else:
            writer = csv.DictWriter(stream, fieldnames=_PLAN_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if output is not None:
            stream.close()


def plan_table(plan: StaffingPlan) -> Table:
    """Per queue and day: volume, agent-hours, peak agents and positions."""
    table = Table(title=f"Staffing plan ({plan.model}), {plan.interval_min}-minute intervals, "
                        f"shrinkage {plan.shrinkage:.0%}")
    for name in ("queue", "day", "volume", "agent-hours", "peak agents", "position-hours"):
        table.add_column(name, justify="left" if name in ("queue", "day") else "right")
    hours = plan.interval_min / 60.0
    days: dict[tuple[str, dt.date], list[float]] = {}
    for r in plan.intervals:
        acc = days.setdefault((r.queue_id, r.interval_start_local.date()), [0.0, 0.0, 0, 0.0])
        acc[0] += r.volume
        acc[1] += r.agents * hours
        acc[2] = max(acc[2], r.agents)
        acc[3] += r.positions * hours
    for (queue_id, day), (volume, agent_h, peak, position_h) in sorted(days.items()):
        table.add_row(queue_id, day.isoformat(), f"{volume:,.0f}", f"{agent_h:,.1f}",
                      str(int(peak)), f"{position_h:,.1f}")
    return table


def staffing_table(r: IntervalStaffing) -> Table:
    """Rich table of one interval's staffing."""
    model = "Erlang A" if r.patience_s is not None else "Erlang C"
    table = Table(title=f"Staffing ({model}), load {r.load_erl:.3f} Erlangs", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("agents (before shrinkage)", str(r.agents)),
        ("positions (after shrinkage)", f"{r.positions}  (shrinkage {r.shrinkage:.0%})"),
    ]
    if r.agents_fractional is not None:
        rows.append(("fractional agents", f"{r.agents_fractional:.2f}"))
    if r.binding is not None:
        rows.append(("binding constraint", r.binding.value))
    asa = f"{r.asa_s:.1f} s" if math.isfinite(r.asa_s) else "unbounded (agents ≤ load)"
    rows += [
        (f"service level ({r.threshold_s:g} s)", f"{r.service_level:.1%}"),
        ("ASA", asa),
        ("probability of waiting", f"{r.p_wait:.1%}"),
        ("probability of abandoning", f"{r.p_abandon:.2%}"),
        ("occupancy", f"{r.occupancy:.1%}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table
