"""The demo's client contracts and queues (activités), with their behavioural profiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pilotage.model.vocabulary import Channel, Direction

LYON = "LYON"
LILLE = "LILLE"


@dataclass(frozen=True)
class ClientContract:
    contract_id: str
    client_name: str
    description: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Opening:
    """Local opening hours, in minutes of the day, Monday–Friday and Saturday (0, 0: closed)."""

    weekday: tuple[int, int]
    saturday: tuple[int, int]
    lunch_closed: tuple[int, int] | None = None  # e.g. outbound calls forbidden 13–14 h


VOICE_HOURS = Opening((8 * 60, 20 * 60), (9 * 60, 17 * 60))
CHAT_HOURS = Opening((9 * 60, 19 * 60), (9 * 60, 13 * 60))
# Unsolicited calls: weekdays 10–13 h and 14–20 h only (décret n° 2022-1313).
OUTBOUND_HOURS = Opening((10 * 60, 20 * 60), (0, 0), lunch_closed=(13 * 60, 14 * 60))
BACK_OFFICE_HOURS = Opening((8 * 60, 19 * 60), (9 * 60, 13 * 60))


@dataclass(frozen=True)
class QueueProfile:
    """A queue and how its contacts behave (handle times are lognormal: mean, sigma)."""

    queue_id: str
    name: str
    channel: Channel
    direction: Direction
    contract_id: str | None
    site_id: str | None
    skill_sites: tuple[str, ...]  # sites whose advisors hold the skill
    workload_share: float  # share of the skilled sites' productive capacity
    opening: Opening
    talk_mean_s: float
    talk_sigma: float
    hold_probability: float
    hold_mean_s: float
    acw_mean_s: float
    patience_mean_s: float  # exponential patience; inf for e-mail
    sl_threshold_s: float
    sl_target: float
    resolved_probability: float
    motives: tuple[tuple[str, float], ...]
    transfers_to: tuple[tuple[str, float], ...] = ()
    sale_probability: float = 0.0
    sale_median_eur: float = 0.0
    arrives_round_the_clock: bool = False


def client_contracts(start: dt.date) -> tuple[ClientContract, ...]:
    return (
        ClientContract("VOLTA", "Volta Énergie",
                       "Service clients particuliers : assistance, facturation, souscriptions, "
                       "e-mails", dt.date(2023, 1, 1), None),
        ClientContract("SEMAPHORE", "Banque Sémaphore",
                       "Relation clients banque en ligne : appels, chat, campagne épargne",
                       dt.date(2024, 9, 1), None),
    )


QUEUES: tuple[QueueProfile, ...] = (
    QueueProfile(
        "INT_STANDARD", "Standard et orientation", Channel.VOICE, Direction.INBOUND, None, None,
        (LYON, LILLE), 0.07, VOICE_HOURS, 75, 0.5, 0.02, 20, 10, 180, 20, 0.80, 0.90,
        (("Orientation vers un service", 0.7), ("Demande d'information", 0.2),
         ("Réclamation", 0.1)),
        transfers_to=(("ENE_ASSIST", 0.18), ("BNK_CLIENT", 0.14))),
    QueueProfile(
        "ENE_ASSIST", "Volta – Assistance", Channel.VOICE, Direction.INBOUND, "VOLTA", LYON,
        (LYON,), 0.36, VOICE_HOURS, 330, 0.6, 0.22, 45, 35, 260, 20, 0.80, 0.78,
        (("Panne / coupure", 0.18), ("Relevé de compteur", 0.22), ("Déménagement", 0.2),
         ("Mise en service", 0.15), ("Compteur Linky", 0.15), ("Réclamation", 0.1)),
        transfers_to=(("ENE_FACT", 0.05),)),
    QueueProfile(
        "ENE_FACT", "Volta – Facturation", Channel.VOICE, Direction.INBOUND, "VOLTA", LYON,
        (LYON,), 0.22, VOICE_HOURS, 380, 0.55, 0.30, 60, 45, 280, 20, 0.80, 0.72,
        (("Contestation de facture", 0.3), ("Échéancier de paiement", 0.25),
         ("Prélèvement", 0.2), ("Remboursement", 0.15), ("Réclamation", 0.1))),
    QueueProfile(
        "ENE_VENTES", "Volta – Souscriptions", Channel.VOICE, Direction.INBOUND, "VOLTA", LYON,
        (LYON,), 0.12, VOICE_HOURS, 520, 0.5, 0.15, 50, 60, 230, 20, 0.80, 0.85,
        (("Nouveau contrat", 0.55), ("Changement d'offre", 0.3), ("Option verte", 0.15)),
        sale_probability=0.38, sale_median_eur=850),
    QueueProfile(
        "ENE_MAIL", "Volta – E-mails", Channel.EMAIL, Direction.INBOUND, "VOLTA", LYON,
        (LYON,), 0.14, BACK_OFFICE_HOURS, 360, 0.5, 0.0, 0, 40, float("inf"), 86_400, 0.90,
        0.70,
        (("Facture", 0.35), ("Déménagement", 0.25), ("Résiliation", 0.15),
         ("Réclamation", 0.15), ("Autre demande", 0.1)),
        arrives_round_the_clock=True),
    QueueProfile(
        "BNK_CLIENT", "Sémaphore – Service clients", Channel.VOICE, Direction.INBOUND,
        "SEMAPHORE", LILLE, (LILLE,), 0.52, VOICE_HOURS, 300, 0.6, 0.20, 40, 30, 240, 20, 0.80,
        0.80,
        (("Opposition carte", 0.15), ("Virement", 0.2), ("Accès en ligne", 0.25),
         ("Crédit", 0.15), ("Frais bancaires", 0.15), ("Réclamation", 0.1))),
    QueueProfile(
        "BNK_CHAT", "Sémaphore – Chat", Channel.CHAT, Direction.INBOUND, "SEMAPHORE", LILLE,
        (LILLE,), 0.18, CHAT_HOURS, 420, 0.5, 0.0, 0, 20, 360, 60, 0.80, 0.82,
        (("Accès en ligne", 0.4), ("Virement", 0.25), ("Carte bancaire", 0.2),
         ("Autre demande", 0.15))),
    QueueProfile(
        "BNK_EPARGNE", "Sémaphore – Campagne épargne", Channel.VOICE, Direction.OUTBOUND,
        "SEMAPHORE", LILLE, (LILLE,), 0.16, OUTBOUND_HOURS, 240, 0.6, 0.05, 30, 40, 0, 0, 0.0,
        1.0, (("Proposition livret épargne", 0.7), ("Proposition assurance-vie", 0.3)),
        sale_probability=0.11, sale_median_eur=1500),
)

QUEUE_INDEX: dict[str, int] = {q.queue_id: i for i, q in enumerate(QUEUES)}
