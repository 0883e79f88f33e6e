"""The choices a planner makes among named methods (forecast layout and holidays, response
clock, re-forecast method, scheduling method, handle-time law, simulation engine).

They live in this light module (no NumPy, SciPy or pandas) so that the command line can build
its options at every ``pilotage`` start without importing the workforce-management code; the
domain modules import them from here.
"""

from __future__ import annotations

from enum import StrEnum


class Layout(StrEnum):
    """Which intervals a forecast lists."""

    OPEN = "open"  # open intervals only
    FULL = "full"  # the full grid, zeros of closed intervals included


class Holidays(StrEnum):
    """Which days a forecast treats as public holidays."""

    FR = "fr"  # French public holidays are closed days
    NONE = "none"


class ResponseClock(StrEnum):
    """How the response time is counted."""

    ELAPSED = "elapsed"  # calendar time, nights and weekends included (email_response_sla)
    BUSINESS = "business"  # only the time the queue is open to advisors


class ReforecastMethod(StrEnum):
    """How the rest of the day is re-forecast (``pilotage.wfm.reforecast``)."""

    NONE = "none"
    RATIO = "ratio"
    SHRUNK_RATIO = "shrunk_ratio"
    RECENT_RATIO = "recent_ratio"
    DECAYED_RATIO = "decayed_ratio"


class SolveMethod(StrEnum):
    """How a schedule is solved."""

    DECOMPOSITION = "decomposition"  # aggregate tours model, then advisors (default)
    PER_ADVISOR = "per_advisor"  # the per-advisor MILP (exact; small instances)


class HandleTimeLaw(StrEnum):
    """Distribution of handle times; the mean is the interval's AHT."""

    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"  # coefficient of variation ``handle_cv``


class SimulationEngine(StrEnum):
    """Which simulation engine runs the replications."""

    AUTO = "auto"  # fast path when one queue and one group, events otherwise
    FAST = "fast"
    EVENTS = "events"
