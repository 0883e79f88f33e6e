"""The demo organisation: center, two sites, teams, advisors and effective-dated memberships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import LILLE, LYON, QUEUES
from pilotage.model.vocabulary import ContractType

CENTER_ID = "CRC_DEMO"
CENTER_NAME = "Centre de relation client Rhône-Nord (démo)"
TIME_ZONE = "Europe/Paris"
SITES: tuple[tuple[str, str], ...] = ((LYON, "Lyon Part-Dieu"), (LILLE, "Lille Euralille"))
LYON_SHARE = 0.55
ADVISORS_PER_TEAM = 14

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Pauline",
    "Marine", "Océane", "Anaïs", "Clara", "Lucie", "Mélanie", "Élodie", "Nadia", "Yasmine",
    "Sophie", "Aurélie", "Charlotte", "Justine", "Amandine", "Fatima", "Amina", "Céline",
    "Thomas", "Nicolas", "Julien", "Maxime", "Kevin", "Alexandre", "Romain", "Antoine",
    "Hugo", "Lucas", "Mehdi", "Karim", "Yanis", "Florian", "Quentin", "Mathieu", "Sébastien",
    "Jérémy", "Vincent", "Baptiste", "Damien", "Loïc", "Rayan", "Samir", "Théo", "Adrien",
    "Guillaume", "Jonathan", "Bastien", "Cédric", "Mickaël", "Sandrine", "Nathalie")
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont",
    "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
    "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
    "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Benali",
    "Haddad", "Mansouri", "Da Silva", "Ferreira", "Kaya", "Diallo", "Traoré", "Lemoine")

_CONTRACTS = (ContractType.PERMANENT, ContractType.FIXED_TERM, ContractType.TEMP_AGENCY)


@dataclass(frozen=True)
class Team:
    team_id: str
    site_id: str
    name: str
    leader_name: str


@dataclass(frozen=True)
class Membership:
    advisor: int
    team: int
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class Organisation:
    """Advisors are arrays indexed by advisor number (``advisor_ids[i]``)."""

    teams: tuple[Team, ...]
    advisor_ids: tuple[str, ...]
    names: tuple[str, ...]
    site: np.ndarray  # int8: index in SITES
    contract: np.ndarray  # int8: index in _CONTRACTS
    hire_day: np.ndarray  # int32 day index relative to the period start (may be negative)
    leave_day: np.ndarray  # int32 day index of the leave date; large when still employed
    hire_dates: tuple[dt.date, ...]
    leave_dates: tuple[dt.date | None, ...]
    weekly_hours: np.ndarray  # float64
    hourly_cost_eur: np.ndarray  # float64
    skills: np.ndarray  # bool [advisor, queue]
    sickness_propensity: np.ndarray  # float64, multiplies the base sickness rate
    proficiency: np.ndarray  # float64, latent quality (≈ N(0, 1))
    memberships: tuple[Membership, ...]

    @property
    def size(self) -> int:
        return len(self.advisor_ids)

    def contract_type(self, advisor: int) -> ContractType:
        return _CONTRACTS[int(self.contract[advisor])]

    def team_on(self, advisor: int, day: dt.date) -> int:
        for m in self.memberships:
            if m.advisor == advisor and m.valid_from <= day and (
                    m.valid_to is None or day < m.valid_to):
                return m.team
        return self.memberships_of(advisor)[0].team

    def memberships_of(self, advisor: int) -> tuple[Membership, ...]:
        return tuple(m for m in self.memberships if m.advisor == advisor)


def _unique_names(rng: np.random.Generator, count: int) -> list[str]:
    combos = len(FIRST_NAMES) * len(SURNAMES)
    picks = rng.choice(combos, size=count, replace=count > combos)
    return [f"{FIRST_NAMES[p // len(SURNAMES)]} {SURNAMES[p % len(SURNAMES)]}" for p in picks]


def build_organisation(rng: np.random.Generator, advisors: int, start: dt.date,
                       days: int) -> Organisation:
    n = advisors
    site = (np.arange(n) >= round(n * LYON_SHARE)).astype(np.int8)  # 0 Lyon, 1 Lille
    contract = rng.choice(3, size=n, p=[0.60, 0.15, 0.25]).astype(np.int8)
    # exactly a quarter of temps, whatever the draw (the glossary says 20–40 % outsourced)
    temps = rng.permutation(n)[: round(n * 0.25)]
    contract[contract == 2] = 0
    contract[temps] = 2
    hours_choice = rng.choice(np.array([35.0, 35.0, 35.0, 35.0, 30.0, 28.0, 24.0]), size=n)
    weekly_hours = np.where(contract == 2, 35.0, hours_choice)
    base_cost = np.array([21.5, 20.0, 26.5])[contract]  # fully loaded, temps incl. agency fee
    hourly_cost = np.round(base_cost + rng.normal(0, 1.2, n), 2)
    # hire dates: permanent over 8 years, fixed-term within a year, temps within 5 months
    back = np.where(contract == 0, rng.integers(30, 8 * 365, n),
                    np.where(contract == 1, rng.integers(20, 330, n), rng.integers(7, 150, n)))
    hire_day = -back.astype(np.int32)
    # recruits during the period (a training class mid-period), mostly temps
    recruits = rng.permutation(n)[: max(1, round(n * 0.06))]
    hire_day[recruits] = rng.integers(max(1, days // 4), max(2, days - 3), recruits.size)
    # monthly attrition: temps 6 %, fixed-term 3 %, permanent 1 %
    monthly = np.array([0.01, 0.03, 0.06])[contract]
    leave_p = 1 - (1 - monthly) ** (days / 30.4)
    leaving = rng.random(n) < leave_p
    leave_offset = rng.integers(1, max(2, days), n)
    leave_day = np.where(leaving & (leave_offset > hire_day + 10), leave_offset, 10**6)
    leave_day = leave_day.astype(np.int32)
    skills = np.zeros((n, len(QUEUES)), dtype=bool)
    for s, (site_id, _) in enumerate(SITES):
        members = np.flatnonzero(site == s)
        for q, queue in enumerate(QUEUES):
            if site_id not in queue.skill_sites:
                continue
            main = queue.queue_id in ("ENE_ASSIST", "BNK_CLIENT")
            share = 1.0 if main else min(0.9, queue.workload_share * 2.2 + 0.15)
            have = rng.random(members.size) < share
            need = min(members.size, max(2, int(np.ceil(members.size * share * 0.8))))
            if have.sum() < need:
                have[rng.permutation(members.size)[:need]] = True
            skills[members[have], q] = True
    sickness = rng.gamma(2.0, 0.5, n) * np.where(contract == 2, 1.4, 1.0)
    proficiency = rng.normal(0, 1, n) + np.clip(-hire_day / 365.0, 0, 3) * 0.15
    names = _unique_names(rng, n + 64)
    teams: list[Team] = []
    team_of = np.zeros(n, dtype=np.int32)
    leader_names = names[n:]
    for s, (site_id, site_name) in enumerate(SITES):
        members = np.flatnonzero(site == s)
        count = max(1, round(members.size / ADVISORS_PER_TEAM))
        first = len(teams)
        for t in range(count):
            teams.append(Team(f"{site_id[:3]}-EQ{t + 1:02d}", site_id,
                              f"{site_name.split()[0]} équipe {t + 1}",
                              leader_names[(first + t) % len(leader_names)]))
        team_of[members] = first + rng.permutation(members.size) % count
    start_of = [start + dt.timedelta(days=int(d)) for d in hire_day]
    memberships: list[Membership] = []
    movers = set(rng.permutation(n)[: round(n * 0.05)].tolist())
    for i in range(n):
        site_teams = [t for t, team in enumerate(teams) if team.site_id == SITES[site[i]][0]]
        change_day = int(rng.integers(days // 3, max(days // 3 + 1, 2 * days // 3)))
        if i in movers and len(site_teams) > 1 and hire_day[i] < change_day < leave_day[i]:
            other = [t for t in site_teams if t != team_of[i]]
            new_team = other[int(rng.integers(len(other)))]
            switch = start + dt.timedelta(days=change_day)
            memberships.append(Membership(i, int(team_of[i]), start_of[i], switch))
            memberships.append(Membership(i, new_team, switch, None))
        else:
            memberships.append(Membership(i, int(team_of[i]), start_of[i], None))
    ids = tuple(f"{SITES[site[i]][0][:3]}{i + 1:04d}" for i in range(n))
    return Organisation(
        teams=tuple(teams), advisor_ids=ids, names=tuple(names[:n]), site=site,
        contract=contract, hire_day=hire_day, leave_day=leave_day,
        hire_dates=tuple(start_of),
        leave_dates=tuple(None if d >= 10**6 else start + dt.timedelta(days=int(d))
                          for d in leave_day),
        weekly_hours=weekly_hours, hourly_cost_eur=hourly_cost, skills=skills,
        sickness_propensity=sickness, proficiency=proficiency,
        memberships=tuple(memberships))


def contract_values() -> tuple[ContractType, ...]:
    return _CONTRACTS
