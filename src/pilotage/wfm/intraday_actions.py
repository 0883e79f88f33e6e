"""Suggested intraday actions, concrete and costed, chosen greedily on the expected number of
contacts answered within the threshold over the rest of the day (Erlang, per interval).

Three kinds, in this order (the cheapest first):

1. **Move a break or lunch** not yet started out of under-staffed intervals, to a place
   ``break_move_min`` minutes at most from where it was planned, inside the same shift,
   within ``work`` on the queue (so never over another break, never at the shift's edges),
   where every interval it lands in keeps its required agents. Free. Each step takes the
   move that adds the most contacts answered in time; a block moves once.
2. **Overtime**: extend by ``overtime_step_min`` the end (or, for a shift not started yet,
   the start, ``notice_min`` after the cut-off at the earliest) of an advisor with the
   queue's skill who is at work today, into an interval still under-staffed, up to
   ``max_overtime_min`` and the daily maximum of worked hours (Code du travail L3121-18:
   10 h). Cost: hours × hourly cost × (1 + ``overtime_premium``), 25 % for the first
   overtime hours (L3121-36). Each step takes the extension with the most contacts answered
   in time gained per hour.
3. **Voluntary time off** where over-staffed: shorten by ``vto_step_min`` the end (or a
   start ``notice_min`` after the cut-off at the earliest) of a shift working on the queue
   while every interval concerned keeps at least its required agents, up to
   ``max_vto_min`` per advisor; advisors given overtime are left out. Saving: hours ×
   hourly cost (the time off is unpaid). Each step takes the one that loses the fewest
   contacts answered in time.

Steps of one advisor and kind that follow each other are reported as one action; each action
gives the advisors concerned, the agent-hours it adds to (or removes from) the queue, the
under-staffed agent-hours it removes, its cost and the expected service level of the rest of
the day once it and the actions before it are applied (recomputed with Erlang).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from pilotage.errors import ParameterError
from pilotage.wfm.intraday import (
    AdvisorDay,
    DayState,
    FloatArray,
    Segment,
    coverage,
    cut_segments,
)
from pilotage.wfm.staffing import achieved_metrics

_EPS = 1e-9


@dataclass(frozen=True)
class ActionRules:
    break_move_min: int = 60
    move_step_min: int = 15
    overtime_step_min: int = 30
    max_overtime_min: int = 120
    max_daily_worked_h: float = 10.0
    overtime_premium: float = 0.25
    vto_step_min: int = 30
    max_vto_min: int = 240
    min_gain: float = 0.05  # contacts answered in time; smaller gains are not worth an action
    notice_min: int = 30  # an advisor not yet at work starts earlier or later this far ahead

    def __post_init__(self) -> None:
        for name in ("break_move_min", "move_step_min", "overtime_step_min", "vto_step_min"):
            if getattr(self, name) <= 0:
                raise ParameterError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("max_overtime_min", "max_vto_min", "overtime_premium", "min_gain",
                     "notice_min"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be ≥ 0, got {getattr(self, name)!r}")


class ActionKind(StrEnum):
    MOVE_BREAK = "move_break"
    MOVE_LUNCH = "move_lunch"
    OVERTIME = "overtime"
    VOLUNTARY_TIME_OFF = "voluntary_time_off"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    advisor_id: str
    detail: str  # what to do, local times
    agent_h: float  # agent-hours added to the queue (negative: removed)
    shortfall_reduced_agent_h: float  # under-staffed agent-hours it removes
    answered_in_time_gained: float  # expected contacts answered within the threshold
    cost_eur: float  # > 0 a cost, < 0 a saving; NaN when the hourly cost is unknown
    service_level_after: float  # rest of the day, this and the previous actions applied


@dataclass(frozen=True)
class IntradayPlan:
    state: DayState
    actions: tuple[Action, ...]
    scheduled_after: FloatArray = field(repr=False)

    @property
    def service_level_before(self) -> float:
        return self.state.service_level()

    @property
    def service_level_after(self) -> float:
        return self.state.service_level(self.scheduled_after)

    @property
    def shortfall_before_agent_h(self) -> float:
        return self.state.shortfall_agent_h()

    @property
    def shortfall_after_agent_h(self) -> float:
        return self.state.shortfall_agent_h(self.scheduled_after)


@dataclass
class _Step:
    kind: ActionKind
    advisor: int
    delta: FloatArray
    before: tuple[Segment, ...]
    after: tuple[Segment, ...]
    minutes: float  # minutes of shift added (overtime) or removed (VTO); 0 for a move
    text: str


class _Planner:
    def __init__(self, state: DayState, rules: ActionRules) -> None:
        self.state = state
        self.rules = rules
        self.grid = state.grid
        self.q = state.queue_id
        r = state.remaining
        self.volume = state.volume[r]
        self.aht = state.aht_s[r]
        self.required = state.required[r]
        self.days: list[AdvisorDay] = list(state.schedule.advisors)
        self.agents = state.scheduled.copy()
        self.cut_min = self.grid.minutes(self.grid.cutoff)
        self.day_min = self.grid.size * self.grid.interval_min
        self.steps: list[_Step] = []

    # -- evaluation
    def _sl(self, agents: FloatArray, index: np.ndarray) -> FloatArray:
        s = self.state.settings
        with np.errstate(divide="ignore", invalid="ignore"):
                return achieved_metrics(self.volume[index], self.aht[index], agents,
                                    interval_min=self.grid.interval_min,
                                    threshold_s=s.threshold_s,
                                    patience_s=s.patience_s).service_level

    def gains(self, deltas: list[FloatArray]) -> FloatArray:
        """Contacts answered in time gained by each delta of agents (whole-grid vectors)."""
        if not deltas:
            return np.zeros(0)
        k = self.grid.observed
        d = np.vstack(deltas)[:, k:]
        rows, cols = np.nonzero(np.abs(d) > _EPS)
        if rows.size == 0:
            return np.zeros(len(deltas))
        base = self.agents[k:]
        new = np.clip(base[cols] + d[rows, cols], 0.0, None)
        diff = (self._sl(new, cols) - self._sl(base[cols], cols)) * self.volume[cols]
        return np.bincount(rows, weights=diff, minlength=len(deltas)).astype(np.float64)

    def short(self) -> FloatArray:
        out = np.zeros(self.grid.size)
        out[self.grid.observed:] = np.clip(self.required - self.agents[self.grid.observed:],
                                           0.0, None)
        return out

    def cover(self, a: int, segments: tuple[Segment, ...] | list[Segment]) -> FloatArray:
        return coverage(segments, self.q, self.days[a].skilled, self.grid)

    def apply(self, step: _Step) -> None:
        self.days[step.advisor] = replace(self.days[step.advisor], segments=step.after)
        self.agents = self.agents + step.delta
        self.steps.append(step)

    # -- 1. moves
    def moves(self) -> None:
        moved: set[tuple[int, float]] = set()
        step = self.rules.move_step_min
        while self.short().sum() > _EPS:
            cands: list[_Step] = []
            for a, adv in enumerate(self.days):
                if not adv.on_queue:
                    continue
                segs = list(adv.segments)
                for j, block in enumerate(segs):
                    if block.activity not in ("break", "lunch") or block.start < self.cut_min \
                            or (a, block.start) in moved:
                        continue
                    cands.extend(self._move_options(a, segs, j, step))
            best = self._best(cands)
            if best is None:
                return
            moved.add((best.advisor, next(s.start for s in best.after
                                          if s.activity in ("break", "lunch")
                                          and s not in best.before)))
            self.apply(best)

    def _move_options(self, a: int, segs: list[Segment], j: int, step: int) -> list[_Step]:
        block = segs[j]
        length = block.end - block.start
        merged = _merge([*segs[:j], Segment(block.start, block.end, "work",
                                            _queue_near(segs, j)), *segs[j + 1:]])
        before = tuple(segs)
        old = self.cover(a, before)
        out = []
        reach = self.rules.break_move_min
        for t in np.arange(block.start - reach, block.start + reach + _EPS, step):
            t = float(t)
            if t == block.start or t < self.cut_min:
                continue
            host = next((s for s in merged if s.activity == "work" and s.start < t
                         and t + length < s.end), None)
            if host is None or host.queue_id not in (self.q, None):
                continue
            after = tuple(_merge(cut_segments(merged, t, t + length, block.activity)))
            delta = self.cover(a, after) - old
            if not self._into_surplus(delta):
                continue
            kind = ActionKind.MOVE_LUNCH if block.activity == "lunch" else ActionKind.MOVE_BREAK
            text = (f"{block.activity} {self._hm(block.start)}–{self._hm(block.end)} → "
                    f"{self._hm(t)}–{self._hm(t + length)}")
            out.append(_Step(kind, a, delta, before, after, 0.0, text))
        return out

    def _into_surplus(self, delta: FloatArray) -> bool:
        """The block leaves under-staffed intervals only for intervals that keep their
        required agents."""
        k = self.grid.observed
        after = self.agents[k:] + delta[k:]
        lands = delta[k:] < -_EPS
        if (after[lands] < self.required[lands] - _EPS).any():
            return False
        gained = self.short()[k:] - np.clip(self.required - after, 0.0, None)
        return bool(gained.sum() > _EPS)

    # -- 2. overtime
    def overtime(self) -> None:
        rules = self.rules
        step = rules.overtime_step_min
        extra: dict[tuple[int, str], float] = {}
        while self.short().sum() > _EPS:
            short = self.short()
            cands = []
            for a, adv in enumerate(self.days):
                if not adv.skilled or adv.end <= self.cut_min:
                    continue
                worked = adv.worked_min()
                if worked + step > rules.max_daily_worked_h * 60 + _EPS:
                    continue
                for side in ("end", "start"):
                    if extra.get((a, side), 0.0) + step > rules.max_overtime_min + _EPS:
                        continue
                    lo, hi = ((adv.end, adv.end + step) if side == "end"
                              else (adv.start - step, adv.start))
                    earliest = self.cut_min + (rules.notice_min if side == "start" else 0.0)
                    if lo < max(earliest, 0.0) or hi > self.day_min:
                        continue
                    before = adv.segments
                    seg = Segment(lo, hi, "work", self.q)
                    after = tuple(_merge([*before, seg] if side == "end" else [seg, *before]))
                    delta = self.cover(a, after) - self.cover(a, before)
                    if not (short[delta > _EPS] > _EPS).any():
                        continue  # only into intervals still short
                    cands.append(_Step(ActionKind.OVERTIME, a, delta, before, after, float(step),
                                       side))
            best = self._best(cands)
            if best is None:
                return
            extra[(best.advisor, best.text)] = extra.get((best.advisor, best.text), 0.0) + step
            self.apply(best)

    # -- 3. voluntary time off
    def time_off(self) -> None:
        rules = self.rules
        step = rules.vto_step_min
        given: dict[int, float] = {}
        overtime = {s.advisor for s in self.steps if s.kind is ActionKind.OVERTIME}
        k = self.grid.observed
        while True:
            cands = []
            for a, adv in enumerate(self.days):
                if not adv.on_queue or a in overtime or given.get(a, 0.0) + step > \
                        rules.max_vto_min + _EPS:
                    continue
                for side in ("end", "start"):
                    lo, hi = ((adv.end - step, adv.end) if side == "end"
                              else (adv.start, adv.start + step))
                    earliest = self.cut_min + (rules.notice_min if side == "start" else 0.0)
                    if lo < earliest or hi - lo >= adv.end - adv.start:
                        continue
                    host = next((s for s in adv.segments if s.start <= lo and hi <= s.end), None)
                    if host is None or host.activity != "work" or host.queue_id not in (self.q,
                                                                                        None):
                        continue
                    after = tuple(_merge(cut_segments(list(adv.segments), lo, hi, None)))
                    delta = self.cover(a, after) - self.cover(a, adv.segments)
                    left = self.agents[k:] + delta[k:]
                    hit = delta[k:] < -_EPS
                    if not hit.any() or (left[hit] < self.required[hit] - _EPS).any():
                        continue
                    cands.append(_Step(ActionKind.VOLUNTARY_TIME_OFF, a, delta, adv.segments,
                                       after, float(step), side))
            if not cands:
                return
            gains = self.gains([c.delta for c in cands])
            best = cands[int(np.argmax(gains))]
            given[best.advisor] = given.get(best.advisor, 0.0) + step
            self.apply(best)

    def _best(self, cands: list[_Step]) -> _Step | None:
        if not cands:
            return None
        gains = self.gains([c.delta for c in cands])
        hours = np.array([max(c.minutes, 0.0) / 60.0 for c in cands])
        score = np.where(hours > 0, gains / np.where(hours > 0, hours, 1.0), gains)
        i = int(np.argmax(score))
        return cands[i] if gains[i] > self.rules.min_gain else None

    def _hm(self, minutes: float) -> str:
        moment = self.grid.start + dt.timedelta(minutes=minutes)
        return f"{self.grid.local(moment):%H:%M}"

    # -- report
    def actions(self) -> tuple[Action, ...]:
        groups: list[list[_Step]] = []
        for s in self.steps:
            if s.kind in (ActionKind.OVERTIME, ActionKind.VOLUNTARY_TIME_OFF):
                same = next((g for g in groups if g[0].kind is s.kind and g[0].advisor ==
                             s.advisor and g[0].text == s.text), None)
                if same is not None:
                    same.append(s)
                    continue
            groups.append([s])
        state = self.state
        agents = state.scheduled.copy()
        out = []
        for g in groups:
            delta = np.sum([s.delta for s in g], axis=0)
            adv = self.days[g[0].advisor]
            before_short = state.shortfall_agent_h(agents)
            before_answered = state.answered_in_time(agents)
            agents = agents + delta
            minutes = sum(s.minutes for s in g)
            kind = g[0].kind
            if kind is ActionKind.OVERTIME:
                cost = minutes / 60 * adv.hourly_cost_eur * (1 + self.rules.overtime_premium)
                first, last_s = g[0].before, g[-1].after
                lo, hi = ((first[-1].end, last_s[-1].end) if g[0].text == "end"
                          else (last_s[0].start, first[0].start))
                text = (f"overtime {self._hm(lo)}–{self._hm(hi)} "
                        f"({'stay later' if g[0].text == 'end' else 'start earlier'}, "
                        f"{minutes:.0f} min)")
            elif kind is ActionKind.VOLUNTARY_TIME_OFF:
                cost = -minutes / 60 * adv.hourly_cost_eur
                first, last_s = g[0].before, g[-1].after
                lo, hi = ((last_s[-1].end, first[-1].end) if g[0].text == "end"
                          else (first[0].start, last_s[0].start))
                text = (f"time off {self._hm(lo)}–{self._hm(hi)} "
                        f"({'leave earlier' if g[0].text == 'end' else 'start later'}, "
                        f"{minutes:.0f} min, unpaid)")
            else:
                cost = 0.0
                text = g[0].text
            out.append(Action(kind, adv.advisor_id, text,
                              float(delta.sum() * self.grid.interval_h),
                              before_short - state.shortfall_agent_h(agents),
                              state.answered_in_time(agents) - before_answered,
                              cost if math.isfinite(cost) else math.nan,
                              state.service_level(agents)))
        return tuple(out)


def _queue_near(segs: list[Segment], j: int) -> str | None:
    for k in (j - 1, j + 1):
        if 0 <= k < len(segs) and segs[k].activity == "work":
            return segs[k].queue_id
    return None


def _merge(segs: list[Segment]) -> list[Segment]:
    """Adjacent segments of the same activity and queue joined."""
    out: list[Segment] = []
    for s in sorted(segs, key=lambda s: s.start):
        if out and out[-1].end == s.start and out[-1].activity == s.activity \
                and out[-1].queue_id == s.queue_id:
            out[-1] = Segment(out[-1].start, s.end, s.activity, s.queue_id)
        else:
            out.append(s)
    return out


def plan_actions(state: DayState, rules: ActionRules | None = None, *,
                 suggest: bool = True) -> IntradayPlan:
    """Moves, then overtime, then voluntary time off (module docstring); with ``suggest``
    False, none (the plan is the schedule as it is)."""
    planner = _Planner(state, rules or ActionRules())
    if suggest:
        planner.moves()
        planner.overtime()
        planner.time_off()
    return IntradayPlan(state, planner.actions(), planner.agents)
