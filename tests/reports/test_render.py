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


def test_french_reports_write_numbers_the_french_way(
        report_context: ReportContext, sample_reports: dict[ReportLevel, Report]) -> None:
    # reports/numbers.py (Babel, CLDR fr): decimal comma, no-break space before the unit,
    # narrow no-break space between thousands; English keeps the decimal point
    english = build_report(report_context, ReportLevel.DIRECTOR, None, "en")
    for report in (*sample_reports.values(), english):
        for section in report.sections:
            for row in section.table.rows if section.table else ():
                for cell in row:
                    if cell.format.value == "text" or cell.value is None:
                        continue
                    if report.lang == "fr":
                        assert not re.search(r"\d\.\d", cell.text), (section.id, cell.text)
                        assert " %" not in cell.text and " €" not in cell.text, cell.text
                    else:
                        assert not re.search(r"\d,\d\b", cell.text), (section.id, cell.text)


def test_lever_analyses_are_told_in_the_report_language(
        report_context: ReportContext, sample_reports: dict[ReportLevel, Report]) -> None:
    french = sample_reports[ReportLevel.DIRECTOR]
    english = build_report(report_context, ReportLevel.DIRECTOR, None, "en")
    fr_levers = next(s for s in french.sections if s.id == "result_levers")
    en_levers = next(s for s in english.sections if s.id == "result_levers")
    assert fr_levers.paragraphs[-1].startswith("Modèle : repondération")
    assert en_levers.paragraphs[-1].startswith("Model: re-weighting")
    assert "pour une cible de" in fr_levers.paragraphs[0]
    assert "against a target of" in en_levers.paragraphs[0]
    site_fr = sample_reports[ReportLevel.SITE]
    site_en = build_report(report_context, ReportLevel.SITE, site_fr.unit, "en")
    for fr_section, en_section in zip(site_fr.sections, site_en.sections, strict=True):
        for fr_row, en_row in zip(fr_section.table.rows if fr_section.table else (),
                                  en_section.table.rows if en_section.table else (),
                                  strict=True):
            # the same figures in both languages
            assert [c.value for c in fr_row if c.format.value != "text"] == \
                [c.value for c in en_row if c.format.value != "text"]
    details = [r[-1].text for s in site_en.sections if s.id == "levers" and s.table
               for r in s.table.rows]
    assert all("prévision" not in d and "planifiés" not in d for d in details)


def test_html_fetches_nothing_when_laid_out(sample_reports: dict[ReportLevel, Report]) -> None:
    # WeasyPrint lays the HTML out as a browser would; every URL it would fetch goes through
    # the fetcher: none must
    import weasyprint

    fetched: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        fetched.append(url)
        raise OSError(f"no network: {url}")

    for report in sample_reports.values():
        weasyprint.HTML(string=render_html(report), url_fetcher=record).render()
    assert fetched == []
