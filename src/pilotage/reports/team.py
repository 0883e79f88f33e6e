"""The team leader's report: the team against its objectives, each advisor of the team, and
coaching priorities (the advisors and levers that pull the team's results down most)."""

from __future__ import annotations

from pilotage.objectives.attainment import Attainment, Contribution, Status
from pilotage.objectives.model import Level, Objective, Role
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, period_label, say
from pilotage.reports.model import Cell, Report, ReportLevel, Section, Table
from pilotage.reports.rows import objective_header, objective_row, result_lever_section
from pilotage.reports.scorecard import advisor_objectives

COACHING_ROWS = 6


def coachable(objective: Objective) -> bool:
    """A lever the team leader or the advisor can act on (not absenteeism, say)."""
    return bool({Role.TEAM_LEADER, Role.ADVISOR} & set(objective.roles))


def advisor_contributions(ctx: ReportContext, attainment: Attainment
                          ) -> list[tuple[str, float | None, float]]:
    """Each advisor's share of the team's gap, ``n_i / N × (a_i − T)`` signed so that < 0
    pulls down (as ``objectives.attainment``), from one query by team and advisor for every
    team at once (the membership in force on each contact's day); they add up to the gap."""
    objective = ctx.objective(attainment.objective_id)
    if not ctx.kpi(objective.kpi).is_ratio or not attainment.volume \
            or attainment.target is None:
        return []
    sign = 1.0 if attainment.direction == "higher" else -1.0
    out: list[tuple[str, float | None, float]] = []
    for row in ctx.objective_values(objective, ("team", "agent")):
        value = row[objective.kpi]
        if row["team"] != attainment.unit or row["agent"] is None or value is None:
            continue
        n = ctx.volume(row, objective.kpi)
        out.append((str(row["agent"]), float(value),
                    n / attainment.volume * sign * (value - attainment.target)))
    return out


def team_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    team_id = ctx.require("team", unit, ctx.org.teams)
    team = ctx.org.teams[team_id]
    objectives = [o for o in ctx.objectives.objectives if Level.TEAM in o.levels]
    attainments = {a.objective_id: a for a in ctx.level_attainments(Level.TEAM)
                   if a.unit == team_id}
    rows = tuple(objective_row(ctx, o, attainments.get(o.id), Level.TEAM, team_id, lang)
                 for o in objectives)
    members = ctx.org.team_members(team_id)
    mine = advisor_objectives(ctx)
    member_rows = []
    for person in members:
        cells = [Cell.label(person.advisor_id), Cell.label(person.name)]
        for objective in mine:
            found = ctx.attainment(Level.ADVISOR, person.advisor_id, objective.id)
            cells.append(Cell.kpi_value(ctx.kpi(objective.kpi),
                                        found.actual if found else None, lang,
                                        found.status if found else None))
        member_rows.append(tuple(cells))
    member_columns = (say(lang, "Conseiller", "Advisor"), say(lang, "Nom", "Name"),
                      *(kpi_label(ctx.kpi(o.kpi), lang) for o in mine))
    names = {p.advisor_id: p.name for p in members}
    pulls: list[tuple[float, Attainment, Contribution]] = []
    for attainment in attainments.values():
        objective = ctx.objective(attainment.objective_id)
        if attainment.status not in (Status.MISSED, Status.AT_RISK) or not coachable(objective):
            continue
        for advisor_id, actual, contribution in advisor_contributions(ctx, attainment):
            if contribution < 0 and advisor_id in names and attainment.target:
                pulls.append((contribution / abs(attainment.target), attainment,
                              Contribution("agent", advisor_id, actual, 0.0, contribution)))
    pulls.sort(key=lambda p: (p[0], p[2].unit, p[1].objective_id))
    coaching_rows = []
    for _, attainment, c in pulls[:COACHING_ROWS]:
        kpi = ctx.kpi(attainment.kpi)
        coaching_rows.append((
            Cell.label(c.unit), Cell.label(names[c.unit]),
            Cell.label(bilingual(ctx.objective(attainment.objective_id).name, lang)),
            Cell.kpi_value(kpi, c.actual, lang), Cell.kpi_value(kpi, attainment.target, lang),
            Cell.kpi_change(kpi, c.contribution, lang)))
    if pulls:
        _, first, top = pulls[0]
        lead = say(lang,
                   f"Priorité de coaching : {names[top.unit]} sur "
                   f"{kpi_label(ctx.kpi(first.kpi), lang)}.",
                   f"Coaching priority: {names[top.unit]} on "
                   f"{kpi_label(ctx.kpi(first.kpi), lang)}.")
    else:
        lead = say(lang, "Aucun conseiller ne tire les résultats de l'équipe vers le bas.",
                   "No advisor pulls the team's results down.")
    explain = say(lang, "Contribution à l'écart : volume du conseiller / volume de l'équipe × "
                        "(sa valeur − cible) ; la somme des contributions fait l'écart de "
                        "l'équipe.",
                  "Contribution to the gap: the advisor's volume / the team's volume × (their "
                  "value − target); the contributions add up to the team's gap.")
    coaching_columns = (say(lang, "Conseiller", "Advisor"), say(lang, "Nom", "Name"),
                        say(lang, "Objectif", "Objective"), say(lang, "Réel", "Actual"),
                        say(lang, "Cible", "Target"),
                        say(lang, "Contribution à l'écart", "Contribution to the gap"))
    leader = f" · {say(lang, 'superviseur', 'team leader')} {team.leader_name}" \
        if team.leader_name else ""
    return Report(
        ReportLevel.TEAM, team_id, team.name, ctx.period.label, lang,
        say(lang, f"Équipe {team.name}", f"Team {team.name}"),
        f"{ctx.org.sites.get(team.site_id, team.site_id)}{leader} · "
        f"{period_label(ctx.period, lang)}",
        (Section("objectives", say(lang, "L'équipe face à ses objectifs",
                                   "The team against its objectives"),
                 table=Table(objective_header(lang), rows)),
         result_lever_section(ctx, Level.TEAM, team_id, lang),
         Section("coaching", say(lang, "Priorités de coaching", "Coaching priorities"),
                 (lead, explain), Table(coaching_columns, tuple(coaching_rows))),
         Section("advisors", say(lang, "Conseillers de l'équipe", "The team's advisors"),
                 table=Table(member_columns, tuple(member_rows)))))
