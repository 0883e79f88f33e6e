"""Who sees what: an advisor's scorecard shows no other advisor's figures (nor their id or
name), and the public commitments page names no advisor, team or site."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.html import render_html
from pilotage.reports.model import Report, ReportLevel
from pilotage.reports.pdf import render_pdf


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def test_an_advisor_report_names_no_other_advisor(report_context: ReportContext,
                                                  sample_reports: dict[ReportLevel, Report]
                                                  ) -> None:
    report = sample_reports[ReportLevel.ADVISOR]
    html = render_html(report)
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report))).pages)
    me = report_context.org.advisors[str(report.unit)]
    assert me.name in html
    for other in report_context.org.advisors.values():
        if other.advisor_id == me.advisor_id:
            continue
        for text in (html, pdf):
            assert not _mentions(text, other.advisor_id), other.advisor_id
            if other.name != me.name:
                assert not _mentions(text, other.name), other.name


def test_every_advisor_report_of_a_team_stays_private(report_context: ReportContext) -> None:
    team = sorted(report_context.org.teams)[0]
    members = report_context.org.team_members(team)
    for person in members:
        html = render_html(build_report(report_context, ReportLevel.ADVISOR,
                                        person.advisor_id))
        for other in members:
            if other.advisor_id != person.advisor_id:
                assert not _mentions(html, other.advisor_id)


def test_the_commitments_page_names_no_advisor_team_or_site(
        report_context: ReportContext, sample_reports: dict[ReportLevel, Report]) -> None:
    report = sample_reports[ReportLevel.COMMITMENTS]
    org = report_context.org
    html = render_html(report)
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report))).pages)
    names = [*org.advisors, *(p.name for p in org.advisors.values()), *org.teams,
             *(t.name for t in org.teams.values()),
             *(t.leader_name for t in org.teams.values() if t.leader_name),
             *org.sites, *org.sites.values()]
    for text in (html, pdf):
        for name in names:
            assert not _mentions(text, name), name


def test_an_advisor_report_shows_only_their_own_and_their_team_figures(
        report_context: ReportContext, sample_reports: dict[ReportLevel, Report]) -> None:
    # every figure is the advisor's own (actual, target, trend) or the team's aggregate
    from pilotage.objectives.model import Level
    from pilotage.reports.scorecard import advisor_objectives, team_value

    report = sample_reports[ReportLevel.ADVISOR]
    me = report_context.org.advisors[str(report.unit)]
    allowed: set[float] = set()
    for objective in advisor_objectives(report_context):
        found = report_context.attainment(Level.ADVISOR, me.advisor_id, objective.id)
        if found is not None:
            allowed |= {v for v in (found.actual, found.target) if v is not None}
            if found.trend is not None:
                allowed |= {found.trend, round(100 * found.trend, 6)}
        team = team_value(report_context, objective, me.team_id)
        if team is not None:
            allowed.add(team)
    figures = [c.value for s in report.sections if s.table for r in s.table.rows for c in r
               if isinstance(c.value, float)]
    assert figures
    for value in figures:
        assert any(abs(value - a) < 1e-9 for a in allowed), value
