"""The input formats ``pilotage ingest --format`` accepts (no import: read at every CLI start)."""

from __future__ import annotations

FORMATS = ("queue_log", "queue_log_table", "csv", "parquet", "json")
