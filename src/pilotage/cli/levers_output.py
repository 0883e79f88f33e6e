"""``pilotage objectives levers``: pick the analysis that fits each objective and print it in
the reader's language (``reports.lever_text``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.table import Table

from pilotage.cli.console import console
from pilotage.errors import ParameterError
from pilotage.kpi import load_catalogue
from pilotage.kpi.definitions import Category, Unit
from pilotage.kpi.query import KpiSession
from pilotage.objectives.attainment import AttainmentEngine, Status
from pilotage.objectives.levers import LeverAnalysis, accessibility_analysis, mix_rate_analysis
from pilotage.objectives.model import Level, Objective, ObjectivesFile
from pilotage.objectives.periods import ReportingPeriod
from pilotage.objectives.result_levers import ResultLeverAnalysis, ResultLeverModel
from pilotage.reports.language import bilingual, say
from pilotage.reports.lever_text import (
    ResultLeverText,
    lever_columns,
    lever_rows,
    lever_sentence,
    model_text,
    result_lever_columns,
)
from pilotage.reports.model import Cell

Found = tuple[Objective, ResultLeverAnalysis | LeverAnalysis]


def analyse_levers(session: KpiSession, objectives: ObjectivesFile, period: ReportingPeriod,
                   level: Level, unit: str | None, objective_ids: tuple[str, ...]
                   ) -> list[Found]:
    engine = AttainmentEngine(session, objectives)
    unknown = [i for i in objective_ids if objectives.objective(i) is None]
    if unknown:
        raise ParameterError(f"--objective {unknown[0]!r} is not in the objectives file",
                             hint="ids: " + ", ".join(o.id for o in objectives.objectives))
    attainments = engine.status(period, level=level,
                                unit=None if level is Level.CENTER else unit,
                                contributors=False)
    unit_id = engine.center_id if level is Level.CENTER else str(unit)
    chosen = [a for a in attainments if a.unit == unit_id and (
        a.objective_id in objective_ids if objective_ids else
        a.status in (Status.MISSED, Status.AT_RISK))]
    model = ResultLeverModel(session, engine)
    found: list[Found] = []
    for attainment in chosen:
        objective = objectives.objective(attainment.objective_id)
        assert objective is not None
        kpi = session.catalogue.kpi(objective.kpi)
        if kpi.category is Category.ACCESSIBILITY and kpi.unit is Unit.PERCENT \
                and attainment.target is not None:
            found.append((objective, accessibility_analysis(
                session, objective, level, unit_id, attainment.target, period)))
            continue
        if objective.kind == "result" and objective.levers:
            analysis = model.analyse(objective, level, unit_id, period, attainments)
            if analysis.source_table is not None:
                found.append((objective, analysis))
                continue
        if kpi.is_ratio:
            found.append((objective, mix_rate_analysis(session, objective, level, unit_id,
                                                       period)))
    return found


def _json(found: list[Found]) -> list[dict[str, Any]]:
    out = []
    for objective, analysis in found:
        record = asdict(analysis)
        record["model"] = "reweighting" if isinstance(analysis, ResultLeverAnalysis) \
            else analysis.model.value
        if isinstance(analysis, ResultLeverAnalysis):
            record["joint_impact"] = analysis.joint_impact
            record["unexplained"] = analysis.unexplained
        out.append({"objective": objective.id, **record})
    return out


def print_levers(found: list[Found], objectives: ObjectivesFile, format: str,
                 lang: str) -> None:
    if format == "json":
        print(json.dumps(_json(found), ensure_ascii=False, indent=1, default=str))
        return
    if not found:
        console.print(say(lang, "Aucun objectif manqué ou à risque pour cette unité.",
                          "No objective is missed or at risk for this unit."))
        return
    catalogue = load_catalogue()
    for objective, analysis in found:
        name = bilingual(objective.name, lang)
        kpi = catalogue.kpi(objective.kpi)
        if isinstance(analysis, ResultLeverAnalysis):
            text = ResultLeverText(analysis, objectives, catalogue, lang)
            paragraphs = [text.summary(name), text.model()]
            columns, rows = result_lever_columns(lang), text.rows(name)
        else:
            paragraphs = [lever_sentence(name, kpi, analysis, lang),
                          model_text(analysis.model, lang)]
            columns, rows = lever_columns(lang), lever_rows(name, kpi, analysis, lang)
        _table(columns[1:], [r[1:] for r in rows], name)
        for paragraph in paragraphs:
            console.print(paragraph, highlight=False)
        console.print()


def _table(columns: tuple[str, ...], rows: list[tuple[Cell, ...]], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell.text for cell in row))
    console.print(table)

