"""Simulation speed: pilotage vs ciw on the same M/M/c+M model, in one process.

Run: ``python benchmarks/simulation.py``. The model is the one of shared/docs/stack-notes.md §6:
100 calls / 30 min (λ = 1/18 per s), exponential handle times of mean 180 s, 14 agents,
exponential patience of mean 120 s, SL threshold 20 s. Both simulate the same number of
simulated hours; customers per second = callers simulated / wall time, everything included
(drawing, queueing, records or measures, estimates). Both answers are printed next to the
exact Erlang A values to show they simulate the same queue. ciw is a test-only dependency.
"""

from __future__ import annotations

import argparse
import os
import time

import ciw
import numpy as np

from pilotage.wfm.erlang import erlang_a
from pilotage.wfm.simulation.model import AgentGroup, QueueWorkload, SimulationModel
from pilotage.wfm.simulation.replications import Engine, Metric, simulate

RATE_PER_S, AHT_S, AGENTS, PATIENCE_S, T_S = 100 / 1800, 180.0, 14, 120.0, 20.0


def run_ciw(hours: float, seed: int) -> tuple[int, float, float, float]:
    """Customers, wall seconds, SL (answered ≤ T / finished), abandon rate."""
    t0 = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE_PER_S)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT_S)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE_S)])
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(hours * 3600)
    recs = q.get_all_records()
    wall = time.perf_counter() - t0
    served = [r for r in recs if r.record_type == "service"]
    in_t = sum(1 for r in served if r.waiting_time <= T_S)
    return len(recs), wall, in_t / len(recs), (len(recs) - len(served)) / len(recs)


def run_pilotage(hours: float, replications: int, seed: int,
                 engine: Engine) -> tuple[int, float, float, float]:
    t0 = time.perf_counter()
    span = hours * 3600 / replications
    queue = QueueWorkload("q", np.array([RATE_PER_S * span]), np.array([AHT_S]), PATIENCE_S)
    group = AgentGroup.per_interval("agents", [0], [AGENTS], span)
    result = simulate(SimulationModel(span, (queue,), (group,), T_S),
                      replications=replications, seed=seed, engine=engine)
    sl = result.estimate(Metric.SERVICE_LEVEL)
    ab = result.estimate(Metric.ABANDON_RATE)
    wall = time.perf_counter() - t0
    assert sl is not None and ab is not None
    return result.customers, wall, sl.mean, ab.mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ciw-hours", type=float, default=200.0)
    parser.add_argument("--hours", type=float, default=2000.0)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    exact = erlang_a(AGENTS, RATE_PER_S, AHT_S, PATIENCE_S, T_S)
    print(f"load average {os.getloadavg()[0]:.2f}; M/M/{AGENTS}+M, λ = 100/30 min, AHT "
          f"{AHT_S:g} s, patience {PATIENCE_S:g} s; exact Erlang A SL(20 s) "
          f"{float(exact.service_level):.4f}, abandon {float(exact.p_abandon):.4f}")
    rows = [("ciw 3.2.7", *run_ciw(args.ciw_hours, 1)),
            ("pilotage fast path", *run_pilotage(args.hours, args.replications, 1, Engine.FAST)),
            ("pilotage event engine", *run_pilotage(args.hours / 4, args.replications, 1,
                                                    Engine.EVENTS))]
    base = rows[0][1] / rows[0][2]
    print(f"{'implementation':<24}{'customers':>11}{'seconds':>9}{'cust/s':>11}{'ratio':>8}"
          f"{'SL':>8}{'abandon':>9}")
    for name, n, wall, sl, ab in rows:
        rate = n / wall
        print(f"{name:<24}{n:>11,}{wall:>9.2f}{rate:>11,.0f}{rate / base:>7.1f}x"
              f"{sl:>8.4f}{ab:>9.4f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
