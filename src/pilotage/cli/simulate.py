"""``pilotage simulate``: check a staffing plan or a schedule by discrete-event simulation, or
simulate one interval next to Erlang A / C.

Registered by the main app as ``app.command("simulate")(simulate)``.
"""

from __future__ import annotations

import csv
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.choices import HandleTimeLaw
from pilotage.cli.choices import SimulationEngine as Engine
from pilotage.cli.console import console, progress_bar
from pilotage.cli.options import WorkspaceOption, check_number
from pilotage.errors import InputError, ParameterError

if TYPE_CHECKING:
    from pilotage.store import Workspace
    from pilotage.wfm.simulation.erlang_comparison import ErlangComparison
    from pilotage.wfm.simulation.estimate import Estimate
    from pilotage.wfm.simulation.plan import PlanRow, PlanSimulation


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def simulate(
    volume: Annotated[float | None, typer.Option(
        "--volume", help="One interval: offered contacts (with --aht-s and --agents).")] = None,
    aht_s: Annotated[float | None, typer.Option(
        "--aht-s", help="One interval: average handling time, seconds.")] = None,
    agents: Annotated[int | None, typer.Option(
        "--agents", help="One interval: agents on the phones.")] = None,
    forecast: Annotated[str | None, typer.Option(
        "--forecast", help="Forecast snapshot id in the workspace (volumes and AHT).")] = None,
    volumes: Annotated[Path | None, typer.Option(
        "--volumes", help="CSV: interval_start (local), volume, aht_s[, queue_id].")] = None,
    staffing: Annotated[Path | None, typer.Option(
        "--staffing", help="CSV: interval_start (local), agents[, skills as q1;q2].")] = None,
    schedule: Annotated[str | None, typer.Option(
        "--schedule", help="Schedule version in the workspace (advisors on work).")] = None,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", help="Simulate only this queue (repeat for several; default all).")]
    = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="First local day of the horizon, YYYY-MM-DD.")] = None,
    days: Annotated[int, typer.Option("--days", help="Days to simulate (7: a week).")] = 1,
    interval_min: Annotated[int, typer.Option(
        "--interval-min", help="Interval length, minutes.")] = 30,
    threshold_s: Annotated[float, typer.Option(
        "--threshold-s", help="Service-level threshold T, seconds.")] = 20.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean exponential patience, seconds (none: nobody abandons).")]
    = None,
    handle_law: Annotated[HandleTimeLaw, typer.Option(
        "--handle-law", help="Handle-time distribution (mean = AHT).", case_sensitive=False)]
    = HandleTimeLaw.EXPONENTIAL,
    handle_cv: Annotated[float, typer.Option(
        "--handle-cv", help="Coefficient of variation of lognormal handle times.")] = 1.0,
    warmup_min: Annotated[float | None, typer.Option(
        "--warmup-min", help="One interval: warm-up before it (default max(60, 10 × AHT)).")]
    = None,
    replications: Annotated[int | None, typer.Option(
        "--replications", help="Independent replications (default 1000 for one interval, "
                               "100 for a plan).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="auto: exact fast path for one queue and one group, events "
                         "otherwise.", case_sensitive=False)] = Engine.AUTO,
    time_zone: Annotated[str | None, typer.Option(
        "--time-zone", help="Time zone of CSV times (default: the workspace's, else "
                            "Europe/Paris).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Write per-interval estimates (mean, low, high) to this CSV.")]
    = None,
    format: Annotated[OutputFormat, typer.Option(
        "--format", help="Output format.", case_sensitive=False)] = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Simulate a day or a week (arrivals from a forecast or a CSV, staffing from a plan CSV or
    a saved schedule) with confidence intervals; or one interval (--volume --aht-s --agents)
    side by side with Erlang A (Erlang C without --patience-s)."""
    one = any(v is not None for v in (volume, aht_s, agents))
    if one:
        if any(v is not None for v in (forecast, volumes, staffing, schedule, queue)):
            raise ParameterError("--volume/--aht-s/--agents simulate one interval; they do not "
                                 "combine with --forecast, --volumes, --staffing or --schedule",
                                 hint="give one mode only")
        if volume is None or aht_s is None or agents is None:
            raise ParameterError("one interval needs --volume, --aht-s and --agents",
                                 hint="e.g. --volume 100 --aht-s 180 --agents 14")
        comparison = simulate_interval(volume=volume, aht_s=aht_s, agents=agents,
                                       interval_min=interval_min, threshold_s=threshold_s,
                                       patience_s=patience_s, warmup_min=warmup_min,
                                       replications=replications or 1000, seed=seed,
                                       handle_law=handle_law, handle_cv=handle_cv,
                                       engine=engine)
        if format is OutputFormat.JSON:
            typer.echo(json.dumps(comparison.to_json_dict(), indent=2))
        else:
            console.print(comparison_table(comparison))
        return
    plan = simulate_plan(forecast=forecast, volumes=volumes, staffing=staffing,
                         schedule=schedule, queues=queue, start=start, days=days,
                         interval_min=interval_min,
                         threshold_s=threshold_s, patience_s=patience_s, handle_law=handle_law,
                         handle_cv=handle_cv, replications=replications or 100, seed=seed,
                         engine=engine, time_zone=time_zone, workspace=workspace)
    if output is not None:
        write_intervals_csv(plan, output)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(plan.to_json_dict(), indent=2))
    else:
        console.print(intervals_table(plan))
        console.print(totals_table(plan))
        if output is not None:
            console.print(f"per-interval estimates written to {output}")


def simulate_interval(*, volume: float, aht_s: float, agents: int, interval_min: float = 30.0,
                      threshold_s: float = 20.0, patience_s: float | None = None,
                      warmup_min: float | None = None, replications: int = 1000,
                      seed: int = 1, handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL,
                      handle_cv: float = 1.0, engine: Engine = Engine.AUTO) -> ErlangComparison:
    """The function layer of the one-interval mode (validates every option by name)."""
    from pilotage.wfm.simulation.erlang_comparison import compare_interval

    check_number("--volume", volume, allow_zero=True)
    check_number("--aht-s", aht_s)
    check_number("--interval-min", interval_min)
    check_number("--threshold-s", threshold_s, allow_zero=True)
    if patience_s is not None:
        check_number("--patience-s", patience_s)
    with progress_bar("simulating") as update:
        return compare_interval(volume, aht_s, agents, interval_min=interval_min,
                                threshold_s=threshold_s, patience_s=patience_s,
                                replications=replications, seed=seed, warmup_min=warmup_min,
                                handle_law=handle_law, handle_cv=handle_cv,
                                engine=engine, progress=lambda done, total: update(
                                    f"{done}/{total} replications", done / total))


def simulate_plan(*, forecast: str | None = None, volumes: Path | None = None,
                  staffing: Path | None = None, schedule: str | None = None,
                  queues: list[str] | None = None, start: str | None, days: int = 1,
                  interval_min: int = 30,
                  threshold_s: float = 20.0, patience_s: float | None = None,
                  handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL,
                  handle_cv: float = 1.0, replications: int = 100, seed: int = 1,
                  engine: Engine = Engine.AUTO, time_zone: str | None = None,
                  workspace: Path | None = None) -> PlanSimulation:
    """The function layer of the day/week mode."""
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm.simulation.horizon import (
        Horizon,
        build_model,
        first_day,
        offered_work,
        read_staffing_csv,
        schedule_staffing,
    )
    from pilotage.wfm.simulation.plan import plan_simulation
    from pilotage.wfm.simulation.replications import simulate as run_simulation

    if (forecast is None) == (volumes is None):
        raise ParameterError("give exactly one of --forecast and --volumes (or --volume, "
                             "--aht-s and --agents for one interval)",
                             hint="--forecast SNAPSHOT or --volumes FILE.csv")
    if (staffing is None) == (schedule is None):
        raise ParameterError("give exactly one of --staffing and --schedule",
                             hint="--staffing PLAN.csv or --schedule VERSION")
    first = first_day(start)
    check_number("--threshold-s", threshold_s, allow_zero=True)
    if patience_s is not None:
        check_number("--patience-s", patience_s)
    ws: Workspace | None = None
    if forecast is not None or schedule is not None:
        ws = Workspace.open(resolve_workspace_dir(workspace))
    zone = time_zone or (ws.config.time_zone if ws is not None else "Europe/Paris")
    horizon = Horizon(first, days, interval_min, zone)
    work = offered_work(ws, forecast, volumes, horizon, queues)
    if schedule is not None:
        assert ws is not None
        steps = schedule_staffing(ws, schedule, horizon)
        model = build_model(work, steps, threshold_s=threshold_s, patience_s=patience_s,
                            handle_law=handle_law, handle_cv=handle_cv)
    else:
        assert staffing is not None
        per_interval = read_staffing_csv(staffing, horizon, work.queue_ids)
        model = build_model(work, per_interval, threshold_s=threshold_s,
                            patience_s=patience_s, handle_law=handle_law,
                            handle_cv=handle_cv)
    with progress_bar("simulating") as update:
        result = run_simulation(model, replications=replications, seed=seed,
                                engine=engine,
                                progress=lambda done, total: update(
                                    f"{done}/{total} replications", done / total))
    return plan_simulation(result, work)


# ---------------------------------------------------------------------------- output
def _ci(e: Estimate | None, fmt: str, scale: float = 1.0) -> str:
    if e is None:
        return "—"
    s = e.scaled(scale)
    return f"{s.mean:{fmt}} ({s.low:{fmt}}, {s.high:{fmt}})"


def comparison_table(c: ErlangComparison) -> Table:
    e = c.erlang
    title = (f"Simulated vs {c.model_name}: {e.volume:g} contacts / {e.interval_min:g} min, "
             f"AHT {e.aht_s:g} s, {e.agents} agents"
             + (f", patience {e.patience_s:g} s" if e.patience_s is not None else "")
             + f" — {c.result.replications} replications, warm-up {c.warmup_intervals} "
               "interval(s)")
    t = Table(title=title)
    t.add_column("measure")
    t.add_column("simulated (95 % CI)", justify="right")
    t.add_column(c.model_name, justify="right")
    for m in c.measures:
        pct = m.key in ("service_level", "p_wait", "abandon_rate", "occupancy")
        fmt = ".4f" if pct else ".2f"
        closed = "—" if m.closed_form is None else (
            f"{m.closed_form:.4f}" if pct else f"{m.closed_form:.2f}")
        if m.key == "mean_wait_s" and m.closed_form is None and not e.stable:
            closed = "unbounded"
        t.add_row(m.name, _ci(m.simulated, fmt), closed)
    return t


def _mean(e: Estimate | None, fmt: str, scale: float = 1.0) -> str:
    return "—" if e is None else f"{e.mean * scale:{fmt}}"


def intervals_table(plan: PlanSimulation) -> Table:
    """All queues together, intervals with agents or calls (means); for one queue answered by
    one group, the Erlang service level of the scheduled agents next to the simulated one."""
    from pilotage.wfm.simulation.plan import ALL
    from pilotage.wfm.simulation.replications import Metric

    closed = plan.result.model.single_pool
    model = "Erlang A" if plan.result.model.queues[0].patience_s is not None else "Erlang C"
    t = Table(title=f"Simulated intervals (all queues; means of {plan.result.replications} "
                    f"replications; SL = answered ≤ {plan.result.model.threshold_s:g} s / "
                    "offered)")
    names = ["local start", "agents", "offered", "answered", "abandoned", "SL"]
    names += [f"{model} SL"] if closed else []
    names += ["ASA s", "abandon %", "occupancy"]
    for name in names:
        t.add_column(name, justify="right")
    for r in plan.intervals():
        if r.scope != ALL:
            continue
        offered = r.estimates[Metric.OFFERED]
        if r.agents <= 0 and (offered is None or offered.mean <= 0):
            continue
        assert r.interval_start_local is not None
        est = r.estimates
        cells = [f"{r.interval_start_local:%a %d %H:%M}", f"{r.agents:.1f}",
                 _mean(offered, ".1f"), _mean(est[Metric.ANSWERED], ".1f"),
                 _mean(est[Metric.ABANDONED], ".1f"), _mean(est[Metric.SERVICE_LEVEL], ".1%")]
        if closed:
            cells.append("—" if r.erlang_service_level is None
                         else f"{r.erlang_service_level:.1%}")
        cells += [_mean(est[Metric.ASA_S], ".1f"), _mean(est[Metric.ABANDON_RATE], ".1%"),
                  _mean(est.get(Metric.OCCUPANCY), ".1%")]
        t.add_row(*cells)
    return t


# the metrics by value of ``pilotage.wfm.simulation.replications.Metric``
TOTAL_ROWS: tuple[tuple[str, str, str, float], ...] = (
    ("offered", "offered", ".1f", 1.0),
    ("answered", "answered", ".1f", 1.0),
    ("abandoned", "abandoned", ".1f", 1.0),
    ("answered within T", "in_target", ".1f", 1.0),
    ("service level, answered ≤ T / offered", "service_level", ".4f", 1.0),
    ("service level, answered ≤ T / answered", "service_level_answered", ".4f", 1.0),
    ("service level, answered ≤ T / (answered + abandoned > T)",
     "service_level_late_abandons", ".4f", 1.0),
    ("ASA of answered, s", "asa_s", ".2f", 1.0),
    ("mean wait of answered and abandoned, s", "mean_wait_s", ".2f", 1.0),
    ("abandon rate", "abandon_rate", ".4f", 1.0),
    ("probability of waiting", "p_wait", ".4f", 1.0),
    ("occupancy", "occupancy", ".4f", 1.0),
)


def _pm(e: Estimate | None, fmt: str) -> str:
    return "—" if e is None else f"{e.mean:{fmt}} ±{e.half_width:{fmt}}"


QUEUE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("offered", "offered", ".1f"), ("abandoned", "abandoned", ".1f"),
    ("SL ≤T/offered", "service_level", ".3f"),
    ("SL ≤T/answered", "service_level_answered", ".3f"),
    ("ASA s", "asa_s", ".1f"), ("abandon rate", "abandon_rate", ".3f"),
    ("occupancy", "occupancy", ".3f"),
)


def totals_table(plan: PlanSimulation) -> Table:
    """Horizon totals: every measure with its CI for one queue; the main ones (mean ± CI
    half-width) per queue when there are several (all of them are in --format json)."""
    from pilotage.wfm.simulation.plan import ALL
    from pilotage.wfm.simulation.replications import Metric

    h = plan.horizon
    title = (f"Horizon {h.start} + {h.days} day(s), per replication (95 % CI); "
             f"{plan.result.customers:,} callers simulated, engine {plan.result.engine.value}")
    rows = plan.totals()
    t = Table(title=title)
    if len(rows) == 1:
        t.add_column("measure")
        t.add_column("all queues", justify="right")
        for name, metric, fmt, scale in TOTAL_ROWS:
            t.add_row(name, _ci(rows[0].estimates.get(Metric(metric)), fmt, scale))
        return t
    t.add_column("queue")
    for name, _, _ in QUEUE_COLUMNS:
        t.add_column(name, justify="right")
    for r in rows:
        t.add_row("all queues" if r.scope == ALL else r.scope,
                  *[_pm(r.estimates.get(Metric(metric)), fmt)
                    for _, metric, fmt in QUEUE_COLUMNS])
    return t


def write_intervals_csv(plan: PlanSimulation, path: Path) -> None:
    rows: list[PlanRow] = plan.intervals() + plan.totals()
    flat = [r.flat() for r in rows]
    fields = list(flat[0])
    for row in flat:
        fields += [k for k in row if k not in fields]
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, restval="")
            writer.writeheader()
            writer.writerows(flat)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})",
                         hint="check the folder exists and is writable") from None


__all__ = ["simulate", "simulate_interval", "simulate_plan"]
