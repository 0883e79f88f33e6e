"""Rolling-origin backtests: accuracy by horizon day (WAPE, MASE), best model per queue.

Origins are local midnights, one week apart, the last one ``horizon_days`` before the end of
the history; each fold forecasts ``horizon_days`` from its origin with the weeks before it.

* WAPE of horizon day *d* = Σ|forecast − actual| / Σ actual over the intervals of day *d* of
  every fold (all intervals, closed ones included: a forecast on a closed interval is an error).
* MASE of horizon day *d* = mean over folds of MAE(day *d*) / MAE of the weekly seasonal naive
  forecast in sample (the fold's training window, one step = one week back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pilotage.errors import ParameterError
from pilotage.wfm.forecast import ForecastSettings, QueueSeries, forecast_series
from pilotage.wfm.forecast_models import BASELINE, check_model
from pilotage.wfm.history import IntervalHistory

ALL_DAYS = 0  # horizon_day of the row over the whole horizon


@dataclass(frozen=True)
class AccuracyRow:
    queue_id: str
    model: str
    horizon_day: int  # 1 = the first day ahead; 0 = the whole horizon
    wape: float
    mase: float
    folds: int


@dataclass(frozen=True)
class Backtest:
    """Accuracy of each model for one queue, and the best model (lowest overall WAPE)."""

    queue_id: str
    layout: str
    horizon_days: int
    origins: tuple[str, ...]
    rows: tuple[AccuracyRow, ...]

    def overall(self, model: str) -> AccuracyRow:
        return next(r for r in self.rows if r.model == model and r.horizon_day == ALL_DAYS)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.model for r in self.rows))

    @property
    def best_model(self) -> str:
        return min(self.models, key=lambda m: self.overall(m).wape)

    def improvement(self, model: str | None = None) -> float:
        """1 − WAPE(model) / WAPE(seasonal naive); model defaults to the best one."""
        chosen = self.overall(model or self.best_model).wape
        return 1.0 - chosen / self.overall(BASELINE).wape

    def to_records(self) -> list[dict[str, object]]:
        return [{"queue_id": r.queue_id, "model": r.model, "horizon_day": r.horizon_day,
                 "wape": r.wape, "mase": r.mase, "folds": r.folds} for r in self.rows]


def origins_for(series: QueueSeries, *, folds: int, horizon_days: int, train_weeks: int,
                last_origin: int | None = None) -> list[int]:
    """Fold origins (day indexes), oldest first, one week apart."""
    last = series.days - horizon_days if last_origin is None else last_origin - horizon_days
    first_possible = 7 * min(train_weeks, 2)  # at least two weeks to learn from
    origins = [last - 7 * k for k in range(folds)]
    origins = [o for o in origins if o >= first_possible]
    if not origins:
        raise ParameterError(
            f"queue {series.queue_id!r}: {series.days} days of history are too few for a "
            f"{horizon_days}-day backtest", hint="shorten --horizon or give a longer history")
    return sorted(origins)


def backtest_series(series: QueueSeries, models: Sequence[str], *, folds: int = 4,
                    horizon_days: int = 7, settings: ForecastSettings | None = None,
                    last_origin: int | None = None) -> Backtest:
    settings = settings or ForecastSettings()
    if horizon_days < 1 or folds < 1:
        raise ParameterError(f"--folds and --horizon must be ≥ 1, got {folds} and "
                             f"{horizon_days} days")
    models = [check_model(m) for m in models]
    per_day = series.per_day
    week = 7 * per_day
    origins = origins_for(series, folds=folds, horizon_days=horizon_days,
                          train_weeks=settings.train_weeks, last_origin=last_origin)
    abs_err = {m: np.zeros((len(origins), horizon_days)) for m in models}
    actual = np.zeros((len(origins), horizon_days))
    scale = np.zeros(len(origins))
    for k, origin in enumerate(origins):
        t1 = origin * per_day
        t0 = max(0, t1 - settings.train_weeks * week)
        y_train = series.y[t0:t1]
        diffs = np.abs(y_train[week:] - y_train[:-week])
        scale[k] = float(diffs.mean()) if diffs.size else np.nan
        truth = series.y[t1:t1 + horizon_days * per_day].reshape(horizon_days, per_day)
        actual[k] = truth.sum(axis=1)
        for m in models:
            fc = forecast_series(series, origin, horizon_days, m, settings)
            abs_err[m][k] = np.abs(fc.volume.reshape(horizon_days, per_day) - truth).sum(axis=1)
    rows = []
    for m in models:
        for d in range(horizon_days + 1):
            cols = slice(None) if d == ALL_DAYS else slice(d - 1, d)
            err = abs_err[m][:, cols].sum()
            act = actual[:, cols].sum()
            n_int = per_day * (horizon_days if d == ALL_DAYS else 1)
            mase = np.nanmean(abs_err[m][:, cols].sum(axis=1) / n_int / scale)
            rows.append(AccuracyRow(series.queue_id, m, d,
                                    float(err / act) if act > 0 else float("nan"),
                                    float(mase), len(origins)))
    return Backtest(series.queue_id, settings.layout.value, horizon_days,
                    tuple(str(series.day(o)) for o in origins), tuple(rows))


def backtest(history: IntervalHistory, *, queues: Sequence[str] = (),
             models: Sequence[str] | None = None, folds: int = 4, horizon_days: int = 7,
             settings: ForecastSettings | None = None) -> list[Backtest]:
    """One backtest per queue (all queues of the history by default)."""
    settings = settings or ForecastSettings()
    chosen = list(models) if models else list(dict.fromkeys((BASELINE, *settings.candidates)))
    return [backtest_series(QueueSeries.of(history, q), chosen, folds=folds,
                            horizon_days=horizon_days, settings=settings)
            for q in (queues or history.queues)]


def choose_model(series: QueueSeries, settings: ForecastSettings, *, horizon_days: int,
                 last_origin: int) -> str:
    """The candidate with the lowest WAPE over a short backtest ending at ``last_origin``
    (the baseline when the history is too short to backtest)."""
    fold_settings = replace(settings, model=BASELINE)
    try:
        result = backtest_series(series, list(dict.fromkeys((BASELINE, *settings.candidates))),
                                 folds=settings.auto_folds, horizon_days=horizon_days,
                                 settings=fold_settings, last_origin=last_origin)
    except ParameterError:
        return BASELINE
    return result.best_model
