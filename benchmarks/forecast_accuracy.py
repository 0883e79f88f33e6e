"""Rolling-origin backtests of the forecast models on the two real series of shared/data.

    python benchmarks/forecast_accuracy.py [--folds 8] [--horizon 7] [--interval-min 30]

Prints, per data set, the accuracy table (model × horizon day: WAPE, MASE), the best model
and its WAPE against the seasonal naive baseline (ratio < 0.85 meets the 15 % target), then
the same for MSTL fitted on open intervals only (layout ``open``) against the full grid.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pilotage.wfm.backtest import ALL_DAYS, Backtest, backtest
from pilotage.wfm.forecast import ForecastSettings, Holidays, Layout
from pilotage.wfm.history import low_days, read_history_csv

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DATA = {
    "nab-bank-calls-2003": SHARED / "nab-bank-calls-2003" / "bank_calls_5min.csv",
    "anonymous-bank-1999-6min": SHARED / "anonymous-bank-1999-6min"
    / "anonymous_bank_1999_6min_counts.csv",
}
MODELS = ("seasonal_naive", "seasonal_mean", "mstl", "ets")


def table(result: Backtest) -> str:
    days = range(1, result.horizon_days + 1)
    head = "| model | all: WAPE | all: MASE | " + " | ".join(f"d{d} WAPE" for d in days) + " |"
    lines = [head, "|" + "---|" * (3 + result.horizon_days)]
    by = {(r.model, r.horizon_day): r for r in result.rows}
    for m in result.models:
        a = by[(m, ALL_DAYS)]
        cells = [f"{a.wape:.3f}", f"{a.mase:.3f}"] + [f"{by[(m, d)].wape:.3f}" for d in days]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--horizon", type=int, default=7)
    parser.add_argument("--interval-min", type=int, default=30)
    args = parser.parse_args()
    for name, path in DATA.items():
        history = read_history_csv(path, interval_min=args.interval_min)
        queue = history.queues[0]
        # holidays the planner knows in advance: days absent from the source (history) and
        # days the data show at < 30 % of their weekday's median (low_days)
        closed = low_days(history, queue)
        results = {}
        for layout in (Layout.FULL, Layout.OPEN):
            settings = ForecastSettings(layout=layout, holidays=Holidays.NONE,
                                        closed_days=closed)
            models = MODELS if layout is Layout.FULL else ("seasonal_naive", "mstl")
            t0 = time.perf_counter()
            (results[layout],) = backtest(history, models=models, folds=args.folds,
                                          horizon_days=args.horizon, settings=settings)
            seconds = time.perf_counter() - t0
            r = results[layout]
            print(f"\n## {name} — layout {layout.value}, {args.folds} folds × {args.horizon} d, "
                  f"{args.interval_min}-min intervals, origins {r.origins[0]} … {r.origins[-1]}"
                  f" ({seconds:.0f} s)\n")
            print(table(r))
            best = r.best_model
            print(f"\nbest: {best}  WAPE {r.overall(best).wape:.3f} vs seasonal_naive "
                  f"{r.overall('seasonal_naive').wape:.3f}  ratio "
                  f"{r.overall(best).wape / r.overall('seasonal_naive').wape:.3f}  "
                  f"(improvement {100 * r.improvement():.1f} %)")
        full, open_ = results[Layout.FULL], results[Layout.OPEN]
        print(f"\nMSTL WAPE open/full: {open_.overall('mstl').wape:.3f} / "
              f"{full.overall('mstl').wape:.3f}  ratio "
              f"{open_.overall('mstl').wape / full.overall('mstl').wape:.3f}")


if __name__ == "__main__":
    main()
