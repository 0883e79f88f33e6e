"""Quality monitoring: evaluations of advisors' contacts on an evaluation grid, 2 a month per
advisor (3 in the first three months), with per-criterion scores and critical errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUES
from pilotage.demo.calendar import Calendar
from pilotage.demo.contacts import OUTCOMES, ContactColumns
from pilotage.model.vocabulary import Channel, Outcome


@dataclass(frozen=True)
class Grid:
    grid_id: str
    criteria: tuple[tuple[str, float, bool], ...]  # name, points, critical


VOICE_GRID = Grid("GRILLE-VOIX-2026", (
    ("Accueil et présentation", 10, False),
    ("Identification et sécurité", 10, True),
    ("Découverte du besoin", 20, False),
    ("Exactitude de la réponse", 25, True),
    ("Reformulation et empathie", 15, False),
    ("Conclusion et prise de congé", 10, False),
    ("Traçabilité dans le CRM", 10, False),
))
WRITTEN_GRID = Grid("GRILLE-ECRIT-2026", (
    ("Compréhension de la demande", 20, False),
    ("Exactitude de la réponse", 30, True),
    ("Orthographe et style", 20, False),
    ("Personnalisation", 15, False),
    ("Conformité RGPD", 15, True),
))
QUALITY_ANALYSTS = ("Cellule qualité – Hélène Marchand", "Cellule qualité – Olivier Besson")


@dataclass(frozen=True)
class Evaluation:
    contact: int
    shift: int
    grid: Grid
    evaluator_is_leader: bool
    evaluated_ms: int
    scores: tuple[float, ...]


def build_evaluations(rng: np.random.Generator, calendar: Calendar, contacts: ContactColumns,
                      shift_advisor: np.ndarray, proficiency: np.ndarray,
                      hire_day: np.ndarray, period_end_ms: int) -> list[Evaluation]:
    answered = np.flatnonzero(np.isin(contacts.outcome, [OUTCOMES.index(Outcome.ANSWERED),
                                                         OUTCOMES.index(Outcome.TRANSFERRED)])
                              & (contacts.shift >= 0))
    advisor = shift_advisor[contacts.shift[answered]]
    months = np.array([calendar.date(d).year * 12 + calendar.date(d).month
                       for d in range(calendar.days)])
    day = ((contacts.offered_ms[answered] - int(calendar.slot_utc_ms[0])) // 86_400_000)
    month = months[np.clip(day, 0, calendar.days - 1)]
    order = np.lexsort((rng.random(answered.size), month, advisor))
    advisor, month, picked = advisor[order], month[order], answered[order]
    key = advisor.astype(np.int64) * 100_000 + month
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    first_day_of_month: dict[int, int] = {}
    for d, m in enumerate(months.tolist()):
        first_day_of_month.setdefault(m, d)
    out: list[Evaluation] = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        a = int(advisor[lo])
        first_day = first_day_of_month[int(month[lo])]
        wanted = 3 if first_day - int(hire_day[a]) < 90 else 2
        for c in picked[lo:lo + min(wanted, hi - lo)].tolist():
            queue = QUEUES[int(contacts.queue[c])]
            grid = WRITTEN_GRID if queue.channel in (Channel.EMAIL, Channel.CHAT) else VOICE_GRID
            level = 0.80 + 0.06 * float(proficiency[a])
            scores = []
            for _, points, critical in grid.criteria:
                if critical:
                    fail = rng.random() < 0.04 * np.exp(-0.6 * float(proficiency[a]))
                    scores.append(0.0 if fail else points)
                else:
                    frac = float(np.clip(level + rng.normal(0, 0.13), 0, 1))
                    scores.append(float(round(frac * points)))
            when = int(contacts.ended_ms[c]) + int(rng.integers(86_400_000, 8 * 86_400_000))
            if when >= period_end_ms:
                continue
            out.append(Evaluation(c, int(contacts.shift[c]), grid, bool(rng.random() < 0.5),
                                  when, tuple(scores)))
    return out
