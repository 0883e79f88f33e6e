"""Build the report model of one decision level: ``build_report(ctx, level, unit, lang)``."""

from __future__ import annotations

from collections.abc import Callable

from pilotage.errors import ParameterError
from pilotage.reports.commitments import commitments_report
from pilotage.reports.context import ReportContext
from pilotage.reports.contract import contract_report
from pilotage.reports.director import director_report
from pilotage.reports.language import check_lang
from pilotage.reports.model import Report, ReportLevel
from pilotage.reports.scorecard import advisor_report
from pilotage.reports.site import site_report
from pilotage.reports.team import team_report

Builder = Callable[[ReportContext, str | None, str], Report]

BUILDERS: dict[ReportLevel, Builder] = {
    ReportLevel.ADVISOR: advisor_report,
    ReportLevel.TEAM: team_report,
    ReportLevel.SITE: site_report,
    ReportLevel.DIRECTOR: director_report,
    ReportLevel.CONTRACT: contract_report,
    ReportLevel.COMMITMENTS: commitments_report,
}


def parse_level(text: str) -> ReportLevel:
    try:
        return ReportLevel(text)
    except ValueError:
        raise ParameterError(
            f"report level {text!r} is not one of {', '.join(lv.value for lv in ReportLevel)}",
            hint="or 'all' for every report of the period") from None


def build_report(ctx: ReportContext, level: ReportLevel, unit: str | None = None,
                 lang: str = "fr") -> Report:
    return BUILDERS[level](ctx, unit, check_lang(lang))
