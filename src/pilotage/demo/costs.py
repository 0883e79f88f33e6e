"""Monthly cost lines per site: advisors' paid hours (employees and temps apart), team
leaders, telecom minutes, IT licences and premises (periods clipped to the demo period)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pilotage.demo.activities import QUEUES
from pilotage.demo.calendar import Calendar
from pilotage.demo.contacts import ContactColumns
from pilotage.demo.organisation import SITES, Organisation
from pilotage.demo.shifts import Roster
from pilotage.model.vocabulary import Channel

TEAM_LEADER_MONTHLY_EUR = 4_300.0
IT_PER_ADVISOR_MONTHLY_EUR = 185.0
PREMISES_PER_SEAT_MONTHLY_EUR = 340.0
TELECOM_EUR_PER_MIN = 0.011


@dataclass(frozen=True)
class CostLine:
    site_id: str
    period_start: dt.date
    period_end: dt.date
    category: str
    amount_eur: float


def build_costs(org: Organisation, calendar: Calendar, roster: Roster,
                absent_hours: np.ndarray, contacts: ContactColumns) -> list[CostLine]:
    """``absent_hours`` [advisor, day]: paid hours of absence (holidays, sickness)."""
    month_of_day = np.array([calendar.date(d).year * 12 + calendar.date(d).month - 1
                             for d in range(calendar.days)])
    months = sorted(set(month_of_day.tolist()))
    voice = np.array([q.channel == Channel.VOICE for q in QUEUES])[contacts.queue]
    c_day = np.clip((contacts.offered_ms - int(calendar.slot_utc_ms[0])) // 86_400_000, 0,
                    calendar.days - 1)
    minutes = np.where(voice, (np.maximum(contacts.ended_ms, contacts.offered_ms)
                               - contacts.offered_ms) / 60_000.0, 0.0)
    site_index = {site_id: i for i, (site_id, _) in enumerate(SITES)}
    queue_site = np.array([site_index.get(q.site_id or "", -1) for q in QUEUES])[contacts.queue]
    shift_site = org.site[roster.advisor[np.maximum(contacts.shift, 0)]]
    c_site = np.where(queue_site >= 0, queue_site,
                      np.where(contacts.shift >= 0, shift_site, 0))
    lines: list[CostLine] = []
    for s, (site_id, _) in enumerate(SITES):
        for m in months:
            in_month = month_of_day == m
            first = int(np.flatnonzero(in_month)[0])
            last = int(np.flatnonzero(in_month)[-1])
            start, end = calendar.date(first), calendar.date(last) + dt.timedelta(days=1)
            year, month = divmod(m, 12)
            month_days = (_next_month(year, month + 1) - dt.date(year, month + 1, 1)).days
            share = (last - first + 1) / month_days
            sel = (org.site[roster.advisor] == s) & in_month[roster.day]
            paid = np.bincount(roster.advisor[sel], weights=roster.paid_h[sel],
                               minlength=org.size).astype(np.float64)
            paid += absent_hours[:, in_month].sum(axis=1)
            at_site = org.site == s
            temp = org.contract == 2
            staff = float((paid * org.hourly_cost_eur)[at_site & ~temp].sum())
            agency = float((paid * org.hourly_cost_eur)[at_site & temp].sum())
            on_roll = at_site & (org.hire_day <= last) & (org.leave_day > first)
            teams = sum(1 for t in org.teams if t.site_id == site_id)
            telecom = float(minutes[(c_site == s) & (month_of_day[c_day] == m)].sum()) \
                * TELECOM_EUR_PER_MIN
            for category, amount in (
                    ("personnel conseillers", staff), ("intérim", agency),
                    ("encadrement", teams * TEAM_LEADER_MONTHLY_EUR * share),
                    ("télécom", telecom),
                    ("informatique", int(on_roll.sum()) * IT_PER_ADVISOR_MONTHLY_EUR * share),
                    ("locaux", np.ceil(on_roll.sum() / 1.2) * PREMISES_PER_SEAT_MONTHLY_EUR
                     * share)):
                lines.append(CostLine(site_id, start, end, category, round(float(amount), 2)))
    return lines


def _next_month(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1)
