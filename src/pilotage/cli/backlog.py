"""``pilotage backlog``: written work (e-mail, back office) — staffing for a response-time
target, and the backlog a staffing level leaves.

Calculator mode (a typical week repeated): ``--volume-per-day``, ``--aht-s``, ``--opening``.
Plan mode: a forecast snapshot of the workspace (``--forecast S --queue Q --start D``) or a CSV
of interval volumes (``--volumes FILE``). Registered by the main app as
``app.command("backlog")(backlog)``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.choices import ResponseClock
from pilotage.cli.console import console
from pilotage.cli.options import WorkspaceOption, check_shrinkage
from pilotage.errors import InputError, ParameterError

if TYPE_CHECKING:
    import numpy as np

    from pilotage.store import Workspace
    from pilotage.wfm.backlog import (
        BacklogProjection,
        ResponseTarget,
        WrittenRequirement,
        WrittenWorkload,
    )
    from pilotage.wfm.opening_hours import OpeningHours
    from pilotage.wfm.simulation.horizon import Horizon

CALCULATOR_MONDAY = dt.date(2026, 1, 5)  # any Monday: the calculator's week has no DST change


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class Levels(StrEnum):
    FLAT = "flat"  # one level over every open interval (any share)
    DAY = "day"  # one level per day (every item in time: linear programme)
    INTERVAL = "interval"  # agents per interval (every item in time: linear programme)


class ArrivalSpread(StrEnum):
    ALWAYS = "always"  # round the clock, every day (e-mail)
    OPEN = "open"  # during the opening hours only (mail opened by the back office)


@dataclass(frozen=True)
class DaySummary:
    day: dt.date
    received: float
    in_time: float
    late: float
    pending: float
    answered: float
    agent_hours: float
    backlog_end: float  # items waiting at local midnight
    oldest_age_h: float  # oldest waiting item's age at local midnight


@dataclass(frozen=True)
class WrittenStaffing:
    """The result of ``pilotage backlog``."""

    mode: str  # calculator | plan
    queue_id: str | None
    target: ResponseTarget
    max_occupancy: float
    shrinkage: float
    weekly_hours: float
    cycle_days: float
    interval_s: float
    requirement: WrittenRequirement | None  # None when --agents was given
    projection: BacklogProjection
    days: tuple[DaySummary, ...]

    @property
    def paid_hours_per_week(self) -> float:
        p = self.projection
        productive_h = float(p.agents.sum()) * self.interval_s / 3600.0
        return productive_h / (1.0 - self.shrinkage) * 7.0 / self.cycle_days

    @property
    def fte(self) -> float:
        return self.paid_hours_per_week / self.weekly_hours

    def to_json_dict(self) -> dict[str, object]:
        p, r = self.projection, self.requirement
        out: dict[str, object] = {
            "mode": self.mode, "queue_id": self.queue_id,
            "target_h": self.target.response_s / 3600.0, "target_share": self.target.share,
            "clock": self.target.clock.value,
            "max_occupancy": self.max_occupancy, "shrinkage": self.shrinkage,
        }
        if r is not None:
            if r.flat:
                level = float(r.agents_fractional.max())
                out |= {"agents_fractional": level, "agents": float(r.agents.max()),
                        "positions": float(r.positions.max())}
            else:
                out |= {"agents_fractional": r.agents_fractional.round(6).tolist(),
                        "agents": r.agents.tolist(), "positions": r.positions.tolist()}
            out |= {"proven_minimal": r.proven_minimal,
                    "exact_share_model": r.exact_share_model}
        out |= {
            "paid_hours_per_week": round(self.paid_hours_per_week, 6),
            "fte": round(self.fte, 6), "weekly_hours": self.weekly_hours,
            "share_in_time": p.share_in_time, "stable": p.stable,
            "occupancy": p.occupancy, "closing_backlog": p.closing_backlog,
            "pending": float(p.pending.sum() + p.backlog_pending),
            "days": [{"day": d.day.isoformat(), "received": d.received, "in_time": d.in_time,
                      "late": d.late, "pending": d.pending, "answered": d.answered,
                      "agent_hours": d.agent_hours, "backlog_end_of_day": d.backlog_end,
                      "oldest_age_h": d.oldest_age_h} for d in self.days],
        }
        return out


def backlog(
    volume_per_day: Annotated[float | None, typer.Option(
        "--volume-per-day", help="Calculator: written items received per day.")] = None,
    aht_s: Annotated[float | None, typer.Option(
        "--aht-s", help="Calculator: handle time per item, seconds.")] = None,
    opening: Annotated[list[str] | None, typer.Option(
        "--opening", help="Advisors' hours '[DAYS ]HH:MM-HH:MM', repeatable "
        "(default 'Mon-Fri 08:00-19:00'; plan mode from a forecast: the workspace's).")] = None,
    closed_day: Annotated[list[str] | None, typer.Option(
        "--closed-day", help="Plan: a closed day (YYYY-MM-DD), repeatable; with --forecast "
        "the workspace's public holidays are closed too.")] = None,
    arrivals: Annotated[ArrivalSpread, typer.Option(
        "--arrivals", help="Calculator: items arrive 'always' (round the clock, every day) "
        "or during 'open' hours only.", case_sensitive=False)] = ArrivalSpread.ALWAYS,
    forecast: Annotated[str | None, typer.Option(
        "--forecast", help="Plan: forecast snapshot id in the workspace.")] = None,
    queue: Annotated[str | None, typer.Option(
        "--queue", help="Plan: the written queue of the forecast or CSV.")] = None,
    volumes: Annotated[Path | None, typer.Option(
        "--volumes", help="Plan: CSV interval_start (local), volume, aht_s[, queue_id].")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Plan: first local day (YYYY-MM-DD).")] = None,
    days: Annotated[int, typer.Option("--days", help="Plan: number of days.")] = 7,
    opening_backlog: Annotated[float, typer.Option(
        "--opening-backlog", help="Plan: items waiting at the start.")] = 0.0,
    backlog_age_h: Annotated[float, typer.Option(
        "--backlog-age-h", help="Plan: how long before the start they were received.")] = 0.0,
    target_h: Annotated[float, typer.Option(
        "--target-h", help="Response-time target, elapsed hours (first reply).")] = 24.0,
    target_share: Annotated[float, typer.Option(
        "--target-share", help="Share of items to answer within the target (1 = all).")] = 0.9,
    interval_min: Annotated[int, typer.Option(
        "--interval-min", help="Interval length, minutes.")] = 30,
    max_occupancy: Annotated[float, typer.Option(
        "--max-occupancy", help="Share of an advisor's time spent on items (1 = no cap).")] = 1.0,
    shrinkage: Annotated[float, typer.Option(
        "--shrinkage", help="Share of paid time not available (absence, training…).")] = 0.0,
    agents: Annotated[float | None, typer.Option(
        "--agents", help="Report what this flat level of agents achieves instead.")] = None,
    levels: Annotated[Levels, typer.Option(
        "--levels", help="'flat': one level over the open hours (bisection); 'day' or "
        "'interval': a level per day or per interval (HiGHS programme).",
        case_sensitive=False)] = Levels.FLAT,
    clock: Annotated[ResponseClock, typer.Option(
        "--clock", help="Count the response time in 'elapsed' time (as the "
        "email_response_sla KPI) or in 'business' (open) hours.",
        case_sensitive=False)] = ResponseClock.ELAPSED,
    weekly_hours: Annotated[float, typer.Option(
        "--weekly-hours", help="Contract hours of one FTE.")] = 35.0,
    time_zone: Annotated[str | None, typer.Option(
        "--time-zone", help="Plan: IANA zone of the local times (default: the workspace's).",
    )] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[OutputFormat, typer.Option(
        "--format", help="Output format.", case_sensitive=False)] = OutputFormat.TABLE,
) -> None:
    """Written work (e-mail, back office): advisors needed to answer a share of items within a
    response time (FIFO backlog), or the backlog and attainment of a given level."""
    result = written_staffing(
        volume_per_day=volume_per_day, aht_s=aht_s, opening=opening, closed_day=closed_day,
        arrivals=arrivals,
        forecast=forecast, queue=queue, volumes=volumes, start=start, days=days,
        opening_backlog=opening_backlog, backlog_age_h=backlog_age_h, target_h=target_h,
        target_share=target_share, interval_min=interval_min, max_occupancy=max_occupancy,
        shrinkage=shrinkage, agents=agents, levels=levels, clock=clock,
        weekly_hours=weekly_hours, time_zone=time_zone, workspace=workspace)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(summary_table(result))
        console.print(days_table(result))


def _calculator_workload(volume_per_day: float, aht_s: float, hours: OpeningHours,
                         spread: ArrivalSpread, interval_min: int,
                         ) -> tuple[WrittenWorkload, list[dt.datetime]]:
    import numpy as np

    from pilotage.wfm.backlog import WrittenWorkload

    for name, value in (("--volume-per-day", volume_per_day), ("--aht-s", aht_s)):
        if not (math.isfinite(value) and value >= 0):
            raise ParameterError(f"{name} must be a finite number ≥ 0, got {value!r}",
                                 hint=f"check {name}")
    if aht_s <= 0:
        raise ParameterError(f"--aht-s must be > 0, got {aht_s!r}", hint="seconds per item")
    per_day = 1440 // interval_min
    starts = [dt.datetime.combine(CALCULATOR_MONDAY, dt.time()) + dt.timedelta(
        minutes=i * interval_min) for i in range(7 * per_day)]
    open_ = np.asarray(hours.is_open(starts, interval_min))
    if spread is ArrivalSpread.ALWAYS:
        volume = np.full(len(starts), volume_per_day / per_day)
    else:
        volume = np.zeros(len(starts))
        for d in range(7):
            day = open_[d * per_day:(d + 1) * per_day]
            if day.any():
                volume[d * per_day:(d + 1) * per_day] = day * (volume_per_day / day.sum())
    return (WrittenWorkload.of(interval_min * 60.0, volume, aht_s, open_, cyclic=True),
            starts)


def _forecast_workload(ws: Workspace, snapshot: str, queue: str, horizon: Horizon,
                       ) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    with ws.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT interval_start, interval_min, volume, aht_s FROM forecasts "
            "WHERE snapshot_id = ? AND queue_id = ? AND interval_start >= ? "
            "AND interval_start < ? ORDER BY interval_start",
            [snapshot, queue, horizon.start_utc, horizon.end_utc]).fetchall()
    if not rows:
        raise InputError(f"forecast snapshot {snapshot!r} has no interval of queue {queue!r} "
                         f"from {horizon.start} for {horizon.days} day(s)",
                         hint="check --forecast, --queue and --start (forecasts table)")
    minutes = {int(r[1]) for r in rows}
    if minutes != {horizon.interval_min}:
        raise InputError(f"forecast snapshot {snapshot!r} has {sorted(minutes)}-minute "
                         f"intervals", hint=f"give --interval-min {min(minutes)}")
    volume = np.zeros(horizon.n_intervals)
    aht = np.zeros(horizon.n_intervals)
    for start_utc, _, v, a in rows:
        i = horizon.index_of_utc(start_utc)
        if i is None:
            continue
        if v > 0 and (a is None or not a > 0):
            raise InputError(f"forecast snapshot {snapshot!r}: queue {queue} interval "
                             f"{start_utc} UTC has volume {v:g} but no AHT",
                             hint="re-run the forecast with AHT")
        volume[i], aht[i] = float(v), float(a or 0.0)
    return volume, aht


def written_staffing(*, volume_per_day: float | None = None, aht_s: float | None = None,
                     opening: list[str] | None = None, closed_day: list[str] | None = None,
                     arrivals: ArrivalSpread = ArrivalSpread.ALWAYS,
                     forecast: str | None = None, queue: str | None = None,
                     volumes: Path | None = None, start: str | None = None, days: int = 7,
                     opening_backlog: float = 0.0, backlog_age_h: float = 0.0,
                     target_h: float = 24.0, target_share: float = 0.9,
                     interval_min: int = 30, max_occupancy: float = 1.0,
                     shrinkage: float = 0.0, agents: float | None = None,
                     levels: Levels = Levels.FLAT,
                     clock: ResponseClock = ResponseClock.ELAPSED, weekly_hours: float = 35.0,
                     time_zone: str | None = None,
                     workspace: Path | None = None) -> WrittenStaffing:
    """The function layer of ``pilotage backlog``."""
    import numpy as np

    from pilotage.store import Workspace, resolve_workspace_dir
    from pilotage.wfm import backlog as written
    from pilotage.wfm.opening_hours import OpeningHours
    from pilotage.wfm.simulation.horizon import Horizon, read_work_csv

    target = written.ResponseTarget(target_h * 3600.0, target_share, clock)
    if not (math.isfinite(weekly_hours) and weekly_hours > 0):
        raise ParameterError(f"--weekly-hours must be > 0, got {weekly_hours!r}",
                             hint="e.g. 35")
    if interval_min <= 0 or 1440 % interval_min:
        raise ParameterError(f"--interval-min must divide a day, got {interval_min}",
                             hint="use 15, 30 or 60")
    calculator = volume_per_day is not None or aht_s is not None
    if calculator == (forecast is not None or volumes is not None):
        raise ParameterError("give either --volume-per-day and --aht-s (calculator) or "
                             "--forecast / --volumes (plan)",
                             hint="e.g. --volume-per-day 1200 --aht-s 420")
    if calculator:
        if volume_per_day is None or aht_s is None:
            raise ParameterError("the calculator needs both --volume-per-day and --aht-s",
                                 hint="e.g. --volume-per-day 1200 --aht-s 420")
        if closed_day:
            raise ParameterError("--closed-day belongs to plan mode: the calculator repeats "
                                 "a typical week", hint="use --forecast or --volumes")
        if opening_backlog:
            raise ParameterError("--opening-backlog belongs to plan mode: the calculator's "
                                 "backlog is the stationary one of a repeated week",
                                 hint="use --forecast or --volumes with --opening-backlog")
        hours = OpeningHours.parse(opening or ["Mon-Fri 08:00-19:00"])
        work, starts = _calculator_workload(volume_per_day, aht_s, hours, arrivals,
                                            interval_min)
        mode, cycle_days = "calculator", 7.0
    else:
        if forecast is not None and volumes is not None:
            raise ParameterError("give one of --forecast and --volumes",
                                 hint="--forecast SNAPSHOT --queue Q, or --volumes FILE.csv")
        if start is None:
            raise ParameterError("--start is required in plan mode",
                                 hint="give the first local day, e.g. --start 2026-07-06")
        try:
            first = dt.date.fromisoformat(start)
        except ValueError:
            raise ParameterError(f"--start {start!r} is not a date",
                                 hint="write it as YYYY-MM-DD") from None
        ws = Workspace.open(resolve_workspace_dir(workspace)) if forecast is not None else None
        zone = time_zone or (ws.config.time_zone if ws is not None else "Europe/Paris")
        horizon = Horizon(first, days, interval_min, zone)
        starts = horizon.local_starts()
        if forecast is not None:
            assert ws is not None
            if queue is None:
                raise ParameterError("--queue is required with --forecast",
                                     hint="name the written queue, e.g. --queue ENE_MAIL")
            volume, aht = _forecast_workload(ws, forecast, queue, horizon)
            hours = (OpeningHours.parse(opening) if opening
                     else OpeningHours.of_queue(ws, queue))
        else:
            assert volumes is not None
            offered = read_work_csv(volumes, horizon)
            if queue is not None:
                offered = offered.only([queue])
            if len(offered.queue_ids) != 1:
                raise InputError(f"{volumes}: several queues ({', '.join(offered.queue_ids)})",
                                 hint="choose one with --queue")
            volume = offered.volume[0]
            aht = np.nan_to_num(offered.aht_s[0])
            hours = OpeningHours.parse(opening or ["Mon-Fri 08:00-19:00"])
        hours = hours.closed_on(_dates(closed_day or []))
        work = written.WrittenWorkload.of(
            interval_min * 60.0, volume, aht, hours.is_open(starts, interval_min),
            opening_backlog=opening_backlog, opening_backlog_age_s=backlog_age_h * 3600.0)
        mode, cycle_days = "plan", float(days)
    check_shrinkage(shrinkage)
    requirement: WrittenRequirement | None = None
    if agents is not None:
        projection = written.project_backlog(work, agents, target,
                                             max_occupancy=max_occupancy)
    elif levels is Levels.FLAT:
        requirement = written.required_level(work, target, max_occupancy=max_occupancy,
                                             shrinkage=shrinkage)
        projection = requirement.projection
    else:
        groups = ([s.date().toordinal() for s in starts] if levels is Levels.DAY else None)
        requirement = written.required_per_interval(work, target,
                                                    max_occupancy=max_occupancy,
                                                    shrinkage=shrinkage, groups=groups)
        projection = requirement.projection
    return WrittenStaffing(mode, queue, target, max_occupancy, shrinkage, weekly_hours,
                           cycle_days, work.interval_s, requirement, projection,
                           _days(projection, starts, work.interval_s))


def _dates(texts: list[str]) -> list[dt.date]:
    out = []
    for text in texts:
        try:
            out.append(dt.date.fromisoformat(text))
        except ValueError:
            raise ParameterError(f"--closed-day {text!r} is not a date",
                                 hint="write it as YYYY-MM-DD") from None
    return out


def _days(p: BacklogProjection, starts: list[dt.datetime],
          interval_s: float) -> tuple[DaySummary, ...]:
    import numpy as np

    out = []
    day_of = np.array([s.date().toordinal() for s in starts])
    for ordinal in np.unique(day_of):
        idx = np.flatnonzero(day_of == ordinal)
        last = int(idx[-1])
        out.append(DaySummary(
            dt.date.fromordinal(int(ordinal)), float(p.received[idx].sum()),
            float(p.in_time[idx].sum()), float(p.late[idx].sum()),
            float(p.pending[idx].sum()), float(p.answered[idx].sum()),
            float(p.agents[idx].sum()) * interval_s / 3600.0, float(p.backlog[last]),
            float(p.oldest_age_s[last]) / 3600.0))
    return tuple(out)


def summary_table(r: WrittenStaffing) -> Table:
    p, req = r.projection, r.requirement
    t = r.target
    title = (f"Written work ({r.mode}{', ' + r.queue_id if r.queue_id else ''}): "
             f"{t.share:.0%} answered within {t.response_s / 3600:g} {t.clock.value} h")
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = []
    if req is not None:
        if req.flat:
            rows += [("agents (before shrinkage), open hours", f"{req.agents.max():g}"),
                     ("fractional agents", f"{req.agents_fractional.max():.2f}"),
                     ("positions (after shrinkage)",
                      f"{req.positions.max():g}  (shrinkage {r.shrinkage:.0%})")]
        else:
            rows += [("agents, peak level (before shrinkage)", f"{req.agents.max():g}"),
                     ("fractional agent hours",
                      f"{req.agents_fractional.sum() * req.interval_s / 3600:.2f}"),
                     ("positions, peak level", f"{req.positions.max():g}")]
    else:
        rows.append(("agents (given, before shrinkage)", f"{p.agents.max():g}"))
    if req is not None and not req.proven_minimal:
        rows.append(("solver", "stopped at its time limit: not proven minimal"))
    if req is not None and not req.exact_share_model:
        rows.append(("programme", "partly late intervals counted late (conservative)"))
    rows += [("paid hours per week", f"{r.paid_hours_per_week:.1f}"),
             (f"FTE ({r.weekly_hours:g} h)", f"{r.fte:.2f}"),
             ("share answered in time", f"{p.share_in_time:.1%}"
              + ("" if p.stable else "  (backlog grows without bound)")),
             ("occupancy", f"{p.occupancy:.1%}"),
             ("backlog at the end", f"{p.closing_backlog:.1f}")]
    pending = float(p.pending.sum() + p.backlog_pending)
    if pending > 0:
        rows.append(("pending (deadline after the horizon)", f"{pending:.1f}"))
    for name, value in rows:
        table.add_row(name, value)
    return table


def days_table(r: WrittenStaffing) -> Table:
    table = Table(title="Per day (backlog at local midnight)")
    for name in ("day", "received", "in time", "answered", "agent h", "backlog",
                 "oldest (h)"):
        table.add_column(name, justify="right")
    for d in r.days:
        judged = d.in_time + d.late
        share = f"{d.in_time / judged:.1%}" if judged > 0 else "—"
        table.add_row(f"{d.day:%a %Y-%m-%d}" if r.mode == "plan" else f"{d.day:%a}",
                      f"{d.received:.1f}", share, f"{d.answered:.1f}", f"{d.agent_hours:.1f}",
                      f"{d.backlog_end:.1f}", f"{d.oldest_age_h:.1f}")
    return table
