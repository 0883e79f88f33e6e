"""Post-contact satisfaction surveys: CSAT 1–5, NPS 0–10, CES 1–7 and French verbatims.

Scores fall with the wait and rise with resolution and the advisor's proficiency; negative
verbatims are followed up (most within days, the most recent still pending)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUES
from pilotage.demo.contacts import OUTCOMES, ContactColumns
from pilotage.model.vocabulary import Channel, Direction, FollowupStatus, Outcome

RESPONSE_RATE = 0.08
VERBATIM_RATE = 0.55
POSITIVE = (
    "Conseillère très aimable et efficace, merci !",
    "Réponse claire et rapide, rien à redire.",
    "Problème réglé en un seul appel, parfait.",
    "Très bon accueil, conseiller à l'écoute.",
    "Merci pour votre patience et vos explications.",
    "Service rapide, je recommande.",
)
NEUTRAL = (
    "Correct, sans plus.",
    "Réponse obtenue mais un peu longue à venir.",
    "Le conseiller a fait ce qu'il a pu.",
)
NEGATIVE_WAIT = (
    "Beaucoup trop d'attente avant d'avoir quelqu'un.",
    "Vingt minutes de musique d'attente, c'est inadmissible.",
    "Impossible de joindre le service en fin de matinée.",
)
NEGATIVE_UNRESOLVED = (
    "Mon problème n'est toujours pas réglé.",
    "On m'a promis un rappel qui n'est jamais venu.",
    "Réponse à côté de ma question, je dois rappeler.",
    "Troisième contact pour le même sujet, toujours rien.",
)
NEGATIVE_OTHER = (
    "Conseiller peu aimable.",
    "On m'a transféré plusieurs fois sans solution.",
    "Explications confuses sur ma facture.",
)
FOLLOWUPS: tuple[FollowupStatus, ...] = tuple(FollowupStatus)


@dataclass(frozen=True)
class SurveyColumns:
    contact: np.ndarray  # int64 index of the contact
    responded_ms: np.ndarray
    csat: np.ndarray  # int8
    nps: np.ndarray  # int8
    ces: np.ndarray  # int8
    verbatim: list[str | None]
    negative: np.ndarray  # int8: 1, 0, -1 (no verbatim)
    followup: np.ndarray  # int8 index in FOLLOWUPS
    followup_ms: np.ndarray  # int64, -1


def build_surveys(rng: np.random.Generator, contacts: ContactColumns,
                  proficiency_of_shift: np.ndarray, period_end_ms: int) -> SurveyColumns:
    inbound = np.array([q.direction == Direction.INBOUND for q in QUEUES])[contacts.queue]
    email = np.array([q.channel == Channel.EMAIL for q in QUEUES])[contacts.queue]
    answered = contacts.outcome == OUTCOMES.index(Outcome.ANSWERED)
    eligible = np.flatnonzero(inbound & answered & (rng.random(contacts.size) < RESPONSE_RATE))
    n = eligible.size
    wait_s = contacts.wait_ms[eligible] / 1000.0
    # a long wait hurts: minutes for voice and chat, hours for e-mail
    wait_units = np.where(email[eligible], wait_s / 28_800.0, wait_s / 180.0)
    resolved = contacts.resolved[eligible] == 1
    prof = proficiency_of_shift[contacts.shift[eligible]]
    latent = (3.2 + 1.1 * resolved - 0.55 * np.minimum(wait_units, 4.0) + 0.25 * prof
              + rng.normal(0, 0.75, n))
    csat = np.clip(np.round(latent), 1, 5).astype(np.int8)
    nps = np.clip(np.round(2.2 * csat - 1.5 + rng.normal(0, 1.3, n)), 0, 10).astype(np.int8)
    ces = np.clip(np.round(1.3 * csat + 0.6 * resolved - 0.6 + rng.normal(0, 0.9, n)),
                  1, 7).astype(np.int8)
    responded = contacts.ended_ms[eligible] + rng.integers(300_000, 2 * 86_400_000, n)
    keep = responded < period_end_ms
    eligible, responded = eligible[keep], responded[keep]
    csat, nps, ces, wait_units, resolved = (x[keep] for x in (csat, nps, ces, wait_units,
                                                              resolved))
    n = eligible.size
    writes = rng.random(n) < np.where(csat <= 2, 0.8, VERBATIM_RATE)
    negative = np.where(writes, (csat <= 2).astype(np.int8), -1).astype(np.int8)
    pick = rng.random(n)
    verbatim: list[str | None] = []
    for i in range(n):
        if not writes[i]:
            verbatim.append(None)
            continue
        pool: tuple[str, ...]
        if negative[i] == 1:
            pool = NEGATIVE_WAIT if wait_units[i] > 1.0 else (
                NEGATIVE_UNRESOLVED if not resolved[i] else NEGATIVE_OTHER)
        elif csat[i] == 3:
            pool = NEUTRAL
        else:
            pool = POSITIVE
        verbatim.append(pool[int(pick[i] * len(pool))])
    delay = rng.integers(2 * 3_600_000, 5 * 86_400_000, n)
    done = (negative == 1) & (rng.random(n) < 0.9) & (responded + delay < period_end_ms)
    followup = np.where(negative == 1, np.where(done, FOLLOWUPS.index(FollowupStatus.DONE),
                                                FOLLOWUPS.index(FollowupStatus.PENDING)),
                        FOLLOWUPS.index(FollowupStatus.NOT_REQUIRED)).astype(np.int8)
    return SurveyColumns(eligible, responded, csat, nps, ces, verbatim, negative, followup,
                         np.where(done, responded + delay, -1))
