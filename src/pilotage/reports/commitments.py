"""The public page: the service commitments made to customers and the results achieved.
Nothing internal: no advisor, team or site, no cost, only each promise and its result."""

from __future__ import annotations

from pilotage.kpi.definitions import Direction
from pilotage.objectives.attainment import Status
from pilotage.reports.context import ReportContext
from pilotage.reports.language import bilingual, period_label, say
from pilotage.reports.model import Cell, Report, ReportLevel, Section, Table


def commitments_report(ctx: ReportContext, unit: str | None, lang: str) -> Report:
    rows = []
    for commitment in ctx.objectives.commitments:
        kpi = ctx.kpi(commitment.kpi)
        found = ctx.values(commitment.kpi, (), where=tuple(commitment.where.items()),
                           params=dict(commitment.params))
        actual = found[0].get(commitment.kpi) if found else None
        if actual is None:
            status, word = Status.NO_DATA, say(lang, "non mesuré", "not measured")
        else:
            kept = actual >= commitment.target if kpi.direction is not \
                Direction.LOWER_IS_BETTER else actual <= commitment.target
            status = Status.MET if kept else Status.MISSED
            word = say(lang, "tenu", "kept") if kept else say(lang, "non tenu", "not kept")
        rows.append((Cell.label(bilingual(commitment.text, lang)),
                     Cell.kpi_value(kpi, actual, lang, status),
                     Cell.kpi_value(kpi, commitment.target, lang), Cell.label(word, status)))
    kept_count = sum(1 for r in rows if r[3].status is Status.MET)
    intro = say(lang,
                f"Nos engagements de service et les résultats obtenus sur "
                f"{period_label(ctx.period, lang)} : {kept_count} tenu(s) sur {len(rows)}.",
                f"Our service commitments and the results achieved in "
                f"{period_label(ctx.period, lang)}: {kept_count} of {len(rows)} kept.")
    columns = (say(lang, "Notre engagement", "Our commitment"),
               say(lang, "Résultat", "Result"), say(lang, "Engagement", "Commitment"),
               say(lang, "Tenu ?", "Kept?"))
    return Report(
        ReportLevel.COMMITMENTS, None, say(lang, "Nos engagements", "Our commitments"),
        ctx.period.label, lang,
        say(lang, "Nos engagements de service", "Our service commitments"),
        period_label(ctx.period, lang),
        (Section("commitments", say(lang, "Engagements et résultats",
                                    "Commitments and results"), (intro,),
                 Table(columns, tuple(rows))),))
