"""HTML rendering: one self-contained file (CSS inline, SVG inline, no script, no link, no
external address), from ``templates/report.html.j2``."""

from __future__ import annotations

from functools import cache

import jinja2

from pilotage.objectives.attainment import Status
from pilotage.reports.charts import render_chart, sparkline
from pilotage.reports.language import level_label
from pilotage.reports.model import Cell, CellFormat, Report

STATUS_CLASS = {Status.MET: "met", Status.AT_RISK: "at-risk", Status.MISSED: "missed",
                Status.NOT_ENOUGH_DATA: "thin", Status.NO_DATA: "thin"}


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("pilotage.reports", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(chart=render_chart, sparkline=sparkline, cell_class=cell_class,
                       level_label=level_label)
    return env


def cell_class(cell: Cell) -> str:
    classes = [] if cell.format is CellFormat.TEXT else ["num"]
    if cell.status is not None:
        classes.append(STATUS_CLASS[cell.status])
    return " ".join(classes)


def render_html(report: Report, *, for_print: bool = False) -> str:
    return _environment().get_template("report.html.j2").render(report=report,
                                                                for_print=for_print)
