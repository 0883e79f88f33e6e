"""The canonical contact-center data model: vocabularies and table schemas."""

from pilotage.model.tables import TABLES, Column, TableSpec, table
from pilotage.model.vocabulary import (
    AbsenceType,
    AgentState,
    Channel,
    ContractType,
    Direction,
    FollowupStatus,
    Outcome,
    ScheduleActivity,
)

__all__ = [
    "TABLES",
    "AbsenceType",
    "AgentState",
    "Channel",
    "Column",
    "ContractType",
    "Direction",
    "FollowupStatus",
    "Outcome",
    "ScheduleActivity",
    "TableSpec",
    "table",
]
