"""KPI declarations: the catalogue is data (YAML in ``kpi/catalogue/``), parsed into frozen
pydantic models. Docs, CLI labels and the engine all read these objects.

A *measure* is additive: a count or a sum over rows of one canonical table, with a filter.
A *KPI* is a measure, or a ratio of sums of measures, computed at the requested grain from
the measures summed at that grain — never an average of averages.
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pilotage.errors import ParameterError
from pilotage.model.tables import TABLES

CATALOGUE_DIR = Path(__file__).parent / "catalogue"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Category(StrEnum):
    ACCESSIBILITY = "accessibility"
    PRODUCTIVITY = "productivity"
    QUALITY = "quality"
    CUSTOMER = "customer"
    COMMERCIAL = "commercial"
    FINANCIAL = "financial"
    SOCIAL = "social"
    PROCESS = "process"
    WFM = "wfm"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEUTRAL = "neutral"


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # stored as a ratio in [0, 1], shown × 100
    SECONDS = "s"
    HOURS = "h"
    EUR = "EUR"
    SCORE = "score"
    POINTS = "points"  # a ratio in [-1, 1] shown × 100 (NPS)
    PER_HOUR = "per_hour"


class Bilingual(Frozen):
    fr: str
    en: str


class Condition(Frozen):
    """A test on one column. ``$name`` values are KPI parameters."""

    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    le: Any = None
    lt: Any = None
    ge: Any = None
    gt: Any = None
    is_null: bool | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Derived(Frozen):
    """A column computed on a table before aggregation: seconds between two timestamps of a
    row, or since the previous row of the same ``partition`` value (e.g. the same customer's
    previous contact)."""

    table: str
    seconds_between: tuple[str, str] | None = None
    since_previous: tuple[str, str] | None = None  # (partition column, time column)

    @model_validator(mode="after")
    def _one_kind(self) -> Derived:
        if (self.seconds_between is None) == (self.since_previous is None):
            raise ValueError("give exactly one of seconds_between, since_previous")
        return self


class Measure(Frozen):
    """An additive building block over one canonical table."""

    table: str
    aggregate: Literal["count", "sum", "max", "count_distinct"] = "count"
    value: list[str] = Field(default_factory=list)  # columns summed (NULL counts as 0)
    scale: float = 1.0  # e.g. 1/3600 to turn seconds into hours
    where: dict[str, Condition] = Field(default_factory=dict)
    time: str | None = None  # time column; None: the table's attribution column
    description: str = ""

    @model_validator(mode="after")
    def _check_columns(self) -> Measure:
        from pilotage.kpi.sources import SOURCE_COLUMNS

        spec = TABLES.get(self.table)
        # a source built over a canonical table (agent_states) adds columns to it
        if self.table in SOURCE_COLUMNS:
            columns = SOURCE_COLUMNS[self.table]
        elif spec is not None:
            columns = spec.column_names
        else:
            raise ValueError(f"unknown table or source {self.table!r}")
        for col in [*self.value, *self.where, *([self.time] if self.time else [])]:
            if col not in columns and not col.startswith("derived_"):
                close = difflib.get_close_matches(col, columns, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"table {self.table} has no column {col!r}{hint}")
        if self.aggregate != "count" and not self.value:
            raise ValueError(f"aggregate {self.aggregate} needs 'value' columns")
        return self


class Parameter(Frozen):
    default: float | int | str | bool
    unit: str = ""
    description: Bilingual


class Formula(Frozen):
    """``numerator`` (and ``denominator``): measures summed; a leading ``-`` subtracts."""

    numerator: list[str]
    denominator: list[str] = Field(default_factory=list)
    multiplier: list[str] = Field(default_factory=list)  # numerator × these (e.g. days)


class Variant(Frozen):
    description: Bilingual
    formula: Formula | None = None
    parameters: dict[str, float | int | str | bool] = Field(default_factory=dict)
    source: str = ""


class Kpi(Frozen):
    id: str
    version: int = 1
    name: Bilingual
    abbreviation: Bilingual | None = None
    definition: Bilingual
    category: Category
    unit: Unit
    direction: Direction
    formula: Formula
    aggregate: Literal["ratio", "max"] = "ratio"
    dimensions: list[str]
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    variants: dict[str, Variant] = Field(default_factory=dict)
    levers: list[str] = Field(default_factory=list)  # KPI ids that move this one
    source: str = ""

    @property
    def is_ratio(self) -> bool:
        return bool(self.formula.denominator)

    def formula_for(self, variant: str | None) -> Formula:
        if variant is None or variant == "default":
            return self.formula
        chosen = self.variants.get(variant)
        if chosen is None:
            raise ParameterError(
                f"KPI {self.id} has no variant {variant!r}",
                hint=f"variants: default, {', '.join(self.variants) or '(none)'}")
        return chosen.formula or self.formula


class CatalogueFile(Frozen):
    derived: dict[str, Derived] = Field(default_factory=dict)
    measures: dict[str, Measure] = Field(default_factory=dict)
    kpis: list[Kpi] = Field(default_factory=list)


class Catalogue(Frozen):
    derived: dict[str, Derived]
    measures: dict[str, Measure]
    kpis: dict[str, Kpi]

    def kpi(self, kpi_id: str) -> Kpi:
        try:
            return self.kpis[kpi_id]
        except KeyError:
            close = difflib.get_close_matches(kpi_id, list(self.kpis), n=1)
            hint = (f"did you mean '{close[0]}'?" if close
                    else "list them with 'pilotage kpi --list'")
            raise ParameterError(f"unknown KPI '{kpi_id}'", hint=hint) from None

    def measure(self, name: str) -> Measure:
        return self.measures[name.lstrip("-")]


@cache
def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    measures: dict[str, Measure] = {}
    kpis: dict[str, Kpi] = {}
    derived: dict[str, Derived] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            part = CatalogueFile.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"{path}: {exc}") from None
        derived.update(part.derived)
        for name, measure in part.measures.items():
            if name in measures:
                raise ValueError(f"{path}: measure {name!r} declared twice")
            measures[name] = measure
        for kpi in part.kpis:
            if kpi.id in kpis:
                raise ValueError(f"{path}: KPI {kpi.id!r} declared twice")
            kpis[kpi.id] = kpi
    for kpi in kpis.values():
        formulas = [kpi.formula, *(v.formula for v in kpi.variants.values() if v.formula)]
        for formula in formulas:
            for term in [*formula.numerator, *formula.denominator, *formula.multiplier]:
                if term.lstrip("-") not in measures:
                    raise ValueError(f"KPI {kpi.id}: unknown measure {term!r}")
    return Catalogue(derived=derived, measures=measures, kpis=kpis)
