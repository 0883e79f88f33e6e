"""The advisor's scorecard: a few concrete objectives, their own figures against their
team's and the target, the trend, and the one lever to work on. No other advisor's
individual figure appears: the team is shown as an aggregate only."""

from __future__ import annotations

from pilotage.objectives.attainment import Attainment, Status
from pilotage.objectives.model import Level, Objective, Role
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, period_label, say, status_label
from pilotage.reports.model import Cell, Chart, ChartKind, Report, ReportLevel, Section, Table
from pilotage.reports.rows import JUDGED, gap_text, relative_gap


def advisor_objectives(ctx: ReportContext) -> list[Objective]:
    return [o for o in ctx.objectives.objectives
            if Role.ADVISOR in o.roles and Level.ADVISOR in o.levels]


def team_value(ctx: ReportContext, objective: Objective, team_id: str | None) -> float | None:
    if team_id is None:
        return None
    if Level.TEAM in objective.levels:
        found = ctx.attainment(Level.TEAM, team_id, objective.id)
        return None if found is None else found.actual
    for row in ctx.objective_values(objective, ("team",)):
        if row["team"] == team_id:
            return row[objective.kpi]
    return None


def the_lever(ctx: ReportContext, mine: list[tuple[Objective, Attainment]],
              lang: str) -> str:
    """The objective with the worst gap, said plainly."""
    short = [(o, a) for o, a in mine if a.status in (Status.MISSED, Status.AT_RISK)]
    if not short:
        judged = [a for _, a in mine if a.status in JUDGED]
        if not judged:
            return say(lang, "Pas encore assez de contacts sur la période pour vous fixer un "
                             "levier prioritaire.",
                       "Not enough contacts yet this period to name a priority lever.")
        return say(lang, "Tous vos objectifs sont atteints : continuez ainsi.",
                   "All your objectives are met: keep it up.")
    objective, attainment = min(short, key=lambda pair: relative_gap(pair[1]))
    kpi = ctx.kpi(objective.kpi)
    name = bilingual(objective.name, lang)
    return say(lang,
               f"Votre levier prioritaire : {kpi_label(kpi, lang)} — "
               f"{gap_text(ctx, attainment, lang)} (objectif « {name} »). C'est le point qui "
               "vous rapprochera le plus de vos objectifs ce mois-ci.",
               f"Your one lever: {kpi_label(kpi, lang)} — {gap_text(ctx, attainment, lang)} "
               f"(objective \"{name}\"). This is what will bring you closest to your "
               "objectives.")


def advisor_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    advisor_id = ctx.require("advisor", unit, ctx.org.advisors)
    person = ctx.org.advisors[advisor_id]
    me, team = say(lang, "Moi", "Me"), say(lang, "Mon équipe", "My team")
    rows, charts, mine = [], [], []
    for objective in advisor_objectives(ctx):
        kpi = ctx.kpi(objective.kpi)
        attainment = ctx.attainment(Level.ADVISOR, advisor_id, objective.id)
        team_actual = team_value(ctx, objective, person.team_id)
        series = ctx.weekly_series(objective, Level.ADVISOR, advisor_id)
        status = attainment.status if attainment else Status.NO_DATA
        rows.append((
            Cell.label(bilingual(objective.name, lang)), Cell.label(kpi_label(kpi, lang)),
            Cell.kpi_value(kpi, attainment.actual if attainment else None, lang, status),
            Cell.kpi_value(kpi, team_actual, lang),
            Cell.kpi_value(kpi, attainment.target if attainment else None, lang),
            Cell.label(status_label(status, lang), status),
            Cell.kpi_change(kpi, attainment.trend if attainment else None, lang, series)))
        if attainment is not None:
            mine.append((objective, attainment))
            charts.append(Chart(ChartKind.BARS, kpi_label(kpi, lang), (me, team),
                                (attainment.actual, team_actual),
                                Cell.kpi_value(kpi, 0.0, lang).format, lang, attainment.target,
                                higher_is_better=attainment.direction == "higher"))
    columns = (say(lang, "Objectif", "Objective"), say(lang, "Indicateur", "Indicator"),
               me, team, say(lang, "Cible", "Target"), say(lang, "Statut", "Status"),
               say(lang, "Évolution", "Trend"))
    team_name = ctx.org.teams[person.team_id].name if person.team_id in ctx.org.teams else "–"
    return Report(
        ReportLevel.ADVISOR, advisor_id, person.name, ctx.period.label, lang,
        say(lang, f"Mes objectifs — {person.name}", f"My objectives — {person.name}"),
        say(lang, f"{team_name} · {period_label(ctx.period, lang)}",
            f"{team_name} · {period_label(ctx.period, lang)}"),
        (Section("lever", say(lang, "Mon levier prioritaire", "My one lever"),
                 (the_lever(ctx, mine, lang),)),
         Section("objectives", say(lang, "Mes objectifs", "My objectives"),
                 (say(lang, "Mes résultats comparés à ceux de mon équipe (ensemble de "
                            "l'équipe) et à la cible ; l'évolution compare à la période "
                            "précédente, la courbe montre les semaines de la période.",
                      "My results against my team's (the team as a whole) and the target; "
                      "the trend compares with the previous period, the line shows the "
                      "period's weeks."),),
                 Table(columns, tuple(rows)), tuple(charts))))
