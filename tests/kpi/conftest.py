"""Fixtures shared by the KPI tests: the hand-made fixture center (built once per session)
and the Spark engine (one SparkSession per test process, started on first use)."""

from __future__ import annotations

import pytest

from pilotage.store import Workspace
from tests.kpi import fixture_center


@pytest.fixture(scope="session")
def fixture_center_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("kpi-center") / "ws")
    fixture_center.build(ws)
    return ws


@pytest.fixture(scope="session")
def spark_engine() -> str:
    """The engine name to pass to ``compute``; starts Spark once (about 5 s). pyspark is a
    test dependency: a missing one fails here rather than skipping the conformance suite."""
    from pilotage.kpi.spark import spark_session

    spark_session()
    return "spark"
