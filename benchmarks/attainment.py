"""Attainment of every objective at every level: ``python benchmarks/attainment.py [WORKSPACE]
[--period 2026-09]``.

Baseline: the same engine querying the period and the previous period separately, every KPI
of a batch for every breakdown, and the breakdown of the gap of every objective whatever its
status (what ``AttainmentEngine`` did before 2026-12-03). Then the engine as it is: the two
periods in one query grouped by the period's grain, each breakdown asked only of the KPIs
that have its dimension, and only for the objectives missed or at risk. Both on one KPI
session, each on a fresh engine (nothing cached). Needs a demo workspace
(``pilotage demo --workspace DIR``)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from pilotage.kpi.query import kpi_session
from pilotage.objectives.attainment import SHORT, AttainmentEngine, Status
from pilotage.objectives.checks import check_file
from pilotage.objectives.model import Objective
from pilotage.objectives.periods import parse_period


class SeparatePeriods(AttainmentEngine):
    """The baseline: one query per period, every KPI for every breakdown, the breakdown of
    every objective whatever its status."""

    explained = tuple(Status)

    def supported(self, batch: tuple[Objective, ...], by: tuple[str, ...]
                  ) -> tuple[Objective, ...]:
        return batch

    def _rows_with_previous(self, batch, period, previous, by, extra_where):  # type: ignore[no-untyped-def]
        return (self._rows(batch, period, by, extra_where),
                self._rows(batch, previous, by, extra_where))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", nargs="?", default="demo-ws")
    parser.add_argument("--period", default="2026-09")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each side, alternated; the fastest run is kept")
    args = parser.parse_args()
    root = Path(args.workspace)
    objectives = check_file(root / "objectives.yaml").objectives
    assert objectives is not None
    period = parse_period(args.period)
    from pilotage.store import Workspace

    with kpi_session(Workspace.open(root)) as session:
        timings = {}
        results = {}
        # a first query warms the database file's pages for both sides
        AttainmentEngine(session, objectives).status(period, objective_ids=("csat_85",))
        cases = (("separate periods, every KPI (baseline)", SeparatePeriods),
                 ("one query for both periods, KPIs with the dimension", AttainmentEngine))
        for name, engine_class in [c for _ in range(args.repeat) for c in cases]:
            engine = engine_class(session, objectives)
            calls = 0
            compute = session.compute

            def counted(request, _compute=compute):  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                return _compute(request)

            session.compute = counted  # type: ignore[method-assign]
            start = time.perf_counter()
            results[name] = engine.status(period)
            seconds = time.perf_counter() - start
            if name not in timings or seconds < timings[name][0]:
                timings[name] = (seconds, calls)
            session.compute = compute  # type: ignore[method-assign]
    base, now = results.values()

    def key(rows):  # type: ignore[no-untyped-def]
        def r(v):  # type: ignore[no-untyped-def]
            return None if v is None else float(f"{v:.9g}")
        # the breakdowns compared where both engines give one (missed or at risk)
        return [(a.objective_id, a.unit, r(a.actual), r(a.previous), a.status,
                 [(c.dimension, c.unit, r(c.contribution)) for c in a.contributors]
                 if a.status in SHORT else None)
                for a in rows]

    same = key(base) == key(now)
    baseline = next(iter(timings.values()))[0]
    print(f"load average {os.getloadavg()[0]:.2f}; {len(now)} attainments; same results: "
          f"{same}")
    print(f"{'case':55} {'queries':>8} {'seconds':>8} {'× baseline':>11}")
    for name, (seconds, calls) in timings.items():
        print(f"{name:55} {calls:8d} {seconds:8.2f} {seconds / baseline:11.2f}")


if __name__ == "__main__":
    main()
