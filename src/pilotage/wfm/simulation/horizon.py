"""A day or a week of a real center, on an interval grid, built from stored or file inputs.

The grid starts at local midnight of ``start`` (converted to UTC) and ends at local midnight
``days`` later, so a DST day has 46 or 50 half-hours. Inputs:

* offered work: a forecast snapshot of the workspace (``forecasts`` table, UTC) or a CSV
  ``interval_start`` (local), ``volume``, ``aht_s``[, ``queue_id``];
* staffing: a CSV ``interval_start`` (local), ``agents``[, ``skills``] — whole agents on the
  phones per interval, ``skills`` the queues they answer separated by ``;`` (empty: all) —
  or a schedule version of the workspace (``schedules`` table): advisors on ``work`` count from
  the start to the end of each activity, for its ``queue_id`` (NULL: all queues).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from pilotage.errors import InputError, ParameterError
from pilotage.model.time_zone import is_time_zone
from pilotage.model.vocabulary import ScheduleActivity, real_time_queue_sql
from pilotage.store import Workspace
from pilotage.wfm.scheduling import _column, _open_csv
from pilotage.wfm.simulation.model import (
    AgentGroup,
    HandleTimeLaw,
    QueueWorkload,
    SimulationModel,
)

FloatArray = npt.NDArray[np.float64]
ALL_QUEUES = "*"


def first_day(start: str | None) -> dt.date:
    """The ``--start`` option of a horizon, checked."""
    if start is None:
        raise ParameterError("--start is required for a day or a week",
                             hint="give the first local day, e.g. --start 2026-12-07")
    try:
        return dt.date.fromisoformat(start)
    except ValueError:
        raise ParameterError(f"--start {start!r} is not a date",
                             hint="write it as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Horizon:
    """``days`` local days from ``start`` cut into ``interval_min`` intervals."""

    start: dt.date
    days: int
    interval_min: int
    time_zone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 31:
            raise ParameterError(f"--days must be 1 to 31, got {self.days}",
                                 hint="simulate a day (--days 1) or a week (--days 7)")
        if self.interval_min <= 0 or 1440 % self.interval_min:
            raise ParameterError(f"--interval-min must divide a day, got {self.interval_min}",
                                 hint="use 15, 30 or 60")
        if not is_time_zone(self.time_zone):
            raise ParameterError(f"--time-zone {self.time_zone!r} is not an IANA time zone",
                                 hint="e.g. Europe/Paris or UTC")

    def _utc(self, day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    @property
    def start_utc(self) -> dt.datetime:
        return self._utc(self.start)

    @property
    def end_utc(self) -> dt.datetime:
        return self._utc(self.start + dt.timedelta(days=self.days))

    @property
    def interval_s(self) -> float:
        return self.interval_min * 60.0

    @property
    def n_intervals(self) -> int:
        return int((self.end_utc - self.start_utc).total_seconds() // self.interval_s)

    def seconds(self, utc: dt.datetime) -> float:
        """Seconds from the start of the horizon to a naive UTC instant."""
        return (utc - self.start_utc).total_seconds()

    def index_of_utc(self, utc: dt.datetime) -> int | None:
        """Interval index of a naive UTC interval start; None outside the horizon; raises
        when off the grid."""
        s = self.seconds(utc)
        pos = s / self.interval_s
        if pos != math.floor(pos):
            raise ParameterError(f"interval start {utc} UTC is off the {self.interval_min}-"
                                 "minute grid", hint="give --interval-min matching the input")
        i = int(pos)
        return i if 0 <= i < self.n_intervals else None

    def utc_of_local(self, local: dt.datetime) -> dt.datetime:
        aware = local.replace(tzinfo=ZoneInfo(self.time_zone))
        return aware.astimezone(dt.UTC).replace(tzinfo=None)

    def local_starts(self) -> list[dt.datetime]:
        zone = ZoneInfo(self.time_zone)
        base = self.start_utc.replace(tzinfo=dt.UTC)
        return [(base + dt.timedelta(seconds=i * self.interval_s)).astimezone(zone)
                .replace(tzinfo=None) for i in range(self.n_intervals)]


@dataclass(frozen=True)
class OfferedWork:
    """Volume and AHT per queue and interval of a horizon."""

    horizon: Horizon
    queue_ids: tuple[str, ...]
    volume: FloatArray  # [queue, interval]
    aht_s: FloatArray  # [queue, interval], NaN where no volume

    def only(self, queue_ids: Sequence[str]) -> OfferedWork:
        """The named queues only."""
        unknown = [q for q in queue_ids if q not in self.queue_ids]
        if unknown:
            raise ParameterError(f"--queue {unknown[0]!r} is not in the offered work "
                                 f"(queues: {', '.join(self.queue_ids)})",
                                 hint="name one of those queues")
        keep = [self.queue_ids.index(q) for q in sorted(set(queue_ids))]
        return OfferedWork(self.horizon, tuple(self.queue_ids[i] for i in keep),
                           self.volume[keep], self.aht_s[keep])


def _offered(horizon: Horizon, rows: Iterable[tuple[str, int, float, float]],
             source: str) -> OfferedWork:
    items = list(rows)
    queue_ids = tuple(sorted({q for q, _, _, _ in items}))
    if not queue_ids:
        raise InputError(f"{source}: no interval within {horizon.start} + {horizon.days} "
                         "day(s)", hint="choose --start and --days inside the input")
    pos = {q: i for i, q in enumerate(queue_ids)}
    volume = np.zeros((len(queue_ids), horizon.n_intervals))
    handle = np.zeros_like(volume)
    for q, i, v, a in items:
        volume[pos[q], i] += v
        handle[pos[q], i] += v * a
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(volume > 0, handle / volume, np.nan)
    return OfferedWork(horizon, queue_ids, volume, aht)


def forecast_work(workspace: Workspace, snapshot_id: str, horizon: Horizon) -> OfferedWork:
    """Volume and AHT of a forecast snapshot within the horizon, for the queues callers wait
    on in real time (inbound voice and chat; queues the workspace does not describe too)."""
    with workspace.connect(read_only=True) as con:
        # Queued in real time only: written channels (e-mail, letters…) and outbound
        # campaigns have no caller waiting on the line, so no patience to simulate.
        rows = con.execute(
            "SELECT f.queue_id, f.interval_start, f.interval_min, f.volume, f.aht_s "
            "FROM forecasts f LEFT JOIN queues q USING (queue_id) "
            "WHERE f.snapshot_id = ? AND f.interval_start >= ? AND f.interval_start < ? "
            f"AND (q.queue_id IS NULL OR {real_time_queue_sql('q')}) "
            "ORDER BY f.queue_id, f.interval_start",
            [snapshot_id, horizon.start_utc, horizon.end_utc]).fetchall()
        if not rows:
            found = con.execute("SELECT min(interval_start), max(interval_start) FROM "
                                "forecasts WHERE snapshot_id = ?", [snapshot_id]).fetchone()
    if not rows:
        if found is None or found[0] is None:
            raise InputError(f"forecast snapshot {snapshot_id!r} not found in the workspace",
                             hint="list snapshots in the forecasts table, or make a forecast")
        raise InputError(f"forecast snapshot {snapshot_id!r} has no interval from "
                         f"{horizon.start} for {horizon.days} day(s) (it covers "
                         f"{found[0]} to {found[1]} UTC)", hint="choose --start inside it")
    minutes = {int(r[2]) for r in rows}
    if minutes != {horizon.interval_min}:
        raise InputError(f"forecast snapshot {snapshot_id!r} has {sorted(minutes)}-minute "
                         f"intervals, the horizon {horizon.interval_min}",
                         hint=f"give --interval-min {min(minutes)}")
    items = []
    for queue_id, start, _, volume, aht in rows:
        if volume > 0 and (aht is None or not aht > 0):
            raise InputError(f"forecast snapshot {snapshot_id!r}: queue {queue_id} interval "
                             f"{start} UTC has volume {volume:g} but no AHT",
                             hint="re-run the forecast with AHT")
        i = horizon.index_of_utc(start)
        if i is not None:
            items.append((str(queue_id), i, float(volume), float(aht or 0.0)))
    return _offered(horizon, items, f"forecast snapshot {snapshot_id!r}")


def offered_work(workspace: Workspace | None, forecast: str | None, volumes: Path | None,
                 horizon: Horizon, queues: Sequence[str] | None = None) -> OfferedWork:
    """The offered work of a forecast snapshot (with its workspace) or of a volumes CSV,
    restricted to ``queues`` when given."""
    if forecast is not None:
        if workspace is None:
            raise ParameterError("a forecast snapshot needs a workspace",
                                 hint="give --workspace DIR")
        work = forecast_work(workspace, forecast, horizon)
    elif volumes is not None:
        work = read_work_csv(volumes, horizon)
    else:
        raise ParameterError("give --forecast SNAPSHOT or --volumes FILE.csv",
                             hint="the offered work of the horizon")
    return work.only(queues) if queues else work


def _local_start(path: Path, line: int, field: str, raw: str, horizon: Horizon) -> dt.datetime:
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{path}: line {line}: field {field}: {raw!r} is not a date-time",
                         hint="write local times as YYYY-MM-DD HH:MM") from None
    if local.tzinfo is not None or (local.hour * 60 + local.minute) % horizon.interval_min \
            or local.second or local.microsecond:
        raise InputError(f"{path}: line {line}: field {field}: {raw!r} is not the local start "
                         f"of a {horizon.interval_min}-minute interval",
                         hint="give local wall-clock interval starts, no offset, or set "
                              "--interval-min")
    return local


def _number(path: Path, line: int, field: str, raw: str, what: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"{path}: line {line}: field {field}: {raw!r} is not {what} ≥ 0",
                         hint=f"give {what} as a number")
    return value


def read_work_csv(path: Path, horizon: Horizon) -> OfferedWork:
    """``interval_start`` (local), ``volume``, ``aht_s``[, ``queue_id``]."""
    fields, rows = _open_csv(path)
    c_start = _column(path, fields, "interval_start", "interval_start_local", "start")
    c_volume = _column(path, fields, "volume", "offered", "calls")
    c_aht = _column(path, fields, "aht_s", "aht")
    c_queue = _column(path, fields, "queue_id", "queue", "skill")
    if c_start is None or c_volume is None or c_aht is None:
        raise InputError(f"{path}: line 1: columns interval_start, volume and aht_s are "
                         f"required (found {', '.join(fields)})",
                         hint="name the columns interval_start,volume,aht_s[,queue_id]")
    items = []
    for line, row in rows:
        local = _local_start(path, line, c_start, (row.get(c_start) or "").strip(), horizon)
        volume = _number(path, line, c_volume, (row.get(c_volume) or "").strip(), "a volume")
        raw_aht = (row.get(c_aht) or "").strip()
        aht = 0.0 if volume == 0 and not raw_aht else _number(path, line, c_aht, raw_aht,
                                                               "an AHT in seconds")
        if volume > 0 and aht <= 0:
            raise InputError(f"{path}: line {line}: field {c_aht}: AHT 0 with volume "
                             f"{volume:g}", hint="give the mean handle time in seconds")
        queue = ((row.get(c_queue) or "").strip() if c_queue else "") or "queue"
        i = horizon.index_of_utc(horizon.utc_of_local(local))
        if i is not None:
            items.append((queue, i, volume, aht))
    return _offered(horizon, items, str(path))


def _skill_set(text: str) -> str:
    names = sorted({s.strip() for s in text.replace(",", ";").split(";") if s.strip()})
    if not names or names == [ALL_QUEUES]:
        return ALL_QUEUES
    return ";".join(names)


def read_staffing_csv(path: Path, horizon: Horizon,
                      queue_ids: Sequence[str]) -> dict[str, FloatArray]:
    """``interval_start`` (local), ``agents``[, ``skills``]: agents per skill set and interval
    (intervals not listed have 0)."""
    fields, rows = _open_csv(path)
    c_start = _column(path, fields, "interval_start", "interval_start_local", "start")
    c_agents = _column(path, fields, "agents", "staff", "positions")
    c_skills = _column(path, fields, "skills", "skill", "queue_id", "queue")
    if c_start is None or c_agents is None:
        raise InputError(f"{path}: line 1: columns interval_start and agents are required "
                         f"(found {', '.join(fields)})",
                         hint="name the columns interval_start,agents[,skills]")
    plan: dict[str, FloatArray] = {}
    for line, row in rows:
        local = _local_start(path, line, c_start, (row.get(c_start) or "").strip(), horizon)
        raw = (row.get(c_agents) or "").strip()
        agents = _number(path, line, c_agents, raw, "a number of agents")
        if agents != round(agents):
            raise InputError(f"{path}: line {line}: field {c_agents}: {raw!r} is not a whole "
                             "number of agents", hint="round the plan to whole agents")
        skills = _skill_set((row.get(c_skills) or "") if c_skills else "")
        i = horizon.index_of_utc(horizon.utc_of_local(local))
        if i is not None:
            plan.setdefault(skills, np.zeros(horizon.n_intervals))[i] += agents
    if not plan:
        raise InputError(f"{path}: no staffing within {horizon.start} + {horizon.days} day(s)",
                         hint="choose --start and --days inside the plan")
    return plan


@dataclass(frozen=True)
class StaffSteps:
    """Staffing of one skill set as a step function (seconds from the horizon start)."""

    change_s: FloatArray
    agents: npt.NDArray[np.int64]


def schedule_staffing(workspace: Workspace, version: str,
                      horizon: Horizon) -> dict[str, StaffSteps]:
    """Advisors on ``work`` per queue (``*``: all queues) from a saved schedule version."""
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT queue_id, start_at, end_at FROM schedules WHERE schedule_version = ? "
            "AND activity = ? AND end_at > ? AND start_at < ?",
            [version, ScheduleActivity.WORK.value, horizon.start_utc,
             horizon.end_utc]).fetchall()
        if not rows:
            known = con.execute("SELECT count(*) FROM schedules WHERE schedule_version = ?",
                                [version]).fetchone()
    if not rows:
        if known is None or not known[0]:
            raise InputError(f"schedule version {version!r} not found in the workspace",
                             hint="save one with pilotage schedule --save --version-name V")
        raise InputError(f"schedule version {version!r} has no work from {horizon.start} for "
                         f"{horizon.days} day(s)", hint="choose --start inside the schedule")
    deltas: dict[str, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    for queue_id, start_at, end_at in rows:
        key = ALL_QUEUES if queue_id is None else str(queue_id)
        s = max(horizon.seconds(start_at), 0.0)
        e = horizon.seconds(end_at)
        if e > s:
            deltas[key][s] += 1
            deltas[key][e] -= 1
    out = {}
    for key, d in deltas.items():
        times = sorted(d)
        counts = np.cumsum([d[t] for t in times])
        if times[0] > 0.0:
            times = [0.0, *times]
            counts = np.concatenate([[0], counts])
        out[key] = StaffSteps(np.array(times, dtype=np.float64), counts.astype(np.int64))
    return out


def build_model(work: OfferedWork, staffing: dict[str, FloatArray] | dict[str, StaffSteps], *,
                threshold_s: float = 20.0, patience_s: float | None = None,
                handle_law: HandleTimeLaw = HandleTimeLaw.EXPONENTIAL,
                handle_cv: float = 1.0) -> SimulationModel:
    """The simulation model of a horizon: one queue per ``queue_id``, one agent group per
    skill set (skill sets naming no simulated queue are left out)."""
    pos = {q: i for i, q in enumerate(work.queue_ids)}
    queues = tuple(QueueWorkload(q, work.volume[i], work.aht_s[i], patience_s, handle_law,
                                 handle_cv) for q, i in pos.items())
    groups = []
    unknown = []
    for key in sorted(staffing):
        skills = (list(pos.values()) if key == ALL_QUEUES
                  else [pos[s] for s in key.split(";") if s in pos])
        if not skills:
            unknown.append(key)
            continue
        plan = staffing[key]
        if isinstance(plan, StaffSteps):
            groups.append(AgentGroup.steps(key, skills, plan.change_s, plan.agents))
        else:
            groups.append(AgentGroup.per_interval(key, skills, plan, work.horizon.interval_s))
    if not groups:
        raise InputError(f"the staffing names no simulated queue (skills {', '.join(unknown)};"
                         f" queues {', '.join(work.queue_ids)})",
                         hint="name the queues of the volumes in the staffing skills")
    return SimulationModel(work.horizon.interval_s, queues, tuple(groups), threshold_s)
