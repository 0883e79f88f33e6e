"""Pieces several reports share: an objective's row (actual, target, status, trend with its
sparkline), and a lever analysis told in the report's language."""

from __future__ import annotations

from pilotage.kpi.definitions import Category, Direction, Unit
from pilotage.objectives.attainment import Attainment, Status
from pilotage.objectives.levers import LeverAnalysis
from pilotage.objectives.model import Level, Objective
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, say, status_label
from pilotage.reports.model import Cell, CellFormat, Table

JUDGED = (Status.MET, Status.AT_RISK, Status.MISSED)
LEVER_NAMES = {
    "planning": ("planification", "planning"), "volume": ("volume", "volume"),
    "aht": ("DMT", "AHT"), "staffing": ("présence des effectifs", "staffing"),
    "residual": ("non expliqué", "unexplained"), "mix": ("poids", "mix"),
    "rate": ("valeur", "rate"),
}


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
        return (name, Cell.label(kpi_label(kpi, lang)), Cell.kpi_value(kpi, None), dash,
                Cell.label(status_label(Status.NO_DATA, lang), Status.NO_DATA), dash)
    series = ctx.weekly_series(objective, level, unit)
    return (name, Cell.label(kpi_label(kpi, lang)),
            Cell.kpi_value(kpi, attainment.actual, attainment.status),
            Cell.kpi_value(kpi, attainment.target),
            Cell.label(status_label(attainment.status, lang), attainment.status),
            Cell.kpi_change(kpi, attainment.trend, series))


def relative_gap(attainment: Attainment) -> float:
    """The gap as a share of the target (negative: short of it), to compare objectives of
    different units."""
    gap = attainment.gap
    if gap is None or not attainment.target:
        return 0.0
    return gap / abs(attainment.target)


def gap_text(ctx: ReportContext, attainment: Attainment, lang: str) -> str:
    kpi = ctx.kpi(attainment.kpi)
    actual = Cell.kpi_value(kpi, attainment.actual).text
    target = Cell.kpi_value(kpi, attainment.target).text
    return say(lang, f"{actual} pour une cible de {target}",
               f"{actual} against a target of {target}")


def is_accessibility(ctx: ReportContext, objective: Objective) -> bool:
    kpi = ctx.kpi(objective.kpi)
    return kpi.category is Category.ACCESSIBILITY and kpi.unit is Unit.PERCENT \
        and kpi.direction is Direction.HIGHER_IS_BETTER


def lever_name(lever: str, lang: str) -> str:
    head, _, rest = lever.partition(" ")
    names = LEVER_NAMES.get(head)
    if names is None:
        return lever
    return (names[0] if lang == "fr" else names[1]) + (f" {rest}" if rest else "")


def lever_sentence(ctx: ReportContext, objective: Objective, analysis: LeverAnalysis,
                   lang: str) -> str:
    kpi = ctx.kpi(objective.kpi)
    name = bilingual(objective.name, lang)
    if analysis.actual is None or analysis.reference is None:
        return say(lang, f"{name} : pas assez de données pour analyser les leviers.",
                   f"{name}: not enough data to analyse the levers.")
    change = Cell.kpi_change(kpi, analysis.actual - analysis.reference).text
    harmful = [e for e in analysis.effects if e.effect < 0][:3]
    causes = ", ".join(f"{lever_name(e.lever, lang)} ({Cell.kpi_change(kpi, e.effect).text})"
                       for e in harmful)
    against = say(lang, "la cible", "the target") if analysis.model.startswith("Erlang") \
        else say(lang, "la période précédente", "the previous period")
    if lang == "fr":
        text = f"{name} : {change} par rapport à {against}"
        return text + (f" ; principaux freins : {causes}." if causes else ".")
    text = f"{name}: {change} against {against}"
    return text + (f"; main drags: {causes}." if causes else ".")


def lever_table(ctx: ReportContext, objective: Objective, analysis: LeverAnalysis,
                lang: str) -> tuple[tuple[Cell, ...], ...]:
    kpi = ctx.kpi(objective.kpi)
    return tuple((Cell.label(bilingual(objective.name, lang)),
                  Cell.label(lever_name(e.lever, lang)),
                  Cell.kpi_change(kpi, e.effect), Cell.label(e.detail))
                 for e in analysis.effects)


def lever_columns(lang: str) -> tuple[str, ...]:
    return (say(lang, "Objectif", "Objective"), say(lang, "Levier", "Lever"),
            say(lang, "Effet", "Effect"), say(lang, "Détail (modèle)", "Detail (model)"))


def empty_table(columns: tuple[str, ...]) -> Table:
    return Table(columns, ())


def percent_cell(value: float | None) -> Cell:
    if value is None:
        return Cell(None, "–", CellFormat.PERCENT)
    return Cell(float(value), f"{100 * value:.1f} %", CellFormat.PERCENT)
