"""The choices of command options, from light modules only: Typer needs an option's enum when
it builds the command, i.e. at every ``pilotage`` start, and the workforce-management code
imports NumPy, SciPy and pandas. The enums themselves are defined once, in
:mod:`pilotage.wfm.choices`; the KPI engines are named here because ``pilotage.kpi`` imports
Ibis and DuckDB (``tests/test_cli_startup.py`` checks they are the engine's own names).
"""

from __future__ import annotations

from pilotage.wfm.choices import (
    HandleTimeLaw,
    Holidays,
    Layout,
    ReforecastMethod,
    ResponseClock,
    SimulationEngine,
    SolveMethod,
)

KPI_ENGINES = ("duckdb", "spark")
"""``pilotage.kpi.engine.ENGINES``."""

__all__ = ["KPI_ENGINES", "HandleTimeLaw", "Holidays", "Layout", "ReforecastMethod",
           "ResponseClock", "SimulationEngine", "SolveMethod"]
