"""KPIs on real data agree with the figures the sources carry themselves.

* MOR queue_log (shared/data/asterisk-queue-log-mor-2018/README.md, "Oracle values"): 93 calls
  connected, 12 abandoned, 1 timed out; per-call wait (CONNECT ``htime``) and talk (COMPLETE*
  ``ttime``) columns.
* Anonymous Bank 1999 (shared/data/anonymous-bank-1999/derived/README.md): a third party's
  daily aggregates. Where the definitions coincide we compare exactly; where they differ the
  relation between them is asserted instead (see each test).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from pilotage.ingest.source import read_source
from pilotage.kpi import KpiRequest, compute
from pilotage.store import Workspace

MOR = "data/asterisk-queue-log-mor-2018/queue_log_mor_export.csv"
BANK = "data/anonymous-bank-1999/anonymous_bank_1999_{}.tsv"
DERIVED = "data/anonymous-bank-1999/derived/daily_metrics_jorgesislema.csv"


@pytest.fixture(scope="module")
def mor(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("mor") / "ws", time_zone="America/Bogota")
    ws.commit(read_source(shared_dir / MOR, pseudonymizer=ws.pseudonymizer,
                          mapping="mor-queue-log"))
    return ws


def _mor_columns(shared_dir: Path) -> tuple[list[int], list[int]]:
    with (shared_dir / MOR).open() as handle:
        rows = list(csv.DictReader(handle))
    htime = [int(r["htime"]) for r in rows if r["event"] == "CONNECT"]
    ttime = [int(r["ttime"]) for r in rows if r["event"] in ("COMPLETEAGENT", "COMPLETECALLER")]
    return htime, ttime


def test_mor_answered_abandoned_asa_and_talk_match_the_file(mor: Workspace,
                                                            shared_dir: Path) -> None:
    (r,) = compute(mor, KpiRequest(kpis=("answered", "abandoned", "timeouts", "asa",
                                         "avg_talk"))).table.to_pylist()
    htime, ttime = _mor_columns(shared_dir)
    assert (r["answered"], r["abandoned"], r["timeouts"]) == (93, 12, 1)
    assert len(htime) == 93
    assert r["asa"] == pytest.approx(sum(htime) / 93)
    # talk is known for the 89 completed calls (COMPLETEAGENT/COMPLETECALLER) and the 2
    # transferred ones, not for the 2 calls the export cuts mid-conversation; 4 of the 89
    # differ by 1 s from MOR's ttime, which it measures from the bridge (README)
    talk_total = sum(ttime) + sum(_mor_transfer_talk(shared_dir))
    assert abs(r["avg_talk"] * 91 - talk_total) <= 4


def _mor_transfer_talk(shared_dir: Path) -> list[int]:
    with (shared_dir / MOR).open() as handle:
        return [int(r["ttime"]) for r in csv.DictReader(handle)
                if r["event"] in ("ATTENDEDTRANSFER", "BLINDTRANSFER")]


@pytest.fixture(scope="module")
def bank(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("bank") / "ws", time_zone="Asia/Jerusalem")
    for month in ("01", "02", "10"):
        ws.commit(read_source(shared_dir / BANK.format(month), pseudonymizer=ws.pseudonymizer,
                              mapping="anonymous-bank-1999"))
    return ws


def _derived(shared_dir: Path) -> dict[str, dict[str, str]]:
    with (shared_dir / DERIVED).open() as handle:
        return {r["date"]: r for r in csv.DictReader(handle)
                if r["date"][5:7] in ("01", "02", "10")}


def _outside_our_kpis(shared_dir: Path) -> dict[str, dict[str, int]]:
    """Per day, what the third party counts and our KPIs leave out: PHANTOM records (count,
    service and queue seconds) and the service seconds some HANG records carry."""
    extra: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month in ("01", "02", "10"):
        with (shared_dir / BANK.format(month)).open() as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                day = dt.datetime.strptime(fields[5], "%y%m%d").date().isoformat()
                if fields[12] == "PHANTOM":
                    extra[day]["phantoms"] += 1
                    extra[day]["service_s"] += int(fields[15])
                    extra[day]["queue_s"] += int(fields[11])
                elif fields[12] == "HANG":
                    extra[day]["service_s"] += int(fields[15])
    return extra


def test_bank_daily_volumes_and_hang_ups_equal_the_third_party_figures(
        bank: Workspace, shared_dir: Path) -> None:
    derived = _derived(shared_dir)
    extra = _outside_our_kpis(shared_dir)
    rows = compute(bank, KpiRequest(kpis=("offered", "answered", "abandoned", "ivr_abandoned"),
                                    by=("day",))).table.to_pylist()
    assert {r["day"] for r in rows} == set(derived)  # 29 + 28 + 31 days
    for r in rows:
        d = derived[r["day"]]
        # total_calls counts every record, PHANTOM included (derived/README.md)
        assert r["offered"] + r["ivr_abandoned"] + extra[r["day"]]["phantoms"] == int(
            d["total_calls"]), r["day"]
        # hangs = HANG records = abandoned in queue + hung up in the IVR
        assert r["abandoned"] + r["ivr_abandoned"] == int(d["hangs"]), r["day"]


def test_bank_daily_service_and_queue_time_agree_with_the_third_party_means(
        bank: Workspace, shared_dir: Path) -> None:
    """Their means are over all records of the day (zeros included, PHANTOM included); ours
    over the contacts concerned. So Σ talk (AHT × answered) plus what we leave out (PHANTOM
    service, HANG service) must equal avg_service_time × total_calls, and Σ wait (ASA ×
    answered + average abandon time × abandoned) plus PHANTOM queue time must equal
    avg_queue_time × total_calls, within their 2-decimal rounding (± 0.005 × total_calls)."""
    derived = _derived(shared_dir)
    extra = _outside_our_kpis(shared_dir)
    rows = compute(bank, KpiRequest(
        kpis=("answered", "abandoned", "aht", "asa", "avg_abandon_time"),
        by=("day",))).table.to_pylist()
    mismatches = []
    for r in rows:
        d = derived[r["day"]]
        total = int(d["total_calls"])
        talk = (r["aht"] or 0) * r["answered"] + extra[r["day"]]["service_s"]
        wait = ((r["asa"] or 0) * r["answered"] + (r["avg_abandon_time"] or 0) * r["abandoned"]
                + extra[r["day"]]["queue_s"])
        tolerance = 0.005 * total + 1e-6
        if abs(talk - float(d["avg_service_time"]) * total) > tolerance:
            mismatches.append((r["day"], "service", talk, float(d["avg_service_time"]) * total))
        if abs(wait - float(d["avg_queue_time"]) * total) > tolerance:
            mismatches.append((r["day"], "queue", wait, float(d["avg_queue_time"]) * total))
    assert mismatches == []
