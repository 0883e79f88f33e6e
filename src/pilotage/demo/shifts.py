"""The published schedule: one shift a working day per advisor, sized from the requirement.

Each advisor works 5 days a week (4 when part-time under 30 h); rest days are Sunday plus
weekdays drawn with a preference for Saturday. Day by day, advisors in random order take the
shift start and queue (among their skills) that cover the largest remaining deficit of the
Erlang C requirement; lunch is placed where it hurts least, with two 15-minute breaks and,
now and then, a coaching, training or team meeting block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUES, Opening
from pilotage.demo.calendar import SLOT_MIN, SLOTS_PER_DAY, Calendar, day_utc_base_ms
from pilotage.demo.organisation import Organisation
from pilotage.model.vocabulary import ScheduleActivity

REST_DAY_WEIGHTS = np.array([0.04, 0.10, 0.16, 0.10, 0.15, 0.45])  # Monday..Saturday
BLOCK_KINDS: tuple[ScheduleActivity, ...] = (
    ScheduleActivity.BREAK, ScheduleActivity.LUNCH, ScheduleActivity.COACHING,
    ScheduleActivity.TRAINING, ScheduleActivity.MEETING)
BREAK, LUNCH, COACHING, TRAINING, MEETING = range(5)


@dataclass(frozen=True)
class Roster:
    """Planned shifts (presence, UTC ms) and their non-work blocks."""

    advisor: np.ndarray  # int32
    day: np.ndarray  # int32
    queue: np.ndarray  # int16
    start_ms: np.ndarray  # int64
    end_ms: np.ndarray  # int64
    paid_h: np.ndarray  # float64
    block_shift: np.ndarray  # int32, sorted by (shift, start)
    block_kind: np.ndarray  # int8, index in BLOCK_KINDS
    block_start_ms: np.ndarray  # int64
    block_end_ms: np.ndarray  # int64

    @property
    def size(self) -> int:
        return int(self.advisor.size)


def working_days(rng: np.random.Generator, org: Organisation, calendar: Calendar) -> np.ndarray:
    """[advisor, day] True on the advisor's working days (rest days drawn week by week)."""
    n, days = org.size, calendar.days
    per_week = np.where(org.weekly_hours >= 30, 5, 4)
    works = np.zeros((n, days), dtype=bool)
    for week_start in range(0, days, 7):
        keys = np.log(REST_DAY_WEIGHTS)[None, :] + rng.gumbel(size=(n, 6))
        rank = np.argsort(np.argsort(-keys, axis=1), axis=1)  # 0 = most likely rest day
        rest = rank < (6 - per_week)[:, None]
        for d in range(week_start, min(days, week_start + 7)):
            wd = int(calendar.day_weekday[d])
            works[:, d] = False if wd == 6 else ~rest[:, wd]
    return works


def _open_slots(opening: Opening, weekday: int) -> tuple[int, int]:
    lo, hi = opening.saturday if weekday == 5 else opening.weekday
    return lo // SLOT_MIN, hi // SLOT_MIN


def local_requirement(calendar: Calendar, requirement: np.ndarray) -> np.ndarray:
    """[queue, day, local slot] view of the UTC-slot requirement."""
    local = np.zeros((requirement.shape[0], calendar.days, SLOTS_PER_DAY))
    local[:, calendar.slot_day, calendar.slot_minute // SLOT_MIN] = requirement
    return local


def build_roster(rng: np.random.Generator, org: Organisation, calendar: Calendar,
                 requirement: np.ndarray, available: np.ndarray) -> Roster:
    """Greedy cover of the requirement by the advisors ``available`` [advisor, day]."""
    need = local_requirement(calendar, requirement)
    base = day_utc_base_ms(calendar)
    per_week = np.where(org.weekly_hours >= 30, 5, 4)
    paid_h = org.weekly_hours / per_week
    length = (2 * (paid_h + 1)).astype(np.int64)  # presence in slots, lunch included
    shifts: list[tuple[int, int, int, int, int, float]] = []
    blocks: list[tuple[int, int, int, int]] = []
    skill_lists = [np.flatnonzero(org.skills[a]) for a in range(org.size)]
    for d in range(calendar.days):
        if not calendar.day_open[d]:
            continue
        weekday = int(calendar.day_weekday[d])
        cover = np.zeros((len(QUEUES), SLOTS_PER_DAY))
        req = need[:, d, :]
        spans = [_open_slots(q.opening, weekday) for q in QUEUES]
        jitter = rng.random(SLOTS_PER_DAY) * 1e-3
        extras = rng.random((org.size, 3))
        for a in rng.permutation(np.flatnonzero(available[:, d])):
            best: tuple[float, int, int, int] | None = None
            for q in skill_lists[a]:
                lo, hi = spans[q]
                span = hi - lo
                if span <= 0 or req[q, lo:hi].sum() <= 0:
                    continue
                size = int(min(length[a], span))
                deficit = req[q] - cover[q]
                csum_pos = np.concatenate(([0.0], np.cumsum(np.clip(deficit, 0, None))))
                csum = np.concatenate(([0.0], np.cumsum(deficit)))
                cand = np.arange(lo, hi - size + 1)
                score = (csum_pos[cand + size] - csum_pos[cand]) \
                    + 0.02 * (csum[cand + size] - csum[cand])
                pick = int(np.argmax(score + jitter[cand]))
                if best is None or score[pick] > best[0]:
                    best = (float(score[pick]), int(q), int(cand[pick]), size)
            if best is None:
                continue
            _, q, st, size = best
            index = len(shifts)
            end = st + size
            lunch = -1
            if size >= 14:
                offsets = np.arange(size // 2 - 1, size // 2 + 2)
                left = req[q] - cover[q]
                lunch = int(st + offsets[np.argmin(left[st + offsets] + left[st + offsets + 1])])
            cover[q, st:end] += 1.0
            hours = size / 2.0
            day_blocks: list[tuple[int, int, int]] = []  # kind, start min, end min
            if lunch >= 0:
                cover[q, lunch:lunch + 2] -= 1.0
                hours -= 1.0
                day_blocks.append((LUNCH, lunch * SLOT_MIN, (lunch + 2) * SLOT_MIN))
                first_break = st * SLOT_MIN + 105 + int(extras[a, 0] * 3) * 15
                second_break = (lunch + 2) * SLOT_MIN + 105 + int(extras[a, 1] * 3) * 15
                breaks = [first_break, min(second_break, end * SLOT_MIN - 45)]
            elif size >= 8:
                breaks = [st * SLOT_MIN + size * SLOT_MIN // 2]
            else:
                breaks = []
            for b in breaks:  # minutes of the day
                cover[q, b // SLOT_MIN] -= 0.5
                day_blocks.append((BREAK, b, b + 15))
            if extras[a, 2] < 0.10 and size >= 10:
                kind = COACHING if extras[a, 2] < 0.04 else TRAINING if extras[a, 2] < 0.07 \
                    else MEETING
                slot = end - 3 if lunch < 0 else lunch + 3
                if all(not (b_start < (slot + 1) * SLOT_MIN and b_end > slot * SLOT_MIN)
                       for _, b_start, b_end in day_blocks):
                    cover[q, slot] -= 1.0
                    day_blocks.append((kind, slot * SLOT_MIN, (slot + 1) * SLOT_MIN))
            day_base = int(base[d])
            shifts.append((int(a), d, q, day_base + st * SLOT_MIN * 60_000,
                           day_base + end * SLOT_MIN * 60_000, hours))
            for kind, b_start, b_end in sorted(day_blocks, key=lambda b: b[1]):
                blocks.append((index, kind, day_base + b_start * 60_000,
                               day_base + b_end * 60_000))
    sh = np.array(shifts, dtype=np.float64).reshape(-1, 6)
    bl = np.array(blocks, dtype=np.int64).reshape(-1, 4)
    return Roster(
        advisor=sh[:, 0].astype(np.int32), day=sh[:, 1].astype(np.int32),
        queue=sh[:, 2].astype(np.int16),
        start_ms=np.array([s[3] for s in shifts], dtype=np.int64),
        end_ms=np.array([s[4] for s in shifts], dtype=np.int64),
        paid_h=sh[:, 5].copy(),
        block_shift=bl[:, 0].astype(np.int32), block_kind=bl[:, 1].astype(np.int8),
        block_start_ms=bl[:, 2].copy(), block_end_ms=bl[:, 3].copy())


def fill_gaps(group: np.ndarray, starts: np.ndarray, ends: np.ndarray, group_start: np.ndarray,
              group_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaps inside each group's [start, end) not covered by its intervals.

    ``group``, ``starts``, ``ends`` must be sorted by (group, start) and not overlap.
    Returns (group, gap start, gap end) of the positive gaps."""
    n = group.size
    prev_end = np.empty(n, dtype=np.int64)
    if n:
        prev_end[0] = group_start[group[0]]
        same = group[1:] == group[:-1]
        prev_end[1:] = np.where(same, ends[:-1], group_start[group[1:]])
    # last interval of each group, and groups with no interval at all
    last_end = group_start.astype(np.int64).copy()
    if n:
        is_last = np.ones(n, dtype=bool)
        is_last[:-1] = group[1:] != group[:-1]
        last_end[group[is_last]] = ends[is_last]
    g = np.concatenate([group, np.arange(group_start.size, dtype=group.dtype)])
    s = np.concatenate([prev_end, last_end])
    e = np.concatenate([starts, group_end])
    keep = e > s
    order = np.lexsort((s[keep], g[keep]))
    return g[keep][order], s[keep][order], e[keep][order]
