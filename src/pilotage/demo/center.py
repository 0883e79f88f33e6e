"""Build the demo center: organisation, demand, schedule, absences, simulated contacts and
everything derived from them, committed to a workspace as one load."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pilotage.demo.absences import (
    AbsenceSpell,
    employed,
    planned_absences,
    unplanned_absences,
)
from pilotage.demo.activities import LILLE, LYON, QUEUES, client_contracts
from pilotage.demo.agent_states import build_agent_states, ms_to_timestamps
from pilotage.demo.arrivals import Demand, build_demand
from pilotage.demo.calendar import SLOT_MIN, Calendar, build_calendar, day_utc_base_ms
from pilotage.demo.contacts import MOTIVES, OUTCOMES, ContactColumns, simulate_contacts
from pilotage.demo.costs import build_costs
from pilotage.demo.customers import assign_customers, customer_keys
from pilotage.demo.organisation import (
    CENTER_ID,
    CENTER_NAME,
    LYON_SHARE,
    SITES,
    TIME_ZONE,
    Organisation,
    build_organisation,
    contract_values,
)
from pilotage.demo.quality import QUALITY_ANALYSTS, Evaluation, build_evaluations
from pilotage.demo.queueing import build_servers, new_presence
from pilotage.demo.shifts import BLOCK_KINDS, Roster, build_roster, fill_gaps, working_days
from pilotage.demo.staffing import requirement
from pilotage.demo.surveys import FOLLOWUPS, build_surveys
from pilotage.errors import ParameterError
from pilotage.model.tables import TABLES
from pilotage.model.vocabulary import Direction, ScheduleActivity
from pilotage.store.batch import Batch, LoadReport
from pilotage.store.workspace import Workspace

GENERATOR_VERSION = "pilotage-demo/2"
REFERENCE_DATE = dt.date(2026, 10, 5)  # a Monday; the default period ends the day before
FORMAT = "demo"

Progress = Callable[[str, float], None]


def default_start(days: int = 91) -> dt.date:
    """The Monday 13 weeks before the fixed reference date (2026-07-06)."""
    return REFERENCE_DATE - dt.timedelta(weeks=13)


@dataclass(frozen=True)
class DemoParameters:
    seed: int
    agents: int
    days: int
    start: dt.date
    volume_factor: float = 1.0
    aht_factor: float = 1.0
    staffing_factor: float = 1.0
    resolution_factor: float = 1.0

    @property
    def source_path(self) -> str:
        text = f"demo:seed={self.seed},agents={self.agents},days={self.days}," \
               f"start={self.start.isoformat()}"
        knobs = [(n, v) for n, v in (("volume_factor", self.volume_factor),
                                     ("aht_factor", self.aht_factor),
                                     ("staffing_factor", self.staffing_factor),
                                     ("resolution_factor", self.resolution_factor))
                 if v != 1.0]
        return text + "".join(f",{n}={v:g}" for n, v in knobs)

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(f"{GENERATOR_VERSION}|{self.source_path}".encode()).hexdigest()

    def validate(self) -> None:
        checks = (("agents", self.agents >= 10, "at least 10 advisors (2 sites)"),
                  ("days", 1 <= self.days <= 1_100, "between 1 and 1100 days"),
                  ("volume_factor", self.volume_factor > 0, "a positive factor"),
                  ("aht_factor", self.aht_factor > 0, "a positive factor"),
                  ("staffing_factor", self.staffing_factor > 0, "a positive factor"),
                  ("resolution_factor", self.resolution_factor > 0, "a positive factor"))
        for name, ok, expected in checks:
            if not ok:
                raise ParameterError(f"demo parameter {name}={getattr(self, name)!r} is out of "
                                     f"range", hint=f"give {name} as {expected}")


def _rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def _strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _take(labels: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """Labels by code; a negative code gives null."""
    table = _strings([*labels, None])
    return pc.take(table, pa.array(np.where(codes < 0, len(labels), codes)))


def _conform(name: str, columns: dict[str, object]) -> pa.Table:
    """An Arrow table with the canonical types of ``name`` for the columns given."""
    schema = TABLES[name].arrow_schema
    arrays: list[pa.Array] = []
    fields = []
    for column, values in columns.items():
        field = schema.field(column)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        array = values if isinstance(values, pa.Array) else pa.array(values)
        arrays.append(array.cast(field.type))
        fields.append(field)
    return pa.table(arrays, schema=pa.schema(fields))


@dataclass(frozen=True)
class Organised:
    """The organisation, demand and schedule, before any contact is simulated."""

    params: DemoParameters
    calendar: Calendar
    org: Organisation
    roster: Roster
    tables: dict[str, pa.Table]
    demand: Demand
    requirement: np.ndarray  # advisors needed [queue, slot]
    planned: tuple[AbsenceSpell, ...]
    planned_off: np.ndarray  # [advisor, day]
    works: np.ndarray  # [advisor, day] working days


def build_organisation_tables(params: DemoParameters, calendar: Calendar,
                              org: Organisation) -> dict[str, pa.Table]:
    contracts = client_contracts(params.start)
    contract_names = contract_values()
    return {
        "centers": _conform("centers", {"center_id": [CENTER_ID], "name": [CENTER_NAME],
                                        "time_zone": [TIME_ZONE]}),
        "sites": _conform("sites", {"site_id": [s for s, _ in SITES],
                                    "center_id": [CENTER_ID] * len(SITES),
                                    "name": [n for _, n in SITES],
                                    "time_zone": [TIME_ZONE] * len(SITES)}),
        "teams": _conform("teams", {"team_id": [t.team_id for t in org.teams],
                                    "site_id": [t.site_id for t in org.teams],
                                    "name": [t.name for t in org.teams],
                                    "leader_name": [t.leader_name for t in org.teams]}),
        "advisors": _conform("advisors", {
            "advisor_id": list(org.advisor_ids), "display_name": list(org.names),
            "site_id": [SITES[s][0] for s in org.site.tolist()],
            "contract_type": [contract_names[c].value for c in org.contract.tolist()],
            "hire_date": list(org.hire_dates), "leave_date": list(org.leave_dates),
            "weekly_hours": org.weekly_hours, "hourly_cost_eur": org.hourly_cost_eur,
            "skills": [",".join(QUEUES[q].queue_id for q in np.flatnonzero(row))
                       for row in org.skills]}),
        "team_memberships": _conform("team_memberships", {
            "advisor_id": [org.advisor_ids[m.advisor] for m in org.memberships],
            "team_id": [org.teams[m.team].team_id for m in org.memberships],
            "valid_from": [m.valid_from for m in org.memberships],
            "valid_to": [m.valid_to for m in org.memberships]}),
        "client_contracts": _conform("client_contracts", {
            "contract_id": [c.contract_id for c in contracts],
            "client_name": [c.client_name for c in contracts],
            "description": [c.description for c in contracts],
            "start_date": [c.start_date for c in contracts],
            "end_date": [c.end_date for c in contracts]}),
        "queues": _conform("queues", {
            "queue_id": [q.queue_id for q in QUEUES], "name": [q.name for q in QUEUES],
            "channel": [q.channel.value for q in QUEUES],
            "direction": [q.direction.value for q in QUEUES],
            "contract_id": [q.contract_id for q in QUEUES],
            "site_id": [q.site_id for q in QUEUES]}),
        "opening_hours": _conform("opening_hours", _opening_hours()),
        "public_holidays": _conform("public_holidays", {
            "day": sorted(calendar.holidays),
            "name": [calendar.holidays[d] for d in sorted(calendar.holidays)]}),
    }


def _opening_hours() -> dict[str, object]:
    """Each queue's opening hours (HH:MM, local); a lunch closing splits the day in two."""
    rows: dict[str, list[object]] = {"queue_id": [], "weekday": [], "opens": [], "closes": []}

    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    for q in QUEUES:
        for weekday in range(1, 7):
            opens, closes = q.opening.weekday if weekday < 6 else q.opening.saturday
            if opens == closes:
                continue
            spans = [(opens, closes)]
            if q.opening.lunch_closed is not None:
                lunch_start, lunch_end = q.opening.lunch_closed
                spans = [(opens, lunch_start), (lunch_end, closes)]
            for start, end in spans:
                rows["queue_id"].append(q.queue_id)
                rows["weekday"].append(weekday)
                rows["opens"].append(hhmm(start))
                rows["closes"].append(hhmm(end))
    return {name: values for name, values in rows.items()}


def organise(params: DemoParameters) -> Organised:
    """Organisation, demand, planned absences and the published schedule."""
    calendar = build_calendar(params.start, params.days, TIME_ZONE)
    size = max(10, round(params.agents * params.staffing_factor))
    org = build_organisation(_rng(params.seed, f"organisation:{size}"), size, params.start,
                             params.days)
    lyon = round(params.agents * LYON_SHARE)
    demand = build_demand(_rng(params.seed, "demand"), calendar,
                          {LYON: float(lyon), LILLE: float(params.agents - lyon)})
    need = requirement(calendar, demand)
    off, planned = planned_absences(_rng(params.seed, "holidays"), org, calendar)
    works = working_days(_rng(params.seed, "rest-days"), org, calendar)
    available = employed(org, calendar.days) & works & ~off & calendar.day_open[None, :]
    roster = build_roster(_rng(params.seed, "roster"), org, calendar, need, available)
    tables = build_organisation_tables(params, calendar, org)
    return Organised(params, calendar, org, roster, tables, demand, need, planned, off, works)


def build_demo(workspace: Workspace, *, seed: int = 1, agents: int = 150, days: int = 91,
               start: dt.date | None = None, progress: Progress | None = None,
               volume_factor: float = 1.0, aht_factor: float = 1.0,
               staffing_factor: float = 1.0, resolution_factor: float = 1.0) -> LoadReport:
    """Generate the demo center and commit it to ``workspace`` as one load (format "demo").

    Deterministic for its parameters; building the same demo twice adds nothing.
    ``volume_factor``, ``aht_factor`` and ``staffing_factor`` scale actual arrivals, actual
    handle times and the number of advisors, against a forecast and schedule sized for the
    nominal center, and ``resolution_factor`` the chance that a contact is resolved at first
    contact (lever analysis)."""
    params = DemoParameters(seed, agents, days, start or default_start(days), volume_factor,
                            aht_factor, staffing_factor, resolution_factor)
    params.validate()
    previous = workspace.already_loaded(params.content_sha256, None)
    if previous is not None:
        return LoadReport(previous, params.source_path, 0, 0, 0, True, {}, {}, (), {})
    tables = generate_tables(params, workspace, progress)
    rows = sum(t.num_rows for t in tables.values())
    batch = Batch(source_path=params.source_path, content_sha256=params.content_sha256,
                  format=FORMAT, tables=tables, rows_read=rows, rows_loaded=rows,
                  keys_unique=True)
    _report(progress, "commit", 0.0)
    report = workspace.commit(batch)
    _report(progress, "commit", 1.0)
    return report


def _report(progress: Progress | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


def generate_tables(params: DemoParameters, workspace: Workspace,
                    progress: Progress | None = None) -> dict[str, pa.Table]:
    """Every canonical table of the demo (Arrow), without committing them."""
    _report(progress, "organisation", 0.0)
    organised = organise(params)
    calendar, org, roster = organised.calendar, organised.org, organised.roster
    tables = dict(organised.tables)
    _report(progress, "organisation", 1.0)
    scheduled = np.zeros((org.size, calendar.days), dtype=bool)
    scheduled[roster.advisor, roster.day] = True
    absent, unplanned = unplanned_absences(_rng(params.seed, "sickness"), org, calendar,
                                           scheduled, organised.planned_off)
    active = ~absent[roster.advisor, roster.day]
    servers = build_servers(_rng(params.seed, "presence"), roster, active)
    presence = new_presence(servers)
    period_end_ms = int(calendar.slot_utc_ms[-1]) + SLOT_MIN * 60_000
    demand = organised.demand
    shift_prof = org.proficiency[roster.advisor]
    contacts = simulate_contacts(
        _rng(params.seed, "contacts"), calendar, demand.expected, servers,
        presence, roster.queue, shift_prof, volume_factor=params.volume_factor,
        resolution_factor=params.resolution_factor,
        aht_factor=params.aht_factor, period_end_ms=period_end_ms,
        progress=lambda f: _report(progress, "contacts", f))
    _report(progress, "customers", 0.0)
    customer = assign_customers(_rng(params.seed, "customers"), contacts)
    keys = customer_keys(workspace.pseudonymizer, customer)
    prefix = f"demo{params.content_sha256[:6]}-"
    contact_ids = pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pa.array(np.arange(contacts.size)).cast(pa.string()), 9, "0"), "")
    tables["contacts"] = _contacts_table(contacts, contact_ids, keys, roster, org)
    _report(progress, "agent states", 0.0)
    tables["agent_states"] = _conform("agent_states", dict(zip(
        TABLES["agent_states"].column_names[:-1],
        build_agent_states(servers, presence, contacts, roster, org.advisor_ids).columns,
        strict=True)))
    _report(progress, "planning", 0.0)
    tables["schedules"] = _schedules_table(roster, org)
    base = np.append(day_utc_base_ms(calendar), 0)
    base[-1] = base[-2] + 86_400_000
    daily = org.weekly_hours / np.where(org.weekly_hours >= 30, 5, 4)
    works = organised.works
    lost = np.zeros((org.size, calendar.days))
    np.add.at(lost, (roster.advisor[~active], roster.day[~active]), roster.paid_h[~active])
    holiday_h = np.where(works & organised.planned_off & calendar.day_open[None, :],
                         daily[:, None], 0.0)
    absent_hours = lost + holiday_h
    spells = list(organised.planned) + list(unplanned)
    tables["absences"] = _absences_table(spells, org, base, absent_hours)
    tables["forecasts"] = _forecasts_table(calendar, demand)
    _report(progress, "quality", 0.0)
    surveys = build_surveys(_rng(params.seed, "surveys"), contacts, shift_prof, period_end_ms)
    tables["survey_responses"] = _conform("survey_responses", {
        "response_id": pc.binary_join_element_wise(
            f"rep{params.content_sha256[:6]}-",
            pc.utf8_lpad(pa.array(np.arange(surveys.contact.size)).cast(pa.string()), 7, "0"),
            ""),
        "contact_id": pc.take(contact_ids, pa.array(surveys.contact)),
        "customer_key": pc.take(keys, pa.array(surveys.contact)),
        "responded_at": ms_to_timestamps(surveys.responded_ms),
        "csat": surveys.csat.astype(np.int32), "nps": surveys.nps.astype(np.int32),
        "ces": surveys.ces.astype(np.int32), "verbatim": _strings(surveys.verbatim),
        "verbatim_negative": pa.array(surveys.negative == 1, mask=surveys.negative < 0),
        "followup_status": _take([f.value for f in FOLLOWUPS], surveys.followup),
        "followup_at": ms_to_timestamps(surveys.followup_ms)})
    evaluations = build_evaluations(_rng(params.seed, "quality"), calendar, contacts,
                                    roster.advisor, org.proficiency, org.hire_day, period_end_ms)
    tables.update(_evaluation_tables(evaluations, contact_ids, roster, org, calendar,
                                     params.content_sha256[:6]))
    lines = build_costs(org, calendar, roster, absent_hours, contacts)
    tables["costs"] = _conform("costs", {
        "site_id": [c.site_id for c in lines], "period_start": [c.period_start for c in lines],
        "period_end": [c.period_end for c in lines], "category": [c.category for c in lines],
        "amount_eur": [c.amount_eur for c in lines]})
    _report(progress, "quality", 1.0)
    return tables


def _contacts_table(c: ContactColumns, ids: pa.Array, keys: pa.Array, roster: Roster,
                    org: Organisation) -> pa.Table:
    queue_ids = [q.queue_id for q in QUEUES]
    advisor = np.where(c.shift >= 0, roster.advisor[np.maximum(c.shift, 0)], -1)

    def seconds(ms: np.ndarray) -> pa.Array:
        return pa.array(ms / 1000.0, mask=ms < 0)

    return _conform("contacts", {
        "contact_id": ids,
        "source": pa.repeat(pa.scalar("demo"), c.size),
        "customer_key": keys,
        "queue_id": _take(queue_ids, c.queue.astype(np.int64)),
        "channel": _take([q.channel.value for q in QUEUES], c.queue.astype(np.int64)),
        "direction": _take([q.direction.value for q in QUEUES], c.queue.astype(np.int64)),
        "offered_at": ms_to_timestamps(c.offered_ms),
        "answered_at": ms_to_timestamps(c.answered_ms),
        "ended_at": ms_to_timestamps(c.ended_ms),
        "first_response_at": ms_to_timestamps(c.first_response_ms),
        "closed_at": ms_to_timestamps(c.closed_ms),
        "wait_s": seconds(c.wait_ms), "talk_s": seconds(c.talk_ms),
        "hold_s": seconds(c.hold_ms), "acw_s": seconds(c.acw_ms),
        "advisor_id": _take(org.advisor_ids, advisor),
        "outcome": _take([o.value for o in OUTCOMES], c.outcome.astype(np.int64)),
        "ring_no_answer_count": c.ring_no_answer.astype(np.int32),
        "motive": _take(MOTIVES, c.motive.astype(np.int64)),
        "resolved": pa.array(c.resolved == 1, mask=c.resolved < 0),
        "sale": pa.array(~np.isnan(c.sale_amount_eur),
                         mask=~np.isin(c.queue, [i for i, q in enumerate(QUEUES)
                                                 if q.sale_probability > 0])),
        "sale_amount_eur": pa.array(c.sale_amount_eur, from_pandas=True),
        "transferred_from":
        pc.if_else(pa.array(c.transferred_from >= 0),
                   pc.take(ids, pa.array(np.maximum(c.transferred_from, 0))),
                   pa.scalar(None, pa.string())),
    })


def _schedules_table(roster: Roster, org: Organisation) -> pa.Table:
    g, s, e = fill_gaps(roster.block_shift, roster.block_start_ms, roster.block_end_ms,
                        roster.start_ms, roster.end_ms)
    shift = np.concatenate([roster.block_shift, g])
    start = np.concatenate([roster.block_start_ms, s])
    end = np.concatenate([roster.block_end_ms, e])
    kinds = [k.value for k in BLOCK_KINDS] + [ScheduleActivity.WORK.value]
    kind = np.concatenate([roster.block_kind.astype(np.int64),
                           np.full(g.size, len(BLOCK_KINDS), np.int64)])
    queue = np.concatenate([np.full(roster.block_shift.size, -1, np.int64),
                            roster.queue[g].astype(np.int64)])
    order = np.lexsort((start, shift))
    shift, start, end, kind, queue = (x[order] for x in (shift, start, end, kind, queue))
    return _conform("schedules", {
        "advisor_id": _take(org.advisor_ids, roster.advisor[shift].astype(np.int64)),
        "activity": _take(kinds, kind),
        "start_at": ms_to_timestamps(start), "end_at": ms_to_timestamps(end),
        "queue_id": _take([q.queue_id for q in QUEUES], queue),
        "schedule_version": pa.repeat(pa.scalar("publié v1"), shift.size)})


def _absences_table(spells: list[AbsenceSpell], org: Organisation, base: np.ndarray,
                    absent_hours: np.ndarray) -> pa.Table:
    spells = sorted(spells, key=lambda s: (s.advisor, s.first_day))
    return _conform("absences", {
        "advisor_id": [org.advisor_ids[s.advisor] for s in spells],
        "absence_type": [s.absence_type.value for s in spells],
        "planned": [s.planned for s in spells],
        "start_at": ms_to_timestamps(np.array([base[s.first_day] for s in spells],
                                              dtype=np.int64)),
        "end_at": ms_to_timestamps(np.array([base[s.last_day + 1] for s in spells],
                                            dtype=np.int64)),
        "hours": [round(float(absent_hours[s.advisor, s.first_day:s.last_day + 1].sum()), 2)
                  for s in spells]})


def _forecasts_table(calendar: Calendar, demand: Demand) -> pa.Table:
    forecast = demand.forecast
    aht = demand.forecast_aht_s
    inbound = [q for q, p in enumerate(QUEUES) if p.direction == Direction.INBOUND]
    rows_q, rows_s = np.nonzero(forecast[inbound] > 0)
    queue = np.array(inbound)[rows_q]
    created = int(calendar.slot_utc_ms[0]) - 7 * 86_400_000 + 6 * 3_600_000
    snapshot = f"PREV-{calendar.start.isoformat()}"
    n = queue.size
    return _conform("forecasts", {
        "snapshot_id": pa.repeat(pa.scalar(snapshot), n),
        "created_at": ms_to_timestamps(np.full(n, created, np.int64)),
        "queue_id": _take([q.queue_id for q in QUEUES], queue),
        "interval_start": ms_to_timestamps(calendar.slot_utc_ms[rows_s]),
        "interval_min": np.full(n, SLOT_MIN, np.int32),
        "volume": forecast[queue, rows_s], "aht_s": aht[queue, rows_s],
        "model": pa.repeat(pa.scalar("démo : moyenne saisonnière + profil intrajournalier"), n)})


def _evaluation_tables(evaluations: list[Evaluation], contact_ids: pa.Array, roster: Roster,
                       org: Organisation, calendar: Calendar, tag: str) -> dict[str, pa.Table]:
    ids = [f"eval{tag}-{i:06d}" for i in range(len(evaluations))]
    leaders = []
    for i, e in enumerate(evaluations):
        advisor = int(roster.advisor[e.shift])
        if e.evaluator_is_leader:
            day = calendar.date(int(roster.day[e.shift]))
            leaders.append(org.teams[org.team_on(advisor, day)].leader_name)
        else:
            leaders.append(QUALITY_ANALYSTS[i % len(QUALITY_ANALYSTS)])
    crit_rows = [(ids[i], name, score, float(points), critical)
                 for i, e in enumerate(evaluations)
                 for (name, points, critical), score in zip(e.grid.criteria, e.scores,
                                                            strict=True)]
    return {
        "evaluations": _conform("evaluations", {
            "evaluation_id": ids,
            "contact_id": pc.take(contact_ids, pa.array([e.contact for e in evaluations],
                                                        type=pa.int64())),
            "advisor_id": [org.advisor_ids[int(roster.advisor[e.shift])] for e in evaluations],
            "evaluator": leaders, "grid_id": [e.grid.grid_id for e in evaluations],
            "evaluated_at": ms_to_timestamps(np.array([e.evaluated_ms for e in evaluations],
                                                      dtype=np.int64)),
            "score": [float(sum(e.scores)) for e in evaluations],
            "max_score": [float(sum(p for _, p, _ in e.grid.criteria)) for e in evaluations],
            "critical_error": [any(s == 0 and c for s, (_, _, c) in
                                   zip(e.scores, e.grid.criteria, strict=True))
                               for e in evaluations]}),
        "evaluation_criteria": _conform("evaluation_criteria", {
            "evaluation_id": [r[0] for r in crit_rows], "criterion": [r[1] for r in crit_rows],
            "score": [r[2] for r in crit_rows], "max_score": [r[3] for r in crit_rows],
            "critical": [r[4] for r in crit_rows]}),
    }
