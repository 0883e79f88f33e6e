"""The report model: what a report says, as typed values, before any rendering. HTML, PDF
and XLSX are drawn from the same ``Report``, and the golden tests pin its JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from pilotage.kpi.definitions import Kpi, Unit
from pilotage.objectives.attainment import Status
from pilotage.reports import numbers
from pilotage.reports.overview import format_change, format_value


class ReportLevel(StrEnum):
    ADVISOR = "advisor"
    TEAM = "team"
    SITE = "site"
    DIRECTOR = "director"
    CONTRACT = "contract"
    COMMITMENTS = "commitments"


class CellFormat(StrEnum):
    """How a number is shown, and the number format it gets in a spreadsheet."""

    TEXT = "text"
    PERCENT = "percent"  # a ratio in [0, 1]
    POINTS_CHANGE = "points_change"  # a change of percentage points (already × 100)
    COUNT = "count"
    SECONDS = "seconds"
    EUR = "eur"
    NUMBER = "number"


UNIT_FORMAT = {Unit.PERCENT: CellFormat.PERCENT, Unit.COUNT: CellFormat.COUNT,
               Unit.SECONDS: CellFormat.SECONDS, Unit.EUR: CellFormat.EUR}


@dataclass(frozen=True)
class Cell:
    """One figure or label: the exact value, the text shown, and a status colour."""

    value: float | str | None
    text: str
    format: CellFormat = CellFormat.TEXT
    status: Status | None = None
    series: tuple[float | None, ...] = ()  # a sparkline drawn beside the text

    @classmethod
    def label(cls, text: str, status: Status | None = None) -> Cell:
        return cls(text, text, CellFormat.TEXT, status)

    @classmethod
    def kpi_value(cls, kpi: Kpi, value: float | None, lang: str,
                  status: Status | None = None) -> Cell:
        fmt = UNIT_FORMAT.get(kpi.unit, CellFormat.NUMBER)
        return cls(None if value is None else float(value), format_value(kpi, value, lang),
                   fmt, status)

    @classmethod
    def kpi_change(cls, kpi: Kpi, change: float | None, lang: str,
                   series: tuple[float | None, ...] = ()) -> Cell:
        text = format_change(kpi, change, lang)
        if change is None:
            return cls(None, text, CellFormat.TEXT, None, series)
        if kpi.unit in (Unit.PERCENT, Unit.POINTS):
            return cls(round(100 * change, 6), text, CellFormat.POINTS_CHANGE, None, series)
        return cls(float(change), text, UNIT_FORMAT.get(kpi.unit, CellFormat.NUMBER), None,
                   series)

    @classmethod
    def euros(cls, value: float | None, lang: str) -> Cell:
        if value is None:
            return cls(None, "–", CellFormat.EUR)
        return cls(float(value), numbers.euros(value, lang, 0), CellFormat.EUR)

    @classmethod
    def percent(cls, value: float | None, lang: str) -> Cell:
        if value is None:
            return cls(None, "–", CellFormat.PERCENT)
        return cls(float(value), numbers.percent(value, lang), CellFormat.PERCENT)

    @classmethod
    def number(cls, value: float, lang: str, decimals: int = 0,
               fmt: CellFormat = CellFormat.NUMBER) -> Cell:
        return cls(float(value), numbers.number(value, lang, decimals), fmt)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


class ChartKind(StrEnum):
    BARS = "bars"  # one bar per label against a target line
    PROFILE = "profile"  # bars (volume) and a line (a rate) over the intervals of a day


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    value_format: CellFormat
    lang: str  # the numbers drawn on the chart are written in the report's language
    target: float | None = None
    line: tuple[float | None, ...] = ()  # PROFILE: the rate drawn over the bars
    line_target: float | None = None
    higher_is_better: bool = True


@dataclass(frozen=True)
class Section:
    id: str  # stable: the XLSX sheet and the HTML anchor
    title: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class Report:
    level: ReportLevel
    unit: str | None  # advisor, team, site or contract id (None: director, commitments)
    unit_name: str
    period: str
    lang: str
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def file_stem(self) -> str:
        parts = [self.level.value] + ([self.unit] if self.unit else []) + [self.period]
        return "_".join(p.replace("/", "-").replace("..", "_to_") for p in parts)

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)
