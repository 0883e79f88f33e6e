"""Workforce management: Erlang C / Erlang A staffing (:mod:`pilotage.wfm.staffing`).

The staffing names are loaded on first use (they import SciPy): importing a light module of
this package, such as :mod:`pilotage.wfm.choices`, costs nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pilotage.wfm import staffing

        return getattr(staffing, name)
    raise AttributeError(f"module 'pilotage.wfm' has no attribute {name!r}")
