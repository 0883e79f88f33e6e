"""The forecast models: one registry of statsforecast models, built for a series' seasons.

Every model answers the same question, ``forecast(y, h) -> mean`` (the statsforecast model
contract), on a series whose seasons are given in intervals:

* ``seasonal_naive``: the same interval one week before (the baseline every model must beat);
* ``seasonal_mean``: the mean of the same interval over the last 4 weeks (the classic WFM
  "average of the last weeks" method);
* ``mstl``: MSTL with a daily and a weekly season, its trend forecast by AutoETS (no season);
* ``ets``: AutoETS with a daily season (cannot follow the weekly cycle: for comparison).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Seasons:
    """Season lengths in intervals: ``day`` is None when the days have unequal lengths (open
    intervals only, e.g. a short Saturday)."""

    day: int | None
    week: int


def _seasonal_naive(s: Seasons) -> Any:
    from statsforecast.models import SeasonalNaive

    return SeasonalNaive(season_length=s.week)


def _seasonal_mean(s: Seasons) -> Any:
    from statsforecast.models import SeasonalWindowAverage

    return SeasonalWindowAverage(season_length=s.week, window_size=4)


def _mstl(s: Seasons) -> Any:
    from statsforecast.models import MSTL, AutoETS

    seasons = [s.day, s.week] if s.day and s.day > 1 and s.week > s.day else [s.week]
    return MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"))


def _ets(s: Seasons) -> Any:
    from statsforecast.models import AutoETS

    return AutoETS(season_length=s.day or s.week, model="ZZA")


MODELS: dict[str, Callable[[Seasons], Any]] = {
    "seasonal_naive": _seasonal_naive,
    "seasonal_mean": _seasonal_mean,
    "mstl": _mstl,
    "ets": _ets,
}
BASELINE = "seasonal_naive"
# the weeks of history each model needs at least
MIN_WEEKS = {"seasonal_naive": 1, "seasonal_mean": 4, "mstl": 2, "ets": 1}


def check_model(name: str) -> str:
    if name not in MODELS:
        import difflib

        close = difflib.get_close_matches(name, MODELS, n=1)
        raise ParameterError(f"unknown forecast model {name!r}",
                             hint=f"did you mean '{close[0]}'?" if close else
                             "models: auto, " + ", ".join(MODELS))
    return name


def predict(name: str, y: FloatArray, h: int, seasons: Seasons) -> FloatArray:
    """Mean forecast of ``h`` intervals after ``y`` by model ``name`` (not clipped)."""
    if h <= 0:
        return np.zeros(0)
    weeks = len(y) / seasons.week
    if weeks < MIN_WEEKS[name]:
        raise ParameterError(
            f"model {name!r} needs at least {MIN_WEEKS[name]} weeks of history, got "
            f"{weeks:.1f}", hint="give a longer history or choose seasonal_naive")
    model = MODELS[name](seasons)
    result = model.forecast(y=np.asarray(y, dtype=np.float64), h=h)
    return np.asarray(result["mean"], dtype=np.float64)
