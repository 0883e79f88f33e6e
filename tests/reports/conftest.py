"""One small demo center for every report test: built once, one KPI session, one report
context, and every report of September 2026 built once (French and English)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pilotage.demo import build_demo
from pilotage.kpi.query import kpi_session
from pilotage.objectives.checks import check_file
from pilotage.objectives.periods import parse_period
from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.model import Report, ReportLevel
from pilotage.store import Workspace

DEMO_OBJECTIVES = (Path(__file__).resolve().parents[2]
                   / "src/pilotage/objectives/demo_objectives.yaml")
PERIOD = "2026-09"
# 35 days from 2026-08-27: the whole of September, and a few days of August for the trend
START = dt.date(2026, 8, 27)
SEED = 7


@pytest.fixture(scope="session")
def report_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("reports") / "ws"
    ws = Workspace.init(root)
    build_demo(ws, seed=SEED, agents=40, days=35, start=START)
    shutil.copy(DEMO_OBJECTIVES, root / "objectives.yaml")
    return ws


@pytest.fixture(scope="session")
def report_context(report_workspace: Workspace) -> Iterator[ReportContext]:
    objectives = check_file(report_workspace.root / "objectives.yaml").objectives
    assert objectives is not None
    with kpi_session(report_workspace) as session:
        yield ReportContext(session, objectives, parse_period(PERIOD))


def units(ctx: ReportContext, level: ReportLevel) -> list[str | None]:
    match level:
        case ReportLevel.ADVISOR:
            return sorted(a for a, p in ctx.org.advisors.items() if p.team_id is not None)
        case ReportLevel.TEAM:
            return sorted(ctx.org.teams)
        case ReportLevel.SITE:
            return sorted(ctx.org.sites)
        case ReportLevel.CONTRACT:
            return sorted(c.contract_id for c in ctx.objectives.contracts)
        case _:
            return [None]


@pytest.fixture(scope="session")
def sample_reports(report_context: ReportContext) -> dict[ReportLevel, Report]:
    """The first unit of every level, in French."""
    return {level: build_report(report_context, level, units(report_context, level)[0], "fr")
            for level in ReportLevel}
