"""The objectives file, as frozen pydantic models (the YAML is kept in the workspace as
``objectives.yaml``; see ``docs/objectives.md``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pilotage.kpi.definitions import Bilingual


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    ADVISOR = "advisor"  # conseiller
    TEAM_LEADER = "team_leader"  # superviseur
    FLOOR_MANAGER = "floor_manager"  # responsable de plateau
    DIRECTOR = "director"  # directeur de centre
    QUALITY = "quality"
    PLANNING = "planning"  # planification / WFM
    TRAINING = "training"
    IT = "it"
    PROCESS = "process"


ROLE_NAMES = {
    Role.ADVISOR: ("conseiller", "advisor"),
    Role.TEAM_LEADER: ("superviseur", "team leader"),
    Role.FLOOR_MANAGER: ("responsable de plateau", "floor manager"),
    Role.DIRECTOR: ("directeur de centre", "center director"),
    Role.QUALITY: ("qualité", "quality"),
    Role.PLANNING: ("planification (WFM)", "planning (WFM)"),
    Role.TRAINING: ("formation", "training"),
    Role.IT: ("informatique", "IT"),
    Role.PROCESS: ("process", "process"),
}


class Level(StrEnum):
    CENTER = "center"
    SITE = "site"
    TEAM = "team"
    ADVISOR = "advisor"


LEVEL_DIMENSION = {Level.CENTER: "center", Level.SITE: "site", Level.TEAM: "team",
                   Level.ADVISOR: "agent"}
LEVEL_ORDER = (Level.CENTER, Level.SITE, Level.TEAM, Level.ADVISOR)


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Ambition(Frozen):
    id: str
    name: Bilingual
    statement: Bilingual | None = None


class Target(Frozen):
    """A target value, for a level (and optionally one unit), in force between two dates."""

    value: float
    level: Level | None = None  # None: every level the objective is measured at
    unit: str | None = None  # a site, team or advisor id
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # exclusive


class Objective(Frozen):
    id: str
    name: Bilingual
    kind: Literal["result", "lever"]
    kpi: str
    params: dict[str, float | int | str] = Field(default_factory=dict)
    where: dict[str, str] = Field(default_factory=dict)  # e.g. {channel: voice}
    target: float | None = None  # shorthand for one target at every level, always
    targets: list[Target] = Field(default_factory=list)
    tolerance: float = 0.0  # at-risk band below the target, in the KPI's unit
    direction: Literal["higher", "lower"] | None = None  # None: the KPI's better direction
    period: Period = Period.MONTH
    levels: list[Level] = Field(default_factory=lambda: [Level.CENTER])
    roles: list[Role] = Field(default_factory=list)
    ambition: str | None = None
    levers: list[str] = Field(default_factory=list)
    min_volume: int = 30

    def all_targets(self) -> list[Target]:
        base = [Target(value=self.target)] if self.target is not None else []
        return base + list(self.targets)


class MeasuredTarget(Frozen):
    """A KPI (with its parameters and filters) and the value it must reach."""

    kpi: str
    params: dict[str, float | int | str] = Field(default_factory=dict)
    where: dict[str, str] = Field(default_factory=dict)
    target: float


class Clause(MeasuredTarget):
    """A client contract's service clause, with its financial consequence."""

    id: str
    name: Bilingual
    period: Period = Period.MONTH
    penalty_eur_per_point: float = 0.0  # per percentage point (or unit) missed
    penalty_cap_eur: float | None = None
    bonus_eur: float = 0.0  # when the target is met


class Contract(Frozen):
    contract_id: str
    name: str
    clauses: list[Clause]


class Commitment(MeasuredTarget):
    """A service commitment published to customers."""

    id: str
    text: Bilingual


class ObjectivesFile(Frozen):
    version: int = 1
    ambitions: list[Ambition] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)
