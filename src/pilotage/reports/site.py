"""The floor manager's report: the site against its objectives, its teams compared, the
intraday profile of an average day, and the lever analysis of missed accessibility
objectives (Erlang A counterfactual, ``objectives.levers.accessibility_analysis``)."""

from __future__ import annotations

from collections import defaultdict

from pilotage.kpi.definitions import Direction
from pilotage.objectives.attainment import Status
from pilotage.objectives.levers import LeverModel, accessibility_analysis
from pilotage.objectives.model import Level
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, period_label, say
from pilotage.reports.lever_text import lever_columns, lever_rows, lever_sentence, model_text
from pilotage.reports.model import (
    Cell,
    CellFormat,
    Chart,
    ChartKind,
    Report,
    ReportLevel,
    Section,
    Table,
)
from pilotage.reports.rows import (
    is_accessibility,
    objective_header,
    objective_row,
    result_lever_section,
)

PROFILE_THRESHOLD_S = 20  # the catalogue's default service-level threshold


def intraday(ctx: ReportContext, site_id: str, lang: str) -> Section:
    """Offered contacts and service level per 30-minute interval of an average day of the
    period (voice, the site's advisors): volume averaged over the period's days, service
    level weighted by volume."""
    where = (("site", site_id), ("channel", "voice"))
    offered: defaultdict[str, float] = defaultdict(float)
    in_sl: defaultdict[str, float] = defaultdict(float)
    sl_volume: defaultdict[str, float] = defaultdict(float)
    for row in ctx.values("offered", ("interval30",), where=where):
        offered[row["interval30"][11:16]] += float(row["offered"] or 0)
    for row in ctx.values("service_level", ("interval30",), where=where):
        if row["service_level"] is not None:
            n = ctx.volume(row, "service_level")
            in_sl[row["interval30"][11:16]] += row["service_level"] * n
            sl_volume[row["interval30"][11:16]] += n
    slots = sorted(set(offered) | set(sl_volume))
    days = ctx.period.days
    averages = tuple(round(offered[s] / days, 2) for s in slots)
    levels = tuple(in_sl[s] / sl_volume[s] if sl_volume[s] else None for s in slots)
    sl_target = next((a.target for a in ctx.level_attainments(Level.SITE)
                      if a.unit == site_id and a.kpi == "service_level"), None)
    rows = tuple((Cell.label(s), Cell.number(a, lang, 1),
                   Cell.percent(v, lang))
                 for s, a, v in zip(slots, averages, levels, strict=True))
    chart = Chart(ChartKind.PROFILE,
                  say(lang, "Profil intrajournalier (jour moyen)", "Intraday profile "
                      "(average day)"), tuple(slots), averages, CellFormat.NUMBER,
                  lang, line=levels, line_target=sl_target)
    return Section(
        "intraday", say(lang, "Profil intrajournalier", "Intraday profile"),
        (say(lang, "Appels présentés par demi-heure d'un jour moyen de la période (barres) "
                   "et qualité de service (courbe, seuil par défaut du catalogue) ; ligne "
                   "pointillée : cible.",
             "Calls offered per half hour of an average day of the period (bars) and "
             "service level (line, the catalogue's default threshold); dashed line: "
             "target."),),
        Table((say(lang, "Intervalle", "Interval"),
               say(lang, "Présentés (moyenne/jour)", "Offered (average/day)"),
               say(lang, "QS", "SL")), rows), (chart,))


def site_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    site_id = ctx.require("site", unit, ctx.org.sites)
    site_name = ctx.org.sites[site_id]
    own = {a.objective_id: a for a in ctx.level_attainments(Level.SITE) if a.unit == site_id}
    site_objectives = [o for o in ctx.objectives.objectives if Level.SITE in o.levels]
    rows = tuple(objective_row(ctx, o, own.get(o.id), Level.SITE, site_id, lang)
                 for o in site_objectives)
    teams = sorted(t for t, info in ctx.org.teams.items() if info.site_id == site_id)
    team_objectives = [o for o in ctx.objectives.objectives if Level.TEAM in o.levels]
    team_rows, charts = [], []
    for team_id in teams:
        cells = [Cell.label(ctx.org.teams[team_id].name)]
        for objective in team_objectives:
            found = ctx.attainment(Level.TEAM, team_id, objective.id)
            cells.append(Cell.kpi_value(ctx.kpi(objective.kpi), found.actual if found else None,
                                        lang, found.status if found else None))
        team_rows.append(tuple(cells))
    for objective in team_objectives:
        kpi = ctx.kpi(objective.kpi)
        per_team = [ctx.attainment(Level.TEAM, t, objective.id) for t in teams]
        target = next((a.target for a in per_team if a is not None), None)
        charts.append(Chart(
            ChartKind.BARS, f"{kpi_label(kpi, lang)} — {bilingual(objective.name, lang)}",
            tuple(ctx.org.teams[t].name for t in teams),
            tuple(a.actual if a else None for a in per_team),
            Cell.kpi_value(kpi, 0.0, lang).format, lang,
            target, higher_is_better=kpi.direction is not Direction.LOWER_IS_BETTER
            if objective.direction is None else objective.direction == "higher"))
    team_columns = (say(lang, "Équipe", "Team"),
                    *(kpi_label(ctx.kpi(o.kpi), lang) for o in team_objectives))
    effects: list[tuple[Cell, ...]] = []
    sentences: list[str] = []
    for objective in site_objectives:
        attainment = own.get(objective.id)
        if attainment is None or attainment.target is None or not is_accessibility(
                ctx, objective) or attainment.status not in (Status.MISSED, Status.AT_RISK):
            continue
        analysis = accessibility_analysis(ctx.session, objective, Level.SITE, site_id,
                                          attainment.target, ctx.period)
        name = bilingual(objective.name, lang)
        sentences.append(lever_sentence(name, ctx.kpi(objective.kpi), analysis, lang))
        effects.extend(lever_rows(name, ctx.kpi(objective.kpi), analysis, lang))
    if not sentences:
        sentences.append(say(lang, "Tous les objectifs d'accessibilité du site sont atteints.",
                             "Every accessibility objective of the site is met."))
    else:
        sentences.append(model_text(LeverModel.ERLANG_A, lang))
    return Report(
        ReportLevel.SITE, site_id, site_name, ctx.period.label, lang,
        say(lang, f"Plateau {site_name}", f"Site {site_name}"),
        period_label(ctx.period, lang),
        (Section("objectives", say(lang, "Le site face à ses objectifs",
                                   "The site against its objectives"),
                 table=Table(objective_header(lang), rows)),
         Section("teams", say(lang, "Équipes comparées", "Teams compared"),
                 table=Table(team_columns, tuple(team_rows)), charts=tuple(charts)),
         intraday(ctx, site_id, lang),
         Section("levers", say(lang, "Leviers d'accessibilité", "Accessibility levers"),
                 tuple(sentences), Table(lever_columns(lang), tuple(effects))),
         result_lever_section(ctx, Level.SITE, site_id, lang)))
