"""A realistic French multi-site contact center, built by simulation (``pilotage demo``)."""

from pilotage.demo.center import DemoParameters, build_demo, default_start, generate_tables

__all__ = ["DemoParameters", "build_demo", "default_start", "generate_tables"]
