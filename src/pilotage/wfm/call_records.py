"""Per-call records of ``shared/data/anonymous-bank-1999`` as an interval history of *handled*
calls and their mean handle time, the ground truth of the intraday AHT back-test
(:func:`pilotage.wfm.reforecast.backtest_aht`).

A call is handled when its ``outcome`` is ``AGENT``; its handle time is ``ser_time``
(seconds); it counts in the local interval of its arrival (``vru_entry``), as the intraday
module counts contacts by ``offered_at``. The files are whitespace-separated (two October lines
have spaces for a tab, see the data set's README).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pilotage.errors import InputError
from pilotage.wfm.history import IntervalHistory

QUEUE_ID = "anonymous-bank"
MISSING_DAYS = frozenset({dt.date(1999, 1, 11), dt.date(1999, 1, 12)})  # absent from the source


def read_handled_calls(paths: Sequence[Path], *, interval_min: int = 30) -> IntervalHistory:
    """Handled calls and mean ``ser_time`` per local interval of the given monthly files."""
    frames = []
    for path in paths:
        try:
            frame = pd.read_csv(path, sep=r"\s+", dtype=str)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})",
                             hint="give the anonymous-bank-1999 monthly .tsv files") from None
        missing = {"date", "vru_entry", "outcome", "ser_time"} - set(frame.columns)
        if missing:
            raise InputError(f"{path}, line 1: no column {', '.join(sorted(missing))}",
                             hint="this reads shared/data/anonymous-bank-1999 files only")
        frames.append(frame)
    calls = pd.concat(frames, ignore_index=True)
    calls = calls[calls["outcome"] == "AGENT"]
    arrival = pd.to_datetime("19" + calls["date"] + " " + calls["vru_entry"].str.zfill(8),
                             format="%Y%m%d %H:%M:%S")
    handled = pd.DataFrame({"local_start": arrival.dt.floor(f"{interval_min}min"),
                            "handle_s": calls["ser_time"].astype("float64")})
    g = handled.groupby("local_start").agg(volume=("handle_s", "size"),
                                           aht_s=("handle_s", "mean")).reset_index()
    g.insert(0, "queue_id", QUEUE_ID)
    g["volume"] = g["volume"].astype("float64")
    return IntervalHistory(g, interval_min, "Asia/Jerusalem", ", ".join(str(p) for p in paths),
                           MISSING_DAYS)
