"""Intraday re-forecast: the level formulas by hand, and the back-test on the two real series
of shared/data (figures recorded in docs/intraday.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from pilotage.errors import ParameterError
from pilotage.wfm.call_records import read_handled_calls
from pilotage.wfm.forecast import ForecastSettings, Holidays, QueueSeries
from pilotage.wfm.history import low_days, read_history_csv
from pilotage.wfm.reforecast import (
    DayForecasts,
    Method,
    ReforecastSettings,
    aht_level,
    backtest_aht,
    backtest_reforecast,
    day_ahead_aht,
    day_ahead_forecasts,
    reforecast_day,
    volume_level,
)

FORECAST = np.array([10.0, 10.0, 20.0, 20.0, 40.0, 0.0])
ACTUAL = np.array([15.0, 15.0, 10.0, 30.0, 0.0, 0.0])


def test_shrunk_ratio_is_the_gamma_poisson_posterior_mean() -> None:
    # 4 intervals seen: A = 70, F = 60; day forecast D = 100; k = 20 + 0.5 × 100 = 70
    settings = ReforecastSettings(Method.SHRUNK_RATIO, prior_contacts=20, prior_share=0.5)
    level = volume_level(FORECAST, ACTUAL, 4, 30, settings)
    assert level.value == pytest.approx((70 + 70) / (60 + 70))
    assert level.weight == pytest.approx(60 / 130)
    out = reforecast_day(FORECAST, ACTUAL, 4, 30, settings)
    assert out[:4].tolist() == ACTUAL[:4].tolist()
    assert out[4] == pytest.approx(40 * 140 / 130) and out[5] == 0.0


def test_recent_ratio_learns_from_the_last_window_only() -> None:
    # 60-minute window at 30-minute intervals: intervals 2 and 3 (F = 40, A = 40)
    settings = ReforecastSettings(Method.RECENT_RATIO, prior_contacts=0, prior_share=0,
                                  recent_min=60)
    assert volume_level(FORECAST, ACTUAL, 4, 30, settings).value == pytest.approx(1.0)
    plain = ReforecastSettings(Method.RATIO)
    assert volume_level(FORECAST, ACTUAL, 4, 30, plain).value == pytest.approx(70 / 60)
    assert volume_level(FORECAST, ACTUAL, 0, 30, plain).value == 1.0  # nothing seen yet


def test_aht_level_weights_the_actual_by_the_handled_contacts() -> None:
    forecast_aht = np.array([200.0, 200.0, 200.0])
    handled = np.array([10.0, 30.0, 0.0])
    handle = np.array([2_400.0, 7_200.0, 0.0])  # 40 contacts at 240 s
    settings = ReforecastSettings(prior_handled=40)
    level = aht_level(forecast_aht, handled, handle, 2, settings)
    # (9,600 + 40 × 200) / (8,000 + 40 × 200) = 1.1, weight 40 / 80
    assert level.value == pytest.approx(1.1) and level.weight == pytest.approx(0.5)


def test_settings_refuse_negative_priors() -> None:
    with pytest.raises(ParameterError, match="prior_contacts"):
        ReforecastSettings(prior_contacts=-1)


def test_a_cutoff_off_the_grid_is_refused() -> None:
    days = DayForecasts("q", "m", 30, (dt.date(2026, 1, 5),), FORECAST[None, :],
                        ACTUAL[None, :])
    with pytest.raises(ParameterError, match="not on the 30-minute grid"):
        backtest_reforecast(days, [dt.time(1, 15)], [ReforecastSettings()])


def _days(path: Path) -> DayForecasts:
    history = read_history_csv(path, interval_min=30)
    queue = history.queues[0]
    closed = low_days(history, queue)
    settings = ForecastSettings(model="seasonal_mean", holidays=Holidays.NONE,
                                closed_days=closed)
    return day_ahead_forecasts(QueueSeries.of(history, queue), "seasonal_mean",
                               settings=settings, skip=closed | history.closed_days)


@pytest.mark.parametrize(("folder", "file", "days", "expected"), [
    # docs/intraday.md, "Measured accuracy" (python benchmarks/intraday_accuracy.py):
    # WAPE of the rest of the day, default re-forecast vs the day-ahead forecast
    ("nab-bank-calls-2003", "bank_calls_5min.csv", 126,
     {"11:00": (0.0481, 0.0654), "14:00": (0.0460, 0.0659)}),
    ("anonymous-bank-1999-6min", "anonymous_bank_1999_6min_counts.csv", 300,
     {"11:00": (0.2483, 0.2757), "14:00": (0.2542, 0.2897)}),
])
def test_reforecast_beats_the_day_ahead_forecast_on_real_series(
        shared_dir: Path, folder: str, file: str, days: int,
        expected: dict[str, tuple[float, float]]) -> None:
    series = _days(shared_dir / "data" / folder / file)
    assert len(series.days) == days
    cutoffs = [dt.time.fromisoformat(c) for c in expected]
    methods = [ReforecastSettings(), ReforecastSettings(Method.RATIO)]
    rows = backtest_reforecast(series, cutoffs, methods)
    for cutoff in cutoffs:
        default, ratio = (r for r in rows if r.cutoff == cutoff)
        wape, wape_forecast = expected[f"{cutoff:%H:%M}"]
        assert default.wape == pytest.approx(wape, abs=5e-5)
        assert default.wape_forecast == pytest.approx(wape_forecast, abs=5e-5)
        assert default.wape < default.wape_forecast  # better than the forecast on average
        assert default.days_better > days / 2  # and on most days
        assert default.wape < ratio.wape  # shrinkage beats the plain ratio


def test_aht_prior_never_loses_to_the_forecast_on_real_call_records(shared_dir: Path) -> None:
    # docs/intraday.md "AHT" (python benchmarks/intraday_accuracy.py): handle-time WAPE of the
    # rest of the day, anonymous-bank-1999 January–February, from the 29th day
    calls = shared_dir / "data" / "anonymous-bank-1999"
    history = read_handled_calls([calls / "anonymous_bank_1999_01.tsv",
                                  calls / "anonymous_bank_1999_02.tsv"])
    days = day_ahead_aht(QueueSeries.of(history, "anonymous-bank"),
                         settings=ForecastSettings(holidays=Holidays.NONE), first_day=28)
    assert len(days.days) == 31
    rows = backtest_aht(days, [dt.time(9), dt.time(11), dt.time(14)],
                        [ReforecastSettings(), ReforecastSettings(Method.RATIO)])
    default = [r for r in rows if r.method.startswith("shrunk")]
    ratio = [r for r in rows if r.method == "ratio"]
    assert [round(r.wape, 4) for r in default] == [0.2096, 0.2152, 0.2309]
    assert [round(r.wape_forecast, 4) for r in default] == [0.2111, 0.2184, 0.2320]
    assert all(r.wape <= r.wape_forecast for r in default)
    assert all(r.wape > r.wape_forecast for r in ratio)  # the plain ratio does harm
