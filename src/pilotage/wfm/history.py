"""Interval history: offered volume and AHT per queue and interval, on the local wall clock.

Forecasts are made on the site's **local** interval grid (a Monday 09:00 is a Monday 09:00
whatever the UTC offset), then converted to UTC when saved. The history comes from:

* the workspace (:func:`history_from_workspace`): the KPIs ``offered`` and ``aht`` by
  ``interval15`` / ``interval30`` / ``hour`` and ``queue``, whose labels carry the UTC offset
  (``2026-10-05T08:00+02:00``); the repeated hour of the autumn change is summed into one
  local interval;
* a CSV of interval counts (:func:`read_history_csv`), as WFM tools import history: columns
  ``queue_id`` (or ``queue``), ``interval_start`` (ISO 8601, local wall clock; an offset such as
  ``+02:00`` is converted to the history's time zone), ``volume`` (or ``offered``/``calls``) and
  optionally ``aht_s``; the two real data sets of ``shared/data`` are recognised by their header
  (``anonymous-bank-1999-6min``: ``date, weekday, interval, interval_start, calls``;
  ``nab-bank-calls-2003``: ``rownames, DateTime, Calls``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pilotage.errors import InputError, ParameterError
from pilotage.store import Workspace

INTERVAL_GRAINS = {15: "interval15", 30: "interval30", 60: "hour"}
COLUMNS = ("queue_id", "local_start", "volume", "aht_s")


@dataclass(frozen=True)
class IntervalHistory:
    """Long frame ``queue_id, local_start (naive local), volume, aht_s (NaN if unknown)``.

    ``closed_days`` are days known to be exceptional (holidays the data show, days missing
    from the source): they are not learnt from and are forecast as closed.
    """

    frame: pd.DataFrame
    interval_min: int
    time_zone: str
    source: str
    closed_days: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted(self.frame["queue_id"].unique()))

    @property
    def first_day(self) -> dt.date:
        return pd.Timestamp(self.frame["local_start"].min()).date()

    @property
    def last_day(self) -> dt.date:
        return pd.Timestamp(self.frame["local_start"].max()).date()

    def queue(self, queue_id: str) -> pd.DataFrame:
        rows = self.frame[self.frame["queue_id"] == queue_id]
        if rows.empty:
            raise ParameterError(
                f"queue {queue_id!r} has no history in {self.source}",
                hint="queues with history: " + (", ".join(self.queues) or "none"))
        return rows

    def resample(self, interval_min: int) -> IntervalHistory:
        """Sum volumes into coarser intervals (AHT weighted by volume)."""
        if interval_min == self.interval_min:
            return self
        if interval_min % self.interval_min or (24 * 60) % interval_min:
            raise ParameterError(
                f"--interval-min {interval_min} cannot be built from {self.interval_min}-minute "
                f"history ({self.source})", hint="use a multiple of the history's interval")
        f = self.frame.copy()
        f["local_start"] = f["local_start"].dt.floor(f"{interval_min}min")
        f["_handle"] = f["aht_s"] * f["volume"]
        f["_timed"] = np.where(f["aht_s"].notna(), f["volume"], 0.0)
        g = f.groupby(["queue_id", "local_start"], as_index=False)[
            ["volume", "_handle", "_timed"]].sum(min_count=1)
        g["aht_s"] = np.where(g["_timed"] > 0, g["_handle"] / g["_timed"].where(
            g["_timed"] > 0), np.nan)
        return replace(self, frame=g[list(COLUMNS)].reset_index(drop=True),
                       interval_min=interval_min)

    def window(self, first: dt.date | None, last: dt.date | None) -> IntervalHistory:
        """Rows whose local day is within ``[first, last]``."""
        f = self.frame
        days = f["local_start"].dt.date
        keep = np.ones(len(f), dtype=bool)
        if first is not None:
            keep &= (days >= first).to_numpy()
        if last is not None:
            keep &= (days <= last).to_numpy()
        return replace(self, frame=f[keep].reset_index(drop=True))


def _frame(queue: list[str], local: list[dt.datetime] | pd.Series, volume: list[float],
           aht: list[float]) -> pd.DataFrame:
    f = pd.DataFrame({"queue_id": pd.Series(queue, dtype=object),
                      "local_start": pd.to_datetime(pd.Series(local)),
                      "volume": pd.Series(volume, dtype="float64"),
                      "aht_s": pd.Series(aht, dtype="float64")})
    return f.sort_values(["queue_id", "local_start"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- workspace
def history_from_workspace(workspace: Workspace, *, interval_min: int = 30,
                           queues: tuple[str, ...] = (), first_day: dt.date | None = None,
                           last_day: dt.date | None = None) -> IntervalHistory:
    """Offered contacts and AHT per queue and local interval, through the KPI layer."""
    from pilotage.kpi import KpiRequest, compute

    grain = INTERVAL_GRAINS.get(interval_min)
    if grain is None:
        raise ParameterError(f"--interval-min must be 15, 30 or 60, got {interval_min!r}")
    where = tuple(("queue", q) for q in queues)
    result = compute(workspace, KpiRequest(kpis=("offered", "aht"), by=(grain, "queue"),
                                           start=first_day, end=last_day, where=where,
                                           with_volume=True)).table.to_pydict()
    # a label is local wall clock + offset: keep the wall clock (the repeated autumn hour sums)
    local = [dt.datetime.fromisoformat(label[:16]) for label in result[grain]]
    handled = [v or 0.0 for v in result.get("aht__volume", [0.0] * len(local))]
    aht = [math.nan if a is None else float(a) for a in result["aht"]]
    f = pd.DataFrame({"queue_id": result["queue"], "local_start": local,
                      "volume": [float(v or 0) for v in result["offered"]],
                      "_timed": handled, "aht_s": aht})
    f = f[f["queue_id"].notna()]
    f["_handle"] = f["aht_s"].fillna(0.0) * f["_timed"]
    g = f.groupby(["queue_id", "local_start"], as_index=False)[
        ["volume", "_handle", "_timed"]].sum()
    g["aht_s"] = (g["_handle"] / g["_timed"]).where(g["_timed"] > 0)
    frame = _frame(list(g["queue_id"]), g["local_start"], list(g["volume"]), list(g["aht_s"]))
    if frame.empty:
        raise ParameterError(
            "the workspace has no inbound contacts" + (f" for queue(s) {', '.join(queues)}"
                                                       if queues else ""),
            hint="ingest contacts first, or pass --history FILE")
    return IntervalHistory(frame, interval_min, workspace.config.time_zone,
                           f"workspace {workspace.root}")


# ---------------------------------------------------------------------------- files
ANONYMOUS_BANK_HEADER = ["date", "weekday", "interval", "interval_start", "calls"]
NAB_HEADER = ["rownames", "DateTime", "Calls"]
VOLUME_NAMES = ("volume", "offered", "calls")
QUEUE_NAMES = ("queue_id", "queue")


def read_history_csv(path: Path, *, time_zone: str = "Europe/Paris",
                     interval_min: int | None = None) -> IntervalHistory:
    """A CSV of interval counts (or one of the two known real data sets, by header)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})",
                         hint="check the path given to --history") from None
    if header == ANONYMOUS_BANK_HEADER:
        history = read_anonymous_bank_6min(path)
    elif header == NAB_HEADER:
        history = read_nab_bank_calls(path)
    else:
        history = _read_counts(path, header, time_zone)
    return history if interval_min is None else history.resample(interval_min)


def _column(header: list[str], names: tuple[str, ...], path: Path,
            required: bool = True) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    if required:
        raise InputError(f"{path}, line 1: no column {' / '.join(names)} in header {header}",
                         hint="interval counts need queue_id, interval_start, volume "
                              "(and optionally aht_s)")
    return None


def _read_counts(path: Path, header: list[str], time_zone: str) -> IntervalHistory:
    q_col = _column(header, QUEUE_NAMES, path)
    t_col = _column(header, ("interval_start",), path)
    v_col = _column(header, VOLUME_NAMES, path)
    a_col = _column(header, ("aht_s",), path, required=False)
    assert q_col is not None and t_col is not None and v_col is not None
    zone = pd.Timestamp.now(tz=time_zone).tz
    queue: list[str] = []
    local: list[dt.datetime] = []
    volume: list[float] = []
    aht: list[float] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        for line, row in enumerate(reader, start=2):
            if not row:
                continue

            def bad(column: str, value: str, fix: str, line: int = line) -> InputError:
                return InputError(f"{path}, line {line}, column {column}: {value!r} {fix}",
                                  hint="fix or remove the line; every interval must be "
                                       "readable for the history to be complete")

            try:
                moment = dt.datetime.fromisoformat(row[t_col].strip())
            except (ValueError, IndexError):
                raise bad("interval_start", row[t_col] if len(row) > t_col else "",
                          "is not an ISO 8601 time (2026-10-05T08:30)") from None
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone).replace(tzinfo=None)
            try:
                value = float(row[v_col])
            except (ValueError, IndexError):
                raise bad(header[v_col], row[v_col] if len(row) > v_col else "",
                          "is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise bad(header[v_col], row[v_col], "must be a finite number ≥ 0")
            handle_s = math.nan
            if a_col is not None and len(row) > a_col and row[a_col].strip():
                try:
                    handle_s = float(row[a_col])
                except ValueError:
                    raise bad("aht_s", row[a_col], "is not a number of seconds") from None
                if not math.isfinite(handle_s) or handle_s <= 0:
                    raise bad("aht_s", row[a_col], "must be a number of seconds > 0")
            queue.append(row[q_col].strip())
            local.append(moment)
            volume.append(value)
            aht.append(handle_s)
    if not queue:
        raise InputError(f"{path}: no interval rows", hint="the file has only a header")
    frame = _frame(queue, local, volume, aht)
    return IntervalHistory(frame, _interval_of(frame, path), time_zone, str(path))


def _interval_of(frame: pd.DataFrame, path: Path) -> int:
    gaps = frame.groupby("queue_id")["local_start"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    if gaps.empty:
        raise InputError(f"{path}: cannot infer the interval length from one row per queue",
                         hint="give --interval-min")
    minutes = int(gaps.min() / pd.Timedelta(minutes=1))
    if minutes <= 0 or (24 * 60) % minutes:
        raise InputError(f"{path}: interval starts are {minutes} min apart, which does not "
                         "divide a day", hint="use 5, 6, 10, 15, 30 or 60-minute intervals")
    return minutes


def read_anonymous_bank_6min(path: Path) -> IntervalHistory:
    """``shared/data/anonymous-bank-1999-6min``: one queue ``anonymous-bank``, 6-minute counts.

    The two days absent from the source (1999-01-11 and -12) are closed days (not learnt from);
    1999-05-23 (half-unit values, an adjustment by the data's authors) is kept as is."""
    raw = pd.read_csv(path, dtype={"date": str, "interval_start": str, "calls": "float64"})
    local = pd.to_datetime(raw["date"] + "T" + raw["interval_start"])
    frame = _frame(["anonymous-bank"] * len(raw), local, list(raw["calls"]),
                   [math.nan] * len(raw))
    days = set(local.dt.date)
    first, last = min(days), max(days)
    missing = {first + dt.timedelta(days=i) for i in range((last - first).days + 1)} - days
    return IntervalHistory(frame, 6, "Asia/Jerusalem", str(path), frozenset(missing))


def read_nab_bank_calls(path: Path) -> IntervalHistory:
    """``shared/data/nab-bank-calls-2003``: one queue ``nab-bank``, 5-minute counts, weekdays
    07:00–21:00 local (the ``Z`` suffix is an export artefact: the times are local).

    The weekdays absent from the source (US holidays and others) are closed days."""
    raw = pd.read_csv(path)
    local = pd.to_datetime(raw["DateTime"].str.rstrip("Z"))
    frame = _frame(["nab-bank"] * len(raw), local, list(raw["Calls"].astype("float64")),
                   [math.nan] * len(raw))
    days = set(local.dt.date)
    first, last = min(days), max(days)
    missing = {d for d in (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
               if d.weekday() < 5 and d not in days}
    return IntervalHistory(frame, 5, "America/New_York", str(path), frozenset(missing))


def low_days(history: IntervalHistory, queue_id: str, *, ratio: float = 0.3) -> frozenset[dt.date]:
    """Days whose volume is below ``ratio`` × the median of the same weekday (holidays the
    data show, e.g. Passover and Yom Kippur in the anonymous bank's 1999)."""
    f = history.queue(queue_id)
    totals = f.groupby(f["local_start"].dt.date)["volume"].sum()
    weekday = pd.Series([d.weekday() for d in totals.index], index=totals.index)
    median = totals.groupby(weekday).transform("median")
    return frozenset(d for d, total, m in zip(totals.index, totals, median, strict=True)
                     if m > 0 and total < ratio * m)
