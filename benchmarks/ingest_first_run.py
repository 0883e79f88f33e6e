"""What one ``pilotage ingest FILE`` gets: the first parse of a fresh process, then the commit.

Generates the 2 M-row CSV and Parquet exports of ``ingest_tabular.py`` and the 2 M-line
queue_log of ``ingest_queue_log.py`` in a folder (kept between runs with ``--folder``), then
for each format starts a fresh Python process that parses a 1,000-row file once (one-time
costs of a process: imports, DuckDB's first connection), then parses the big file once and
commits it into a new workspace. Prints wall and CPU seconds (all threads), minor page faults
(fresh memory touched) and the database size. ``--rounds N`` repeats the set.

Run: ``python benchmarks/ingest_first_run.py [--folder DIR] [--rounds N]``. For a before/after
comparison, run it alternately with ``PYTHONPATH`` pointing at each version's ``src``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
FORMATS = ("csv", "parquet", "queue_log")


def prepare(folder: Path) -> None:
    sys.path.insert(0, str(HERE))
    import ingest_queue_log
    import ingest_tabular

    if not (folder / "acd.csv").exists():
        table = ingest_tabular.export(2_000_000, 100_000)
        options = pacsv.WriteOptions(quoting_style="none")
        pacsv.write_csv(table, folder / "acd.csv", options)
        pq.write_table(table, folder / "acd.parquet", row_group_size=ingest_tabular.ROW_GROUP_ROWS)
        pacsv.write_csv(table.slice(0, 1000), folder / "warm.csv", options)
        pq.write_table(table.slice(0, 1000), folder / "warm.parquet")
        (folder / "acd.yaml").write_text(ingest_tabular.MAPPING)
    if not (folder / "queue_log").exists():
        ingest_queue_log.generate(folder / "queue_log", 2_000_000)
        ingest_queue_log.generate(folder / "warm_log", 2_000)


def child(folder: Path, fmt: str) -> None:
    from pilotage.ingest.pseudonym import Pseudonymizer
    from pilotage.store.batch import Batch
    from pilotage.store.workspace import Workspace

    pseudo = Pseudonymizer(b"benchmark")
    if fmt == "queue_log":
        from pilotage.ingest.queue_log import parse_queue_log

        def parse(path: Path) -> Batch:
            return parse_queue_log(path, pseudonymizer=pseudo)

        warm, big = folder / "warm_log", folder / "queue_log"
    else:
        from pilotage.ingest.mapping_files import locate_mapping
        from pilotage.ingest.tabular import parse_table

        mapping = locate_mapping(str(folder / "acd.yaml"))

        def parse(path: Path) -> Batch:
            return parse_table(path, mapping=mapping, pseudonymizer=pseudo)

        warm, big = folder / f"warm.{fmt}", folder / f"acd.{fmt}"
    parse(warm)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.init(Path(tmp) / "ws")
        load = os.getloadavg()[0]
        marks = [(time.perf_counter(), time.process_time(),
                  resource.getrusage(resource.RUSAGE_SELF).ru_minflt)]
        batch = parse(big)
        marks.append((time.perf_counter(), time.process_time(),
                      resource.getrusage(resource.RUSAGE_SELF).ru_minflt))
        workspace.commit(batch)
        marks.append((time.perf_counter(), time.process_time(),
                      resource.getrusage(resource.RUSAGE_SELF).ru_minflt))
        size_mb = workspace.database_path.stat().st_size / 1e6
    (w0, c0, f0), (w1, c1, f1), (w2, c2, f2) = marks
    n = batch.rows_read
    print(f"{fmt:9} first parse {w1 - w0:5.2f} s {c1 - c0:5.2f} CPU s {n / (w1 - w0):>10,.0f}/s "
          f"{(f1 - f0) / 1e3:4.0f} k faults | commit {w2 - w1:5.2f} s {c2 - c1:5.2f} CPU s "
          f"{(f2 - f1) / 1e3:4.0f} k faults | whole load {n / (w2 - w0):>9,.0f}/s | database "
          f"{size_mb:.0f} MB | load average {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, help="where the files are kept (default: a "
                                                    "temporary folder)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        prepare(folder)
        for _ in range(args.rounds):
            for fmt in FORMATS:
                subprocess.run([sys.executable, __file__, "--child", str(folder), fmt],
                               check=True)


if __name__ == "__main__":
    main()
