"""Benchmark the KPI engine against a plain-pandas implementation (``kpi_pandas.py``) and
handwritten DuckDB SQL (``kpi_sql.py``) on a demo workspace: the whole catalogue (default
parameters) at agent/team/site/center × day/week/month and queue × interval30, each grain
with the KPIs that declare both its dimensions.

Each implementation runs in its own child process (wall time per grain; peak RSS from
``os.wait4``); the parent then checks the three give the same figures (1e-9 relative).
Before each child the workspace file is read once (every implementation starts with it in
the page cache). The engine runs ``--engine-runs`` times (default 3): first, between the
others, and last; its median run is reported (a run takes half a minute, the others several,
so a burst of load on a shared host would otherwise decide the engine's figure alone). Each
child's line shows the machine's CPU shares meanwhile (``steal``: time taken by the host).

    python benchmarks/kpi.py --workspace /tmp/bench-kpi-ws [--build --agents 2000 --days 365]
    python benchmarks/kpi.py --workspace DIR --pandas-days 91  # pandas on the first 91 days

``--pandas-days N`` runs all three on a copy of the workspace holding the first N days
(``--subset``) when pandas cannot hold the full center in memory; the engine and SQL still
run on the full workspace, and the scales are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ORGS = ("agent", "team", "site", "center")
TIMES = ("day", "week", "month")
IMPLEMENTATIONS = ("engine", "sql", "pandas")
RELATIVE_TOLERANCE = 1e-9
# one child's run: frames by grain, wall times by row (``load``, ``shared``, grains), wall
# time of the whole child, its peak RSS in MB
Run = tuple[dict[str, pd.DataFrame], dict[str, float], float, float]


def grains() -> list[tuple[str, str]]:
    return [(org, t) for org in ORGS for t in TIMES] + [("queue", "interval30")]


def kpis_for(org: str, grain: str) -> list[str]:
    """Every catalogue KPI that declares both dimensions (default parameters)."""
    from pilotage.kpi import load_catalogue

    return [k for k, kpi in load_catalogue().kpis.items()
            if org in kpi.dimensions and grain in kpi.dimensions]


def run(implementation: str, workspace_dir: Path) -> tuple[dict[str, pd.DataFrame],
                                                           dict[str, float]]:
    """All grains through one implementation: frames keyed ``org×grain`` and wall times
    (``load`` is the pandas read + derivation, done once; ``shared`` the engine's shared
    aggregates, built once for the batch of grains)."""
    from pilotage.store import Workspace

    ws = Workspace.open(workspace_dir)
    tz = ws.config.time_zone
    frames: dict[str, pd.DataFrame] = {}
    times: dict[str, float] = {}
    center = None
    con = None
    session = None
    stack = contextlib.ExitStack()
    if implementation == "engine":
        from pilotage.kpi.query import kpi_session

        session = stack.enter_context(kpi_session(ws))  # one connection, like sql
    elif implementation == "pandas":
        import kpi_pandas
        import kpi_sql

        start = time.perf_counter()
        con = kpi_sql.connect(str(ws.database_path))
        center = kpi_pandas.Center(con, tz)
        times["load"] = time.perf_counter() - start
    elif implementation == "sql":
        import kpi_sql

        con = kpi_sql.connect(str(ws.database_path))
    batch = None
    if implementation == "engine":
        from pilotage.kpi import KpiRequest

        assert session is not None
        planned = {(org, grain): engine_requests(ws, kpis_for(org, grain), org, grain)
                   for org, grain in grains()}
        requests = [KpiRequest(kpis=group, by=key) for key, (groups, _) in planned.items()
                    for group in groups]
        start = time.perf_counter()
        # every grain's requests prepared together: each source aggregated once at the
        # finest grain they share (agent/team/site/center × day; queue × interval30 alone)
        batch = stack.enter_context(session.shared(requests))
        batch.prepare(requests[0])
        times["shared"] = time.perf_counter() - start
    for org, grain in grains():
        kpis = kpis_for(org, grain)
        start = time.perf_counter()
        if implementation == "engine":
            groups, failing = planned[(org, grain)]
            frame = None
            for group in groups:
                assert batch is not None
                part = batch.compute(KpiRequest(kpis=group, by=(org, grain))).table.to_pandas()
                frame = part if frame is None else frame.merge(part, on=[org, grain],
                                                               how="outer")
            assert frame is not None
            if failing:
                times[f"{org}×{grain}:failing"] = float(len(failing))
                frame.attrs["failing"] = failing
                frame.attrs["requests"] = len(groups)
        elif implementation == "sql":
            import kpi_sql

            assert con is not None
            frame = kpi_sql.compute_grain(con, kpis, org, grain, tz)
        else:
            assert center is not None
            frame = center.compute_grain(kpis, org, grain)
        times[f"{org}×{grain}"] = time.perf_counter() - start
        frames[f"{org}×{grain}"] = frame
    if con is not None:
        con.close()
    stack.close()
    return frames, times


def engine_requests(ws: object, kpis: list[str], org: str, grain: str
                    ) -> tuple[list[tuple[str, ...]], list[str]]:
    """The requests the engine can compile: the whole list if it can, else greedy groups
    (it cannot union parts whose key columns differ in nullability, e.g. agent_states'
    NOT NULL advisor_id with contacts' nullable one), and the KPIs it cannot compute alone."""
    from ibis.common.exceptions import RelationError

    from pilotage.kpi import KpiRequest
    from pilotage.kpi.query import compile_sql

    def compiles(group: tuple[str, ...]) -> bool:
        try:
            compile_sql(ws, KpiRequest(kpis=group, by=(org, grain)))  # type: ignore[arg-type]
        except RelationError:
            return False
        return True

    if compiles(tuple(kpis)):
        return [tuple(kpis)], []
    groups: list[tuple[str, ...]] = []
    failing = []
    for kpi in kpis:
        if not compiles((kpi,)):
            failing.append(kpi)
            continue
        for i, group in enumerate(groups):
            if compiles((*group, kpi)):
                groups[i] = (*group, kpi)
                break
        else:
            groups.append((kpi,))
    return groups, failing


class ChildFailed(Exception):
    """An implementation's child process did not finish."""


@dataclass(frozen=True)
class Mismatch:
    grain: str
    kpi: str
    cells: int
    example: str


def compare(grain: str, org: str, time_dim: str, expected: pd.DataFrame,
            actual: pd.DataFrame, kpis: list[str]) -> list[Mismatch]:
    """Cells differing by more than 1e-9 relative. A key present on one side only counts as
    0 for count/sum KPIs and NULL for ratios (the engine's value at a key where none of that
    KPI's rows fall) — anything else is a mismatch."""
    from pilotage.kpi import load_catalogue

    catalogue = load_catalogue()
    keys = [org, time_dim]
    left = expected.copy()
    right = actual.copy()
    for frame in (left, right):
        for k in keys:
            frame[k] = frame[k].astype(object).where(frame[k].notna(), "∅").astype(str)
    merged = left.merge(right, on=keys, how="outer", suffixes=("_e", "_a"), indicator=True)
    out = []
    for kpi in kpis:
        ratio = catalogue.kpi(kpi).is_ratio
        e = pd.to_numeric(merged[f"{kpi}_e"], errors="coerce").astype(float)
        a = pd.to_numeric(merged[f"{kpi}_a"], errors="coerce").astype(float)
        if not ratio:
            e = e.where(merged["_merge"] != "right_only", 0.0)
            a = a.where(merged["_merge"] != "left_only", 0.0)
        both_null = e.isna() & a.isna()
        scale = pd.concat([e.abs(), a.abs()], axis=1).max(axis=1)
        close = (e - a).abs() <= RELATIVE_TOLERANCE * scale
        bad = ~(both_null | close.fillna(False))
        if bad.any():
            row = merged[bad].iloc[0]
            out.append(Mismatch(grain, kpi, int(bad.sum()),
                                f"{row[org]} {row[time_dim]}: engine {row[f'{kpi}_e']} "
                                f"vs {row[f'{kpi}_a']}"))
    return out


def _child(args: argparse.Namespace) -> None:
    frames, times = run(args.child, Path(args.workspace))
    with open(args.out, "wb") as fh:
        pickle.dump((frames, times), fh)


def _spawn(implementation: str, workspace: Path, out: Path) -> Run:
    """Run one implementation in a child process: (frames, times, wall s, peak RSS MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--workspace", str(workspace),
                             "--child", implementation, "--out", str(out)])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        # e.g. pandas killed for memory on a large center: keep the others' figures
        raise ChildFailed(f"{implementation} failed (exit {os.waitstatus_to_exitcode(status)}, "
                          f"peak RSS {usage.ru_maxrss / 1024:,.0f} MB)")
    with open(out, "rb") as fh:
        frames, times = pickle.load(fh)
    return frames, times, wall, usage.ru_maxrss / 1024  # Linux: ru_maxrss in KiB


def subset(source: Path, target: Path, days: int) -> None:
    """A copy of ``source`` holding the first ``days`` days of every fact table."""
    import duckdb

    target.mkdir(parents=True, exist_ok=True)
    for name in ("pilotage.toml", "secret.key"):
        (target / name).write_bytes((source / name).read_bytes())
    db = target / "pilotage.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{source / 'pilotage.duckdb'}' AS src (READ_ONLY)")
    row = con.execute("SELECT min(offered_at) FROM src.contacts").fetchone()
    assert row is not None
    first = row[0]
    bound = f"TIMESTAMP '{first}' + INTERVAL {days} DAY"
    time_column = {"contacts": "offered_at", "agent_states": "start_at",
                   "schedules": "start_at", "absences": "start_at",
                   "forecasts": "interval_start", "survey_responses": "responded_at",
                   "evaluations": "evaluated_at", "queue_events": "event_at"}
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() "
                               "WHERE database_name = 'src'").fetchall():
        where = f" WHERE {time_column[name]} < {bound}" if name in time_column else ""
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM src."{name}"{where}')
    con.close()


def _schedule(impls: list[str], engine_runs: int) -> list[str]:
    """The order the implementations run in: the engine's runs spread among the others' (a
    run of the engine takes half a minute, the others several: a burst of load on the host
    then weighs on one engine run, not on the engine's figure)."""
    others = [i for i in impls if i != "engine"]
    if "engine" not in impls:
        return others
    order = ["engine"]
    for i, impl in enumerate(others):
        order.append(impl)
        if i + 1 < engine_runs:
            order.append("engine")
    return order + ["engine"] * (engine_runs - order.count("engine"))


def _timed(times: dict[str, float]) -> float:
    """A run's timed total: the ``load`` and ``shared`` rows and every grain's."""
    return sum(v for k, v in times.items() if "×" in k or k in ("load", "shared"))


def _median_run(runs: list[Run]) -> Run:
    """The engine run of median timed total (all runs' figures are the same)."""
    ranked = sorted(runs, key=lambda run: _timed(run[1]))
    median = ranked[len(ranked) // 2]
    if len(runs) > 1:
        print(f"  engine runs: {', '.join(f'{_timed(r[1]):.1f}' for r in runs)} s timed; the "
              f"median run ({_timed(median[1]):.1f} s) is reported below")
    return median


def _figures(run: Run) -> dict[str, object]:
    """A run's figures for the JSON report."""
    return {"times": run[1], "wall_s": run[2], "peak_rss_mb": run[3]}


def _warm(workspace: Path) -> None:
    """Read the workspace's database file once, so that every implementation starts with it
    in the page cache (the host may evict it between runs: 3.5 s to read it back)."""
    with open(workspace / "pilotage.duckdb", "rb") as fh:
        while fh.read(1 << 24):
            pass


def _cpu_ticks() -> list[int]:
    with open("/proc/stat") as fh:
        return [int(x) for x in fh.readline().split()[1:]]


def _cpu_share(before: list[int], after: list[int]) -> str:
    """Where the machine's CPU time went meanwhile (``steal``: taken by the host)."""
    d = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(d) or 1
    names = {"user": d[0] + d[1], "system": d[2], "idle": d[3], "iowait": d[4],
             "steal": d[7] if len(d) > 7 else 0}
    return " ".join(f"{k} {100 * v / total:.0f}%" for k, v in names.items())


def _contacts(workspace: Path) -> int:
    import duckdb

    con = duckdb.connect(str(workspace / "pilotage.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM contacts").fetchone()
    con.close()
    return int(n[0]) if n else 0


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--build", action="store_true", help="build the demo center first")
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pandas-days", type=int, default=0,
                        help="run pandas (and the others, for comparison) on the first N days")
    parser.add_argument("--skip", default="", help="comma-separated implementations to skip")
    parser.add_argument("--engine-runs", type=int, default=3,
                        help="runs of the engine, spread among the others' (median reported)")
    parser.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    if args.build:
        subprocess.run(["pilotage", "demo", "--workspace", str(args.workspace), "--agents",
                        str(args.agents), "--days", str(args.days)], check=True)
    skip = {s for s in args.skip.split(",") if s}
    scratch = Path(tempfile.mkdtemp(prefix="bench-kpi-"))
    runs: list[tuple[str, Path, list[str]]] = []
    full = [i for i in IMPLEMENTATIONS if i not in skip]
    if args.pandas_days:
        small = scratch / "subset"
        subset(args.workspace, small, args.pandas_days)
        runs.append(("full", args.workspace, [i for i in full if i != "pandas"]))
        runs.append((f"first {args.pandas_days} days", small, full))
    else:
        runs.append(("full", args.workspace, full))
    report: dict[str, object] = {}
    for label, workspace, impls in runs:
        print(f"\n== {label}: {workspace} ({_contacts(workspace):,} contacts); {_load()}")
        results = {}
        engine_runs: list[Run] = []
        for impl in _schedule(impls, args.engine_runs):
            _warm(workspace)
            before = _cpu_ticks()
            try:
                frames, times, wall, rss_mb = _spawn(impl, workspace, scratch / f"{impl}.pkl")
            except ChildFailed as failure:
                print(f"  {failure}; {_load()}", flush=True)
                continue
            if impl == "engine":
                engine_runs.append((frames, times, wall, rss_mb))
            else:
                results[impl] = (frames, times, wall, rss_mb)
            print(f"  {impl}: {_timed(times):.1f} s timed, {wall:.1f} s wall, peak RSS "
                  f"{rss_mb:,.0f} MB; {_load()}; {_cpu_share(before, _cpu_ticks())}", flush=True)
        if engine_runs:
            results = {"engine": _median_run(engine_runs), **results}
        _print_table(results)
        if "engine" in results:
            mismatches = []
            for org, grain in grains():
                key = f"{org}×{grain}"
                engine_frame = results["engine"][0][key]
                failing = engine_frame.attrs.get("failing", [])
                if failing:
                    print(f"  engine cannot compute {', '.join(failing)} at {key} (not "
                          f"compared); the rest took {engine_frame.attrs['requests']} requests")
                for impl in results:
                    if impl != "engine":
                        wanted = [k for k in kpis_for(org, grain) if k not in failing]
                        for m in compare(key, org, grain, engine_frame, results[impl][0][key],
                                         wanted):
                            mismatches.append((impl, m))
            cells = sum(len(f) * (len(f.columns) - 2) for f in results["engine"][0].values())
            if mismatches:
                print(f"  MISMATCHES ({len(mismatches)}):")
                for impl, m in mismatches:
                    print(f"    {impl} {m.grain} {m.kpi}: {m.cells} cells, e.g. {m.example}")
            else:
                print(f"  figures: all {cells:,} engine cells equal in "
                      f"{', '.join(i for i in results if i != 'engine')} (1e-9 relative)")
        report[label] = {**{impl: _figures(r) for impl, r in results.items()},
                         "engine_runs": [_figures(r) for r in engine_runs]}
    (scratch / "report.json").write_text(json.dumps(report, indent=1))
    print(f"\nraw figures: {scratch / 'report.json'}")


def _print_table(results: dict[str, Run]) -> None:
    impls = list(results)
    rows = ["load", "shared", *[f"{o}×{g}" for o, g in grains()]]
    header = f"  {'grain':<18}{'KPIs':>5}{'rows':>9}" + "".join(f"{i + ' s':>11}" for i in impls)
    if {"engine", "sql"} <= set(impls):
        header += f"{'eng/SQL':>9}"
    if {"engine", "pandas"} <= set(impls):
        header += f"{'pd/eng':>8}"
    print(header)
    totals = dict.fromkeys(impls, 0.0)
    for row in rows:
        cells = {i: results[i][1].get(row) for i in impls}
        if all(v is None for v in cells.values()):
            continue
        org, _, grain = row.partition("×")
        n_kpis = len(kpis_for(org, grain)) if grain else 0
        n_rows = len(results[impls[0]][0].get(row, [])) if grain else 0
        line = f"  {row:<18}{n_kpis or '':>5}{n_rows or '':>9}"
        for i in impls:
            v = cells[i]
            totals[i] += v or 0.0
            line += f"{'' if v is None else f'{v:.2f}':>11}"
        line += _ratios(cells, impls)
        print(line)
    print(f"  {'total':<32}" + "".join(f"{totals[i]:>11.2f}" for i in impls)
          + _ratios(dict(totals), impls))


def _ratios(cells: dict[str, float | None], impls: list[str]) -> str:
    out = ""

    def ratio(a: float | None, b: float | None) -> str:
        return "" if not a or not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}"

    if {"engine", "sql"} <= set(impls):
        out += f"{ratio(cells['engine'], cells['sql']):>9}"
    if {"engine", "pandas"} <= set(impls):
        out += f"{ratio(cells['pandas'], cells['engine']):>8}"
    return out


if __name__ == "__main__":
    main()
