"""Throughput of generic tabular ingestion (``parse_table``) on a realistic ACD export.

Generates 2,000,000 calls as CSV and as Parquet (row groups of 122,880 rows, as DuckDB writes
them) in a temporary folder, then measures rows/s
through ``parse_table`` and, as a baseline in the same process, a plain DuckDB ``read_csv`` /
``read_parquet`` into a table. Both sides first run once on 1,000 rows (one-time costs of the
process are not throughput); wall and CPU seconds (all threads) are printed. The batch is then
committed into a new workspace (one transaction), timed apart: the whole load's rows/s.

Each side runs ``--repeat`` times (default 3), alternately; the best run of each is kept
(the machine is shared: load only ever slows a run; later runs also reuse memory the process
already touched, which is cheaper here) and the medians and the first run are printed too.

Run: ``python benchmarks/ingest_tabular.py [rows] [distinct_callers] [--repeat N]`` (defaults
2,000,000 and 100,000: repeat callers, as in a month of a retail bank).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pilotage.ingest.mapping_files import MappingFile, locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.tabular import parse_table
from pilotage.store.workspace import Workspace

MAPPING = """\
kind: table
table: contacts
time_zone: Europe/Paris
columns:
  contact_id: call_id
  source_ref: call_id
  customer_key: {source: caller, pseudonymise: true}
  queue_id: queue
  channel: {constant: voice}
  direction: {constant: inbound}
  offered_at: {source: enter_time, format: "%Y-%m-%d %H:%M:%S"}
  answered_at: {source: answer_time, format: "%Y-%m-%d %H:%M:%S"}
  wait_s: wait
  talk_s: talk
  advisor_id: {source: agent, null_if: "-"}
  outcome:
    source: result
    values: {ANSWERED: answered, ABANDON: abandoned, TIMEOUT: timeout}
filters:
  - exclude: "queue = 'TEST'"
    reason: "test calls of the supervisor; nothing to fix"
"""


ROW_GROUP_ROWS = 122_880


def export(rows: int, customers: int) -> pa.Table:
    rng = np.random.default_rng(1999)
    start = np.datetime64("2024-03-01T00:00:00") + np.sort(
        rng.integers(0, 28 * 86400, rows)).astype("timedelta64[s]")
    wait = rng.exponential(40, rows).astype(np.int64)
    result = rng.choice(np.array(["ANSWERED", "ABANDON", "TIMEOUT"]), rows, p=[.88, .1, .02])
    answered = result == "ANSWERED"
    answer = np.where(answered, start + wait.astype("timedelta64[s]"),
                      np.datetime64("NaT")).astype("datetime64[s]")
    agent = np.where(answered, np.char.add("A", rng.integers(1, 400, rows).astype(str)), "-")
    caller = np.char.add("+3361", rng.integers(0, customers, rows).astype(str))
    queue = rng.choice(np.array(["SALES", "SUPPORT", "BILLING", "VIP", "TEST"]), rows,
                       p=[.3, .4, .2, .099, .001])

    def fmt(ts: np.ndarray) -> pa.Array:
        return pa.array(np.datetime_as_string(ts, unit="s")).cast(pa.string())

    return pa.table({
        "call_id": pa.array(np.char.add("C", np.arange(rows).astype(str))),
        "queue": pa.array(queue), "caller": pa.array(caller),
        "enter_time": pc_replace_t(fmt(start)),
        "answer_time": pc_replace_t(fmt(answer)),
        "wait": pa.array(wait), "talk": pa.array(rng.gamma(2, 120, rows).round(1)),
        "agent": pa.array(agent), "result": pa.array(result)})


def pc_replace_t(values: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    text = pc.replace_substring(values, "T", " ")
    return pc.if_else(pc.equal(values, "NaT"), None, text)


def warm_up(folder: Path, table: pa.Table, mapping: MappingFile,
            pseudo: Pseudonymizer) -> None:
    """One small run of each side first: one-time costs of a process (imports pyarrow makes
    on first use, pandas among them: about 0.4 s; DuckDB's first connection) are not rows/s."""
    small = table.slice(0, 1000)
    for fmt in ("csv", "parquet"):
        path = folder / f"warm-up.{fmt}"
        if fmt == "csv":
            pacsv.write_csv(small, path, pacsv.WriteOptions(quoting_style="none"))
        else:
            pq.write_table(small, path)
        duckdb.connect().execute(f"SELECT count(*) FROM read_{fmt}('{path}')").fetchall()
        parse_table(path, mapping=mapping, pseudonymizer=pseudo)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=2_000_000)
    parser.add_argument("distinct_callers", type=int, nargs="?")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each side (the best is kept: load only slows a run)")
    args = parser.parse_args()
    rows = args.rows
    customers = args.distinct_callers or rows // 20
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        table = export(rows, customers)
        csv_path, parquet_path = folder / "acd.csv", folder / "acd.parquet"
        pacsv.write_csv(table, csv_path, pacsv.WriteOptions(quoting_style="none"))
        # Row groups of 122,880 rows, DuckDB's default (COPY ... TO 'x.parquet'); pyarrow's
        # default (1 Mi rows) would leave 2 row groups, so at most 2 reading threads.
        pq.write_table(table, parquet_path, row_group_size=ROW_GROUP_ROWS)
        mapping_path = folder / "acd.yaml"
        mapping_path.write_text(MAPPING)
        mapping = locate_mapping(str(mapping_path))
        pseudo = Pseudonymizer(b"benchmark-secret")
        print(f"{rows:,} calls, {customers:,} distinct callers, CSV "
              f"{csv_path.stat().st_size / 1e6:.0f} MB, Parquet "
              f"{parquet_path.stat().st_size / 1e6:.0f} MB in row groups of "
              f"{ROW_GROUP_ROWS:,} rows; "
              f"{os.cpu_count()} CPUs, load "
              f"average {os.getloadavg()[0]:.1f} (other work slows both columns alike)")
        warm_up(folder, table, mapping, pseudo)
        print(f"{'format':8} {'parse_table s':>14} {'rows/s':>12} {'CPU s':>6} "
              f"{'baseline s':>11} {'baseline rows/s':>16} {'CPU s':>6} {'ratio':>6}")
        for fmt, path, reader in (("csv", csv_path, "read_csv"),
                                  ("parquet", parquet_path, "read_parquet")):
            bases: list[tuple[float, float]] = []
            runs: list[tuple[float, float]] = []
            for _ in range(args.repeat):  # alternately, so that load changes hit both
                con = duckdb.connect()
                began, cpu = time.perf_counter(), time.process_time()
                con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM {reader}('{path}')")
                bases.append((time.perf_counter() - began, time.process_time() - cpu))
                con.close()
                began, cpu = time.perf_counter(), time.process_time()
                batch = parse_table(path, mapping=mapping, pseudonymizer=pseudo)
                runs.append((time.perf_counter() - began, time.process_time() - cpu))
                assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined == rows
            (base, base_cpu), (ours, ours_cpu) = min(bases), min(runs)
            print(f"{fmt:8} {ours:14.2f} {rows / ours:12,.0f} {ours_cpu:6.2f} {base:11.2f} "
                  f"{rows / base:16,.0f} {base_cpu:6.2f} {base / ours:6.2f}   "
                  f"(loaded {batch.rows_loaded:,}, quarantined {batch.rows_quarantined:,}; "
                  f"best of {args.repeat}, median {statistics.median(w for w, _ in runs):.2f} s "
                  f"vs {statistics.median(w for w, _ in bases):.2f} s; first run "
                  f"{runs[0][0]:.2f} s, {runs[0][1]:.2f} CPU s, {rows / runs[0][0]:,.0f} rows/s)")
            workspace = Workspace.init(folder / f"ws-{fmt}")
            began, cpu = time.perf_counter(), time.process_time()
            workspace.commit(batch)
            commit, commit_cpu = time.perf_counter() - began, time.process_time() - cpu
            whole, first = ours + commit, runs[0][0] + commit
            print(f"{'':8} + commit into a new workspace {commit:.2f} s ({commit_cpu:.2f} CPU s):"
                  f" whole load {rows / whole:,.0f} rows/s, ratio {base / whole:.2f}; with "
                  f"the first parse {rows / first:,.0f} rows/s ({first:.2f} s, "
                  f"{runs[0][1] + commit_cpu:.2f} CPU s)")
        print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
        keys = timed(lambda: pseudo.keys(table.column("caller")))
        in_duckdb = timed(lambda: pseudo.sql_keys(table.column("caller")))
        print(f"Pseudonymizer.keys on {rows:,} values, {customers:,} distinct: {keys:.2f} s "
              f"(Python HMAC); sql_keys (HMAC in DuckDB): {in_duckdb:.2f} s")


if __name__ == "__main__":
    main()
