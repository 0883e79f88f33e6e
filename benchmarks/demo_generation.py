"""Time the demo generator: a medium run (300 advisors × 28 days) with its stages, then an
extrapolation to 2000 advisors × 365 days. ``--agents N --days N`` times one real run instead
(e.g. ``python benchmarks/demo_generation.py --agents 2000 --days 365``)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pilotage.demo import DemoParameters, default_start, generate_tables
from pilotage.store import Workspace
from pilotage.store.batch import Batch


def run(agents: int, days: int, commit: bool) -> dict[str, float]:
    marks: dict[str, float] = {}
    origin = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        if fraction >= 1.0 or stage not in marks:
            marks[stage] = time.perf_counter() - origin

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        params = DemoParameters(seed=1, agents=agents, days=days, start=default_start())
        tables = generate_tables(params, ws, progress)
        generated = time.perf_counter() - origin
        rows = sum(t.num_rows for t in tables.values())
        committed = generated
        if commit:
            ws.commit(Batch(params.source_path, params.content_sha256, "demo", tables, rows,
                            rows, keys_unique=True))  # as build_demo commits it
            committed = time.perf_counter() - origin
    return {"contacts": tables["contacts"].num_rows, "agent_states":
            tables["agent_states"].num_rows, "rows": rows, "generate_s": generated,
            "total_s": committed, **{f"stage:{k}": v for k, v in marks.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--no-commit", action="store_true")
    args = parser.parse_args()
    baseline = run(30, 14, commit=True)
    result = run(args.agents, args.days, commit=not args.no_commit)
    print(f"{'run':<22}{'contacts':>12}{'rows':>12}{'generate s':>12}{'total s':>10}"
          f"{'contacts/s':>12}")
    for name, r in (("baseline 30×14", baseline), (f"{args.agents}×{args.days}", result)):
        print(f"{name:<22}{r['contacts']:>12,.0f}{r['rows']:>12,.0f}{r['generate_s']:>12.1f}"
              f"{r['total_s']:>10.1f}{r['contacts'] / r['total_s']:>12,.0f}")
    scale = (2000 * 365) / (args.agents * args.days)
    rate = result["contacts"] / result["total_s"]
    base_rate = baseline["contacts"] / baseline["total_s"]
    print(f"ratio contacts/s vs baseline: {rate / base_rate:.2f}")
    print(f"extrapolated 2000×365 (linear in advisor-days ×{scale:.1f}): "
          f"{result['contacts'] * scale:,.0f} contacts, {result['total_s'] * scale / 60:.1f} min")
    print("stages (cumulative s):", {k[6:]: round(v, 1) for k, v in result.items()
                                     if k.startswith("stage:")})


if __name__ == "__main__":
    main()
