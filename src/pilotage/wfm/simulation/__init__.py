"""Discrete-event simulation of a contact center (``pilotage simulate``): arrivals from a
forecast, staffing from a plan or a schedule, patience, handle-time laws, several queues and
skills; independent replications with 95 % confidence intervals. See ``docs/simulation.md``."""

from pilotage.wfm.simulation.erlang_comparison import ErlangComparison, compare_interval
from pilotage.wfm.simulation.estimate import Estimate
from pilotage.wfm.simulation.horizon import (
    Horizon,
    OfferedWork,
    build_model,
    forecast_work,
    read_staffing_csv,
    read_work_csv,
    schedule_staffing,
)
from pilotage.wfm.simulation.model import (
    AgentGroup,
    HandleTimeLaw,
    QueueWorkload,
    SimulationModel,
)
from pilotage.wfm.simulation.plan import PlanSimulation
from pilotage.wfm.simulation.replications import Engine, Metric, SimulationResult, simulate

__all__ = [
    "AgentGroup",
    "Engine",
    "ErlangComparison",
    "Estimate",
    "HandleTimeLaw",
    "Horizon",
    "Metric",
    "OfferedWork",
    "PlanSimulation",
    "QueueWorkload",
    "SimulationModel",
    "SimulationResult",
    "build_model",
    "compare_interval",
    "forecast_work",
    "read_staffing_csv",
    "read_work_csv",
    "schedule_staffing",
    "simulate",
]
