"""The PDF and the XLSX say what the report model says: every figure of every table."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pilotage.reports.model import CellFormat, Report, ReportLevel
from pilotage.reports.pdf import render_pdf
from pilotage.reports.xlsx import HEADER_ROWS, render_xlsx


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("level", list(ReportLevel))
def test_pdf_text_carries_every_figure_of_the_model(sample_reports: dict[ReportLevel, Report],
                                                   level: ReportLevel) -> None:
    report = sample_reports[level]
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    for section in report.sections:
        assert _squash(section.title) in text
        if section.table is None:
            assert all(_squash(par) in text for par in section.paragraphs)
            continue
        for row in section.table.rows:
            for cell in row:
                if cell.format is not CellFormat.TEXT:
                    assert _squash(cell.text) in text, (section.id, cell)


@pytest.mark.parametrize("level", list(ReportLevel))
def test_xlsx_holds_the_model_numbers_with_number_formats(
        sample_reports: dict[ReportLevel, Report], level: ReportLevel) -> None:
    report = sample_reports[level]
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    for sheet, section in zip(book.worksheets, report.sections, strict=True):
        if section.table is None:
            assert sheet.cell(3, 1).value == " ".join(section.paragraphs)
            continue
        header = [c.value for c in sheet[HEADER_ROWS + 1]]
        assert header == list(section.table.columns)
        for i, row in enumerate(section.table.rows, start=HEADER_ROWS + 2):
            for j, cell in enumerate(row, start=1):
                got = sheet.cell(i, j)
                if isinstance(cell.value, float):
                    assert got.value == pytest.approx(cell.value, rel=1e-12, abs=1e-12)
                    if cell.format is CellFormat.PERCENT:
                        assert got.number_format == "0.0%"
                else:
                    assert (got.value or "") == cell.text
