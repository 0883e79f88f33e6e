"""Pilotage: steer a customer contact center by its objectives.

Pipeline: ``ingest`` (real formats -> canonical tables, quarantine) -> ``store`` (workspace,
embedded DuckDB) -> ``kpi`` -> ``objectives`` -> ``reports`` / ``web`` / ``live``; ``wfm`` reads
history and writes forecasts and schedules back.
"""

__version__ = "0.1.0"
