"""Derived sources: tables the KPI measures read that are computed from canonical tables
by joins or calendar expansion, as Ibis expressions (so they run on every engine).

Date-valued facts (a hire date, a cost month) are placed at 12:00 UTC of that date, which
falls on the same local date in every time zone within ±11 h.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from pilotage.model.tables import TABLES

# columns of each derived source (for catalogue validation)
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "adherence": ("advisor_id", "start_at", "activity", "queue_id", "scheduled_s",
                  "in_adherence_s"),
    "headcount_days": ("advisor_id", "day_at", "contract_type", "contract_h"),
    "leavers": ("advisor_id", "leave_at", "contract_type"),
    # the canonical states with their cost (one source: a state's time and its cost are
    # aggregated in one pass over the tens of millions of states)
    "agent_states": (*TABLES["agent_states"].column_names, "cost_eur"),
    "forecast_accuracy": ("queue_id", "interval_start", "forecast_volume", "actual_volume",
                          "abs_volume_error", "actual_handle_s", "abs_handle_error_s"),
    "site_costs": ("site_id", "period_at", "category", "amount_eur"),
    "written_backlog": ("queue_id", "channel", "direction", "motive", "advisor_id",
                        "offered_at", "age_s"),
}
SOURCE_TIME_COLUMN = {
    "adherence": "start_at", "headcount_days": "day_at", "leavers": "leave_at",
    "agent_states": "start_at", "forecast_accuracy": "interval_start", "site_costs": "period_at",
    "written_backlog": "offered_at",
}

# which agent states satisfy which scheduled activity (adherence categories, NICE [N4])
ADHERENCE_CATEGORIES = {
    "work": ("available", "on_contact", "acw"),
    "back_office": ("not_ready", "on_contact", "acw", "available"),
    "break": ("break",), "lunch": ("lunch",), "training": ("training",),
    "meeting": ("meeting",), "coaching": ("coaching",),
}
NOON = ibis.interval(hours=12)
DAY = ibis.interval(days=1)
HOUR = ibis.interval(hours=1)


def _duration_s(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64")


def _states(table: Callable[[str], ir.Table]) -> ir.Table:
    a = table("agent_states")
    return a.mutate(duration_s=a.duration_s.fill_null(_duration_s(a.start_at, a.end_at))
                    .fill_null(0.0))


Window = tuple[dt.datetime, dt.datetime] | None  # UTC bounds known to contain the request


def adherence(table: Callable[[str], ir.Table], window: Window = None) -> ir.Table:
    s = table("schedules")
    states = table("agent_states")
    if window is not None:  # both sides cut to the request's period before the overlap join
        s = s.filter((s.start_at >= window[0]) & (s.start_at < window[1]))
        states = states.filter((states.start_at >= window[0] - dt.timedelta(days=1))
                               & (states.start_at < window[1]))
    s = s.mutate(scheduled_s=_duration_s(s.start_at, s.end_at), _row=ibis.row_number())
    a = states.filter(states.state != "logged_in")
    a = a.select(_adv=a.advisor_id, _state=a.state, _a_start=a.start_at, _a_end=a.end_at)
    # each scheduled activity once per agent state that satisfies it (an expression, not a
    # memtable: the compiled SQL then runs as it is on every engine)
    satisfying = ibis.cases(*((s.activity == activity, ibis.literal(list(states),
                                                                    type="array<string>"))
                              for activity, states in ADHERENCE_CATEGORIES.items()),
                            else_=ibis.literal([], type="array<string>"))
    pairs = s.select("_row", "advisor_id", "activity", "start_at", "end_at",
                     _state=satisfying.unnest())
    # Overlaps are searched per (advisor, state, UTC day): each interval is listed once per
    # day it touches and each overlap is clipped to that day, so a pair spanning midnight
    # adds its two pieces. A join on the advisor alone would pair every state of a year with
    # every schedule of that year (hours on a 10-million-contact center).
    pairs = pairs.mutate(_day=ibis.range(pairs.start_at.truncate("D"), pairs.end_at,
                                         DAY).unnest())
    horizon = s.end_at.max().as_scalar()  # an open state: until the last schedule ends
    a = a.mutate(_day=ibis.range(a._a_start.truncate("D"), a._a_end.fill_null(horizon),
                                 DAY).unnest())
    a = a.rename(_a_day="_day")
    joined = pairs.join(a, (pairs.advisor_id == a._adv) & (pairs._state == a._state)
                        & (pairs._day == a._a_day)
                        & (a._a_start < pairs.end_at) & (a._a_end.isnull()
                                                         | (a._a_end > pairs.start_at)))
    overlap_start = ibis.greatest(joined.start_at, joined._a_start, joined._day)
    overlap_end = ibis.least(joined.end_at, joined._a_end.fill_null(joined.end_at),
                             joined._day + DAY)
    overlaps = joined.mutate(_overlap=ibis.greatest(
        _duration_s(overlap_start, overlap_end), 0.0)).group_by(
        _o_row=ibis._._row).aggregate(in_adherence_s=ibis._._overlap.sum())
    out = s.left_join(overlaps, s._row == overlaps._o_row)
    return out.select("advisor_id", "start_at", "activity", "queue_id", "scheduled_s",
                      in_adherence_s=out.in_adherence_s.fill_null(0.0))


def headcount_days(table: Callable[[str], ir.Table]) -> ir.Table:
    adv = table("advisors").filter(ibis._.hire_date.notnull())
    c = table("contacts")
    last = c.offered_at.max().date()  # bound of open-ended employment: the data's last day
    hire = adv.hire_date.cast("timestamp")
    leave = adv.leave_date.cast("timestamp").fill_null(
        (last + ibis.interval(days=1)).cast("timestamp").as_scalar())
    days = adv.mutate(_day=ibis.range(hire, leave, ibis.interval(days=1)).unnest())
    return days.select("advisor_id", "contract_type", day_at=days._day + NOON,
                       contract_h=(days.weekly_hours.fill_null(35.0) / 7.0))


def leavers(table: Callable[[str], ir.Table]) -> ir.Table:
    adv = table("advisors").filter(ibis._.leave_date.notnull())
    # the leave date is the first day no longer employed: the departure counts that day
    return adv.select("advisor_id", "contract_type",
                      leave_at=adv.leave_date.cast("timestamp") + NOON)


def agent_states(table: Callable[[str], ir.Table]) -> ir.Table:
    """The agent states, ``duration_s`` filled from their bounds, and ``cost_eur``: the
    duration at the advisor's hourly cost."""
    a = _states(table)
    adv = table("advisors").select(_adv=ibis._.advisor_id, _cost=ibis._.hourly_cost_eur)
    j = a.left_join(adv, a.advisor_id == adv._adv)
    return j.mutate(cost_eur=j.duration_s / 3600.0 * j._cost.fill_null(0.0)).drop(
        "_adv", "_cost")


def forecast_accuracy(table: Callable[[str], ir.Table]) -> ir.Table:
    f = table("forecasts")
    # the forecast in force: the latest snapshot made before the interval started
    f = f.filter(f.created_at <= f.interval_start)
    w = ibis.window(group_by=[f.queue_id, f.interval_start], order_by=ibis.desc(f.created_at))
    f = f.mutate(_rank=ibis.row_number().over(w)).filter(ibis._._rank == 0)
    f = f.mutate(_end=f.interval_start + f.interval_min.as_interval("m"))
    c = table("contacts").filter((ibis._.direction == "inbound")
                                 & (ibis._.outcome != "ivr_abandoned"))
    c = c.select(_q=c.queue_id, _at=c.offered_at,
                 _handled=c.outcome.isin(["answered", "transferred"]),
                 _handle_s=c.talk_s.fill_null(0) + c.hold_s.fill_null(0) + c.acw_s.fill_null(0))
    # matched per (queue, UTC hour): a forecast interval is listed once per hour it touches,
    # a contact falls in one hour, so each (interval, contact) pair meets exactly once
    f = f.mutate(_hour=ibis.range(f.interval_start.truncate("h"), f._end, HOUR).unnest())
    c = c.mutate(_c_hour=c._at.truncate("h"))
    j = f.left_join(c, (f.queue_id == c._q) & (f._hour == c._c_hour)
                    & (c._at >= f.interval_start) & (c._at < f._end))
    actual = j.group_by("queue_id", "interval_start", "volume", "aht_s").aggregate(
        actual_volume=j._at.count(),
        handled=j.count(where=j._handled),
        actual_handle_s=j._handle_s.sum(where=j._handled).fill_null(0.0).cast("float64"))
    return actual.select(
        "queue_id", "interval_start", "actual_handle_s",
        forecast_volume=actual.volume,
        actual_volume=actual.actual_volume.cast("float64"),
        abs_volume_error=(actual.volume - actual.actual_volume.cast("float64")).abs(),
        abs_handle_error_s=(actual.aht_s.fill_null(0.0) * actual.handled.cast("float64")
                            - actual.actual_handle_s).abs())


def site_costs(table: Callable[[str], ir.Table]) -> ir.Table:
    c = table("costs")
    return c.select("site_id", "category", "amount_eur",
                    period_at=c.period_start.cast("timestamp") + NOON)


def written_backlog(table: Callable[[str], ir.Table]) -> ir.Table:
    """Written requests still open (not closed) at the end of the data, with their age then."""
    c = table("contacts")
    as_of = c.offered_at.max().as_scalar()
    open_items = c.filter(c.channel.isin(["email", "letter", "social", "sms"])
                          & (c.direction == "inbound") & c.closed_at.isnull())
    return open_items.select("queue_id", "channel", "direction", "motive", "advisor_id",
                             "offered_at", age_s=_duration_s(open_items.offered_at, as_of))


BUILDERS: dict[str, Callable[[Callable[[str], ir.Table]], ir.Table]] = {
    "adherence": adherence, "headcount_days": headcount_days, "leavers": leavers,
    "agent_states": agent_states, "forecast_accuracy": forecast_accuracy, "site_costs": site_costs,
    "written_backlog": written_backlog,
}


def build(name: str, table: Callable[[str], ir.Table], window: Window = None) -> ir.Table:
    if name == "adherence":
        return adherence(table, window)
    return BUILDERS[name](table)

