"""Labour rules a schedule must respect, and the names used when one of them binds.

Defaults follow the French Code du travail for a full-time week: at most 10 h worked a day
(L3121-18) and 48 h a week (L3121-20), 11 consecutive hours of daily rest (L3131-1), at most
6 working days in a row (L3132-1), and the usual contact-center practice of two rest days a
week, two of them consecutive. Each advisor's week is held to their contract hours ± a
tolerance; the upper side is a hard rule, the lower side may fall short (the shortfall is
costed and reported) so that an advisor who cannot work enough still gets a schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pilotage.errors import ParameterError


class LabourRule(StrEnum):
    """A rule that can limit a schedule (named in :class:`BindingRule`)."""

    SHIFT_TEMPLATES = "shift_templates"  # no template covers the interval
    HEADCOUNT = "headcount"  # fewer advisors than required
    SKILLS = "skills"  # fewer advisors with the skill than required
    AVAILABILITY = "availability"  # advisors unavailable that day
    MAX_DAILY_HOURS = "max_daily_hours"
    WEEKLY_HOURS = "weekly_hours"  # weekly maximum and contract hours + tolerance
    CONTRACT_HOURS = "contract_hours"  # contract hours − tolerance not reached
    DAILY_REST = "daily_rest"
    WEEKLY_REST_DAYS = "weekly_rest_days"
    CONSECUTIVE_DAYS_OFF = "consecutive_days_off"
    MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
    BREAKS = "breaks"  # lunch and breaks taken where coverage had nothing to spare
    INTEGRALITY = "integrality"  # whole shifts: no single rule relaxed covers the gap
    TIME_LIMIT = "time_limit"  # the solver stopped before finding a schedule


@dataclass(frozen=True)
class LabourRules:
    """Hard limits on each advisor's schedule (hours are worked hours, lunch excluded)."""

    max_daily_h: float = 10.0
    max_weekly_h: float = 48.0
    min_daily_rest_h: float = 11.0
    rest_days_per_week: int = 2
    consecutive_days_off: bool = True  # two of the weekly rest days are consecutive
    max_consecutive_days: int = 6
    contract_tolerance_h: float = 2.0

    def __post_init__(self) -> None:
        checks = (
            (0 < self.max_daily_h <= 24, "max_daily_h", "in (0, 24]"),
            (0 < self.max_weekly_h <= 168, "max_weekly_h", "in (0, 168]"),
            (0 <= self.min_daily_rest_h < 24, "min_daily_rest_h", "in [0, 24)"),
            (0 <= self.rest_days_per_week <= 7, "rest_days_per_week", "in 0..7"),
            (self.max_consecutive_days >= 1, "max_consecutive_days", "≥ 1"),
            (self.contract_tolerance_h >= 0, "contract_tolerance_h", "≥ 0"),
        )
        for ok, name, bound in checks:
            if not ok:
                raise ParameterError(f"labour rule {name} must be {bound}, got "
                                     f"{getattr(self, name)!r}",
                                     hint=f"fix {name} in the labour rules")
        if self.consecutive_days_off and self.rest_days_per_week < 2:
            raise ParameterError("consecutive_days_off needs rest_days_per_week ≥ 2",
                                 hint="raise rest_days_per_week or turn consecutive_days_off off")
