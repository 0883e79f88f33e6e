"""Batch reports against one-off reports: ``python benchmarks/report_batch.py [WORKSPACE]``.

Baseline: three advisor reports, each on a fresh ReportContext (what three separate
``pilotage report advisor`` commands compute). Then every report of the period in one batch
(one KPI session, one attainment engine, cached per level), HTML and PDF. Needs a demo
workspace (``pilotage demo --workspace /tmp/rep-ws``, the default)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pilotage.kpi.query import kpi_session
from pilotage.objectives.checks import check_file
from pilotage.objectives.periods import parse_period
from pilotage.reports.batch import all_jobs, render_all
from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.model import ReportLevel
from pilotage.store import Workspace


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/rep-ws")
    ws = Workspace.open(root)
    objectives = check_file(root / "objectives.yaml").objectives
    assert objectives is not None
    period = parse_period("2026-09")
    rows = []
    with kpi_session(ws) as session:
        advisors = [j.unit for j in all_jobs(ReportContext(session, objectives, period))
                    if j.level is ReportLevel.ADVISOR][:3]
        start = time.perf_counter()
        for advisor in advisors:
            build_report(ReportContext(session, objectives, period), ReportLevel.ADVISOR,
                         advisor)
        one_off = (time.perf_counter() - start) / len(advisors)
        rows.append(("advisor report, fresh context (baseline)", 1, one_off))
        for fmt in ("html", "pdf"):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                written = render_all(ReportContext(session, objectives, period), fmt,
                                     Path(out))
                total = time.perf_counter() - start
            rows.append((f"batch 'all' {fmt}, per report", len(written), total / len(written)))
            rows.append((f"batch 'all' {fmt}, total", len(written), total))
    print(f"{'case':45} {'reports':>8} {'seconds':>9} {'× baseline':>11}")
    for name, n, seconds in rows:
        print(f"{name:45} {n:8d} {seconds:9.2f} {seconds / one_off:11.2f}")


if __name__ == "__main__":
    main()
