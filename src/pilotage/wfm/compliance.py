"""Hard labour rules checked on a finished per-advisor schedule (a :class:`RosterSolution`),
independently of the model that produced it: the decomposition
(:mod:`pilotage.wfm.assignment`) drops any shift this finds in breach before reporting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotage.wfm.labour_rules import LabourRule
from pilotage.wfm.roster import RosterProblem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RuleBreach:
    """A hard rule one advisor's schedule breaks; ``shift`` is the index of the shift to drop
    to mend it."""

    rule: LabourRule
    advisor: int
    day: int
    shift: int


def rule_breaches(problem: RosterProblem, shift_advisor: IntArray, shift_day: IntArray,
                  shift_template: IntArray, shift_group: IntArray) -> tuple[RuleBreach, ...]:
    """Every breach of a hard rule (the contract minimum is soft: not a breach)."""
    rules, tpl = problem.rules, problem.templates
    out: list[RuleBreach] = []
    for a, adv in enumerate(problem.advisors):
        mine = np.nonzero(shift_advisor == a)[0]
        mine = mine[np.argsort(shift_day[mine], kind="stable")]
        by_day: dict[int, int] = {}
        for k_np in mine:
            k = int(k_np)
            d, s, q = int(shift_day[k]), int(shift_template[k]), int(shift_group[k])
            if d in by_day:
                out.append(RuleBreach(LabourRule.MAX_DAILY_HOURS, a, d, k))  # two shifts a day
                continue
            by_day[d] = k
            if not adv.available[d]:
                out.append(RuleBreach(LabourRule.AVAILABILITY, a, d, k))
            if q not in adv.groups:
                out.append(RuleBreach(LabourRule.SKILLS, a, d, k))
            if s not in adv.templates:
                out.append(RuleBreach(LabourRule.SHIFT_TEMPLATES, a, d, k))
            if tpl[s].worked_h > rules.max_daily_h + 1e-9:
                out.append(RuleBreach(LabourRule.MAX_DAILY_HOURS, a, d, k))
        rest_min = rules.min_daily_rest_h * 60.0
        for d, k in by_day.items():
            start = tpl[int(shift_template[k])].start_min + 24 * 60
            if d - 1 in by_day:
                end = tpl[int(shift_template[by_day[d - 1]])].end_min
            elif d == 0 and adv.previous_end_min is not None:
                end = adv.previous_end_min
            else:
                continue
            if start - end < rest_min - 1e-9:
                out.append(RuleBreach(LabourRule.DAILY_REST, a, d, k))
        cap = min(rules.max_weekly_h, adv.weekly_hours + rules.contract_tolerance_h)
        for w in range(problem.weeks):
            days = [d for d in range(7 * w, 7 * w + 7) if d in by_day]
            hours = sum(tpl[int(shift_template[by_day[d]])].worked_h for d in days)
            if days and hours > cap + 1e-9:
                out.append(RuleBreach(LabourRule.WEEKLY_HOURS, a, days[-1], by_day[days[-1]]))
            if days and len(days) > 7 - rules.rest_days_per_week:
                out.append(RuleBreach(LabourRule.WEEKLY_REST_DAYS, a, days[-1],
                                      by_day[days[-1]]))
            off = [7 * w + j not in by_day for j in range(7)]
            if days and rules.consecutive_days_off and not any(
                    off[j] and off[j + 1] for j in range(6)):
                out.append(RuleBreach(LabourRule.CONSECUTIVE_DAYS_OFF, a, days[-1],
                                      by_day[days[-1]]))
        run = adv.trailing_work_days
        for d in range(problem.days):
            run = run + 1 if d in by_day else 0
            if run > rules.max_consecutive_days:
                out.append(RuleBreach(LabourRule.MAX_CONSECUTIVE_DAYS, a, d, by_day[d]))
                run = 0  # the shift is dropped
    return tuple(out)
