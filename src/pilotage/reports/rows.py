"""Pieces several reports share: an objective's row (actual, target, status, trend with its
sparkline), the gap said plainly, and the lever analysis of missed result objectives."""

from __future__ import annotations

from pilotage.kpi.definitions import Category, Direction, Unit
from pilotage.objectives.attainment import Attainment, Status
from pilotage.objectives.model import Level, Objective
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, say, status_label
from pilotage.reports.lever_text import (
    ResultLeverText,
    result_lever_columns,
    result_model_text,
)
from pilotage.reports.model import Cell, Section, Table

JUDGED = (Status.MET, Status.AT_RISK, Status.MISSED)


def objective_header(lang: str) -> tuple[str, ...]:
    return (say(lang, "Objectif", "Objective"), say(lang, "Indicateur", "Indicator"),
            say(lang, "Réel", "Actual"), say(lang, "Cible", "Target"),
            say(lang, "Statut", "Status"), say(lang, "Évolution", "Trend"))


def objective_row(ctx: ReportContext, objective: Objective, attainment: Attainment | None,
                  level: Level, unit: str, lang: str) -> tuple[Cell, ...]:
    kpi = ctx.kpi(objective.kpi)
    name = Cell.label(bilingual(objective.name, lang))
    if attainment is None:
        dash = Cell.label("–")
        return (name, Cell.label(kpi_label(kpi, lang)), Cell.kpi_value(kpi, None, lang), dash,
                Cell.label(status_label(Status.NO_DATA, lang), Status.NO_DATA), dash)
    series = ctx.weekly_series(objective, level, unit)
    return (name, Cell.label(kpi_label(kpi, lang)),
            Cell.kpi_value(kpi, attainment.actual, lang, attainment.status),
            Cell.kpi_value(kpi, attainment.target, lang),
            Cell.label(status_label(attainment.status, lang), attainment.status),
            Cell.kpi_change(kpi, attainment.trend, lang, series))


def relative_gap(attainment: Attainment) -> float:
    """The gap as a share of the target (negative: short of it), to compare objectives of
    different units."""
    gap = attainment.gap
    if gap is None or not attainment.target:
        return 0.0
    return gap / abs(attainment.target)


def gap_text(ctx: ReportContext, attainment: Attainment, lang: str) -> str:
    kpi = ctx.kpi(attainment.kpi)
    actual = Cell.kpi_value(kpi, attainment.actual, lang).text
    target = Cell.kpi_value(kpi, attainment.target, lang).text
    return say(lang, f"{actual} pour une cible de {target}",
               f"{actual} against a target of {target}")


def is_accessibility(ctx: ReportContext, objective: Objective) -> bool:
    kpi = ctx.kpi(objective.kpi)
    return kpi.category is Category.ACCESSIBILITY and kpi.unit is Unit.PERCENT \
        and kpi.direction is Direction.HIGHER_IS_BETTER


def empty_table(columns: tuple[str, ...]) -> Table:
    return Table(columns, ())


def result_lever_section(ctx: ReportContext, level: Level, unit: str, lang: str,
                         title: tuple[str, str] = ("Leviers des objectifs de résultat",
                                                   "Levers of the result objectives")
                         ) -> Section:
    """Each result objective of the unit that is missed or at risk, its levers ranked by the
    estimated impact of meeting their target (``objectives.result_levers``), the joint
    effect and what is left unexplained, with the model stated."""
    paragraphs: list[str] = []
    rows: list[tuple[Cell, ...]] = []
    for attainment in ctx.level_attainments(level):
        if attainment.unit != unit or attainment.status not in (Status.MISSED,
                                                                Status.AT_RISK):
            continue
        objective = ctx.objective(attainment.objective_id)
        if objective.kind != "result" or not objective.levers:
            continue
        analysis = ctx.result_lever_analysis(objective, level, unit)
        if analysis.source_table is None:
            continue
        text = ResultLeverText(analysis, ctx.objectives, ctx.catalogue, lang)
        name = bilingual(objective.name, lang)
        paragraphs.append(text.summary(name))
        rows.extend(text.rows(name))
    if not paragraphs:
        paragraphs.append(say(lang, "Aucun objectif de résultat manqué ou à risque.",
                              "No result objective is missed or at risk."))
    else:
        paragraphs.append(result_model_text(lang))
    return Section("result_levers", say(lang, *title), tuple(paragraphs),
                   Table(result_lever_columns(lang), tuple(rows)))
