"""Ingestion: real formats -> canonical tables, with quarantine of bad rows."""
