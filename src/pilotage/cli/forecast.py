"""``pilotage forecast``: volume and AHT forecasts per queue and interval, and backtests.

Registered by the main app as ``app.add_typer(forecast_app, name="forecast")``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.choices import Holidays, Layout
from pilotage.cli.console import console
from pilotage.cli.options import WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    from pilotage.wfm.backtest import Backtest
    from pilotage.wfm.forecast import ForecastSettings, QueueForecast
    from pilotage.wfm.history import IntervalHistory

forecast_app = typer.Typer(help="Forecast volume and AHT per queue and interval (prévision).",
                           no_args_is_help=False)


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def parse_horizon(text: str, option: str = "--horizon") -> int:
    """``14d``, ``2w`` or ``14`` → days."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([dw]?)\s*", text.lower())
    if match is None or int(match[1]) == 0:
        raise ParameterError(f"{option} {text!r} is not a horizon", hint="write 14d or 2w")
    return int(match[1]) * (7 if match[2] == "w" else 1)


def _days(values: list[str] | None, option: str) -> frozenset[dt.date]:
    days = set()
    for value in values or []:
        try:
            days.add(dt.date.fromisoformat(value))
        except ValueError:
            raise ParameterError(f"{option} {value!r} is not a date",
                                 hint="write YYYY-MM-DD") from None
    return frozenset(days)


def _settings(*, holidays: Holidays, layout: Layout, train_weeks: int,
              closed: list[str] | None, model: str = "auto") -> ForecastSettings:
    """The forecast settings of the options (the CLI choices turned into the domain's)."""
    from pilotage.wfm import forecast as fc

    return fc.ForecastSettings(model=model, layout=layout, train_weeks=train_weeks,
                               holidays=holidays,
                               closed_days=_days(closed, "--closed"))


def load_history(history_file: Path | None, workspace_dir: Path | None, interval_min: int,
                 queues: tuple[str, ...], time_zone: str | None) -> IntervalHistory:
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm.history import history_from_workspace, read_history_csv

    if history_file is not None:
        return read_history_csv(history_file, time_zone=time_zone or "Europe/Paris",
                                interval_min=interval_min)
    ws = Workspace.open(resolve_workspace_dir(workspace_dir))
    return history_from_workspace(ws, interval_min=interval_min, queues=queues)


HistoryOption = Annotated[Path | None, typer.Option(
    "--history", help="CSV of interval counts (queue_id, interval_start, volume[, aht_s]); "
    "default: the workspace's contacts.", show_default=False)]
IntervalOption = Annotated[int, typer.Option("--interval-min", help="Interval length, min.")]
HolidaysOption = Annotated[Holidays, typer.Option(
    "--holidays", help="fr: French public holidays are closed days; none.")]
ClosedOption = Annotated[list[str] | None, typer.Option(
    "--closed", help="A declared closed day (YYYY-MM-DD); repeatable.", show_default=False)]
LayoutOption = Annotated[Layout, typer.Option(
    "--layout", help="full: fit on the whole grid; open: on open intervals only.")]
TrainOption = Annotated[int, typer.Option("--train-weeks", help="Weeks of history to learn from.")]
ZoneOption = Annotated[str | None, typer.Option(
    "--time-zone", help="Time zone of a --history file (default Europe/Paris).",
    show_default=False)]


@forecast_app.callback(invoke_without_command=True)
def forecast(
    ctx: typer.Context,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-q", help="Queue to forecast; repeatable (default: every queue).",
        show_default=False)] = None,
    horizon: Annotated[str, typer.Option("--horizon", help="Days ahead: 14d or 2w.")] = "14d",
    history: HistoryOption = None,
    interval_min: IntervalOption = 30,
    model: Annotated[str, typer.Option(
        "--model", help="auto (best by backtest), seasonal_naive, seasonal_mean, mstl, ets.")]
    = "auto",
    start: Annotated[str | None, typer.Option(
        "--start", help="First day forecast (default: the day after the history).",
        show_default=False)] = None,
    adjust: Annotated[list[str] | None, typer.Option(
        "--adjust", help="DAY=+10%, DAY..DAY=-20%, DAYTHH:MM=+12, DAY=+200; repeatable.",
        show_default=False)] = None,
    holidays: HolidaysOption = Holidays.FR,
    closed: ClosedOption = None,
    layout: LayoutOption = Layout.FULL,
    train_weeks: TrainOption = 8,
    time_zone: ZoneOption = None,
    save: Annotated[bool, typer.Option("--save", help="Save as a snapshot in the workspace.")]
    = False,
    format: Annotated[OutputFormat, typer.Option("--format", case_sensitive=False)]
    = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Forecast volume and AHT per interval for the next days (run 'forecast backtest' to
    see how accurate each model has been)."""
    if ctx.invoked_subcommand is not None:
        return
    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm.forecast import Adjustment, forecast_queue, save_forecasts

    days = parse_horizon(horizon)
    first = dt.date.fromisoformat(start) if start else None
    adjustments = [Adjustment.parse(a) for a in adjust or []]
    settings = _settings(model=model, layout=layout, train_weeks=train_weeks,
                         holidays=holidays, closed=closed)
    hist = load_history(history, workspace, interval_min, tuple(queue or ()), time_zone)
    forecasts = [forecast_queue(hist, q, horizon_days=days, start=first, settings=settings,
                                adjustments=adjustments) for q in (queue or hist.queues)]
    if save:
        ws = Workspace.open(resolve_workspace_dir(workspace))
        snapshot, report = save_forecasts(ws, forecasts)
        typer.echo(f"saved snapshot {snapshot}: {report.rows_loaded} intervals", err=True)
    _print_forecasts(forecasts, format)


def _print_forecasts(forecasts: list[QueueForecast], format: OutputFormat) -> None:
    records = [{"queue_id": fc.queue_id, "local_start": f"{row.local_start:%Y-%m-%dT%H:%M}",
                "interval_start_utc": f"{row.interval_start:%Y-%m-%dT%H:%M}",
                "interval_min": fc.interval_min, "volume": round(float(row.volume), 2),
                "aht_s": None if math.isnan(row.aht_s) else round(float(row.aht_s), 1),
                "model": fc.model}
               for fc in forecasts for row in fc.frame.itertuples()]
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(records, indent=1, ensure_ascii=False))
    elif format is OutputFormat.CSV:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["queue_id"])
        writer.writeheader()
        writer.writerows(records)
        typer.echo(out.getvalue(), nl=False)
    else:  # a day per row: the table a planner reads first
        table = Table(title="Forecast (local days)")
        for col in ("queue", "day", "volume", "AHT s", "model"):
            table.add_column(col, justify="right" if col in ("volume", "AHT s") else "left")
        for fc in forecasts:
            f = fc.frame.assign(_day=fc.frame["local_start"].dt.date,
                                _handle=fc.frame["volume"] * fc.frame["aht_s"])
            for day, g in f.groupby("_day"):
                vol = float(g["volume"].sum())
                aht = float(g["_handle"].sum() / vol) if vol > 0 and g["aht_s"].notna().any() \
                    else math.nan
                table.add_row(fc.queue_id, f"{day:%a %Y-%m-%d}", f"{vol:,.0f}",
                              "—" if math.isnan(aht) else f"{aht:.0f}", fc.model)
        console.print(table)


@forecast_app.command("backtest")
def backtest_command(
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-q", help="Queue; repeatable (default: every queue).",
        show_default=False)] = None,
    folds: Annotated[int, typer.Option("--folds", help="Rolling origins, a week apart.")] = 4,
    horizon: Annotated[str, typer.Option("--horizon", help="Days ahead per fold.")] = "7d",
    history: HistoryOption = None,
    interval_min: IntervalOption = 30,
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="Models to compare; repeatable (default: seasonal_naive, "
        "seasonal_mean, mstl).", show_default=False)] = None,
    holidays: HolidaysOption = Holidays.FR,
    closed: ClosedOption = None,
    layout: LayoutOption = Layout.FULL,
    train_weeks: TrainOption = 8,
    time_zone: ZoneOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", case_sensitive=False)]
    = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Rolling-origin backtest: WAPE and MASE by model and horizon day; the best model."""
    from pilotage.wfm.backtest import backtest

    days = parse_horizon(horizon)
    settings = _settings(layout=layout, train_weeks=train_weeks, holidays=holidays,
                         closed=closed)
    hist = load_history(history, workspace, interval_min, tuple(queue or ()), time_zone)
    results = backtest(hist, queues=tuple(queue or ()), models=model or None, folds=folds,
                       horizon_days=days, settings=settings)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps([{"queue_id": r.queue_id, "best_model": r.best_model,
                                "origins": list(r.origins), "rows": r.to_records()}
                               for r in results], indent=1))
        return
    if format is OutputFormat.CSV:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["queue_id", "model", "horizon_day", "wape",
                                                 "mase", "folds"])
        writer.writeheader()
        for r in results:
            writer.writerows(r.to_records())
        typer.echo(out.getvalue(), nl=False)
        return
    for r in results:
        console.print(_accuracy_table(r))


def _accuracy_table(result: Backtest) -> Table:
    from pilotage.wfm.backtest import ALL_DAYS

    table = Table(title=f"{result.queue_id}: {len(result.origins)} folds × {result.horizon_days}"
                  f" d (origins {result.origins[0]} … {result.origins[-1]}); best "
                  f"{result.best_model}, WAPE {100 * result.improvement():.1f} % below "
                  "seasonal naive")
    table.add_column("model")
    table.add_column("all WAPE", justify="right")
    table.add_column("all MASE", justify="right")
    for d in range(1, result.horizon_days + 1):
        table.add_column(f"d{d} WAPE", justify="right")
    by = {(r.model, r.horizon_day): r for r in result.rows}
    for m in result.models:
        overall = by[(m, ALL_DAYS)]
        table.add_row(m, f"{overall.wape:.3f}", f"{overall.mase:.3f}",
                      *[f"{by[(m, d)].wape:.3f}" for d in range(1, result.horizon_days + 1)])
    return table
