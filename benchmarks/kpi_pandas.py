"""Reference implementation of the KPI catalogue in plain pandas, for ``benchmarks/kpi.py``:
read the canonical tables into pandas once, derive the measure columns per table family
(vectorised boolean masks), then per grain attach the keys, ``groupby().sum()``, merge the
families and divide. Same semantics as ``kpi_sql.py`` (its docstring lists them).

Written to hold a 10 M-contact year (29.5 M agent states) within 12 GB (7.2 GB peak): only
the columns used are read; low-cardinality strings (queues, states, advisors, teams...) are
categoricals end to end, the ids with millions of distinct values (``contact_id``,
``customer_key``) stay Arrow-backed strings (no Python object per value); small lookups are
mapped, not merged as frames; the raw tables are dropped once their measure columns are
derived; the adherence overlap join runs per block of advisors.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from kpi_sql import HOUR, KPIS

HANDLED = ("answered", "transferred")
WRITTEN = ("email", "letter", "social", "sms")
ADHERENCE_CATEGORIES = {
    "work": ("available", "on_contact", "acw"),
    "back_office": ("not_ready", "on_contact", "acw", "available"),
    "break": ("break",), "lunch": ("lunch",), "training": ("training",),
    "meeting": ("meeting",), "coaching": ("coaching",),
}
MAX_MEASURES = {"longest_wait_s"}
ORG_COLUMNS = ("team_id", "site_id", "center_id")
# advisors per block of the adherence overlap join (~5 M candidate pairs per block on a
# year of the demo center)
ADHERENCE_ADVISORS_PER_BLOCK = 50


@dataclass
class Family:
    """Rows of one table family: ``_ts`` (UTC), ``_local``, org columns, measure columns."""

    frame: pd.DataFrame
    measures: list[str]


def _read(con: duckdb.DuckDBPyConnection, sql: str, ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Low-cardinality strings (queues, states, outcomes...) as categoricals, nullable
    booleans as ``boolean``; the ``ids`` columns (millions of distinct values) as
    ``string[pyarrow]``: as categoricals they would cost a Python string per value."""
    table = con.sql(sql).to_arrow_table()
    id_columns = table.select(list(ids))
    rest = table.drop_columns(list(ids))
    del table
    # pyarrow's advice for large tables: one block per column, Arrow buffers freed as
    # each column is converted
    frame = rest.to_pandas(strings_to_categorical=True, split_blocks=True, self_destruct=True,
                           types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    for name in ids:
        frame[name] = id_columns.column(name).to_pandas(
            types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    return frame


def _local(ts: pd.Series, time_zone: str) -> pd.Series:
    return ts.dt.tz_localize("UTC").dt.tz_convert(time_zone).dt.tz_localize(None)


def _seconds(end: pd.Series, start: pd.Series) -> pd.Series:
    return (end - start).dt.total_seconds()


class Center:
    """The workspace's tables in memory, with the measure columns derived once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, time_zone: str) -> None:
        self.time_zone = time_zone
        advisors = _read(con, "SELECT advisor_id, contract_type, hire_date, leave_date, "
                              "weekly_hours, hourly_cost_eur FROM advisors")
        teams = _read(con, "SELECT team_id, site_id FROM teams")
        sites = _read(con, "SELECT site_id, center_id FROM sites")
        queues = _read(con, "SELECT queue_id, site_id FROM queues")
        memberships = _read(con, "SELECT advisor_id, team_id, valid_from, valid_to "
                                 "FROM team_memberships")
        c = _read(con, "SELECT contact_id, customer_key, queue_id, channel, direction, "
                       "offered_at, first_response_at, closed_at, wait_s, talk_s, hold_s, "
                       "acw_s, advisor_id, outcome, resolved, sale, sale_amount_eur "
                       "FROM contacts", ids=("contact_id", "customer_key"))
        self.families: dict[str, Family] = {}
        self.families["contacts"] = self._contacts(c)
        self.families["backlog"] = self._backlog(c)
        self.families["surveys"] = self._surveys(con, c)
        self.families["evaluations"] = self._evaluations(con, c)
        self.families["forecasts"] = self._forecasts(con, c)
        del c
        states = _read(con, "SELECT advisor_id, state, start_at, end_at, duration_s "
                            "FROM agent_states")
        self.families["agent_states"] = self._states(states, advisors)
        self.families["adherence"] = self._adherence(con, states)
        del states
        self.families["absences"] = self._absences(con)
        self.families["headcount"] = self._headcount(con, advisors)
        self.families["leavers"] = self._leavers(advisors)
        for family in self.families.values():
            family.frame["_local"] = _local(family.frame["_ts"], time_zone)
        staffed = [f.frame for f in self.families.values() if "advisor_id" in f.frame]
        days = [f["_local"].max().normalize() for f in staffed if f["_local"].notna().any()]
        daily = _daily_teams(memberships, teams, sites,
                             max(days) if days else pd.Timestamp("2000-01-01"))
        queue_site = dict(zip(queues["queue_id"], queues["site_id"], strict=True))
        center_of = dict(zip(sites["site_id"], sites["center_id"], strict=True))
        for f in staffed:
            self._org(f, daily)
            if "queue_id" in f:  # no team (no advisor): the queue's site
                site = f["site_id"].astype(object)
                site = site.where(site.notna(), f["queue_id"].astype(object).map(queue_site))
                f["site_id"] = site.astype("category")
                f["center_id"] = site.map(center_of).astype("category")

    # ----------------------------------------------------------------- organisation
    @staticmethod
    def _org(f: pd.DataFrame, daily: pd.DataFrame) -> None:
        """Team in force on the row's local date, then site and center (categoricals)."""
        # same advisor dtype on both sides: the merge then joins category codes; advisors
        # absent from f become NaN and are dropped (they must not match f's unstaffed rows)
        lookup = daily.astype({"advisor_id": f["advisor_id"].dtype}).dropna(
            subset=["advisor_id"])
        keyed = pd.DataFrame({"advisor_id": f["advisor_id"].array,
                              "_day": f["_local"].dt.normalize().to_numpy()})
        org = keyed.merge(lookup, on=["advisor_id", "_day"], how="left")
        del keyed
        for col in ORG_COLUMNS:
            f[col] = org[col].array

    # ----------------------------------------------------------------- families
    @staticmethod
    def _contacts(c: pd.DataFrame) -> Family:
        inbound = c["direction"] == "inbound"
        handled = c["outcome"].isin(HANDLED)
        not_ivr = c["outcome"] != "ivr_abandoned"
        abandoned = inbound & (c["outcome"] == "abandoned")
        written_in = c["channel"].isin(WRITTEN) & inbound
        wait = c["wait_s"]
        response_s = _seconds(c["first_response_at"], c["offered_at"])
        # the customer's previous contact: in time order (stable), the previous row of the
        # same customer_key (grouping Arrow strings hashes them in Arrow)
        by_time = c[["customer_key", "offered_at"]].sort_values("offered_at", kind="stable")
        previous = by_time.groupby("customer_key", sort=False)["offered_at"].shift()
        del by_time
        since = _seconds(c["offered_at"], previous)
        del previous
        talk, hold, acw = (c[x].fillna(0.0) for x in ("talk_s", "hold_s", "acw_s"))
        sale = c["sale"].fillna(False).astype(bool)
        m = pd.DataFrame({
            "_ts": c["offered_at"], "advisor_id": c["advisor_id"], "queue_id": c["queue_id"],
            "offered": inbound & not_ivr,
            "answered": inbound & handled,
            "abandoned": abandoned,
            "short_abandoned": abandoned & (wait <= 5),
            "ivr_abandoned": inbound & ~not_ivr,
            "timeouts": inbound & (c["outcome"] == "timeout"),
            "answered_within_threshold": inbound & handled & (wait <= 20),
            "answered_wait_s": wait.fillna(0.0).where(inbound & handled, 0.0),
            "abandoned_wait_s": wait.fillna(0.0).where(abandoned, 0.0),
            "longest_wait_s": wait.fillna(0.0).where(inbound & not_ivr),
            "handled": handled,
            "handled_timed": handled & c["talk_s"].notna(),
            "handle_s": (talk + hold + acw).where(handled, 0.0),
            "talk_s": talk.where(handled, 0.0),
            "hold_s": hold.where(handled, 0.0),
            "acw_s": acw.where(handled, 0.0),
            "transferred": c["outcome"] == "transferred",
            "held": handled & (c["hold_s"] > 0),
            "resolved": handled & c["resolved"].fillna(False).astype(bool),
            "resolution_known": handled & c["resolved"].notna(),
            "written_received": written_in,
            "written_answered_in_time": written_in & (response_s <= 86400),
            "outbound_attempts": c["direction"] == "outbound",
            "outbound_reached": (c["direction"] == "outbound") & handled,
            "sales": handled & sale,
            "inbound_sales": inbound & handled & sale,
            "revenue_eur": c["sale_amount_eur"].fillna(0.0).where(handled & sale, 0.0),
            "repeat_contacts": not_ivr & (since <= 604800),
            "identified_contacts": not_ivr & c["customer_key"].notna(),
        }, copy=False)  # no consolidated copy of the columns just built
        return Family(m, [k for k in m if not k.startswith("_") and not k.endswith("_id")])

    @staticmethod
    def _backlog(c: pd.DataFrame) -> Family:
        open_items = c[c["channel"].isin(WRITTEN) & (c["direction"] == "inbound")
                       & c["closed_at"].isna()]
        age = _seconds(pd.Series(c["offered_at"].max(), index=open_items.index),
                       open_items["offered_at"])
        m = pd.DataFrame({"_ts": open_items["offered_at"],
                          "advisor_id": open_items["advisor_id"],
                          "queue_id": open_items["queue_id"],
                          "backlog_items": 1, "backlog_age_s": age.fillna(0.0)})
        return Family(m, ["backlog_items", "backlog_age_s"])

    @staticmethod
    def _surveys(con: duckdb.DuckDBPyConnection, c: pd.DataFrame) -> Family:
        s = _read(con, "SELECT contact_id, responded_at, csat, nps, ces, verbatim_negative, "
                       "followup_status FROM survey_responses", ids=("contact_id",))
        s = s.merge(c[["contact_id", "advisor_id", "queue_id"]], on="contact_id", how="left")
        negative = s["verbatim_negative"].fillna(False).astype(bool)
        m = pd.DataFrame({
            "_ts": s["responded_at"], "advisor_id": s["advisor_id"],
            "queue_id": s["queue_id"],
            "csat_responses": s["csat"].notna(), "csat_satisfied": s["csat"] >= 4,
            "nps_responses": s["nps"].notna(), "promoters": s["nps"] >= 9,
            "detractors": s["nps"] <= 6, "ces_responses": s["ces"].notna(),
            "ces_points": s["ces"].fillna(0).astype(float),
            "survey_responses": 1, "negative_verbatims": negative,
            "negative_verbatims_followed_up": negative & (s["followup_status"] == "done")})
        return Family(m, [k for k in m if not k.startswith("_") and not k.endswith("_id")])

    @staticmethod
    def _evaluations(con: duckdb.DuckDBPyConnection, c: pd.DataFrame) -> Family:
        e = _read(con, "SELECT contact_id, advisor_id, evaluated_at, score, max_score, "
                       "critical_error FROM evaluations", ids=("contact_id",))
        e = e.merge(c[["contact_id", "queue_id"]], on="contact_id", how="left")
        m = pd.DataFrame({"_ts": e["evaluated_at"], "advisor_id": e["advisor_id"],
                          "queue_id": e["queue_id"], "evaluations": 1,
                          "evaluation_points": e["score"].fillna(0.0),
                          "evaluation_max_points": e["max_score"].fillna(0.0),
                          "critical_evaluations": e["critical_error"].fillna(False)
                          .astype(bool)})
        return Family(m, ["evaluations", "evaluation_points", "evaluation_max_points",
                          "critical_evaluations"])

    @staticmethod
    def _forecasts(con: duckdb.DuckDBPyConnection, c: pd.DataFrame) -> Family:
        f = _read(con, "SELECT queue_id, created_at, interval_start, interval_min, volume, "
                       "aht_s FROM forecasts")
        f = f[f["created_at"] <= f["interval_start"]]
        f = f.sort_values("created_at", ascending=False, kind="stable").drop_duplicates(
            ["queue_id", "interval_start"]).copy()
        f["_end"] = f["interval_start"] + pd.to_timedelta(f["interval_min"], unit="m")
        live = c.loc[(c["direction"] == "inbound") & (c["outcome"] != "ivr_abandoned"),
                     ["queue_id", "offered_at", "outcome", "talk_s", "hold_s", "acw_s"]]
        live = pd.DataFrame({
            "queue_id": live["queue_id"].astype(object), "offered_at": live["offered_at"],
            "handled": live["outcome"].isin(HANDLED),
            "handle_s": live["talk_s"].fillna(0.0) + live["hold_s"].fillna(0.0)
            + live["acw_s"].fillna(0.0)}).sort_values("offered_at", kind="stable")
        slots = f[["queue_id", "interval_start", "_end"]].astype({"queue_id": object})
        hit = pd.merge_asof(live, slots.sort_values("interval_start"), left_on="offered_at",
                            right_on="interval_start", by="queue_id", direction="backward")
        hit = hit[hit["offered_at"] < hit["_end"]]
        hit = hit.assign(handle_s=hit["handle_s"].where(hit["handled"], 0.0))
        actual = hit.groupby(["queue_id", "interval_start"]).agg(
            actual_volume=("offered_at", "size"), handled=("handled", "sum"),
            actual_handle_s=("handle_s", "sum")).reset_index()
        f = f.astype({"queue_id": object}).merge(actual, on=["queue_id", "interval_start"],
                                                 how="left")
        volume = f["actual_volume"].fillna(0).astype(float)
        handle = f["actual_handle_s"].fillna(0.0)
        m = pd.DataFrame({
            "_ts": f["interval_start"], "queue_id": f["queue_id"],
            "forecast_actual_volume": volume,
            "forecast_abs_volume_error": (f["volume"] - volume).abs(),
            "forecast_actual_handle_s": handle,
            "forecast_abs_handle_error_s": (f["aht_s"].fillna(0.0)
                                            * f["handled"].fillna(0).astype(float)
                                            - handle).abs()})
        return Family(m, [k for k in m if k.startswith("forecast_")])

    @staticmethod
    def _states(a: pd.DataFrame, advisors: pd.DataFrame) -> Family:
        duration = a["duration_s"].fillna(0.0)
        paid = a["duration_s"].fillna(_seconds(a["end_at"], a["start_at"])).fillna(0.0)
        hourly_cost = dict(zip(advisors["advisor_id"], advisors["hourly_cost_eur"],
                               strict=True))
        cost = a["advisor_id"].map(hourly_cost).astype(float).fillna(0.0)
        state = a["state"]
        handling = state.isin(("on_contact", "acw"))
        m = pd.DataFrame({
            "_ts": a["start_at"], "advisor_id": a["advisor_id"],
            "handling_state_s": duration.where(handling, 0.0),
            "available_state_s": duration.where(state == "available", 0.0),
            "logged_in_s": duration.where(state == "logged_in", 0.0),
            "productive_h": (duration * HOUR).where(
                state.isin(("available", "on_contact", "acw")), 0.0),
            "staff_cost_eur": (paid / 3600.0 * cost).where(state == "logged_in", 0.0)},
            copy=False)
        return Family(m, ["handling_state_s", "available_state_s", "logged_in_s",
                          "productive_h", "staff_cost_eur"])

    @staticmethod
    def _adherence(con: duckdb.DuckDBPyConnection, states: pd.DataFrame) -> Family:
        s = _read(con, "SELECT advisor_id, activity, start_at, end_at FROM schedules")
        s["scheduled_s"] = _seconds(s["end_at"], s["start_at"])
        s["_row"] = np.arange(len(s))
        pairs = pd.DataFrame([(a, st) for a, sts in ADHERENCE_CATEGORIES.items() for st in sts],
                             columns=["activity", "state"])
        working = states["state"] != "logged_in"
        horizon = max(s["end_at"].max(), states.loc[working, "start_at"].max())
        # the overlap join pairs every schedule row with every state of its advisor on the
        # same day: per block of advisors, or the pairs of a year do not fit in memory
        advisors = s["advisor_id"].dropna().unique().tolist()
        in_adherence = pd.concat([
            _in_adherence(s[s["advisor_id"].isin(block)],
                          states[working & states["advisor_id"].isin(block)], pairs, horizon)
            for block in (advisors[i:i + ADHERENCE_ADVISORS_PER_BLOCK]
                          for i in range(0, len(advisors), ADHERENCE_ADVISORS_PER_BLOCK))])
        s["in_adherence_s"] = s["_row"].map(in_adherence).fillna(0.0)
        planned = s["activity"].isin(("break", "lunch", "training", "meeting", "coaching"))
        m = pd.DataFrame({
            "_ts": s["start_at"], "advisor_id": s["advisor_id"],
            "scheduled_s": s["scheduled_s"].fillna(0.0),
            "scheduled_work_s": s["scheduled_s"].fillna(0.0).where(
                s["activity"].isin(("work", "back_office")), 0.0),
            "in_adherence_s": s["in_adherence_s"],
            "scheduled_h": s["scheduled_s"].fillna(0.0) * HOUR,
            "planned_shrinkage_h": (s["scheduled_s"].fillna(0.0) * HOUR).where(planned, 0.0)})
        return Family(m, [k for k in m if not k.startswith("_") and k != "advisor_id"])

    @staticmethod
    def _absences(con: duckdb.DuckDBPyConnection) -> Family:
        a = _read(con, "SELECT advisor_id, absence_type, planned, start_at, hours "
                       "FROM absences")
        hours = a["hours"].fillna(0.0)
        m = pd.DataFrame({
            "_ts": a["start_at"], "advisor_id": a["advisor_id"], "absence_h": hours,
            "planned_absence_h": hours.where(a["planned"].fillna(False).astype(bool), 0.0),
            "absenteeism_h": hours.where(a["absence_type"].isin(
                ("sickness", "unauthorised", "family", "other")), 0.0)})
        return Family(m, ["absence_h", "planned_absence_h", "absenteeism_h"])

    @staticmethod
    def _headcount(con: duckdb.DuckDBPyConnection, advisors: pd.DataFrame) -> Family:
        last = con.execute("SELECT max(offered_at)::DATE FROM contacts").fetchone()
        bound = pd.Timestamp(last[0] if last else "2000-01-01") + pd.Timedelta(days=1)
        a = advisors[advisors["hire_date"].notna()]
        hire = pd.to_datetime(a["hire_date"])
        leave = pd.to_datetime(a["leave_date"]).fillna(bound)
        n = (leave - hire).dt.days.clip(lower=0).to_numpy()
        offsets = np.concatenate([np.arange(k) for k in n]) if len(n) else np.array([], int)
        days = np.repeat(hire.to_numpy(), n) + pd.to_timedelta(offsets, unit="D").to_numpy()
        m = pd.DataFrame({
            "_ts": pd.Series(days) + pd.Timedelta(hours=12),
            "advisor_id": np.repeat(a["advisor_id"].to_numpy(), n),
            "headcount_days": 1,
            "temp_headcount_days": np.repeat((a["contract_type"] == "temp_agency")
                                             .to_numpy(), n),
            "contract_hours": np.repeat((a["weekly_hours"].fillna(35.0) / 7.0).to_numpy(), n)})
        return Family(m, ["headcount_days", "temp_headcount_days", "contract_hours",
                          "calendar_days"])

    @staticmethod
    def _leavers(advisors: pd.DataFrame) -> Family:
        a = advisors[advisors["leave_date"].notna()]
        m = pd.DataFrame({"_ts": pd.to_datetime(a["leave_date"]) + pd.Timedelta(hours=12),
                          "advisor_id": a["advisor_id"], "leavers": 1})
        return Family(m, ["leavers"])

    # ----------------------------------------------------------------- grains
    def compute_grain(self, kpis: list[str], org: str, grain: str) -> pd.DataFrame:
        from kpi_sql import _measures_of

        wanted = set().union(*(_measures_of(k) for k in kpis))
        column = {"agent": "advisor_id", "team": "team_id", "site": "site_id",
                  "center": "center_id", "queue": "queue_id"}[org]
        parts = []
        for family in self.families.values():
            mine = [m for m in family.measures if m in wanted]
            if not mine:
                continue
            f = family.frame
            org_key = f[column] if column in f else pd.Series(None, index=f.index,
                                                              dtype=object)
            keys = [org_key.rename(org), _time_key(f, grain).rename("_t")]
            if grain == "interval30":
                keys.append(((f["_local"] - f["_ts"]).dt.total_seconds() // 60).astype(int)
                            .rename("_off"))
            summed = [m for m in mine if m not in MAX_MEASURES and m != "calendar_days"]
            # observed: only the (org, time) pairs present, not every category × time
            g = f.groupby(keys, dropna=False, sort=False, observed=True)
            part = g[summed].sum() if summed else g.size().to_frame("_n")[[]]
            if "longest_wait_s" in mine:
                part["longest_wait_s"] = g["longest_wait_s"].max()
            if "calendar_days" in mine:
                part["calendar_days"] = g["_ts"].nunique()
            del g, keys
            part = part.reset_index()
            part[org] = part[org].astype(object)
            parts.append(part)
        allparts = pd.concat(parts, ignore_index=True)
        key_cols = [c for c in (org, "_t", "_off") if c in allparts]
        agg = {m: ("max" if m in MAX_MEASURES else "sum") for m in wanted}
        totals = allparts.groupby(key_cols, dropna=False, sort=False).agg(agg).fillna(0.0)
        totals = totals.reset_index()
        out = pd.DataFrame({org: totals[org].where(totals[org].notna(), None),
                            grain: _labels(totals, grain)})
        for kpi in kpis:
            numerator, denominator = KPIS[kpi]
            num = totals.eval(numerator.replace("::DOUBLE", ""))
            if denominator is None:
                out[kpi] = num
            else:
                den = totals.eval(denominator)
                out[kpi] = (num.astype(float) / den.astype(float)).where(den != 0)
        return out


def _daily_teams(memberships: pd.DataFrame, teams: pd.DataFrame, sites: pd.DataFrame,
                 last: pd.Timestamp) -> pd.DataFrame:
    """One row per advisor and day of membership (open memberships up to ``last``): the team
    in force, its site and center, as categoricals."""
    m = memberships.copy()
    m["valid_from"] = pd.to_datetime(m["valid_from"])
    m["valid_to"] = pd.to_datetime(m["valid_to"]).fillna(last + pd.Timedelta(days=1))
    n_days = ((m["valid_to"] - m["valid_from"]).dt.days).clip(lower=0).to_numpy()
    daily = pd.DataFrame({
        "advisor_id": np.repeat(m["advisor_id"].to_numpy(), n_days),
        "team_id": np.repeat(m["team_id"].to_numpy(), n_days),
        "_day": np.repeat(m["valid_from"].to_numpy(), n_days)
        + pd.to_timedelta(np.concatenate([np.arange(n) for n in n_days])
                          if len(n_days) else [], unit="D")})
    daily = daily.merge(teams, on="team_id", how="left").merge(sites, on="site_id", how="left")
    return daily.astype(dict.fromkeys(["advisor_id", *ORG_COLUMNS], "category"))


def _in_adherence(s: pd.DataFrame, states: pd.DataFrame, pairs: pd.DataFrame,
                  horizon: pd.Timestamp) -> pd.Series:
    """Seconds of each schedule row (``_row``) spent in a state of its activity: every
    (schedule, state) pair of one advisor overlapping in time, summed per schedule row."""
    sched = s[["_row", "advisor_id", "activity", "start_at", "end_at"]].astype(
        {"advisor_id": object, "activity": object}).merge(pairs, on="activity")
    st = states[["advisor_id", "state", "start_at", "end_at"]].astype(
        {"advisor_id": object, "state": object}).rename(
        columns={"start_at": "_a_start", "end_at": "_a_end"})
    st["_srow"] = states.index

    def by_day(frame: pd.DataFrame, start: str, end: pd.Series) -> pd.DataFrame:
        # one row per UTC date the interval touches, to join on (advisor, state, date)
        first = frame[start].dt.normalize()
        n = ((end.dt.normalize() - first).dt.days.clip(lower=0) + 1).to_numpy()
        out = frame.loc[frame.index.repeat(n)].copy()
        out["_day"] = np.repeat(first.to_numpy(), n) + pd.to_timedelta(
            np.concatenate([np.arange(k) for k in n]) if len(n) else [], unit="D")
        return out

    left = by_day(sched, "start_at", sched["end_at"])
    right = by_day(st, "_a_start", st["_a_end"].fillna(horizon))
    j = left.merge(right, on=["advisor_id", "state", "_day"])
    j = j[(j["_a_start"] < j["end_at"]) & (j["_a_end"].isna()
                                            | (j["_a_end"] > j["start_at"]))]
    j = j.drop_duplicates(["_row", "_srow"])
    overlap = _seconds(np.minimum(j["end_at"], j["_a_end"].fillna(j["end_at"])),
                       np.maximum(j["start_at"], j["_a_start"]))
    return overlap.groupby(j["_row"]).sum()


def _time_key(f: pd.DataFrame, grain: str) -> pd.Series:
    local = f["_local"]
    if grain == "day":
        return local.dt.normalize()
    if grain == "week":
        day = local.dt.normalize()
        return day - pd.to_timedelta(day.dt.weekday, unit="D")
    if grain == "month":
        return local.dt.to_period("M").dt.start_time
    if grain == "interval30":
        return local.dt.floor("30min")
    raise ValueError(f"grain {grain!r} not covered by the reference")


def _labels(totals: pd.DataFrame, grain: str) -> pd.Series:
    t = totals["_t"]
    if grain == "day":
        return t.dt.strftime("%Y-%m-%d")
    if grain == "week":
        iso = t.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    if grain == "month":
        return t.dt.strftime("%Y-%m")
    off = totals["_off"].astype(int)
    sign = np.where(off >= 0, "+", "-")
    hours = (off.abs() // 60).astype(str).str.zfill(2)
    minutes = (off.abs() % 60).astype(str).str.zfill(2)
    return t.dt.strftime("%Y-%m-%dT%H:%M") + sign + hours + ":" + minutes
