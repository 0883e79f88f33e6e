"""XLSX rendering: one sheet per section, numbers as numbers with number formats
(percentages in percent format, euros in euros), status colours as fills."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pilotage.objectives.attainment import Status
from pilotage.reports.model import Cell, CellFormat, Report

NUMBER_FORMATS = {
    CellFormat.PERCENT: "0.0%",
    CellFormat.POINTS_CHANGE: '+0.0" pt";-0.0" pt";0.0" pt"',
    CellFormat.COUNT: "#,##0",
    CellFormat.SECONDS: '0" s"',
    CellFormat.EUR: '#,##0.00" €"',
    CellFormat.NUMBER: "0.00",
}
FILLS = {Status.MET: "E8F5E9", Status.AT_RISK: "FFF8E1", Status.MISSED: "FFEBEE"}
HEADER_ROWS = 4  # title, subtitle, the section's paragraphs, blank; then the table


def sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31]
    name, n = clean, 2
    while name in used:
        name = f"{clean[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _put(cell: Cell, target: object) -> None:
    from openpyxl.cell.cell import Cell as XlCell

    assert isinstance(target, XlCell)
    if cell.format is CellFormat.TEXT or not isinstance(cell.value, int | float):
        target.value = cell.text
    else:
        target.value = cell.value
        target.number_format = NUMBER_FORMATS[cell.format]
    if cell.status in FILLS:
        target.fill = PatternFill("solid", fgColor=FILLS[cell.status])


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for section in report.sections:
        sheet = book.create_sheet(sheet_title(section.title, used))
        sheet["A1"] = report.title
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A2"] = f"{report.subtitle} · {section.title}"
        sheet["A3"] = " ".join(section.paragraphs)
        if section.table is None:
            continue
        header = HEADER_ROWS + 1
        for j, column in enumerate(section.table.columns, start=1):
            sheet.cell(header, j, column).font = Font(bold=True)
            width = max([len(column)] + [len(r[j - 1].text) for r in section.table.rows])
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
        for i, row in enumerate(section.table.rows, start=header + 1):
            for j, cell in enumerate(row, start=1):
                _put(cell, sheet.cell(i, j))
        sheet.freeze_panes = sheet.cell(header + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(report: Report, path: Path) -> Path:
    path.write_bytes(render_xlsx(report))
    return path
