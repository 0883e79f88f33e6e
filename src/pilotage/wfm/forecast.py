"""Volume and AHT forecasts per queue and interval, saved as snapshots in ``forecasts``.

How a forecast is made (one queue, from a local midnight ``origin``):

1. **Grid.** The history is laid on the full local interval grid (missing intervals are 0).
   The training window is the ``train_weeks`` whole weeks before the origin.
2. **Closed days** (public holidays, declared closed days, days absent from the source) are
   *not learnt from*: in training their intervals are replaced by the mean of the (up to 4)
   nearest same weekdays; in the horizon they are forecast as 0 (closed). French public
   holidays come from :func:`pilotage.demo.calendar.french_public_holidays`.
3. **Opening mask.** An interval of the week (e.g. Monday 09:00) is open when the training
   window has volume there at least once; closed ones (night, Sunday) are forecast 0.
4. **Layout.** ``full`` (default) fits on the whole grid, zeros included, then zeroes the
   closed intervals; ``open`` fits the model on the open intervals only, one after the
   other, with seasons *open intervals per day* (when all open days have as many) and *per
   week*. Both are measured in ``docs/forecasting.md``: ``full`` is better for MSTL on both
   real series and faster.
5. **AHT** is the volume-weighted mean of the same interval of the week over the last 4 weeks
   (queue mean where that interval has none).
6. **Adjustments** (percent or absolute, per day or per interval) are applied last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from pilotage.demo.calendar import french_public_holidays
from pilotage.errors import ParameterError
from pilotage.store import Batch, LoadReport, Workspace
from pilotage.wfm.choices import Holidays, Layout
from pilotage.wfm.forecast_models import BASELINE, MODELS, FloatArray, Seasons, check_model, predict
from pilotage.wfm.history import IntervalHistory


@dataclass(frozen=True)
class ForecastSettings:
    """How to forecast; ``model='auto'`` picks per queue the best of ``candidates`` by a
    short rolling backtest (WAPE)."""

    model: str = "auto"
    layout: Layout = Layout.FULL
    train_weeks: int = 8
    holidays: Holidays = Holidays.FR
    closed_days: frozenset[dt.date] = field(default_factory=frozenset)
    candidates: tuple[str, ...] = ("seasonal_naive", "seasonal_mean", "mstl")
    auto_folds: int = 3

    def __post_init__(self) -> None:
        if self.model != "auto":
            check_model(self.model)
        for name in self.candidates:
            check_model(name)
        if self.train_weeks < 1:
            raise ParameterError(f"train_weeks must be ≥ 1, got {self.train_weeks!r}")


def holiday_days(policy: Holidays, first: dt.date, last: dt.date) -> set[dt.date]:
    if policy is Holidays.NONE:
        return set()
    days: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        days.update(french_public_holidays(year))
    return days


# ---------------------------------------------------------------------------- series
@dataclass(frozen=True)
class QueueSeries:
    """One queue's history on the full local grid: ``y[i]`` is the volume of ``start +
    i × interval``; ``aht_s`` NaN where unknown."""

    queue_id: str
    start: pd.Timestamp  # local midnight of the first day
    interval_min: int
    y: FloatArray
    aht_s: FloatArray
    closed_days: frozenset[dt.date]  # known in the history (absent, exceptional)

    @property
    def per_day(self) -> int:
        return 24 * 60 // self.interval_min

    @property
    def days(self) -> int:
        return len(self.y) // self.per_day

    def day(self, index: int) -> dt.date:
        return (self.start + pd.Timedelta(days=index)).date()

    def day_index(self, day: dt.date) -> int:
        return (day - self.start.date()).days

    @classmethod
    def of(cls, history: IntervalHistory, queue_id: str) -> QueueSeries:
        f = history.queue(queue_id)
        start = pd.Timestamp(f["local_start"].min()).normalize()
        end = pd.Timestamp(f["local_start"].max()).normalize() + pd.Timedelta(days=1)
        step = pd.Timedelta(minutes=history.interval_min)
        n = int((end - start) / step)
        pos = ((f["local_start"] - start) / step).to_numpy()
        if not np.all(pos == np.floor(pos)):
            raise ParameterError(f"{history.source}: queue {queue_id!r} has interval starts "
                                 f"off the {history.interval_min}-minute grid",
                                 hint="give --interval-min matching the file")
        idx = pos.astype(np.int64)
        y = np.zeros(n)
        np.add.at(y, idx, f["volume"].to_numpy(dtype=np.float64))
        aht = np.full(n, np.nan)
        aht[idx] = f["aht_s"].to_numpy(dtype=np.float64)
        return cls(queue_id, start, history.interval_min, y, aht, history.closed_days)


def _slot_of_week(series: QueueSeries, first: int, count: int) -> np.ndarray:
    per_day = series.per_day
    positions = np.arange(first, first + count)
    weekday0 = series.start.weekday()
    return ((positions // per_day + weekday0) % 7) * per_day + positions % per_day


def _impute_closed(y: np.ndarray, days: list[bool], per_day: int) -> np.ndarray:
    """Replace each closed day by the mean of the (up to 4) nearest open same weekdays."""
    out = y.copy()
    n_days = len(days)
    for d in range(n_days):
        if not days[d]:
            continue
        same = [o for o in range(d % 7, n_days, 7) if o != d and not days[o]]
        same.sort(key=lambda o: abs(o - d))
        if same:
            rows = [y[o * per_day:(o + 1) * per_day] for o in same[:4]]
            out[d * per_day:(d + 1) * per_day] = np.mean(rows, axis=0)
    return out


@dataclass(frozen=True)
class SeriesForecast:
    """Forecast of ``volume`` for the grid positions ``first .. first + len(volume)``."""

    first: int
    volume: FloatArray
    aht_s: FloatArray
    model: str


def forecast_series(series: QueueSeries, origin_day: int, horizon_days: int, model: str,
                    settings: ForecastSettings) -> SeriesForecast:
    """Forecast ``horizon_days`` from the start of day ``origin_day`` (an index into the grid;
    it may lie past the history's end) with ``model``, learning from the weeks before."""
    per_day = series.per_day
    train_days = min(settings.train_weeks * 7, (origin_day // 7) * 7)
    if train_days < 7:
        raise ParameterError(f"queue {series.queue_id!r}: less than one week of history "
                             "before the forecast start", hint="give a longer history")
    t0 = (origin_day - train_days) * per_day
    t1 = origin_day * per_day
    h = horizon_days * per_day
    last_day = series.day(origin_day + horizon_days)
    closed = (set(settings.closed_days) | set(series.closed_days)
              | holiday_days(settings.holidays, series.day(origin_day - train_days), last_day))
    train_closed = [series.day(d) in closed for d in range(origin_day - train_days, origin_day)]
    y = np.zeros(train_days * per_day)
    known = series.y[t0:min(t1, len(series.y))]
    y[:len(known)] = known
    y = _impute_closed(y, train_closed, per_day)
    week = 7 * per_day
    open_slot = np.zeros(week, dtype=bool)
    open_slot[_slot_of_week(series, t0, len(y))[y > 0]] = True
    horizon_slots = _slot_of_week(series, t1, h)
    horizon_open = open_slot[horizon_slots]
    if settings.layout is Layout.OPEN:
        train_open = open_slot[_slot_of_week(series, t0, len(y))]
        per_weekday = open_slot.reshape(7, per_day).sum(axis=1)
        lengths = set(per_weekday[per_weekday > 0].tolist())
        seasons = Seasons(day=lengths.pop() if len(lengths) == 1 else None,
                          week=int(open_slot.sum()))
        volume = np.zeros(h)
        if seasons.week:
            volume[horizon_open] = predict(model, y[train_open], int(horizon_open.sum()),
                                           seasons)
    else:
        volume = predict(model, y, h, Seasons(day=per_day, week=week))
        volume = np.where(horizon_open, volume, 0.0)
    volume = np.clip(volume, 0.0, None)
    for d in range(horizon_days):
        if series.day(origin_day + d) in closed:
            volume[d * per_day:(d + 1) * per_day] = 0.0
    return SeriesForecast(t1, volume, _aht(series, t1, h), model)


def _aht(series: QueueSeries, t1: int, h: int) -> FloatArray:
    """Volume-weighted AHT of each interval of the week over the 4 weeks before ``t1``."""
    week = 7 * series.per_day
    t0 = max(0, t1 - 4 * week)
    end = min(t1, len(series.y))
    aht = series.aht_s[t0:end]
    vol = series.y[t0:end]
    ok = np.isfinite(aht) & (vol > 0)
    if not ok.any():
        return np.full(h, np.nan)
    slots = _slot_of_week(series, t0, end - t0)[ok]
    handle = np.bincount(slots, weights=aht[ok] * vol[ok], minlength=week)
    weight = np.bincount(slots, weights=vol[ok], minlength=week)
    mean = float(handle.sum() / weight.sum())
    by_slot = np.where(weight > 0, handle / np.where(weight > 0, weight, 1.0), mean)
    return np.asarray(by_slot[_slot_of_week(series, t1, h)], dtype=np.float64)


# ---------------------------------------------------------------------------- adjustments
_ADJUST = re.compile(r"^(?P<start>[0-9T:\-]+?)(?:\.\.(?P<end>[0-9T:\-]+))?"
                     r"=(?P<value>[+-][0-9]+(?:\.[0-9]+)?)(?P<pct>%?)$")


@dataclass(frozen=True)
class Adjustment:
    """A manual change: ``percent`` (+10 = ×1.10) or ``absolute`` contacts added, to whole
    local days ``first..last`` or to one local interval (``interval`` set)."""

    first: dt.date
    last: dt.date
    interval: dt.time | None = None
    percent: float | None = None
    absolute: float | None = None

    @classmethod
    def parse(cls, text: str) -> Adjustment:
        """``2026-10-05=+10%``, ``2026-10-05..2026-10-09=-20%``, ``2026-10-05T09:00=+12``
        (contacts added to the interval), ``2026-10-05=+200`` (spread over the day as the
        forecast is)."""
        match = _ADJUST.match(text.replace(" ", ""))
        hint = ("write DAY=+10%, DAY..DAY=-20%, DAYTHH:MM=+12 or DAY=+200 "
                "(e.g. 2026-10-05T09:00=+12)")
        if match is None:
            raise ParameterError(f"--adjust {text!r} is not an adjustment", hint=hint)
        try:
            start = dt.datetime.fromisoformat(match["start"])
            end = dt.datetime.fromisoformat(match["end"]) if match["end"] else start
        except ValueError:
            raise ParameterError(f"--adjust {text!r}: bad date", hint=hint) from None
        interval = start.time() if "T" in match["start"] else None
        if interval is not None and match["end"]:
            raise ParameterError(f"--adjust {text!r}: a range takes whole days", hint=hint)
        if end.date() < start.date():
            raise ParameterError(f"--adjust {text!r}: the range ends before it starts")
        value = float(match["value"])
        if match["pct"]:
            if value <= -100:
                raise ParameterError(f"--adjust {text!r}: a percentage must be above -100 %")
            return cls(start.date(), end.date(), interval, percent=value)
        return cls(start.date(), end.date(), interval, absolute=value)


def apply_adjustments(local_start: pd.DatetimeIndex, volume: FloatArray,
                      adjustments: Sequence[Adjustment], interval_min: int) -> FloatArray:
    """The volumes after each adjustment in turn (never below 0)."""
    out = np.asarray(volume, dtype=np.float64).copy()
    days = np.asarray(local_start.date)
    for adj in adjustments:
        in_days = (days >= adj.first) & (days <= adj.last)
        if adj.interval is not None:
            target = in_days & (np.asarray(local_start.time) == adj.interval)
            if not target.any():
                raise ParameterError(
                    f"--adjust {adj.first}T{adj.interval:%H:%M}: no such {interval_min}-minute "
                    "interval in the forecast", hint="use an interval start within the horizon")
        else:
            target = in_days
            if not target.any():
                raise ParameterError(f"--adjust {adj.first}..{adj.last}: outside the forecast "
                                     "horizon")
        if adj.percent is not None:
            out[target] *= 1.0 + adj.percent / 100.0
        elif adj.interval is not None:
            out[target] += adj.absolute or 0.0
        else:
            for day in sorted(set(days[target])):
                sel = days == day
                total = out[sel].sum()
                if total <= 0:
                    raise ParameterError(f"--adjust {day}: the day is forecast closed (0)",
                                         hint="adjust an open interval (DAYTHH:MM=+N) instead")
                out[sel] += (adj.absolute or 0.0) * out[sel] / total
        np.clip(out, 0.0, None, out=out)
    return out


# ---------------------------------------------------------------------------- forecasts
@dataclass(frozen=True)
class QueueForecast:
    """One queue's forecast: ``frame`` has ``local_start``, ``interval_start`` (UTC, naive),
    ``volume``, ``aht_s`` (NaN when the history has no AHT)."""

    queue_id: str
    model: str
    interval_min: int
    time_zone: str
    frame: pd.DataFrame

    @property
    def total_volume(self) -> float:
        return float(self.frame["volume"].sum())


def to_utc(local: pd.DatetimeIndex, time_zone: str) -> pd.Series:
    """Naive local → naive UTC; the repeated autumn hour takes its first (summer) instant and
    the spring gap's intervals (which do not exist) are NaT."""
    aware = local.tz_localize(time_zone, ambiguous=np.ones(len(local), dtype=bool),
                              nonexistent="NaT")
    return pd.Series(aware.tz_convert("UTC").tz_localize(None), index=range(len(local)))


def forecast_queue(history: IntervalHistory, queue_id: str, *, horizon_days: int,
                   start: dt.date | None = None, settings: ForecastSettings | None = None,
                   adjustments: Sequence[Adjustment] = ()) -> QueueForecast:
    """Forecast ``horizon_days`` from ``start`` (default: the day after the history)."""
    settings = settings or ForecastSettings()
    if horizon_days < 1:
        raise ParameterError(f"--horizon must be at least 1 day, got {horizon_days!r} days")
    series = QueueSeries.of(history, queue_id)
    start = start or history.last_day + dt.timedelta(days=1)
    origin = series.day_index(start)
    if origin > series.days:
        raise ParameterError(f"forecast start {start} leaves a gap after the history, which "
                             f"ends on {history.last_day}", hint="start the day after it")
    model = settings.model
    if model == "auto":
        from pilotage.wfm.backtest import choose_model

        model = choose_model(series, settings, horizon_days=min(horizon_days, 7),
                             last_origin=origin)
    result = forecast_series(series, origin, horizon_days, model, settings)
    step = pd.Timedelta(minutes=history.interval_min)
    local = pd.DatetimeIndex([series.start + step * (result.first + i)
                              for i in range(len(result.volume))])
    volume = apply_adjustments(local, result.volume, adjustments, history.interval_min)
    frame = pd.DataFrame({"local_start": local, "interval_start": to_utc(local, history.time_zone),
                          "volume": volume, "aht_s": result.aht_s})
    frame = frame[frame["interval_start"].notna()].reset_index(drop=True)
    label = f"{model} ({settings.layout.value}, {settings.train_weeks} wk)"
    if adjustments:
        label += f" + {len(adjustments)} adjustment(s)"
    return QueueForecast(queue_id, label, history.interval_min, history.time_zone, frame)


def forecasts_table(forecasts: Iterable[QueueForecast], *, snapshot_id: str,
                    created_at: dt.datetime) -> pa.Table:
    """Rows of the ``forecasts`` table (intervals forecast 0 are kept: a forecast of closed)."""
    parts = []
    for fc in forecasts:
        f = fc.frame
        n = len(f)
        parts.append(pa.table({
            "snapshot_id": pa.array([snapshot_id] * n, pa.string()),
            "created_at": pa.array([created_at] * n, pa.timestamp("us")),
            "queue_id": pa.array([fc.queue_id] * n, pa.string()),
            "interval_start": pa.array(f["interval_start"].to_numpy().astype("datetime64[us]")),
            "interval_min": pa.array([fc.interval_min] * n, pa.int32()),
            "volume": pa.array(np.round(f["volume"].to_numpy(), 4), pa.float64()),
            "aht_s": pa.array(f["aht_s"].round(2).to_numpy(), pa.float64(), from_pandas=True),
            "model": pa.array([fc.model] * n, pa.string())}))
    return pa.concat_tables(parts)


def save_forecasts(workspace: Workspace, forecasts: Sequence[QueueForecast], *,
                   created_at: dt.datetime | None = None,
                   snapshot_id: str | None = None) -> tuple[str, LoadReport]:
    """Commit the forecasts as one snapshot of ``forecasts``; returns its id and the load.

    ``created_at`` (naive UTC, default now) decides which intervals the snapshot is *in
    force* for in ``forecast_accuracy_*``: those starting after it."""
    created = created_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if created.tzinfo is not None:
        created = created.astimezone(dt.UTC).replace(tzinfo=None)
    snapshot = snapshot_id or f"FC-{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    table = forecasts_table(forecasts, snapshot_id=snapshot, created_at=created)
    digest = hashlib.sha256(f"forecast\0{snapshot}\0{created.isoformat()}".encode()).hexdigest()
    batch = Batch(source_path=f"forecast:{snapshot}", content_sha256=digest, format="forecast",
                  tables={"forecasts": table}, rows_read=table.num_rows,
                  rows_loaded=table.num_rows, keys_unique=True)
    return snapshot, workspace.commit(batch)


__all__ = ["BASELINE", "MODELS", "Adjustment", "ForecastSettings", "Holidays", "Layout",
           "QueueForecast", "QueueSeries", "SeriesForecast", "apply_adjustments",
           "forecast_queue", "forecast_series", "forecasts_table", "holiday_days",
           "save_forecasts", "to_utc"]
