"""Means over independent replications with 95 % confidence intervals.

A count (offered, answered, … per replication) is estimated by its mean with a Student-t
interval. A ratio of two additive measures (service level, ASA, occupancy, …) is estimated as
the ratio of their means — never the mean of per-replication ratios — with the delta-method
interval of Σx/Σy, also with Student-t quantiles (ContactCenters' ``RatioFunction`` tallies
use the normal quantile, the same to 3 digits from 1000 replications).

The array functions take one row per replication and estimate every column at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its 95 % confidence interval."""

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.mean * factor, self.low * factor, self.high * factor)

    def to_json_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Estimates:
    """Column-wise estimates; ``mean`` is NaN where a ratio has nothing in its denominator."""

    mean: FloatArray
    low: FloatArray
    high: FloatArray

    def at(self, index: int) -> Estimate | None:
        if np.isnan(self.mean[index]):
            return None
        return Estimate(float(self.mean[index]), float(self.low[index]),
                        float(self.high[index]))


@lru_cache(maxsize=64)
def _t(n: int) -> float:
    return float(stats.t.ppf(0.5 + LEVEL / 2.0, n - 1))


def mean_estimates(values: npt.ArrayLike) -> Estimates:
    """Mean of each column (rows: replications, at least 2) with its Student-t interval."""
    x = np.atleast_2d(np.asarray(values, dtype=np.float64).T).T
    n = x.shape[0]
    m = x.mean(axis=0)
    hw = _t(n) * x.std(axis=0, ddof=1) / np.sqrt(n)
    return Estimates(m, m - hw, m + hw)


def ratio_estimates(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> Estimates:
    """Σ numerator / Σ denominator per column with its delta-method interval."""
    x = np.atleast_2d(np.asarray(numerator, dtype=np.float64).T).T
    y = np.atleast_2d(np.asarray(denominator, dtype=np.float64).T).T
    n = x.shape[0]
    mx, my = x.mean(axis=0), y.mean(axis=0)
    ok = my > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, mx / np.where(ok, my, 1.0), np.nan)
        dx, dy = x - mx, y - my
        sxx = (dx * dx).sum(axis=0) / (n - 1)
        syy = (dy * dy).sum(axis=0) / (n - 1)
        sxy = (dx * dy).sum(axis=0) / (n - 1)
        var = (sxx - 2.0 * r * sxy + r * r * syy) / (my * my * n)
    hw = _t(n) * np.sqrt(np.clip(var, 0.0, None))
    return Estimates(r, r - hw, r + hw)


def mean_estimate(values: npt.ArrayLike) -> Estimate:
    """Mean of one value per replication with its Student-t interval."""
    e = mean_estimates(np.asarray(values, dtype=np.float64).reshape(-1, 1)).at(0)
    assert e is not None
    return e


def ratio_estimate(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> Estimate | None:
    """Σ numerator / Σ denominator over replications; None when the denominator is 0 in every
    replication (e.g. no call offered)."""
    return ratio_estimates(np.asarray(numerator, dtype=np.float64).reshape(-1, 1),
                           np.asarray(denominator, dtype=np.float64).reshape(-1, 1)).at(0)
