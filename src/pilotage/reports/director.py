"""The center director's report: the cascade ambition → result objectives → lever
objectives with status and trend, the costs, the levers of missed result objectives ranked
by estimated impact (``objectives.result_levers``), and what changed since the previous
period (mix and rate effects)."""

from __future__ import annotations

from pilotage.objectives.attainment import Status
from pilotage.objectives.levers import LeverModel, mix_rate_analysis
from pilotage.objectives.model import Level, Objective
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, period_label, say
from pilotage.reports.lever_text import lever_columns, lever_rows, lever_sentence, model_text
from pilotage.reports.model import Cell, Report, ReportLevel, Section, Table
from pilotage.reports.rows import objective_header, objective_row, result_lever_section

COST_KPIS = ("cost_per_contact", "cost_per_productive_hour")


def _tree(ctx: ReportContext, lang: str) -> Table:
    center = ctx.org.center_id
    found = {a.objective_id: a for a in ctx.level_attainments(Level.CENTER)}
    rows = []

    def add(objective: Objective, depth: int) -> None:
        row = objective_row(ctx, objective, found.get(objective.id), Level.CENTER, center,
                            lang)
        prefix = "    " * depth + ("↳ " if depth else "")
        rows.append((Cell.label(prefix + row[0].text), *row[1:]))

    for ambition in ctx.objectives.ambitions:
        rows.append((Cell.label(say(lang, "Ambition : ", "Ambition: ")
                                + bilingual(ambition.name, lang)),
                     *(Cell.label("") for _ in range(5))))
        for result in ctx.objectives.objectives:
            if result.kind != "result" or result.ambition != ambition.id \
                    or Level.CENTER not in result.levels:
                continue
            add(result, 1)
            for lever_id in result.levers:
                lever = ctx.objectives.objective(lever_id)
                if lever is not None and Level.CENTER in lever.levels:
                    add(lever, 2)
    return Table(objective_header(lang), tuple(rows))


def _costs(ctx: ReportContext, lang: str) -> Table:
    previous = ctx.period.previous()
    scopes = [(say(lang, "Centre", "Center"), None)] + [
        (name, site_id) for site_id, name in sorted(ctx.org.sites.items())]
    rows = []
    for label, site_id in scopes:
        cells = [Cell.label(label)]
        for kpi_id in COST_KPIS:
            kpi = ctx.kpi(kpi_id)
            by = () if site_id is None else ("site",)

            def pick(rows_: list[dict[str, object]], site: str | None = site_id,
                     k: str = kpi_id) -> float | None:
                for r in rows_:
                    if site is None or r.get("site") == site:
                        value = r.get(k)
                        return float(value) if isinstance(value, int | float) else None
                return None

            now = pick(ctx.values(kpi_id, by))
            before = pick(ctx.values(kpi_id, by, period=previous))
            cells += [Cell.kpi_value(kpi, now, lang),
                      Cell.kpi_change(kpi, None if now is None or before is None
                                      else now - before, lang)]
        rows.append(tuple(cells))
    columns = (say(lang, "Périmètre", "Scope"),
               say(lang, "Coût par contact", "Cost per contact"),
               say(lang, "Évolution", "Trend"),
               say(lang, "Coût par heure productive", "Cost per productive hour"),
               say(lang, "Évolution", "Trend"))
    return Table(columns, tuple(rows))


def director_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    center = ctx.org.center_id
    found = {a.objective_id: a for a in ctx.level_attainments(Level.CENTER)}
    sentences: list[str] = []
    rows: list[tuple[Cell, ...]] = []
    for objective in ctx.objectives.objectives:
        attainment = found.get(objective.id)
        if objective.kind != "result" or attainment is None or not ctx.kpi(
                objective.kpi).is_ratio or attainment.status not in (Status.MISSED,
                                                                     Status.AT_RISK):
            continue
        analysis = mix_rate_analysis(ctx.session, objective, Level.CENTER, center, ctx.period)
        name = bilingual(objective.name, lang)
        sentences.append(lever_sentence(name, ctx.kpi(objective.kpi), analysis, lang))
        rows.extend(lever_rows(name, ctx.kpi(objective.kpi), analysis, lang)[:6])
        missed = [bilingual(lv.name, lang) for lv in (
            ctx.objectives.objective(i) for i in objective.levers) if lv is not None
            and (a := found.get(lv.id)) is not None and a.status in (Status.MISSED,
                                                                      Status.AT_RISK)]
        if missed:
            sentences.append(say(lang, "Leviers en retrait : ", "Levers falling short: ")
                             + " ; ".join(missed) + ".")
    if not sentences:
        sentences.append(say(lang, "Tous les objectifs de résultat sont atteints.",
                             "Every result objective is met."))
    else:
        sentences.append(model_text(LeverModel.MIX_RATE, lang))
    return Report(
        ReportLevel.DIRECTOR, None, ctx.org.center_name, ctx.period.label, lang,
        say(lang, f"Direction — {ctx.org.center_name}", f"Director — {ctx.org.center_name}"),
        period_label(ctx.period, lang),
        (Section("cascade", say(lang, "Des ambitions aux leviers", "From ambitions to levers"),
                 (say(lang, "Chaque ambition, ses objectifs de résultat et les indicateurs "
                            "leviers qui les font atteindre (niveau centre).",
                      "Each ambition, its result objectives and the lever indicators that "
                      "reach them (center level)."),),
                 _tree(ctx, lang)),
         Section("costs", say(lang, "Coûts", "Costs"), table=_costs(ctx, lang)),
         result_lever_section(ctx, Level.CENTER, center, lang,
                              ("Objectifs de résultat manqués : quels leviers actionner",
                               "Missed result objectives: which levers to pull")),
         Section("levers", say(lang, "Objectifs de résultat manqués : ce qui a changé depuis "
                                     "la période précédente",
                               "Missed result objectives: what changed since the previous "
                               "period"),
                 tuple(sentences), Table(lever_columns(lang), tuple(rows)))))
