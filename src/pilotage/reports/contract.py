"""One client contract: its service clauses, actual against target, and the money at stake
(penalty = points missed × penalty per point, capped; the bonus when the clause is met)."""

from __future__ import annotations

from dataclasses import dataclass

from pilotage.kpi.definitions import Direction, Unit
from pilotage.objectives.attainment import Status
from pilotage.objectives.model import Clause, Contract
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, kpi_label, period_label, say, status_label
from pilotage.reports.model import Cell, CellFormat, Report, ReportLevel, Section, Table


@dataclass(frozen=True)
class ClauseOutcome:
    clause: Clause
    actual: float | None
    volume: float
    points_missed: float  # percentage points (or KPI units) short of the target, ≥ 0
    penalty_eur: float
    bonus_eur: float

    @property
    def status(self) -> Status:
        if self.actual is None:
            return Status.NO_DATA
        return Status.MET if self.points_missed == 0 else Status.MISSED


def clause_outcome(ctx: ReportContext, clause: Clause) -> ClauseOutcome:
    kpi = ctx.kpi(clause.kpi)
    rows = ctx.values(clause.kpi, (), where=tuple(clause.where.items()),
                      params=dict(clause.params))
    actual = rows[0].get(clause.kpi) if rows else None
    volume = ctx.volume(rows[0], clause.kpi) if rows else 0.0
    if actual is None:
        return ClauseOutcome(clause, None, volume, 0.0, 0.0, 0.0)
    short = clause.target - actual if kpi.direction is not Direction.LOWER_IS_BETTER \
        else actual - clause.target
    scale = 100.0 if kpi.unit in (Unit.PERCENT, Unit.POINTS) else 1.0
    points = round(max(0.0, short) * scale, 6)
    penalty = points * clause.penalty_eur_per_point
    if clause.penalty_cap_eur is not None:
        penalty = min(penalty, clause.penalty_cap_eur)
    bonus = clause.bonus_eur if points == 0 else 0.0
    return ClauseOutcome(clause, float(actual), volume, points, round(penalty, 2), bonus)


def find_contract(ctx: ReportContext, unit: str | None) -> Contract:
    known = {c.contract_id: c for c in ctx.objectives.contracts}
    return known[ctx.require("contract", unit, known)]


def contract_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    contract = find_contract(ctx, unit)
    rows = []
    outcomes = [clause_outcome(ctx, c) for c in contract.clauses]
    for o in outcomes:
        kpi = ctx.kpi(o.clause.kpi)
        rows.append((
            Cell.label(bilingual(o.clause.name, lang)), Cell.label(kpi_label(kpi, lang)),
            Cell.kpi_value(kpi, o.actual, lang, o.status),
            Cell.kpi_value(kpi, o.clause.target, lang),
            Cell.number(o.volume, lang, fmt=CellFormat.COUNT),
            Cell.number(o.points_missed, lang, 1),
            Cell.euros(o.penalty_eur, lang), Cell.euros(o.bonus_eur, lang),
            Cell.label(status_label(o.status, lang), o.status)))
    penalties = sum(o.penalty_eur for o in outcomes)
    bonuses = sum(o.bonus_eur for o in outcomes)
    net = bonuses - penalties
    summary = say(
        lang,
        f"Pénalités {Cell.euros(penalties, lang).text}, bonus {Cell.euros(bonuses, lang).text} : "
        f"solde {Cell.euros(net, lang).text} sur la période.",
        f"Penalties {Cell.euros(penalties, lang).text}, bonuses {Cell.euros(bonuses, lang).text}: "
        f"net {Cell.euros(net, lang).text} over the period.")
    rule = say(lang, "Pénalité = points manqués × pénalité par point, plafonnée ; bonus "
                     "versé quand la clause est tenue.",
               "Penalty = points missed × penalty per point, capped; the bonus is paid when "
               "the clause is met.")
    columns = (say(lang, "Clause", "Clause"), say(lang, "Indicateur", "Indicator"),
               say(lang, "Réel", "Actual"), say(lang, "Cible", "Target"),
               say(lang, "Volume", "Volume"), say(lang, "Points manqués", "Points missed"),
               say(lang, "Pénalité", "Penalty"), say(lang, "Bonus", "Bonus"),
               say(lang, "Statut", "Status"))
    totals = Table((say(lang, "Total", "Total"), say(lang, "Montant", "Amount")), (
        (Cell.label(say(lang, "Pénalités", "Penalties")), Cell.euros(penalties, lang)),
        (Cell.label(say(lang, "Bonus", "Bonuses")), Cell.euros(bonuses, lang)),
        (Cell.label(say(lang, "Solde", "Net")), Cell.euros(net, lang))))
    return Report(
        ReportLevel.CONTRACT, contract.contract_id, contract.name, ctx.period.label, lang,
        say(lang, f"Contrat {contract.name}", f"Contract {contract.name}"),
        period_label(ctx.period, lang),
        (Section("clauses", say(lang, "Clauses de service", "Service clauses"), (rule,),
                 Table(columns, tuple(rows))),
         Section("money", say(lang, "Pénalités et bonus", "Penalties and bonuses"),
                 (summary,), totals)))
