"""The choices of command options whose domain enums live in heavy modules.

Typer needs an option's enum when it builds the command, i.e. at every ``pilotage`` start;
the domain enums live in modules that import NumPy, SciPy, pandas or DuckDB (``pilotage.wfm``,
``pilotage.kpi``). These mirrors carry the same values, so ``--help`` and parsing are
unchanged; a command turns its value into the domain enum (``Layout(layout)``) once it has
imported the domain module. ``tests/test_cli_startup.py`` checks that each mirror has exactly
the values of its domain enum.
"""

from __future__ import annotations

from enum import StrEnum


class Holidays(StrEnum):
    """``pilotage.wfm.forecast.Holidays``."""

    FR = "fr"
    NONE = "none"


class Layout(StrEnum):
    """``pilotage.wfm.forecast.Layout``."""

    OPEN = "open"
    FULL = "full"


class ResponseClock(StrEnum):
    """``pilotage.wfm.backlog.ResponseClock``."""

    ELAPSED = "elapsed"
    BUSINESS = "business"


class ReforecastMethod(StrEnum):
    """``pilotage.wfm.reforecast.Method``."""

    NONE = "none"
    RATIO = "ratio"
    SHRUNK_RATIO = "shrunk_ratio"
    RECENT_RATIO = "recent_ratio"
    DECAYED_RATIO = "decayed_ratio"


class SolveMethod(StrEnum):
    """``pilotage.wfm.scheduling.SolveMethod``."""

    DECOMPOSITION = "decomposition"
    PER_ADVISOR = "per_advisor"


class HandleTimeLaw(StrEnum):
    """``pilotage.wfm.simulation.model.HandleTimeLaw``."""

    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"


class SimulationEngine(StrEnum):
    """``pilotage.wfm.simulation.replications.Engine``."""

    AUTO = "auto"
    FAST = "fast"
    EVENTS = "events"


KPI_ENGINES = ("duckdb", "spark")
"""``pilotage.kpi.engine.ENGINES``."""
