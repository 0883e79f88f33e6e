"""Means over independent replications with 95 % confidence intervals.

A count (offered, answered, … per replication) is estimated by its mean with a Student-t
interval. A ratio of two additive measures (service level, ASA, occupancy, …) is estimated as
the ratio of their means — never the mean of per-replication ratios — with the delta-method
interval of Σx/Σy, also with Student-t quantiles (as ContactCenters' ``RatioFunction`` tallies
do, with the normal quantile, which is the same to 3 digits from 1000 replications).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def _t(n: int) -> float:
    return float(stats.t.ppf(0.5 + LEVEL / 2.0, n - 1))


def mean_estimate(values: FloatArray) -> Estimate:
    """Mean of one value per replication (at least 2) with its Student-t interval."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    m = float(x.mean())
    hw = _t(n) * float(x.std(ddof=1)) / math.sqrt(n)
    return Estimate(m, m - hw, m + hw)


def ratio_estimate(numerator: FloatArray, denominator: FloatArray) -> Estimate | None:
    """Σ numerator / Σ denominator over replications with its delta-method interval; None
    when the denominator is 0 in every replication (e.g. no call offered)."""
    x = np.asarray(numerator, dtype=np.float64)
    y = np.asarray(denominator, dtype=np.float64)
    n = x.size
    my = float(y.mean())
    if my <= 0:
        return None
    r = float(x.mean()) / my
    cov = np.cov(np.vstack([x, y]), ddof=1)
    var = (cov[0, 0] - 2.0 * r * cov[0, 1] + r * r * cov[1, 1]) / (my * my * n)
    hw = _t(n) * math.sqrt(max(float(var), 0.0))
    return Estimate(r, r - hw, r + hw)
