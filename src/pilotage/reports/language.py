"""The report's language: French by default, English on request, with the names the
catalogue and the objectives module already give (KPI names and abbreviations, roles,
statuses)."""

from __future__ import annotations

import datetime as dt

from pilotage.errors import ParameterError
from pilotage.kpi.definitions import Bilingual, Kpi
from pilotage.objectives.attainment import STATUS_NAMES, Status
from pilotage.objectives.model import ROLE_NAMES, Role
from pilotage.objectives.periods import ReportingPeriod

LANGS = ("fr", "en")
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ParameterError(f"--lang {lang!r} is not one of fr, en",
                             hint="reports are written in French (fr, the default) or English")
    return lang


def say(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def bilingual(text: Bilingual, lang: str) -> str:
    return text.fr if lang == "fr" else text.en


def kpi_label(kpi: Kpi, lang: str) -> str:
    """The abbreviation users say (DMT, QS…) when there is one, else the name."""
    if kpi.abbreviation is not None:
        return bilingual(kpi.abbreviation, lang)
    return bilingual(kpi.name, lang)


def status_label(status: Status, lang: str) -> str:
    return STATUS_NAMES[status][0 if lang == "fr" else 1]


def role_label(role: Role, lang: str) -> str:
    return ROLE_NAMES[role][0 if lang == "fr" else 1]


LEVEL_NAMES = {"advisor": ("conseiller", "advisor"), "team": ("équipe", "team"),
               "site": ("plateau", "site"), "director": ("direction", "director"),
               "contract": ("contrat", "contract"), "commitments": ("engagements", "commitments")}


def level_label(level: str, lang: str) -> str:
    """A report level as the reader says it (``équipe``, ``team``)."""
    names = LEVEL_NAMES.get(level, (level, level))
    return names[0] if lang == "fr" else names[1]


def period_label(period: ReportingPeriod, lang: str) -> str:
    """``septembre 2026`` / ``September 2026`` for a month, the label itself otherwise."""
    if period.kind is not None and period.kind.value == "month":
        if lang == "fr":
            return f"{MONTHS_FR[period.start.month - 1]} {period.start.year}"
        return f"{period.start:%B %Y}"
    if period.kind is None:
        return say(lang, f"du {_day(period.start)} au {_day(period.end)}",
                   f"{period.start} to {period.end}")
    return period.label


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"
