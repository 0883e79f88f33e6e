"""The ``pilotage`` command: mirrors the Python API."""
