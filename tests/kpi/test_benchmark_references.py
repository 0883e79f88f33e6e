"""The two reference implementations of ``benchmarks/kpi.py`` (plain pandas, handwritten
DuckDB SQL) give the engine's figures on the hand-made fixture center, so the benchmark
compares like with like."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from pilotage.kpi import KpiRequest, compute
from pilotage.store import Workspace

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))
    import kpi

    yield kpi
    sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def references(bench: ModuleType, fixture_center_ws: Workspace) -> Iterator[tuple[object, object]]:
    import kpi_pandas
    import kpi_sql

    con = kpi_sql.connect(str(fixture_center_ws.database_path))
    center = kpi_pandas.Center(con, fixture_center_ws.config.time_zone)
    yield con, center
    con.close()


def _engine(bench: ModuleType, ws: Workspace, org: str, grain: str) -> pd.DataFrame:
    """The whole benchmark KPI list in one request, as ``benchmarks/kpi.py`` runs it."""
    kpis = tuple(bench.kpis_for(org, grain))
    return compute(ws, KpiRequest(kpis=kpis, by=(org, grain))).table.to_pandas()


def _check(bench: ModuleType, references: tuple[object, object], ws: Workspace, org: str,
           grain: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import kpi_sql

    con, center = references
    kpis = bench.kpis_for(org, grain)
    engine = _engine(bench, ws, org, grain)
    by_sql = kpi_sql.compute_grain(con, kpis, org, grain, ws.config.time_zone)
    by_pandas = center.compute_grain(kpis, org, grain)  # type: ignore[attr-defined]
    for name, frame in (("sql", by_sql), ("pandas", by_pandas)):
        assert bench.compare(f"{org}×{grain}", org, grain, engine, frame, kpis) == [], name
        assert len(frame) == len(engine), name
    return by_sql, by_pandas


@pytest.mark.parametrize(("org", "grain"), [("team", "week"), ("queue", "interval30")])
def test_references_give_the_engine_figures(bench: ModuleType,
                                            references: tuple[object, object],
                                            fixture_center_ws: Workspace, org: str,
                                            grain: str) -> None:
    _check(bench, references, fixture_center_ws, org, grain)


def test_references_follow_team_moves_and_local_days(bench: ModuleType,
                                                     references: tuple[object, object],
                                                     fixture_center_ws: Workspace) -> None:
    by_sql, by_pandas = _check(bench, references, fixture_center_ws, "team", "day")
    for frame in (by_sql, by_pandas):
        t1 = frame[(frame.team == "T1") & (frame.day == "2026-10-05")].iloc[0]
        # tests/kpi/fixture_center.py: T1 on 2026-10-05 is A1 (A3 joins T2 on 10-06); A1
        # answered c01 (wait 10 s) and c02 (30 s): ASA 20 s; A1's states: 30 min on contact
        # + 10 min ACW, 30 + 35 min available: occupancy 40 / (40 + 65)
        assert t1["answered"] == 2
        assert t1["asa"] == pytest.approx(20.0)
        assert t1["occupancy"] == pytest.approx(40 / 105)
        t2 = frame[(frame.team == "T2") & (frame.day == "2026-10-06")].iloc[0]
        # c08 and c09 answered by A3, in T2 from 2026-10-06
        assert t2["answered"] == 2


@pytest.mark.slow
@pytest.mark.parametrize(("org", "grain"), [("agent", "month"), ("site", "week"),
                                            ("center", "day")])
def test_references_give_the_engine_figures_at_agent_site_center(
        bench: ModuleType, references: tuple[object, object], fixture_center_ws: Workspace,
        org: str, grain: str) -> None:
    # the benchmark itself checks every grain of its run (benchmarks/kpi.py, compare)
    _check(bench, references, fixture_center_ws, org, grain)
