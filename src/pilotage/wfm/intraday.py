"""Intraday management: re-forecast the rest of the day, the staffing gap per interval, and
the actions that close it (:mod:`pilotage.wfm.intraday_actions`).

For one queue, one local day and a cut-off ("now", local wall clock):

1. **Grid.** The day's intervals run from local midnight to the next local midnight, in UTC
   steps of the forecast's ``interval_min`` (a DST day has 46 or 50 half-hours). An interval
   is *observed* when it ended at or before the cut-off; the others are *remaining* (the one
   in progress included, re-forecast whole).
2. **Forecast.** The snapshot in force: the latest one of ``forecasts`` with rows for the
   queue on that day created before the cut-off (or the one named). Intervals it lacks are
   forecast 0.
3. **Actuals.** Offered contacts per interval (inbound, IVR hang-ups excluded, as the KPI
   ``offered``) and the handle time of the handled ones (talk + hold + ACW, as ``aht``).
4. **Re-forecast** of volume and AHT by :mod:`pilotage.wfm.reforecast` (method measured in
   ``docs/intraday.md``).
5. **Required agents** per remaining interval: exact Erlang C (Erlang A with a patience) for
   the target, :func:`pilotage.wfm.staffing.required_agents`.
6. **Scheduled agents**: the published ``schedules`` (latest load, or the version named):
   minutes of ``work`` on the queue in each interval / interval length, so a 15-minute break
   in a half-hour counts half; minus the ``absences`` that overlap. A ``work`` row with no
   queue counts for the queue when the advisor has its skill.
7. **Gap** = scheduled − required (agents, and agent-hours = agents × interval hours), and
   the service level expected with the scheduled agents (contacts answered within the
   threshold / offered, re-forecast volumes; an additive ratio, not a mean of interval SLs).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from pilotage.errors import InputError, ParameterError
from pilotage.model.vocabulary import is_real_time_queue, real_time_queue_sql
from pilotage.store import Workspace
from pilotage.wfm.reforecast import Level, ReforecastSettings, aht_level, volume_level
from pilotage.wfm.staffing import StaffingTarget, achieved_metrics, required_agents

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------------- the day's grid
@dataclass(frozen=True)
class DayGrid:
    """The intervals of one local day: ``starts`` are naive UTC datetimes."""

    day: dt.date
    time_zone: str
    interval_min: int
    starts: tuple[dt.datetime, ...]
    cutoff: dt.datetime  # naive UTC
    observed: int  # intervals ended at or before the cut-off

    @property
    def size(self) -> int:
        return len(self.starts)

    @property
    def interval_h(self) -> float:
        return self.interval_min / 60.0

    @property
    def start(self) -> dt.datetime:
        return self.starts[0]

    @property
    def end(self) -> dt.datetime:
        return self.starts[-1] + dt.timedelta(minutes=self.interval_min)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """Aware local time of a naive UTC instant."""
        return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.time_zone))

    @property
    def hours(self) -> float:
        """Length of the day: 24, or 23 / 25 on a DST change."""
        return (self.end - self.start).total_seconds() / 3600.0

    def label(self, index: int) -> str:
        """``HH:MM`` local; on a DST day with the UTC offset (the repeated hour shows twice)."""
        local = self.local(self.starts[index])
        if self.hours == 24:
            return f"{local:%H:%M}"
        offset = f"{local:%z}"
        return f"{local:%H:%M}{offset[:3]}:{offset[3:]}"

    def minutes(self, moment: dt.datetime) -> float:
        """Minutes after the day's first instant (UTC)."""
        return (moment - self.start).total_seconds() / 60.0


def local_midnight_utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


def cutoff_utc(day: dt.date, at: dt.time, time_zone: str) -> dt.datetime:
    """The local wall-clock cut-off as naive UTC: in the repeated autumn hour the first
    (summer-time) instant; a time in the spring gap does not exist and is refused."""
    zone = ZoneInfo(time_zone)
    local = dt.datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    back = local.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ParameterError(f"--at {at:%H:%M} does not exist on {day} in {time_zone} (the "
                             "clocks go forward)",
                             hint=f"give a time after the change, e.g. {back:%H:%M}")
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def day_grid(day: dt.date, at: dt.time, time_zone: str, interval_min: int) -> DayGrid:
    first, last = day_bounds(day, time_zone)
    step = dt.timedelta(minutes=interval_min)
    count = int((last - first) / step)
    starts = tuple(first + i * step for i in range(count))
    cut = cutoff_utc(day, at, time_zone)
    observed = sum(1 for s in starts if s + step <= cut)
    return DayGrid(day, time_zone, interval_min, starts, cut, observed)


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class DayForecast:
    snapshot: Snapshot
    volume: FloatArray  # per interval of the grid
    aht_s: FloatArray  # per interval (the day's volume-weighted mean where the snapshot has none)


@dataclass(frozen=True)
class DayActuals:
    """Observed intervals only (the others are 0)."""

    offered: FloatArray
    handled: FloatArray  # handled contacts whose talk time is known
    handle_s: FloatArray  # their talk + hold + ACW


def check_queue(workspace: Workspace, queue_id: str) -> None:
    with workspace.connect(read_only=True) as con:
        known = [r[0] for r in con.execute(
            "SELECT queue_id FROM queues UNION SELECT DISTINCT queue_id FROM forecasts "
            "ORDER BY 1").fetchall()]
    with workspace.connect(read_only=True) as con:
        kind = con.execute("SELECT channel, direction FROM queues WHERE queue_id = ?",
                           [queue_id]).fetchone()
    if kind is not None and not is_real_time_queue(kind[0], kind[1]):
        raise ParameterError(f"queue {queue_id!r} is {kind[1]} {kind[0]}: intraday staffing "
                             "uses Erlang for queues callers wait on (inbound voice, chat)",
                             hint="for written work use pilotage backlog")
    if queue_id not in known:
        close = difflib.get_close_matches(queue_id, known, n=1)
        raise ParameterError(f"unknown queue {queue_id!r}",
                             hint=f"did you mean {close[0]!r}?" if close else
                             "queues: " + (", ".join(known) or "none (ingest or run demo)"))


def forecast_queues(workspace: Workspace, day: dt.date) -> tuple[str, ...]:
    """Queues with a forecast on ``day`` (local day of the workspace's time zone) that callers
    wait on in real time (inbound voice and chat): written work is a backlog (``pilotage
    backlog``), outbound campaigns are paced by the dialler."""
    first, last = day_bounds(day, workspace.config.time_zone)
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT f.queue_id FROM forecasts f LEFT JOIN queues q USING (queue_id) "
            "WHERE f.interval_start >= ? AND f.interval_start < ? AND (q.queue_id IS NULL "
            f"OR {real_time_queue_sql('q')}) ORDER BY 1",
            [first, last]).fetchall()
    if not rows:
        raise InputError(f"no forecast in the workspace for {day}",
                         hint=f"make one first: pilotage forecast --start {day} --save")
    return tuple(r[0] for r in rows)


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    created_at: dt.datetime
    interval_min: int
    model: str


def day_bounds(day: dt.date, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Naive UTC instants of the local midnights that open and close ``day``."""
    zone = ZoneInfo(time_zone)
    return local_midnight_utc(day, zone), local_midnight_utc(day + dt.timedelta(days=1), zone)


def choose_snapshot(workspace: Workspace, queue_id: str, day: dt.date, cutoff: dt.datetime,
                    snapshot_id: str | None = None) -> Snapshot:
    """The snapshot named, or the latest one with rows for the queue that day made before
    the cut-off."""
    first, last = day_bounds(day, workspace.config.time_zone)
    with workspace.connect(read_only=True) as con:
        snaps = con.execute(
            "SELECT snapshot_id, max(created_at), max(interval_min), max(model) FROM forecasts "
            "WHERE queue_id = ? AND interval_start >= ? AND interval_start < ? "
            "GROUP BY snapshot_id ORDER BY 2 DESC, 1 DESC", [queue_id, first, last]).fetchall()
    if not snaps:
        raise InputError(f"no forecast for queue {queue_id!r} on {day}",
                         hint=f"make one first: pilotage forecast --queue {queue_id} "
                              f"--start {day} --save")
    if snapshot_id is not None:
        chosen = next((s for s in snaps if s[0] == snapshot_id), None)
        if chosen is None:
            raise InputError(f"forecast snapshot {snapshot_id!r} has no row for queue "
                             f"{queue_id!r} on {day}",
                             hint="snapshots for that day: " + ", ".join(s[0] for s in snaps))
    else:
        before = [s for s in snaps if s[1] <= cutoff]
        if not before:
            raise InputError(f"no forecast for queue {queue_id!r} on {day} was made before "
                             f"the cut-off ({snaps[0][0]} was made {snaps[0][1]} UTC)",
                             hint="name it with --snapshot to use it anyway")
        chosen = before[0]
    return Snapshot(str(chosen[0]), chosen[1], int(chosen[2]), str(chosen[3] or ""))


def read_forecast(workspace: Workspace, queue_id: str, grid: DayGrid,
                  snapshot: Snapshot) -> DayForecast:
    with workspace.connect(read_only=True) as con:
        rows = con.execute("SELECT interval_start, volume, aht_s FROM forecasts WHERE "
                           "snapshot_id = ? AND queue_id = ? AND interval_start >= ? AND "
                           "interval_start < ?",
                           [snapshot.snapshot_id, queue_id, grid.start, grid.end]).fetchall()
    index = {s: i for i, s in enumerate(grid.starts)}
    volume = np.zeros(grid.size)
    aht = np.full(grid.size, np.nan)
    for start, vol, a in rows:
        i = index.get(start)
        if i is None:
            raise InputError(f"forecast snapshot {snapshot.snapshot_id}: interval {start} UTC is "
                             f"off the {grid.interval_min}-minute grid of {grid.day}",
                             hint="re-run the forecast")
        volume[i] = float(vol)
        aht[i] = math.nan if a is None else float(a)
    timed = np.isfinite(aht) & (aht > 0)
    if not timed.any():
        raise InputError(f"forecast snapshot {snapshot.snapshot_id} has no AHT for queue "
                         f"{queue_id!r} on {grid.day}", hint="re-run the forecast from "
                         "contacts with handle times (Erlang needs the AHT)")
    weights = np.where(timed, volume, 0.0)
    mean = float(np.sum(weights * np.nan_to_num(aht)) / weights.sum()) if weights.sum() > 0 \
        else float(np.mean(aht[timed]))
    return DayForecast(snapshot, volume, np.where(timed, aht, mean))


def read_actuals(workspace: Workspace, queue_id: str, grid: DayGrid) -> DayActuals:
    offered = np.zeros(grid.size)
    handled = np.zeros(grid.size)
    handle = np.zeros(grid.size)
    if grid.observed == 0:
        return DayActuals(offered, handled, handle)
    observed_end = grid.starts[grid.observed - 1] + dt.timedelta(minutes=grid.interval_min)
    with workspace.connect(read_only=True) as con:
        latest = con.execute("SELECT max(offered_at) FROM contacts").fetchone()
        rows = con.execute(
            "SELECT offered_at, outcome IN ('answered', 'transferred') AND talk_s IS NOT NULL, "
            "coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0) FROM contacts "
            "WHERE queue_id = ? AND direction = 'inbound' AND outcome <> 'ivr_abandoned' "
            "AND offered_at >= ? AND offered_at < ?",
            [queue_id, grid.start, observed_end]).fetchall()
    last = latest[0] if latest else None
    if last is None or last < observed_end - dt.timedelta(minutes=grid.interval_min):
        raise InputError(f"the workspace has contacts up to {last or 'nothing'} UTC, before the "
                         f"cut-off {grid.cutoff} UTC: the day so far is not loaded",
                         hint="ingest today's contacts first, or give an earlier --at")
    step = grid.interval_min * 60.0
    for at, is_handled, seconds in rows:
        i = int((at - grid.start).total_seconds() // step)
        offered[i] += 1
        if is_handled:
            handled[i] += 1
            handle[i] += float(seconds)
    return DayActuals(offered, handled, handle)


# ---------------------------------------------------------------------------- schedules
@dataclass(frozen=True)
class Segment:
    """A span of an advisor's day in minutes after the grid's first instant."""

    start: float
    end: float
    activity: str  # work, break, lunch, ...
    queue_id: str | None


@dataclass(frozen=True)
class AdvisorDay:
    """One advisor's scheduled day: segments in time order, absences removed from ``work``."""

    advisor_id: str
    segments: tuple[Segment, ...]
    on_queue: bool  # works on the queue (or on all skills with the queue's skill)
    hourly_cost_eur: float
    skilled: bool  # has the queue's skill

    @property
    def start(self) -> float:
        return self.segments[0].start

    @property
    def end(self) -> float:
        return self.segments[-1].end

    def worked_min(self) -> float:
        return sum(s.end - s.start for s in self.segments if s.activity != "lunch")


@dataclass(frozen=True)
class DaySchedule:
    version: str | None
    advisors: tuple[AdvisorDay, ...]


def read_schedule(workspace: Workspace, queue_id: str, grid: DayGrid,
                  version: str | None = None) -> DaySchedule:
    with workspace.connect(read_only=True) as con:
        versions = con.execute(
            "SELECT s.schedule_version, max(l.loaded_at) FROM schedules s LEFT JOIN loads l "
            "USING (load_id) WHERE s.start_at < ? AND s.end_at > ? GROUP BY 1 ORDER BY 2 DESC",
            [grid.end, grid.start]).fetchall()
        if version is not None and version not in [v[0] for v in versions]:
            raise InputError(f"schedule version {version!r} has nothing on {grid.day}",
                             hint="versions that day: " + (", ".join(str(v[0]) for v in versions)
                                                           or "none"))
        chosen = version if version is not None else (versions[0][0] if versions else None)
        rows = con.execute(
            "SELECT advisor_id, activity, start_at, end_at, queue_id FROM schedules WHERE "
            "schedule_version IS NOT DISTINCT FROM ? AND start_at < ? AND end_at > ? "
            "ORDER BY advisor_id, start_at", [chosen, grid.end, grid.start]).fetchall()
        absences = con.execute("SELECT advisor_id, start_at, end_at FROM absences WHERE "
                               "start_at < ? AND end_at > ?", [grid.end, grid.start]).fetchall()
        people = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT advisor_id, skills, hourly_cost_eur FROM advisors").fetchall()}
    off: dict[str, list[tuple[float, float]]] = {}
    for advisor_id, s, e in absences:
        off.setdefault(advisor_id, []).append((grid.minutes(s), grid.minutes(e)))
    by_advisor: dict[str, list[Segment]] = {}
    for advisor_id, activity, s, e, q in rows:
        by_advisor.setdefault(advisor_id, []).append(
            Segment(grid.minutes(s), grid.minutes(e), str(activity), q))
    out = []
    for advisor_id, segments in by_advisor.items():
        skills_text, cost = people.get(advisor_id, (None, None))
        skills = {s.strip() for s in (skills_text or "").replace(";", ",").split(",") if s.strip()}
        skilled = not skills or queue_id in skills
        kept = _minus_absences(segments, off.get(advisor_id, []))
        if not kept:
            continue
        on_queue = any(s.activity == "work" and (s.queue_id == queue_id or
                                                 (s.queue_id is None and skilled)) for s in kept)
        out.append(AdvisorDay(advisor_id, tuple(kept), on_queue,
                              float(cost) if cost is not None else math.nan, skilled))
    return DaySchedule(chosen, tuple(out))


def cut_segments(segs: list[Segment], lo: float, hi: float,
                 activity: str | None) -> list[Segment]:
    """``segs`` with [lo, hi) replaced by ``activity`` (None: removed), in start order."""
    out: list[Segment] = []
    for s in segs:
        if s.end <= lo or s.start >= hi:
            out.append(s)
            continue
        if s.start < lo:
            out.append(Segment(s.start, lo, s.activity, s.queue_id))
        if s.end > hi:
            out.append(Segment(hi, s.end, s.activity, s.queue_id))
    if activity is not None:
        out.append(Segment(lo, hi, activity, None))
    return sorted(out, key=lambda s: s.start)


def _minus_absences(segments: list[Segment],
                    absences: list[tuple[float, float]]) -> list[Segment]:
    out = segments
    for a, b in absences:
        out = cut_segments(out, a, b, None)
    return out


def coverage(segments: tuple[Segment, ...] | list[Segment], queue_id: str, skilled: bool,
             grid: DayGrid) -> FloatArray:
    """Agents on work on the queue per interval from one advisor's segments."""
    edges = np.arange(grid.size + 1, dtype=np.float64) * grid.interval_min
    out = np.zeros(grid.size)
    for s in segments:
        if s.activity != "work" or not (s.queue_id == queue_id or (s.queue_id is None and
                                                                    skilled)):
            continue
        out += np.clip(np.minimum(edges[1:], s.end) - np.maximum(edges[:-1], s.start), 0, None)
    return out / grid.interval_min


def scheduled_agents(schedule: DaySchedule, queue_id: str, grid: DayGrid) -> FloatArray:
    total = np.zeros(grid.size)
    for adv in schedule.advisors:
        total += coverage(adv.segments, queue_id, adv.skilled, grid)
    return total


# ---------------------------------------------------------------------------- the picture
@dataclass(frozen=True)
class IntradaySettings:
    service_level: float = 0.8
    threshold_s: float = 20.0
    patience_s: float | None = None  # Erlang A when given
    reforecast: ReforecastSettings = field(default_factory=ReforecastSettings)

    def __post_init__(self) -> None:
        self.target  # noqa: B018 - building the target checks it
        if self.patience_s is not None and not (math.isfinite(self.patience_s)
                                                and self.patience_s > 0):
            raise ParameterError(f"--patience-s must be > 0, got {self.patience_s!r}")

    @property
    def target(self) -> StaffingTarget:
        return StaffingTarget(service_level=self.service_level, threshold_s=self.threshold_s)


@dataclass(frozen=True)
class DayState:
    """Everything known at the cut-off for one queue, and the expected staffing gap."""

    queue_id: str
    grid: DayGrid
    forecast: DayForecast
    actuals: DayActuals
    volume_level: Level
    aht_level: Level
    volume: FloatArray  # re-forecast (actual where observed)
    aht_s: FloatArray  # re-forecast (actual where observed and handled)
    required: FloatArray  # whole agents, remaining intervals (0 where observed)
    scheduled: FloatArray  # agents on work on the queue, every interval
    schedule: DaySchedule
    settings: IntradaySettings

    @property
    def remaining(self) -> slice:
        return slice(self.grid.observed, self.grid.size)

    @property
    def gap(self) -> FloatArray:
        """Scheduled − required over the remaining intervals (0 where observed)."""
        out = self.scheduled - self.required
        out[:self.grid.observed] = 0.0
        return out

    def shortfall_agent_h(self, scheduled: FloatArray | None = None) -> float:
        agents = self.scheduled if scheduled is None else scheduled
        short = np.clip(self.required - agents, 0.0, None)[self.remaining]
        return float(short.sum() * self.grid.interval_h)

    def surplus_agent_h(self, scheduled: FloatArray | None = None) -> float:
        agents = self.scheduled if scheduled is None else scheduled
        over = np.clip(agents - self.required, 0.0, None)[self.remaining]
        return float(over.sum() * self.grid.interval_h)

    def service_level_by_interval(self, scheduled: FloatArray | None = None) -> FloatArray:
        """Expected SL per remaining interval with ``scheduled`` agents (NaN where observed)."""
        agents = self.scheduled if scheduled is None else scheduled
        r = self.remaining
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 ASA of empty intervals
            m = achieved_metrics(self.volume[r], self.aht_s[r], agents[r],
                                 interval_min=self.grid.interval_min,
                                 threshold_s=self.settings.threshold_s,
                                 patience_s=self.settings.patience_s)
        out = np.full(self.grid.size, np.nan)
        out[r] = m.service_level
        return out

    def answered_in_time(self, scheduled: FloatArray | None = None) -> float:
        """Expected contacts answered within the threshold over the remaining intervals."""
        sl = self.service_level_by_interval(scheduled)[self.remaining]
        return float(np.sum(sl * self.volume[self.remaining]))

    def service_level(self, scheduled: FloatArray | None = None) -> float:
        """Expected SL of the rest of the day: answered in time / offered (re-forecast)."""
        offered = float(self.volume[self.remaining].sum())
        return self.answered_in_time(scheduled) / offered if offered > 0 else math.nan


def day_state(workspace: Workspace, queue_id: str, day: dt.date, at: dt.time, *,
              settings: IntradaySettings | None = None, snapshot_id: str | None = None,
              schedule_version: str | None = None) -> DayState:
    """The day as known at ``at`` (local) for ``queue_id``: re-forecast, required and
    scheduled agents (module docstring)."""
    settings = settings or IntradaySettings()
    check_queue(workspace, queue_id)
    tz = workspace.config.time_zone
    snapshot = choose_snapshot(workspace, queue_id, day, cutoff_utc(day, at, tz), snapshot_id)
    interval = snapshot.interval_min
    grid = day_grid(day, at, tz, interval)
    fc = read_forecast(workspace, queue_id, grid, snapshot)
    actual = read_actuals(workspace, queue_id, grid)
    k = grid.observed
    v_level = volume_level(fc.volume, actual.offered, k, interval, settings.reforecast)
    a_level = aht_level(fc.aht_s, actual.handled, actual.handle_s, k, settings.reforecast)
    volume = fc.volume * v_level.value
    volume[:k] = actual.offered[:k]
    aht = fc.aht_s * a_level.value
    seen = actual.handled[:k] > 0
    aht[:k][seen] = actual.handle_s[:k][seen] / actual.handled[:k][seen]
    required = np.zeros(grid.size)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 ASA of empty intervals
        req = required_agents(volume[k:], aht[k:], settings.target, interval_min=interval,
                              patience_s=settings.patience_s)
    required[k:] = req.agents
    schedule = read_schedule(workspace, queue_id, grid, schedule_version)
    return DayState(queue_id, grid, fc, actual, v_level, a_level, volume, aht, required,
                    scheduled_agents(schedule, queue_id, grid), schedule, settings)
