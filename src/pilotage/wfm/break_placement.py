"""Where each chosen shift takes its lunch and its 15-minute breaks (stage 2 of scheduling).

The rules (the same for every placement method, checked by :func:`placement_breaches`):

- the lunch starts within :meth:`ShiftTemplate.lunch_window`, on the 30-minute grid;
- the k-th break starts within the k-th of :meth:`ShiftTemplate.break_windows`, on the
  15-minute grid, not during nor within 30 minutes of the lunch, and at least 1 h from any
  other break of the shift (a break with no allowed start is left out);
- a 15-minute break counts half an agent in its 30-minute interval.

:func:`greedy_placement` places shifts one after the other (start order) where coverage has the
most to spare. :func:`optimal_placement` solves, per day and skill, a small MILP (HiGHS via
:func:`scipy.optimize.milp`): shifts of one template on one day and skill are interchangeable
for coverage, so the variables are *how many* of them take each allowed combination (lunch
start, break starts), and the objective is the scheduling costs' under- and over-coverage.
It keeps the greedy placement when HiGHS finds nothing better within its time limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from pilotage.wfm.roster import Costs, RosterSolution
from pilotage.wfm.shifts import BREAK_MIN, SLOT_MIN, SLOTS_PER_DAY, ShiftTemplate

FloatArray = npt.NDArray[np.float64]
SLOT_H = SLOT_MIN / 60.0
LUNCH_GAP_MIN = 30  # no break within 30 minutes of the lunch
BREAK_GAP_MIN = 60  # nor within 1 h of another break
_EPS = 1e-9


@dataclass(frozen=True)
class Placement:
    """Lunch start (minutes after local midnight; None: no lunch) and break starts of a shift."""

    lunch_min: int | None
    breaks_min: tuple[int, ...]


def _break_allowed(template: ShiftTemplate, lunch: int | None, start: int,
                   others: Sequence[int]) -> bool:
    if lunch is not None and start + BREAK_MIN + LUNCH_GAP_MIN > lunch \
            and start < lunch + template.lunch_min + LUNCH_GAP_MIN:
        return False
    return all(abs(start - b) >= BREAK_GAP_MIN for b in others)


def placement_breaches(template: ShiftTemplate, placement: Placement) -> tuple[str, ...]:
    """Each break rule ``placement`` breaks, in words (empty: compliant)."""
    out = []
    lunch = placement.lunch_min
    if template.lunch_min:
        lo, hi = template.lunch_window()
        if lunch is None:
            out.append("no lunch")
        elif not (lo <= lunch <= hi and (lunch - lo) % SLOT_MIN == 0):
            out.append(f"lunch at {lunch} outside its window {lo}-{hi}")
    elif lunch is not None:
        out.append("lunch on a template without one")
    windows = template.break_windows()
    if len(placement.breaks_min) > len(windows):
        out.append("more breaks than the template has")
    for i, (b, (lo, hi)) in enumerate(zip(placement.breaks_min, windows, strict=False)):
        if not (lo <= b <= hi and (b - lo) % BREAK_MIN == 0):
            out.append(f"break {i + 1} at {b} outside its window {lo}-{hi}")
        if not _break_allowed(template, lunch, b, placement.breaks_min[:i]):
            out.append(f"break {i + 1} at {b} within 30 min of the lunch or 1 h of a break")
    return tuple(out)


def removed(template: ShiftTemplate, placement: Placement) -> FloatArray:
    """Agents a placement takes off work per slot of the day (lunch 1, 15-minute break ½)."""
    out = np.zeros(SLOTS_PER_DAY)
    if placement.lunch_min is not None:
        first = placement.lunch_min // SLOT_MIN
        out[first:first + template.lunch_min // SLOT_MIN] += 1.0
    for b in placement.breaks_min:
        out[b // SLOT_MIN] += BREAK_MIN / SLOT_MIN
    return out


def presence(template: ShiftTemplate) -> FloatArray:
    out = np.zeros(SLOTS_PER_DAY)
    out[template.first_slot:template.first_slot + template.slots] = 1.0
    return out


@cache
def allowed_placements(template: ShiftTemplate) -> tuple[Placement, ...]:
    """Every compliant placement with as many breaks as the rules let the template take."""
    if template.lunch_min:
        lo, hi = template.lunch_window()
        lunches: list[int | None] = list(range(lo, hi + 1, SLOT_MIN))
    else:
        lunches = [None]
    out: list[Placement] = []
    for lunch in lunches:
        partial: list[tuple[int, ...]] = [()]
        for lo, hi in template.break_windows():
            grown = []
            for done in partial:
                starts = [b for b in range(lo, hi + 1, BREAK_MIN)
                          if _break_allowed(template, lunch, b, done)]
                grown += [(*done, b) for b in starts] or [done]
            partial = grown
        out += [Placement(lunch, p) for p in partial]
    most = max(len(p.breaks_min) for p in out)
    return tuple(p for p in out if len(p.breaks_min) == most)


def _order(templates: Sequence[ShiftTemplate], sol: RosterSolution) -> npt.NDArray[np.int64]:
    return np.lexsort((sol.shift_advisor,
                       np.array([templates[s].start_min for s in sol.shift_template]),
                       sol.shift_day))


def presence_planned(shape: tuple[int, ...], templates: Sequence[ShiftTemplate],
                     sol: RosterSolution) -> FloatArray:
    """Agents present per (day, slot, group), lunch and breaks not taken off."""
    planned = np.zeros(shape)
    for k in range(len(sol.shift_day)):
        t = templates[sol.shift_template[k]]
        planned[sol.shift_day[k], t.first_slot:t.first_slot + t.slots, sol.shift_group[k]] += 1
    return planned


def greedy_placement(required: FloatArray, templates: Sequence[ShiftTemplate],
                     sol: RosterSolution) -> dict[int, Placement]:
    """Shifts in start order, each lunch then break where coverage has the most to spare
    (ties go to the canonical lunch and the earliest break)."""
    planned = presence_planned(required.shape, templates, sol)
    out: dict[int, Placement] = {}
    for k_np in _order(templates, sol):
        k = int(k_np)
        d, q = int(sol.shift_day[k]), int(sol.shift_group[k])
        t = templates[sol.shift_template[k]]
        lunch: int | None = None
        if t.lunch_min:
            lo, hi = t.lunch_window()
            n = t.lunch_min // SLOT_MIN
            canonical = t.canonical_lunch_min()
            best: tuple[float, int] | None = None
            for start in range(lo, hi + 1, SLOT_MIN):
                p = start // SLOT_MIN
                spare = float(np.min(planned[d, p:p + n, q] - required[d, p:p + n, q]))
                key = (spare, -abs(start - canonical))
                if best is None or key > (best[0], -abs(best[1] - canonical)):
                    best = (spare, start)
            assert best is not None
            lunch = best[1]
            planned[d, lunch // SLOT_MIN:lunch // SLOT_MIN + n, q] -= 1
        breaks: list[int] = []
        for lo, hi in t.break_windows():
            choice: tuple[float, int] | None = None
            for start in range(lo, hi + 1, BREAK_MIN):
                if not _break_allowed(t, lunch, start, breaks):
                    continue
                p = start // SLOT_MIN
                spare = float(planned[d, p, q] - required[d, p, q])
                if choice is None or spare > choice[0]:
                    choice = (spare, start)
            if choice is not None:
                breaks.append(choice[1])
                planned[d, choice[1] // SLOT_MIN, q] -= BREAK_MIN / SLOT_MIN
        out[k] = Placement(lunch, tuple(breaks))
    return out


def coverage_cost(planned: FloatArray, required: FloatArray, costs: Costs) -> float:
    diff = planned - required
    return float(SLOT_H * (costs.under_per_h * np.clip(-diff, 0, None).sum()
                           + costs.over_per_h * np.clip(diff, 0, None).sum()))


def planned_with(shape: tuple[int, ...], templates: Sequence[ShiftTemplate],
                 sol: RosterSolution, placements: dict[int, Placement]) -> FloatArray:
    """Agents on work per (day, slot, group) with lunches and breaks taken off."""
    planned = presence_planned(shape, templates, sol)
    for k, p in placements.items():
        t = templates[sol.shift_template[k]]
        planned[sol.shift_day[k], :, sol.shift_group[k]] -= removed(t, p)
    return planned


def optimal_placement(required: FloatArray, templates: Sequence[ShiftTemplate],
                      sol: RosterSolution, costs: Costs | None = None, *,
                      time_limit_s: float = 1.0) -> dict[int, Placement]:
    """Per day and group, the placement of least coverage cost (HiGHS, ``time_limit_s`` per
    day and group); the greedy placement of that day and group when it is no worse."""
    costs = costs or Costs()
    greedy = greedy_placement(required, templates, sol)
    out = dict(greedy)
    shifts: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for k_np in _order(templates, sol):
        k = int(k_np)
        shifts[int(sol.shift_day[k]), int(sol.shift_group[k])][int(sol.shift_template[k])] \
            .append(k)
    for (d, q), by_template in shifts.items():
        present = sum((presence(templates[s]) * len(ks) for s, ks in by_template.items()),
                      np.zeros(SLOTS_PER_DAY))
        need = required[d, :, q]
        greedy_day = present - sum((removed(templates[sol.shift_template[k]], greedy[k])
                                    for ks in by_template.values() for k in ks),
                                   np.zeros(SLOTS_PER_DAY))
        greedy_cost = coverage_cost(greedy_day, need, costs)
        chosen = _solve_day(need, present, {s: len(ks) for s, ks in by_template.items()},
                            templates, costs, time_limit_s)
        if chosen is None:
            continue
        cost, counts = chosen
        if cost >= greedy_cost - 1e-6:
            continue
        for s, ks in by_template.items():
            queue = [p for p, n in counts[s] for _ in range(n)]
            for k, p in zip(ks, queue, strict=True):
                out[k] = p
    return out


def _solve_day(need: FloatArray, present: FloatArray, count: dict[int, int],
               templates: Sequence[ShiftTemplate], costs: Costs, time_limit_s: float
               ) -> tuple[float, dict[int, list[tuple[Placement, int]]]] | None:
    """Integer count of shifts per (template, placement); columns then under, over per slot."""
    columns: list[tuple[int, Placement]] = []
    for s in count:
        columns += [(s, p) for p in allowed_placements(templates[s])]
    n, m = len(columns), SLOTS_PER_DAY
    take = np.stack([removed(templates[s], p) for s, p in columns], axis=1)  # [slots, n]
    templates_used = list(count)
    which = np.array([s for s, _ in columns])
    pick = np.stack([which == s for s in templates_used]).astype(float)  # [templates, n]
    eye, zero = np.eye(m), np.zeros((m, m))
    a = csr_matrix(np.block([
        [take, -eye, zero],  # under ≥ need − present + take·z
        [-take, zero, -eye],  # over ≥ present − take·z − need
        [pick, np.zeros((len(templates_used), 2 * m))],  # each shift takes one placement
    ]))
    upper = np.concatenate([present - need, need - present,
                            [count[s] for s in templates_used]])
    lower = np.concatenate([np.full(2 * m, -np.inf), [count[s] for s in templates_used]])
    c = np.concatenate([np.zeros(n), np.full(m, costs.under_per_h * SLOT_H),
                        np.full(m, costs.over_per_h * SLOT_H)])
    integrality = np.concatenate([np.ones(n), np.zeros(2 * m)])
    res = milp(c, constraints=LinearConstraint(a, lower, upper), integrality=integrality,
               bounds=Bounds(0, np.inf),
               options={"time_limit": time_limit_s, "mip_rel_gap": 1e-4})
    if res.x is None:
        return None
    z = np.round(res.x[:n]).astype(int)
    counts: dict[int, list[tuple[Placement, int]]] = defaultdict(list)
    for j, (s, p) in enumerate(columns):
        if z[j] > 0:
            counts[s].append((p, int(z[j])))
    if any(sum(v for _, v in counts[s]) != count[s] for s in templates_used):
        return None
    day = present - take @ z
    return coverage_cost(day, need, costs), counts

