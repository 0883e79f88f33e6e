"""Intraday re-forecast accuracy on the two real series of shared/data.

    python benchmarks/intraday_accuracy.py [--model seasonal_mean] [--every 1]
        [--cutoffs 09:00,11:00,14:00,17:00]

For every open day after 8 weeks of history, the day is forecast at its midnight (the
forecast "made the day before") by ``--model``; at each cut-off the rest of the day is
re-forecast by each method from the intervals seen so far. Prints, per data set and cut-off,
the WAPE of the rest of the day summed over days (re-forecast and original forecast), the
improvement 1 − WAPE(re-forecast) / WAPE(forecast) and the days on which the re-forecast's
absolute error is the lower one. 30-minute intervals.

Then the AHT re-forecast on the per-call records of anonymous-bank-1999 (January–February,
October): handle-time WAPE of the rest of the day for the AHT prior k (handled contacts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

from pilotage.wfm.call_records import QUEUE_ID, read_handled_calls
from pilotage.wfm.forecast import ForecastSettings, Holidays, QueueSeries
from pilotage.wfm.history import low_days, read_history_csv
from pilotage.wfm.reforecast import (
    Method,
    ReforecastSettings,
    backtest_aht,
    backtest_reforecast,
    day_ahead_aht,
    day_ahead_forecasts,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DATA = {
    "nab-bank-calls-2003": SHARED / "nab-bank-calls-2003" / "bank_calls_5min.csv",
    "anonymous-bank-1999-6min": SHARED / "anonymous-bank-1999-6min"
    / "anonymous_bank_1999_6min_counts.csv",
}
METHODS = (
    ReforecastSettings(Method.RATIO),
    ReforecastSettings(Method.SHRUNK_RATIO, prior_share=0.0),
    ReforecastSettings(Method.SHRUNK_RATIO),
    ReforecastSettings(Method.RECENT_RATIO),
    ReforecastSettings(Method.DECAYED_RATIO, prior_share=0.0),
    ReforecastSettings(),  # the default: decayed_ratio, half-life 120 min, k0 = 100, κ = 0.1
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="seasonal_mean")
    parser.add_argument("--cutoffs", default="09:00,11:00,14:00,17:00")
    parser.add_argument("--every", type=int, default=1, help="every n-th day (MSTL is slow)")
    args = parser.parse_args()
    cutoffs = [dt.time.fromisoformat(c) for c in args.cutoffs.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f}; day-ahead model {args.model}")
    for name, path in DATA.items():
        history = read_history_csv(path, interval_min=30)
        queue = history.queues[0]
        closed = low_days(history, queue)
        settings = ForecastSettings(model=args.model, holidays=Holidays.NONE,
                                    closed_days=closed)
        t0 = time.perf_counter()
        days = day_ahead_forecasts(QueueSeries.of(history, queue), args.model,
                                   settings=settings, skip=closed | history.closed_days,
                                   every=args.every)
        seconds = time.perf_counter() - t0
        print(f"\n## {name}: {len(days.days)} days {days.days[0]} … {days.days[-1]} "
              f"({seconds:.1f} s of forecasting)\n")
        print("| cut-off | method | WAPE rest of day | WAPE forecast | improvement | "
              "days better |")
        print("|---|---|---|---|---|---|")
        for r in backtest_reforecast(days, cutoffs, METHODS):
            print(f"| {r.cutoff:%H:%M} | {r.method} | {r.wape:.4f} | {r.wape_forecast:.4f} | "
                  f"{100 * r.improvement:+.1f} % | {r.days_better}/{r.days} |")
    aht(cutoffs)


CALLS = SHARED / "anonymous-bank-1999"
AHT_METHODS = (ReforecastSettings(Method.NONE), ReforecastSettings(Method.RATIO),
               *(ReforecastSettings(prior_handled=k) for k in (100, 400, 1600, 3200)))


def aht(cutoffs: list[dt.time]) -> None:
    samples = ((("anonymous_bank_1999_01.tsv", "anonymous_bank_1999_02.tsv"), 28),
               (("anonymous_bank_1999_10.tsv",), 14))
    for files, first in samples:
        history = read_handled_calls([CALLS / f for f in files])
        days = day_ahead_aht(QueueSeries.of(history, QUEUE_ID),
                             settings=ForecastSettings(holidays=Holidays.NONE), first_day=first)
        print(f"\n## AHT, anonymous-bank-1999 {' + '.join(files)}: {len(days.days)} days "
              f"{days.days[0]} … {days.days[-1]}\n")
        print("| cut-off | method | handle-time WAPE rest of day | forecast | improvement | "
              "days better |")
        print("|---|---|---|---|---|---|")
        for r in backtest_aht(days, cutoffs, AHT_METHODS):
            print(f"| {r.cutoff:%H:%M} | {r.method} | {r.wape:.4f} | {r.wape_forecast:.4f} | "
                  f"{100 * r.improvement:+.1f} % | {r.days_better}/{r.days} |")


if __name__ == "__main__":
    main()
