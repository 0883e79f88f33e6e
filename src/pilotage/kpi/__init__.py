"""The KPI semantic layer: one declared catalogue, compiled to Ibis, run on DuckDB or Spark."""

from pilotage.kpi.compiler import KpiRequest
from pilotage.kpi.definitions import Catalogue, Kpi, load_catalogue
from pilotage.kpi.query import KpiResult, KpiSession, compute, kpi_session

__all__ = ["Catalogue", "Kpi", "KpiRequest", "KpiResult", "KpiSession", "compute",
           "kpi_session", "load_catalogue"]
