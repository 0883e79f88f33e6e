"""Lever analysis: why a result was missed, lever by lever, with the model stated.

* **Accessibility** (service level): an Erlang A counterfactual per 30-minute interval. The
  plan is the forecast volume and AHT served by the scheduled agents; the actual is the
  offered volume and measured AHT served by the agents actually productive (available, on
  contact, in after-contact work). Swapping each factor from plan to actual (volume, AHT,
  staffing — the latter covers absences and adherence) and averaging the swaps over every
  order (Shapley values) gives each factor's share of the gap; ``planning`` is what the plan
  itself lacked against the target and ``residual`` what the model does not explain. The
  shares add up exactly to actual − target. Patience is exponential, estimated from the data
  (total wait of offered contacts / abandons). Multi-skilled agents are apportioned to the
  queue by their share of the handled workload in each interval (else over the period), and
  each queue is modelled on its own.
* **Other ratios**: the change since the previous period split into a *mix* effect (the
  weight of each queue changed) and a *rate* effect (the value within each queue changed):
  Δ = Σ (w′ᵢ − wᵢ)·rᵢ + Σ w′ᵢ·(r′ᵢ − rᵢ).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from pilotage.kpi import KpiRequest
from pilotage.kpi.compiler import VOLUME_SUFFIX
from pilotage.kpi.query import KpiSession
from pilotage.model.vocabulary import real_time_queue_sql
from pilotage.objectives.model import Level, Objective
from pilotage.objectives.periods import ReportingPeriod
from pilotage.wfm.staffing import achieved_metrics

SLOT_MIN = 30
HANDLED = "('answered', 'transferred')"


class LeverModel(StrEnum):
    """The model behind an analysis (told in each language by ``reports.lever_text``)."""

    ERLANG_A = "erlang_a"  # accessibility: Erlang A counterfactual, Shapley shares
    MIX_RATE = "mix_rate"  # other ratios: mix and rate effects against the previous period


@dataclass(frozen=True)
class LeverEffect:
    lever: str  # planning | volume | aht | staffing | residual | mix <key> | rate <key>
    effect: float  # contribution to actual − target (or to the change), in the KPI's unit
    # the facts behind it, e.g. {"volume_change": 0.12}: planning (plan, target), volume
    # (volume_change), aht (aht_change_s), staffing (productive_share), mix (weight_before,
    # weight_now), rate (value_before, value_now)
    facts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LeverAnalysis:
    objective_id: str
    unit: str
    period: str
    model: LeverModel
    actual: float | None
    reference: float | None  # the target (accessibility) or the previous period (ratios)
    effects: tuple[LeverEffect, ...]  # most harmful first


def _scope_sql(objective: Objective, level: Level, unit: str | None,
               site_of_contact: bool) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for name, value in objective.where.items():
        column = {"queue": "c.queue_id", "channel": "c.channel", "direction": "c.direction",
                  "contract": "q.contract_id", "motive": "c.motive"}.get(name)
        if column is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if level is Level.SITE and unit is not None and site_of_contact:
        clauses.append("q.site_id = ?")
        params.append(unit)
    return (" AND ".join(clauses) or "TRUE"), params


def _slots(session: KpiSession, objective: Objective, level: Level, unit: str | None,
           period: ReportingPeriod, threshold_s: float) -> dict[str, np.ndarray]:
    """Per 30-minute UTC slot: actual and forecast volume and AHT, scheduled and productive
    agents (apportioned to the objective's queues), answered within threshold, waits."""
    con = session.backend.con
    tz = session.workspace.config.time_zone
    start = dt.datetime.combine(period.start, dt.time()) - dt.timedelta(hours=15)
    end = dt.datetime.combine(period.end, dt.time()) + dt.timedelta(days=1, hours=15)
    scope, scope_params = _scope_sql(objective, level, unit, True)
    local_day = f"CAST(timezone('{tz}', CAST(c.offered_at AS TIMESTAMPTZ)) AS DATE)"
    query = f"""
    WITH c AS (
        SELECT c.*, time_bucket(INTERVAL {SLOT_MIN} MINUTE, c.offered_at) AS slot
        FROM contacts c LEFT JOIN queues q ON q.queue_id = c.queue_id
        WHERE {real_time_queue_sql('c')}
          AND c.outcome <> 'ivr_abandoned' AND c.offered_at >= ? AND c.offered_at < ?
          AND {local_day} BETWEEN ? AND ? AND {scope}
    ),
    actual AS (
        SELECT slot, queue_id, count(*) AS offered,
               count(*) FILTER (WHERE outcome IN {HANDLED} AND wait_s <= ?) AS in_sl,
               count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
               coalesce(sum(wait_s), 0) AS wait_s,
               coalesce(sum(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0))
                        FILTER (WHERE outcome IN {HANDLED} AND talk_s IS NOT NULL), 0)
                   AS handle_s,
               count(*) FILTER (WHERE outcome IN {HANDLED} AND talk_s IS NOT NULL) AS handled
        FROM c GROUP BY slot, queue_id
    ),
    queues_in_scope AS (SELECT DISTINCT queue_id FROM c),
    fc AS (
        SELECT f.*, row_number() OVER (PARTITION BY f.queue_id, f.interval_start
                                       ORDER BY f.created_at DESC) AS rk
        FROM forecasts f
        WHERE f.queue_id IN (SELECT queue_id FROM queues_in_scope)
          AND f.created_at <= f.interval_start AND f.interval_start >= ? AND f.interval_start < ?
    ),
    forecast AS (
        SELECT time_bucket(INTERVAL {SLOT_MIN} MINUTE, interval_start) AS slot, queue_id,
               sum(volume) AS f_volume, sum(volume * coalesce(aht_s, 0)) AS f_work_s
        FROM fc WHERE rk = 1 GROUP BY 1, 2
    ),
    work AS (   -- each agent's handled work per queue: apportions their time to queues
        SELECT time_bucket(INTERVAL {SLOT_MIN} MINUTE, offered_at) AS slot, advisor_id,
               queue_id,
               sum(coalesce(talk_s, 0) + coalesce(acw_s, 0) + coalesce(hold_s, 0)) AS work_s
        FROM contacts WHERE advisor_id IS NOT NULL AND offered_at >= ? AND offered_at < ?
        GROUP BY 1, 2, 3
    ),
    share AS (SELECT slot, advisor_id, queue_id,
                     work_s / nullif(sum(work_s) OVER (PARTITION BY slot, advisor_id), 0) AS s
              FROM work),
    agent_share AS (SELECT advisor_id, queue_id,
                           sum(work_s) / nullif(sum(sum(work_s)) OVER (PARTITION BY advisor_id),
                                                0) AS s
                    FROM work GROUP BY 1, 2),
    spans AS (
        SELECT 'scheduled' AS kind, advisor_id, start_at, end_at FROM schedules
        WHERE activity = 'work' AND start_at < ? AND end_at > ?
        UNION ALL
        SELECT 'productive', advisor_id, start_at, coalesce(end_at, start_at)
        FROM agent_states WHERE state IN ('available', 'on_contact', 'acw')
          AND start_at < ? AND coalesce(end_at, start_at) > ?
    ),
    pieces AS (
        SELECT kind, advisor_id, slot,
               epoch(least(end_at, slot + INTERVAL {SLOT_MIN} MINUTE))
               - epoch(greatest(start_at, slot)) AS seconds
        FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL {SLOT_MIN} MINUTE,
                                                           start_at),
                                               end_at - INTERVAL 1 MICROSECOND,
                                               INTERVAL {SLOT_MIN} MINUTE)) AS slot
              FROM spans WHERE end_at > start_at)
    ),
    has_slot_work AS (SELECT DISTINCT slot, advisor_id FROM share),
    apportioned AS (   -- the slot's own shares where the agent worked in it, else overall
        SELECT p.kind, p.slot, sh.queue_id, p.seconds * sh.s AS seconds
        FROM pieces p JOIN share sh ON sh.slot = p.slot AND sh.advisor_id = p.advisor_id
        UNION ALL
        SELECT p.kind, p.slot, ag.queue_id, p.seconds * ag.s
        FROM pieces p JOIN agent_share ag ON ag.advisor_id = p.advisor_id
        WHERE NOT EXISTS (SELECT 1 FROM has_slot_work h
                          WHERE h.slot = p.slot AND h.advisor_id = p.advisor_id)
    ),
    staff AS (
        SELECT slot, queue_id,
               sum(seconds) FILTER (WHERE kind = 'scheduled') / {SLOT_MIN * 60} AS scheduled,
               sum(seconds) FILTER (WHERE kind = 'productive') / {SLOT_MIN * 60} AS productive
        FROM apportioned GROUP BY 1, 2
    )
    SELECT a.slot, a.offered, a.in_sl, a.abandoned, a.wait_s, a.handle_s, a.handled,
           coalesce(f.f_volume, 0) AS f_volume, coalesce(f.f_work_s, 0) AS f_work_s,
           coalesce(s.scheduled, 0) AS scheduled, coalesce(s.productive, 0) AS productive,
           a.queue_id
    FROM actual a LEFT JOIN forecast f USING (slot, queue_id)
    LEFT JOIN staff s USING (slot, queue_id)
    ORDER BY a.slot, a.queue_id
    """
    params = [start, end, period.start, period.end, *scope_params, threshold_s,
              start, end, start, end, end, start, end, start]  # in the order of the ?s
    table = con.sql(query, params=params).to_arrow_table()
    return {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False),
                             dtype=np.float64) for name in table.column_names
            if name not in ("slot", "queue_id")}


def accessibility_analysis(session: KpiSession, objective: Objective, level: Level,
                           unit: str, target: float, period: ReportingPeriod
                           ) -> LeverAnalysis:
    threshold_s = float(objective.params.get("threshold_s", 20))
    d = _slots(session, objective, level, None if level is Level.CENTER else unit, period,
               threshold_s)
    model = LeverModel.ERLANG_A
    offered = d.get("offered", np.zeros(0))
    if offered.size == 0 or offered.sum() == 0:
        return LeverAnalysis(objective.id, unit, period.label, model, None, target, ())
    actual_sl = float(d["in_sl"].sum() / offered.sum())
    aht_a = np.where(d["handled"] > 0, d["handle_s"] / np.maximum(d["handled"], 1), np.nan)
    mean_aht = float(np.nansum(d["handle_s"]) / max(d["handled"].sum(), 1))
    aht_a = np.where(np.isnan(aht_a), mean_aht, aht_a)
    aht_f = np.where(d["f_volume"] > 0, d["f_work_s"] / np.maximum(d["f_volume"], 1e-9),
                     aht_a)
    vol_f = np.where(d["f_volume"] > 0, d["f_volume"], offered)
    patience_s = float(d["wait_s"].sum() / max(d["abandoned"].sum(), 1.0))
    plan = {"volume": vol_f, "aht": aht_f, "staffing": d["scheduled"]}
    real = {"volume": offered, "aht": aht_a, "staffing": d["productive"]}

    def sl(choice: dict[str, bool]) -> float:
        v = real["volume"] if choice["volume"] else plan["volume"]
        a = real["aht"] if choice["aht"] else plan["aht"]
        n = real["staffing"] if choice["staffing"] else plan["staffing"]
        m = achieved_metrics(np.maximum(v, 1e-9), np.maximum(a, 1.0), np.maximum(n, 0.0),
                             interval_min=SLOT_MIN, threshold_s=threshold_s,
                             patience_s=patience_s)
        return float((m.service_level * v).sum() / v.sum())

    factors = ("volume", "aht", "staffing")
    cache: dict[tuple[bool, ...], float] = {}

    def value(flags: tuple[bool, ...]) -> float:
        if flags not in cache:
            cache[flags] = sl(dict(zip(factors, flags, strict=True)))
        return cache[flags]

    shapley = dict.fromkeys(factors, 0.0)
    orders = list(itertools.permutations(range(3)))
    for order in orders:
        flags = [False, False, False]
        for index in order:
            before = value(tuple(flags))
            flags[index] = True
            shapley[factors[index]] += (value(tuple(flags)) - before) / len(orders)
    plan_sl = value((False, False, False))
    model_sl = value((True, True, True))
    volume_change = offered.sum() / max(vol_f.sum(), 1e-9) - 1
    aht_change = mean_aht - float((aht_f * vol_f).sum() / max(vol_f.sum(), 1e-9))
    staffing_ratio = d["productive"].sum() / max(d["scheduled"].sum(), 1e-9)
    effects = [
        LeverEffect("planning", plan_sl - target, {"plan": plan_sl, "target": target}),
        LeverEffect("volume", shapley["volume"], {"volume_change": float(volume_change)}),
        LeverEffect("aht", shapley["aht"], {"aht_change_s": aht_change}),
        LeverEffect("staffing", shapley["staffing"],
                    {"productive_share": float(staffing_ratio)}),
        LeverEffect("residual", actual_sl - model_sl),
    ]
    effects.sort(key=lambda e: e.effect)
    return LeverAnalysis(objective.id, unit, period.label, model, actual_sl, target,
                         tuple(effects))


def mix_rate_analysis(session: KpiSession, objective: Objective, level: Level, unit: str,
                      period: ReportingPeriod, dimension: str = "queue") -> LeverAnalysis:
    def values(p: ReportingPeriod) -> dict[str, tuple[float, float]]:
        where = tuple(objective.where.items())
        if level is not Level.CENTER:
            from pilotage.objectives.model import LEVEL_DIMENSION

            where += ((LEVEL_DIMENSION[level], unit),)
        params = {f"{objective.kpi}.{k}": v for k, v in objective.params.items()}
        rows = session.compute(KpiRequest(kpis=(objective.kpi,), by=(dimension,),
                                          start=p.start, end=p.end, where=where,
                                          params=params, with_volume=True)).table.to_pylist()
        return {str(r[dimension]): (float(r[objective.kpi]),
                                    float(r[f"{objective.kpi}{VOLUME_SUFFIX}"] or 0))
                for r in rows if r[dimension] is not None and r[objective.kpi] is not None}

    now, before = values(period), values(period.previous())
    model = LeverModel.MIX_RATE
    total_now = sum(n for _, n in now.values())
    total_before = sum(n for _, n in before.values())
    if not total_now or not total_before:
        return LeverAnalysis(objective.id, unit, period.label, model, None, None, ())
    effects = []
    for key in sorted(set(now) | set(before)):
        r1, n1 = now.get(key, (0.0, 0.0))
        r0, n0 = before.get(key, (r1, 0.0))
        w1, w0 = n1 / total_now, n0 / total_before
        if key not in now:
            r1 = r0
        effects.append(LeverEffect(f"mix {key}", (w1 - w0) * r0,
                                   {"weight_before": w0, "weight_now": w1}))
        effects.append(LeverEffect(f"rate {key}", w1 * (r1 - r0),
                                   {"value_before": r0, "value_now": r1}))
    actual = sum(r * n for r, n in now.values()) / total_now
    reference = sum(r * n for r, n in before.values()) / total_before
    effects.sort(key=lambda e: e.effect)
    return LeverAnalysis(objective.id, unit, period.label, model, actual, reference,
                         tuple(effects))
