"""``pilotage intraday``: re-forecast the rest of the day, the staffing gap per interval and the
suggested actions (move breaks, overtime, voluntary time off).

Registered by the main app as ``app.command("intraday", ...)(intraday)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pilotage.cli.choices import ReforecastMethod
from pilotage.cli.console import console
from pilotage.cli.forecast import OutputFormat
from pilotage.cli.options import WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.wfm.intraday import DayState
    from pilotage.wfm.intraday_actions import IntradayPlan


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"--day {text!r} is not a date", hint="write YYYY-MM-DD") from None


def _at(text: str) -> dt.time:
    try:
        at = dt.time.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"--at {text!r} is not a time of day",
                             hint="write HH:MM, local time of the site, e.g. 11:00") from None
    if at.tzinfo is not None:
        raise ParameterError(f"--at {text!r}: give the local wall-clock time, no offset",
                             hint="e.g. --at 11:00")
    return at


def _num(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def interval_records(state: DayState, plan: IntradayPlan) -> list[dict[str, Any]]:
    """One record per interval of the day (local labels; observed intervals have actuals)."""
    g = state.grid
    sl = state.service_level_by_interval()
    sl_after = state.service_level_by_interval(plan.scheduled_after)
    out = []
    for i in range(g.size):
        observed = i < g.observed
        out.append({
            "queue_id": state.queue_id, "interval": g.label(i),
            "interval_start_utc": f"{g.starts[i]:%Y-%m-%dT%H:%M}",
            "status": "observed" if observed else "remaining",
            "forecast_volume": _num(float(state.forecast.volume[i])),
            "actual_volume": _num(float(state.actuals.offered[i])) if observed else None,
            "volume": _num(float(state.volume[i])),
            "forecast_aht_s": _num(float(state.forecast.aht_s[i])),
            "aht_s": _num(float(state.aht_s[i])),
            "required": None if observed else int(state.required[i]),
            "scheduled": _num(float(state.scheduled[i])),
            "gap": None if observed else _num(float(state.gap[i])),
            "gap_agent_h": None if observed else _num(float(state.gap[i] * g.interval_h)),
            "service_level": None if observed else _num(float(sl[i])),
            "scheduled_after": _num(float(plan.scheduled_after[i])),
            "service_level_after": None if observed else _num(float(sl_after[i])),
        })
    return out


def summary_record(plan: IntradayPlan) -> dict[str, Any]:
    s = plan.state
    return {
        "queue_id": s.queue_id, "day": s.grid.day.isoformat(),
        "cutoff_local": f"{s.grid.local(s.grid.cutoff):%H:%M}",
        "day_hours": s.grid.hours, "interval_min": s.grid.interval_min,
        "snapshot_id": s.forecast.snapshot.snapshot_id,
        "schedule_version": s.schedule.version,
        "method": s.settings.reforecast.method.value,
        "volume_level": _num(s.volume_level.value),
        "volume_forecast_so_far": _num(s.volume_level.forecast_so_far),
        "volume_actual_so_far": _num(s.volume_level.actual_so_far),
        "volume_weight": _num(s.volume_level.weight),
        "aht_level": _num(s.aht_level.value),
        "remaining_forecast_volume": _num(float(s.forecast.volume[s.remaining].sum())),
        "remaining_volume": _num(float(s.volume[s.remaining].sum())),
        "shortfall_agent_h": _num(plan.shortfall_before_agent_h),
        "surplus_agent_h": _num(s.surplus_agent_h()),
        "service_level": _num(plan.service_level_before),
        "shortfall_after_agent_h": _num(plan.shortfall_after_agent_h),
        "service_level_after": _num(plan.service_level_after),
        "actions_cost_eur": _num(sum(a.cost_eur for a in plan.actions)),
    }


def action_records(plan: IntradayPlan) -> list[dict[str, Any]]:
    return [{"queue_id": plan.state.queue_id, "kind": a.kind.value, "advisor_id": a.advisor_id,
             "detail": a.detail, "agent_h": _num(a.agent_h),
             "shortfall_reduced_agent_h": _num(a.shortfall_reduced_agent_h),
             "answered_in_time_gained": _num(a.answered_in_time_gained),
             "cost_eur": _num(a.cost_eur), "service_level_after": _num(a.service_level_after)}
            for a in plan.actions]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _print_table(plan: IntradayPlan) -> None:
    summary = summary_record(plan)
    s = plan.state
    table = Table(title=f"{s.queue_id} {s.grid.day} at {summary['cutoff_local']}: volume ×"
                  f"{summary['volume_level']:.3f}, AHT ×{summary['aht_level']:.3f} "
                  f"({summary['method']}; snapshot {summary['snapshot_id']})")
    for col in ("interval", "fcst", "actual", "re-fcst", "AHT s", "req", "sched", "gap",
                "SL", "sched after", "SL after"):
        table.add_column(col, justify="left" if col == "interval" else "right")
    for r in interval_records(s, plan):
        if not (r["forecast_volume"] or r["actual_volume"] or r["scheduled"]
                or r["scheduled_after"]):
            continue

        def f(v: float | None, fmt: str = "{:.1f}") -> str:
            return "" if v is None else fmt.format(v)

        table.add_row(r["interval"], f(r["forecast_volume"]), f(r["actual_volume"], "{:.0f}"),
                      f(r["volume"]), f(r["aht_s"], "{:.0f}"), f(r["required"], "{:d}"),
                      f(r["scheduled"], "{:.2f}"), f(r["gap"], "{:+.2f}"),
                      "" if r["service_level"] is None else _pct(r["service_level"]),
                      f(r["scheduled_after"], "{:.2f}"),
                      "" if r["service_level_after"] is None else _pct(r["service_level_after"]))
    console.print(table)
    console.print(f"rest of the day: short {summary['shortfall_agent_h']:.2f} agent-h, over "
                  f"{summary['surplus_agent_h']:.2f} agent-h; expected SL "
                  f"{_pct(summary['service_level'])} → {_pct(summary['service_level_after'])} "
                  f"after the actions (short {summary['shortfall_after_agent_h']:.2f} agent-h)")
    if not plan.actions:
        console.print("no action suggested")
        return
    actions = Table(title="Suggested actions")
    for col in ("kind", "advisor", "what", "agent-h", "short −agent-h", "cost €", "SL after"):
        actions.add_column(col, justify="right" if col in ("agent-h", "short −agent-h",
                                                           "cost €", "SL after") else "left")
    for a in plan.actions:
        actions.add_row(a.kind.value, a.advisor_id, a.detail, f"{a.agent_h:+.2f}",
                        f"{a.shortfall_reduced_agent_h:.2f}",
                        "—" if math.isnan(a.cost_eur) else f"{a.cost_eur:+.2f}",
                        _pct(a.service_level_after))
    console.print(actions)


def intraday(
    day: Annotated[str, typer.Option("--day", help="Local day, YYYY-MM-DD.")],
    at: Annotated[str, typer.Option("--at", help="Cut-off ('now'), local HH:MM.")],
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-q", help="Queue; repeatable (default: every queue forecast that day).",
        show_default=False)] = None,
    sl: Annotated[float, typer.Option("--sl", help="Service-level target, e.g. 0.8.")] = 0.8,
    threshold_s: Annotated[float, typer.Option(
        "--threshold-s", help="Service-level threshold, seconds.")] = 20.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean patience (Erlang A); default Erlang C.",
        show_default=False)] = None,
    method: Annotated[ReforecastMethod, typer.Option(
        "--method", help="Re-forecast method (docs/intraday.md).")]
    = ReforecastMethod.DECAYED_RATIO,
    snapshot: Annotated[str | None, typer.Option(
        "--snapshot", help="Forecast snapshot (default: the latest made before the cut-off).",
        show_default=False)] = None,
    schedule_version: Annotated[str | None, typer.Option(
        "--schedule-version", help="Schedule version (default: the latest loaded).",
        show_default=False)] = None,
    no_actions: Annotated[bool, typer.Option("--no-actions", help="Gap only.")] = False,
    format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False,
        help="table; csv (one row per interval); json (summary, intervals, actions).")]
    = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Re-forecast the rest of the day from what has happened so far; staffing gap per
    interval; moves of breaks, overtime and time off that close it (pilotage intraday)."""
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm.intraday import IntradaySettings, day_state, forecast_queues
    from pilotage.wfm.intraday_actions import plan_actions
    from pilotage.wfm.reforecast import ReforecastSettings

    the_day, cutoff = _day(day), _at(at)
    settings = IntradaySettings(service_level=sl, threshold_s=threshold_s, patience_s=patience_s,
                                reforecast=ReforecastSettings(method=method))
    ws = Workspace.open(resolve_workspace_dir(workspace))
    queues = tuple(queue) if queue else forecast_queues(ws, the_day)
    plans = []
    for q in queues:
        state = day_state(ws, q, the_day, cutoff, settings=settings, snapshot_id=snapshot,
                          schedule_version=schedule_version)
        plans.append(plan_actions(state, suggest=not no_actions))
    if format is OutputFormat.JSON:
        typer.echo(json.dumps([{"summary": summary_record(p),
                                "intervals": interval_records(p.state, p),
                                "actions": action_records(p)} for p in plans],
                              indent=1, ensure_ascii=False))
    elif format is OutputFormat.CSV:
        records = [r for p in plans for r in interval_records(p.state, p)]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        typer.echo(out.getvalue(), nl=False)
    else:
        for p in plans:
            _print_table(p)
