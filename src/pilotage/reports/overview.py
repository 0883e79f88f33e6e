"""The first result shown after a load: headline KPIs per queue over the whole period, each
channel with the indicators that make sense for it, computed by the KPI catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from pilotage.kpi import KpiRequest, compute, load_catalogue
from pilotage.kpi.definitions import Kpi, Unit
from pilotage.model.vocabulary import is_real_time_queue
from pilotage.reports import numbers
from pilotage.store import Workspace

INBOUND_KPIS = ("offered", "answered", "service_level", "abandon_rate", "asa", "aht")
WRITTEN_KPIS = ("offered", "answered", "email_response_sla", "aht", "backlog")
OUTBOUND_KPIS = ("outbound_contact_rate", "conversion_rate", "revenue_per_contact", "aht")


@dataclass(frozen=True)
class OverviewSection:
    title: str
    kpis: tuple[Kpi, ...]
    rows: tuple[dict[str, object], ...]


def overview(workspace: Workspace) -> list[OverviewSection]:
    catalogue = load_catalogue()
    with workspace.connect(read_only=True) as con:
        queues = con.execute("SELECT queue_id, channel, direction FROM queues "
                             "UNION SELECT DISTINCT queue_id, channel, direction FROM contacts "
                             "ORDER BY 1").fetchall()
    groups = {
        "Appels et chats entrants / Inbound calls and chats": (
            [q for q, c, d in queues if is_real_time_queue(c, d)],
            INBOUND_KPIS),
        "Demandes écrites / Written requests": (
            [q for q, c, d in queues if d == "inbound" and not is_real_time_queue(c, d)],
            WRITTEN_KPIS),
        "Campagnes sortantes / Outbound campaigns": (
            [q for q, c, d in queues if d == "outbound"], OUTBOUND_KPIS),
    }
    sections = []
    for title, (queue_ids, kpis) in groups.items():
        if not queue_ids:
            continue
        result = compute(workspace, KpiRequest(kpis=kpis, by=("queue",))).table.to_pylist()
        rows = tuple(r for r in result if r["queue"] in queue_ids)
        if rows:
            sections.append(OverviewSection(title, tuple(catalogue.kpi(k) for k in kpis), rows))
    return sections


def format_change(kpi: Kpi, value: object, lang: str) -> str:
    """A difference of two values: percentages change by points."""
    if value is None:
        return "–"
    assert isinstance(value, int | float)
    if kpi.unit in (Unit.PERCENT, Unit.POINTS):
        return numbers.points(value, lang)
    return ("+" if value > 0 else "") + format_value(kpi, value, lang)


def format_value(kpi: Kpi, value: object, lang: str) -> str:
    """A KPI value as the language writes it (``reports.numbers``): ``74,8 %``, ``4,07 €``."""
    if value is None:
        return "–"
    assert isinstance(value, int | float)
    if kpi.unit is Unit.PERCENT:
        return numbers.percent(value, lang)
    if kpi.unit is Unit.POINTS:
        return numbers.number(100 * value, lang, signed=True)
    if kpi.unit is Unit.COUNT:
        return numbers.number(value, lang)
    if kpi.unit is Unit.SECONDS:
        return numbers.with_unit(value, "s", lang)
    if kpi.unit is Unit.EUR:
        return numbers.euros(value, lang)
    return numbers.number(value, lang, 2)
