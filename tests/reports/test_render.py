"""Every decision level renders in every format, from the same report model."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pilotage.reports.batch import RENDERERS
from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.html import render_html
from pilotage.reports.model import Report, ReportLevel
from pilotage.reports.xlsx import sheet_title


@pytest.mark.parametrize("level", list(ReportLevel))
@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_every_level_renders_in_every_format(sample_reports: dict[ReportLevel, Report],
                                             level: ReportLevel, fmt: str) -> None:
    report = sample_reports[level]
    data = RENDERERS[fmt](report)
    if fmt == "html":
        assert report.title in data.decode()
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
        assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    else:
        book = load_workbook(io.BytesIO(data))
        used: set[str] = set()
        assert book.sheetnames == [sheet_title(s.title, used) for s in report.sections]


def test_html_is_self_contained(sample_reports: dict[ReportLevel, Report]) -> None:
    for report in sample_reports.values():
        html = render_html(report)
        assert "http://" not in html and "https://" not in html
        assert "<script" not in html.lower()
        assert "<link" not in html.lower()
        assert not re.search(r"""(src|href)\s*=""", html, re.IGNORECASE)
        assert "@import" not in html and "url(" not in html


def test_english_on_request_french_by_default(report_context: ReportContext,
                                              sample_reports: dict[ReportLevel, Report]
                                              ) -> None:
    french = sample_reports[ReportLevel.DIRECTOR]
    english = build_report(report_context, ReportLevel.DIRECTOR, None, "en")
    assert french.lang == "fr" and french.sections[0].title == "Des ambitions aux leviers"
    assert english.sections[0].title == "From ambitions to levers"
    # the catalogue's abbreviations: DMT in French, AHT in English (kpi/catalogue)
    assert "DMT" in render_html(french) and "AHT" in render_html(english)
    # statuses are the objectives module's names (attainment.STATUS_NAMES)
    statuses = {row[4].text for row in french.sections[0].table.rows if row[4].text}
    assert statuses <= {"atteint", "à risque", "manqué", "volume insuffisant", "pas de données"}
