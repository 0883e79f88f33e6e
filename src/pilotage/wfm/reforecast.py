"""Intraday re-forecast: the rest of the day from what has happened so far.

The day's forecast (made before the day) gives a volume and an AHT per interval. At the
cut-off ("now") the first ``observed`` intervals are known. Each method turns the observed
part into a multiplicative **level** applied to the forecast of the remaining intervals (the
intraday *profile* of the forecast is kept; only its level moves):

* ``none``: keep the forecast (the baseline every method must beat);
* ``ratio``: level = A / F, actual over forecast volume so far (no shrinkage: one busy
  interval at 08:00 moves the whole day);
* ``shrunk_ratio``: level = (A + k) / (F + k) with k = k₀ + κ·D (D the forecast volume of
  the whole day). With κ = 0 it is the posterior mean of a day level L with a Gamma(k₀, k₀)
  prior (mean 1) when the observed contacts are Poisson of mean L·F; the weight given to the
  observation, F / (F + k), grows with the volume forecast so far (so with the observed
  volume). κ > 0 adds that the morning level predicts the afternoon's imperfectly whatever
  the volume: the weight then also grows with the share of the day already seen, F / D;
* ``recent_ratio``: the shrunk ratio over the last ``recent_min`` minutes only (follows a
  level that drifts during the day, at the price of fewer contacts to learn from); k as
  above, F and A over the window;
* ``decayed_ratio`` (default): the shrunk ratio with F and A weighted by 0.5^(age /
  ``half_life_min``), the age of an interval counted from the last one seen. As accurate as
  ``recent_ratio`` on the real series and it keeps (discounted) the older intervals, which a
  small queue needs.

AHT is re-forecast the same way with handle seconds: level = (H + k_aht·a) / (a·n + k_aht·a)
where H is the actual handle time of the n contacts handled so far and a their forecast AHT
(volume-weighted), i.e. the shrunk ratio of actual to forecast AHT with weight
n / (n + k_aht). The back-test on the per-call records of the anonymous bank
(:func:`backtest_aht`) wants a strong prior, k_aht = 1600 handled contacts: the AHT of a
morning says little about the afternoon's (the plain ratio is 7–29 % worse than no
re-forecast there).

:func:`backtest_reforecast` measures the methods on a real series: for every day, the forecast
made at the previous midnight by a model of :mod:`pilotage.wfm.forecast_models`, re-forecast at
each cut-off; WAPE of the remaining intervals, summed over days. ``docs/intraday.md`` has the
figures; the default ``prior_contacts`` comes from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError
from pilotage.wfm.choices import ReforecastMethod as Method
from pilotage.wfm.forecast import ForecastSettings, QueueSeries, forecast_series

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ReforecastSettings:
    """How to re-forecast; ``prior_contacts`` is k (see the module docstring)."""

    method: Method = Method.DECAYED_RATIO
    prior_contacts: float = 100.0  # k₀
    prior_share: float = 0.1  # κ
    recent_min: int = 120
    half_life_min: int = 120
    prior_handled: float = 1600.0  # k for AHT, in handled contacts

    def __post_init__(self) -> None:
        if not (np.isfinite(self.prior_contacts) and self.prior_contacts >= 0):
            raise ParameterError(f"prior_contacts must be ≥ 0, got {self.prior_contacts!r}",
                                 hint="100 is measured best in docs/intraday.md")
        if not (np.isfinite(self.prior_share) and self.prior_share >= 0):
            raise ParameterError(f"prior_share must be ≥ 0, got {self.prior_share!r}")
        if not (np.isfinite(self.prior_handled) and self.prior_handled >= 0):
            raise ParameterError(f"prior_handled must be ≥ 0, got {self.prior_handled!r}")
        if self.half_life_min <= 0:
            raise ParameterError(f"half_life_min must be > 0, got {self.half_life_min!r}")
        if self.recent_min <= 0:
            raise ParameterError(f"recent_min must be > 0, got {self.recent_min!r}")


@dataclass(frozen=True)
class Level:
    """The multiplicative level applied to the remaining forecast, and the evidence for it."""

    value: float
    forecast_so_far: float  # F (contacts), or forecast handle seconds for AHT
    actual_so_far: float  # A (contacts), or actual handle seconds for AHT
    weight: float  # weight of the observation, in [0, 1]


def volume_level(forecast: FloatArray, actual: FloatArray, observed: int, interval_min: int,
                 settings: ReforecastSettings) -> Level:
    """Level of the day from the first ``observed`` intervals (arrays over the whole day)."""
    if settings.method is Method.RECENT_RATIO:
        first = max(0, observed - max(1, settings.recent_min // interval_min))
    else:
        first = 0
    if settings.method is Method.DECAYED_RATIO:
        age_min = (observed - 1 - np.arange(observed)) * interval_min
        weights = 0.5 ** (age_min / settings.half_life_min)
    else:
        weights = np.ones(observed - first)
    f = float(np.sum(weights * forecast[first:observed]))
    a = float(np.sum(weights * actual[first:observed]))
    match settings.method:
        case Method.NONE:
            return Level(1.0, f, a, 0.0)
        case Method.RATIO:
            return Level(a / f, f, a, 1.0) if f > 0 else Level(1.0, f, a, 0.0)
    k = settings.prior_contacts + settings.prior_share * float(np.sum(forecast))
    if f + k <= 0:
        return Level(1.0, f, a, 0.0)
    return Level((a + k) / (f + k), f, a, f / (f + k))


def aht_level(forecast_aht_s: FloatArray, handled: FloatArray, handle_s: FloatArray,
              observed: int, settings: ReforecastSettings) -> Level:
    """Level of the AHT: shrunk ratio of actual handle seconds to the forecast AHT of the
    contacts handled so far (``handled`` and ``handle_s`` per interval of the day)."""
    n = handled[:observed]
    a_fc = np.nan_to_num(forecast_aht_s[:observed])
    expected = float(np.sum(n * a_fc))
    actual = float(np.sum(handle_s[:observed]))
    count = float(np.sum(n[a_fc > 0]))
    if settings.method is Method.NONE or expected <= 0 or count <= 0:
        return Level(1.0, expected, actual, 0.0)
    if settings.method is Method.RATIO:
        return Level(actual / expected, expected, actual, 1.0)
    mean_aht = expected / count
    k = settings.prior_handled * mean_aht
    return Level((actual + k) / (expected + k), expected, actual, count / (count +
                                                                           settings.prior_handled))


def reforecast_day(forecast: FloatArray, actual: FloatArray, observed: int, interval_min: int,
                   settings: ReforecastSettings) -> FloatArray:
    """The day re-forecast: actual volumes for the observed intervals, the forecast times the
    level for the others."""
    level = volume_level(forecast, actual, observed, interval_min, settings)
    out = np.asarray(forecast, dtype=np.float64) * level.value
    out[:observed] = actual[:observed]
    return out


# ---------------------------------------------------------------------------- backtest
@dataclass(frozen=True)
class CutoffAccuracy:
    """WAPE of the rest of the day after ``cutoff``, summed over ``days`` days."""

    method: str
    cutoff: dt.time
    days: int
    wape: float
    wape_forecast: float  # the original forecast on the same intervals
    days_better: int  # days whose remaining absolute error is lower than the forecast's

    @property
    def improvement(self) -> float:
        """1 − WAPE(re-forecast) / WAPE(forecast)."""
        return 1.0 - self.wape / self.wape_forecast


@dataclass(frozen=True)
class DayForecasts:
    """Forecasts made at each day's midnight for the days of a backtest (``volume[d]`` is the
    day forecast, ``actual[d]`` the truth)."""

    queue_id: str
    model: str
    interval_min: int
    days: tuple[dt.date, ...]
    forecast: FloatArray  # [days, per_day]
    actual: FloatArray  # [days, per_day]


def day_ahead_forecasts(series: QueueSeries, model: str, *, settings: ForecastSettings,
                        skip: frozenset[dt.date] = frozenset(),
                        first_day: int | None = None, every: int = 1) -> DayForecasts:
    """For every ``every``-th day after ``settings.train_weeks`` weeks of history (or from day
    index ``first_day``), the one-day forecast made at its midnight with ``model``; days in
    ``skip`` (closed, anomalous) are left out."""
    per_day = series.per_day
    start = settings.train_weeks * 7 if first_day is None else first_day
    days, fcs, acts = [], [], []
    for d in range(start, series.days, max(1, every)):
        day = series.day(d)
        truth = series.y[d * per_day:(d + 1) * per_day]
        if day in skip or truth.sum() <= 0:
            continue
        fc = forecast_series(series, d, 1, model, settings)
        days.append(day)
        fcs.append(fc.volume)
        acts.append(truth)
    if not days:
        raise ParameterError(f"queue {series.queue_id!r}: no day to backtest after "
                             f"{start} days of history", hint="give a longer history")
    return DayForecasts(series.queue_id, model, series.interval_min, tuple(days),
                        np.vstack(fcs), np.vstack(acts))


def backtest_reforecast(days: DayForecasts, cutoffs: Sequence[dt.time],
                        methods: Sequence[ReforecastSettings]) -> list[CutoffAccuracy]:
    """Accuracy of each method at each cut-off over every day of ``days``."""
    out = []
    step = days.interval_min
    for cutoff in cutoffs:
        minutes = cutoff.hour * 60 + cutoff.minute
        if minutes % step:
            raise ParameterError(f"cut-off {cutoff:%H:%M} is not on the {step}-minute grid")
        observed = minutes // step
        truth = days.actual[:, observed:]
        base_err = np.abs(days.forecast[:, observed:] - truth).sum(axis=1)
        total = float(truth.sum())
        for settings in methods:
            err = np.array([
                np.abs(reforecast_day(f, a, observed, step, settings)[observed:] - a[observed:])
                .sum() for f, a in zip(days.forecast, days.actual, strict=True)])
            out.append(CutoffAccuracy(label(settings), cutoff, len(days.days),
                                      float(err.sum() / total), float(base_err.sum() / total),
                                      int((err < base_err - 1e-9).sum())))
    return out


def label(settings: ReforecastSettings) -> str:
    match settings.method:
        case Method.SHRUNK_RATIO:
            return f"shrunk_ratio k0={settings.prior_contacts:g} κ={settings.prior_share:g}"
        case Method.DECAYED_RATIO:
            return (f"decayed_ratio half-life {settings.half_life_min} min "
                    f"k0={settings.prior_contacts:g} κ={settings.prior_share:g}")
        case Method.RECENT_RATIO:
            return (f"recent_ratio {settings.recent_min} min k0={settings.prior_contacts:g} "
                    f"κ={settings.prior_share:g}")
    return settings.method.value


# ---------------------------------------------------------------------------- AHT back-test
@dataclass(frozen=True)
class DayHandling:
    """Per day and interval: the AHT forecast at the day's midnight, and the handled contacts
    and their handle seconds that followed."""

    queue_id: str
    interval_min: int
    days: tuple[dt.date, ...]
    forecast_aht_s: FloatArray  # [days, per_day], NaN where no AHT is known
    handled: FloatArray
    handle_s: FloatArray


def day_ahead_aht(series: QueueSeries, *, settings: ForecastSettings,
                  first_day: int = 28) -> DayHandling:
    """``series`` holds *handled* contacts in ``y`` and their mean handle time in ``aht_s``;
    for every day from ``first_day`` the AHT forecast of :mod:`pilotage.wfm.forecast` (the
    volume-weighted same interval of the week over the 4 weeks before)."""
    per_day = series.per_day
    days, fcs, counts, seconds = [], [], [], []
    for d in range(first_day, series.days):
        n = series.y[d * per_day:(d + 1) * per_day]
        if n.sum() <= 0:
            continue
        fc = forecast_series(series, d, 1, "seasonal_naive", settings)
        days.append(series.day(d))
        fcs.append(fc.aht_s)
        counts.append(n)
        seconds.append(n * np.nan_to_num(series.aht_s[d * per_day:(d + 1) * per_day]))
    if not days:
        raise ParameterError(f"queue {series.queue_id!r}: no day with handled contacts after "
                             f"day {first_day}", hint="give a longer history")
    return DayHandling(series.queue_id, series.interval_min, tuple(days), np.vstack(fcs),
                       np.vstack(counts), np.vstack(seconds))


def backtest_aht(days: DayHandling, cutoffs: Sequence[dt.time],
                 methods: Sequence[ReforecastSettings]) -> list[CutoffAccuracy]:
    """Handle-time WAPE of the rest of the day, Σ n·|AHT re-forecast − AHT actual| / Σ n·AHT
    actual over the remaining intervals with handled contacts, for each AHT prior."""
    out = []
    step = days.interval_min
    fc = np.where(np.isfinite(days.forecast_aht_s), days.forecast_aht_s, np.nan)
    for d in range(fc.shape[0]):  # intervals never seen in the 4 weeks: the day's mean
        row = fc[d]
        weights = days.handled[d] * np.isfinite(row)
        mean = float(np.nansum(row * weights) / weights.sum()) if weights.sum() > 0 else 0.0
        fc[d] = np.where(np.isfinite(row), row, mean)
    for cutoff in cutoffs:
        observed = (cutoff.hour * 60 + cutoff.minute) // step
        n = days.handled[:, observed:]
        truth = days.handle_s[:, observed:]
        total = float(truth.sum())
        base_err = np.abs(n * fc[:, observed:] - truth).sum(axis=1)
        for settings in methods:
            err = np.empty(len(days.days))
            for d in range(len(days.days)):
                level = aht_level(fc[d], days.handled[d], days.handle_s[d], observed, settings)
                err[d] = np.abs(n[d] * fc[d, observed:] * level.value - truth[d]).sum()
            name = ("none" if settings.method is Method.NONE else "ratio"
                    if settings.method is Method.RATIO else
                    f"shrunk AHT k={settings.prior_handled:g} handled")
            out.append(CutoffAccuracy(name, cutoff, len(days.days), float(err.sum() / total),
                                      float(base_err.sum() / total),
                                      int((err < base_err - 1e-9).sum())))
    return out
