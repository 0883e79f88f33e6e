"""Throughput of the native queue_log parser on a synthetic realistic log.

Generates a queue_log of >= 2M lines (calls with ENTERQUEUE, RINGNOANSWER storms, CONNECT,
COMPLETE*, ABANDON, EXITWITHTIMEOUT, transfers; agents logging in, pausing and logging off) in a
temp dir, parses it with ``parse_queue_log`` and compares with a baseline run in the same
process: a plain DuckDB ``read_csv`` of the same file (pipe-delimited, all VARCHAR).

Each side runs ``--repeat`` times (default 3), alternately; the best run of each is kept
(the machine is shared: load only ever slows a run; later runs also reuse memory the process
already touched, which is cheaper here: the first parse is printed too). Both sides first
run once on a small log (one-time costs of the process are not throughput); wall and CPU
seconds (all threads) are printed. The batch is then committed into a new workspace (one
transaction): the last row gives the whole load.

Run: ``python benchmarks/ingest_queue_log.py [--lines N] [--repeat N]``. Target: >= 300,000
lines/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.queue_log import parse_queue_log
from pilotage.store.workspace import Workspace

QUEUES = ("support", "sales", "billing", "tech")


def generate(path: Path, target_lines: int, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    t = 1_700_000_000
    agents = [f"SIP/{1000 + i}" for i in range(60)]
    for agent in agents:
        lines.append(f"{t}|NONE|{QUEUES[0]}|{agent}|ADDMEMBER|")
    call = 0
    while len(lines) < target_lines:
        call += 1
        t += int(rng.integers(0, 4))
        callid = f"{t}.{call}"
        queue = QUEUES[call % 4]
        agent = agents[int(rng.integers(0, len(agents)))]
        lines.append(f"{t}|{callid}|{queue}|NONE|ENTERQUEUE||06{call % 100_000_000:08d}|1")
        rna = int(rng.poisson(0.8))
        for _ in range(rna):
            lines.append(f"{t + 5}|{callid}|{queue}|{agents[call % 60]}|RINGNOANSWER|15000")
        u = rng.random()
        wait = int(rng.integers(1, 120))
        if u < 0.80:
            talk = int(rng.gamma(2.0, 120.0)) + 1
            lines.append(f"{t + wait}|{callid}|{queue}|{agent}|CONNECT|{wait}|{callid}1|3")
            end = "COMPLETEAGENT" if rng.random() < 0.5 else "COMPLETECALLER"
            if rng.random() < 0.03:
                lines.append(f"{t + wait + talk}|{callid}|{queue}|{agent}|BLINDTRANSFER|2000|"
                             f"default|{wait}|{talk}|1")
            else:
                lines.append(f"{t + wait + talk}|{callid}|{queue}|{agent}|{end}|{wait}|{talk}|1")
        elif u < 0.95:
            lines.append(f"{t + wait}|{callid}|{queue}|NONE|ABANDON|1|1|{wait}")
        elif u < 0.98:
            lines.append(f"{t + 300}|{callid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|300")
        if call % 500 == 0:
            a = agents[call % 60]
            lines.append(f"{t}|NONE|{queue}|{a}|PAUSE|lunch")
            lines.append(f"{t + 1800}|NONE|{queue}|{a}|UNPAUSE|")
        if call % 5000 == 0:
            lines.append(f"{t}|NONE|NONE|NONE|CONFIGRELOAD|")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def read_all(path: Path) -> int:
    """The baseline: DuckDB reads every line of the file (pipe-delimited, all text)."""
    con = duckdb.connect()
    try:
        return int(con.execute(
            "SELECT count(*) FROM read_csv(?, delim='|', header=false, all_varchar=true, "
            "null_padding=true, quote='', escape='')", [str(path)]).fetchall()[0][0])
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each side (the best is kept: load only slows a run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # one small run of each side first: one-time costs of the process (imports pyarrow
        # makes on first use, pandas among them: about 0.4 s; DuckDB's first connection) are
        # not throughput
        warm = Path(tmp) / "warm-up"
        generate(warm, 2_000)
        read_all(warm)
        parse_queue_log(warm, pseudonymizer=Pseudonymizer(b"benchmark"))
        path = Path(tmp) / "queue_log"
        n = generate(path, args.lines)
        size_mb = path.stat().st_size / 1e6
        baselines: list[tuple[float, float]] = []
        parses: list[tuple[float, float]] = []
        for _ in range(args.repeat):  # alternately, so that load changes hit both
            t0, c0 = time.perf_counter(), time.process_time()
            baseline_rows = read_all(path)
            baselines.append((time.perf_counter() - t0, time.process_time() - c0))
            t0, c0 = time.perf_counter(), time.process_time()
            batch = parse_queue_log(path, pseudonymizer=Pseudonymizer(b"benchmark"))
            parses.append((time.perf_counter() - t0, time.process_time() - c0))
        baseline, parse = min(baselines), min(parses)
        workspace = Workspace.init(Path(tmp) / "ws")
        t0, c0 = time.perf_counter(), time.process_time()
        workspace.commit(batch)
        commit = (time.perf_counter() - t0, time.process_time() - c0)
    assert batch.rows_read == n == baseline_rows, (batch.rows_read, n, baseline_rows)
    whole = (parse[0] + commit[0], parse[1] + commit[1])
    first = (parses[0][0] + commit[0], parses[0][1] + commit[1])
    rows = [("duckdb read_csv (baseline)", baseline), ("parse_queue_log", parse),
            ("+ commit (whole load)", whole), ("first parse + commit", first),
            ("commit alone", commit)]
    print(f"native queue_log: {n:,} lines, {size_mb:.0f} MB; "
          f"{batch.tables['contacts'].num_rows:,} contacts, "
          f"{batch.tables['agent_states'].num_rows:,} agent states")
    print(f"{'run':<28}{'seconds':>9}{'CPU s':>7}{'lines/s':>13}{'x baseline':>12}")
    for name, (seconds, cpu) in rows:
        print(f"{name:<28}{seconds:>9.2f}{cpu:>7.2f}{n / seconds:>13,.0f}"
              f"{seconds / baseline[0]:>12.1f}")
    parse_s = parse[0]
    print(f"best of {args.repeat} runs of each side; medians: parse "
          f"{statistics.median(w for w, _ in parses):.2f} s, baseline "
          f"{statistics.median(w for w, _ in baselines):.2f} s; the first parse (memory not "
          f"yet touched by the process): {parses[0][0]:.2f} s, {parses[0][1]:.2f} CPU s, "
          f"{n / parses[0][0]:,.0f} lines/s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    verdict = "OK" if n / parse_s >= 300_000 else "BELOW TARGET"
    print(f"target >= 300,000 lines/s: {verdict}")


if __name__ == "__main__":
    main()
