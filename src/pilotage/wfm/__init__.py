"""Workforce management: Erlang C / Erlang A staffing (:mod:`pilotage.wfm.staffing`)."""

from pilotage.wfm.staffing import (
    Constraint,
    IntervalStaffing,
    QueueModel,
    StaffingMetrics,
    StaffingRequirement,
    StaffingTarget,
    achieved_metrics,
    positions_after_shrinkage,
    required_agents,
    staff_interval,
)

__all__ = [
    "Constraint",
    "IntervalStaffing",
    "QueueModel",
    "StaffingMetrics",
    "StaffingRequirement",
    "StaffingTarget",
    "achieved_metrics",
    "positions_after_shrinkage",
    "required_agents",
    "staff_interval",
]
