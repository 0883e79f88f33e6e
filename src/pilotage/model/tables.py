"""Canonical table schemas: the one source for the database DDL, Arrow schemas and
``docs/data-model.md``.

Conventions: timestamps are naive ``TIMESTAMP`` values in **UTC** (columns end in ``_at``);
reporting converts them to the site's time zone. Durations are ``DOUBLE`` seconds (``_s``),
money is ``DOUBLE`` euros (``_eur``). Every fact table carries ``load_id``, the load that
wrote the row (lineage; ``pilotage.store`` fills it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

from pilotage.errors import InternalError
from pilotage.model.vocabulary import (
    AbsenceType,
    AgentState,
    Channel,
    ContractType,
    Direction,
    FollowupStatus,
    Outcome,
    ScheduleActivity,
)

_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    meaning: str
    french: str
    unit: str = ""
    required: bool = False
    vocabulary: type[StrEnum] | None = None
    # a text column whose values are (nearly) all distinct (identifiers, keyed hashes, raw
    # event data): stored without DuckDB's dictionary + FSST compression, whose analysis of
    # millions of distinct strings costs 0.4-0.5 CPU s per 2 M values at each load, for
    # 1.7-2.7x less disk (docs/performance.md)
    distinct_text: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.sql_type]


@dataclass(frozen=True)
class TableSpec:
    name: str
    french: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    group: str = "facts"
    notes: str = ""
    lineage: bool = field(default=True)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise InternalError(f"table {self.name} has no column {name}")

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=not c.required)
                          for c in self.columns])

    def ddl(self) -> str:
        """``CREATE TABLE``: required columns NOT NULL, closed vocabularies CHECKed (the last
        guard: ingestion quarantines such values before they get here)."""
        cols = [f'"{c.name}" {c.sql_type}'
                f'{" USING COMPRESSION uncompressed" if c.distinct_text else ""}'
                f'{" NOT NULL" if c.required else ""}{_check(c)}' for c in self.columns]
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" ({", ".join(cols)})'


def _check(column: Column) -> str:
    if column.vocabulary is None:
        return ""
    allowed = ", ".join("'" + v.value.replace("'", "''") + "'" for v in column.vocabulary)
    return f' CHECK ("{column.name}" IN ({allowed}))'


def C(name: str, sql_type: str, meaning: str, french: str, unit: str = "",
      required: bool = False, vocabulary: type[StrEnum] | None = None,
      distinct_text: bool = False) -> Column:
    return Column(name, sql_type, meaning, french, unit, required, vocabulary, distinct_text)


LOAD_ID = C("load_id", "VARCHAR", "Load that wrote the row (see `loads`)", "lot de chargement",
            required=True)

_ORG = "organisation"

TABLES: dict[str, TableSpec] = {t.name: t for t in (
    # ---------------------------------------------------------------- organisation
    TableSpec("centers", "centre de contacts", "The contact center (one per workspace usually).", (
        C("center_id", "VARCHAR", "Center identifier", "identifiant du centre", required=True),
        C("name", "VARCHAR", "Display name", "nom", required=True),
        C("time_zone", "VARCHAR", "IANA time zone used for reporting at center level",
          "fuseau horaire", required=True),
        LOAD_ID,
    ), key=("center_id",), group=_ORG),
    TableSpec("sites", "site / plateau", "A physical or virtual floor of advisors.", (
        C("site_id", "VARCHAR", "Site identifier", "identifiant du site", required=True),
        C("center_id", "VARCHAR", "Center the site belongs to", "centre", required=True),
        C("name", "VARCHAR", "Display name", "nom", required=True),
        C("time_zone", "VARCHAR", "IANA time zone of the site (reporting)", "fuseau horaire",
          required=True),
        LOAD_ID,
    ), key=("site_id",), group=_ORG),
    TableSpec("teams", "équipe", "A team of advisors led by a team leader.", (
        C("team_id", "VARCHAR", "Team identifier", "identifiant de l'équipe", required=True),
        C("site_id", "VARCHAR", "Site of the team", "site", required=True),
        C("name", "VARCHAR", "Display name", "nom", required=True),
        C("leader_name", "VARCHAR", "Team leader", "superviseur / chef d'équipe"),
        LOAD_ID,
    ), key=("team_id",), group=_ORG),
    TableSpec("advisors", "conseiller", "An advisor (agent), with contract and cost.", (
        C("advisor_id", "VARCHAR", "Advisor identifier (as the ACD knows them)",
          "identifiant du conseiller", required=True),
        C("display_name", "VARCHAR", "Name shown in reports", "nom"),
        C("site_id", "VARCHAR", "Home site", "site de rattachement"),
        C("contract_type", "VARCHAR", "Employment contract", "type de contrat (CDI, CDD, intérim)",
          vocabulary=ContractType),
        C("hire_date", "DATE", "First working day", "date d'entrée"),
        C("leave_date", "DATE", "Day after the last working day (NULL: still employed)",
          "date de sortie"),
        C("weekly_hours", "DOUBLE", "Contractual weekly hours", "durée hebdomadaire contractuelle",
          unit="h"),
        C("hourly_cost_eur", "DOUBLE", "Fully loaded hourly cost", "coût horaire chargé",
          unit="EUR/h"),
        C("skills", "VARCHAR", "Queues the advisor can take, comma-separated queue ids",
          "compétences"),
        LOAD_ID,
    ), key=("advisor_id",), group=_ORG),
    TableSpec("team_memberships", "appartenance à une équipe",
              "Effective-dated membership: an advisor who changes team keeps the history.", (
        C("advisor_id", "VARCHAR", "Advisor", "conseiller", required=True),
        C("team_id", "VARCHAR", "Team", "équipe", required=True),
        C("valid_from", "DATE", "First day in the team", "date de début", required=True),
        C("valid_to", "DATE", "First day no longer in the team (NULL: open)", "date de fin"),
        LOAD_ID,
    ), key=("advisor_id", "valid_from"), group=_ORG),
    TableSpec("client_contracts", "contrat client (donneur d'ordre)",
              "A client contract of an outsourced center.", (
        C("contract_id", "VARCHAR", "Contract identifier", "identifiant du contrat",
          required=True),
        C("client_name", "VARCHAR", "Client company", "donneur d'ordre", required=True),
        C("description", "VARCHAR", "What the contract covers", "objet"),
        C("start_date", "DATE", "Start of the contract", "date de début"),
        C("end_date", "DATE", "End of the contract (exclusive; NULL: open)", "date de fin"),
        LOAD_ID,
    ), key=("contract_id",), group=_ORG),
    TableSpec("queues", "file d'attente / activité",
              "A queue or activity: channel, direction and the client contract it serves.", (
        C("queue_id", "VARCHAR", "Queue identifier (as the ACD names it)", "identifiant de file",
          required=True),
        C("name", "VARCHAR", "Display name", "nom"),
        C("channel", "VARCHAR", "Channel", "canal", required=True, vocabulary=Channel),
        C("direction", "VARCHAR", "Inbound or outbound", "sens (entrant / sortant)",
          required=True, vocabulary=Direction),
        C("contract_id", "VARCHAR", "Client contract served (NULL: in-house)", "contrat client"),
        C("site_id", "VARCHAR", "Site that owns the queue (NULL: shared)", "site"),
        LOAD_ID,
    ), key=("queue_id",), group=_ORG),
    TableSpec("opening_hours", "horaires d'ouverture",
              "Business hours per queue (NULL queue: the whole center), local time of the "
              "center; a KPI filtered on business hours keeps only what falls inside them.", (
        C("queue_id", "VARCHAR", "Queue (NULL: every queue)", "file"),
        C("weekday", "INTEGER", "Day of the week, 1 = Monday … 7 = Sunday", "jour de la semaine",
          required=True),
        C("opens", "VARCHAR", "Opening time HH:MM (local)", "ouverture", required=True),
        C("closes", "VARCHAR", "Closing time HH:MM (local, exclusive)", "fermeture",
          required=True),
        LOAD_ID,
    ), key=("queue_id", "weekday", "opens"), group=_ORG),
    TableSpec("public_holidays", "jours fériés",
              "Public holidays and declared closed days (local dates).", (
        C("day", "DATE", "The day", "jour", required=True),
        C("name", "VARCHAR", "Name, e.g. 'Toussaint'", "nom"),
        C("site_id", "VARCHAR", "Site concerned (NULL: every site)", "site"),
        LOAD_ID,
    ), key=("day", "site_id"), group=_ORG),
    # ---------------------------------------------------------------- contacts
    TableSpec("contacts", "contact", "One row per contact offered to a queue, on any channel.", (
        C("contact_id", "VARCHAR", "Contact identifier, unique in the workspace",
          "identifiant du contact", required=True, distinct_text=True),
        C("source", "VARCHAR", "System the contact comes from (mapping or format name)",
          "source"),
        C("source_ref", "VARCHAR", "Identifier in the source system (e.g. Asterisk uniqueid)",
          "référence source", distinct_text=True),
        C("customer_key", "VARCHAR", "Pseudonymised customer identifier (keyed hash; never "
          "the phone number or e-mail in clear)", "identifiant client pseudonymisé",
          distinct_text=True),
        C("queue_id", "VARCHAR", "Queue the contact was offered to", "file", required=True),
        C("channel", "VARCHAR", "Channel", "canal", required=True, vocabulary=Channel),
        C("direction", "VARCHAR", "Inbound or outbound", "sens", required=True,
          vocabulary=Direction),
        C("offered_at", "TIMESTAMP", "Entered the queue (outbound: dialled)", "présenté le",
          unit="UTC", required=True),
        C("answered_at", "TIMESTAMP", "Taken by an advisor (outbound: answered by the customer)",
          "décroché le", unit="UTC"),
        C("ended_at", "TIMESTAMP", "Left the system (end of talk, or abandon)", "terminé le",
          unit="UTC"),
        C("first_response_at", "TIMESTAMP", "Written channels: first reply sent",
          "première réponse le", unit="UTC"),
        C("closed_at", "TIMESTAMP", "Written channels: request closed", "clôturé le",
          unit="UTC"),
        C("wait_s", "DOUBLE", "Time waiting in queue until answer or abandon",
          "temps d'attente", unit="s"),
        C("talk_s", "DOUBLE", "Conversation time (written: handling time)",
          "temps de communication", unit="s"),
        C("hold_s", "DOUBLE", "Time on hold during the conversation", "temps de mise en attente",
          unit="s"),
        C("acw_s", "DOUBLE", "After-contact work", "temps de post-appel", unit="s"),
        C("advisor_id", "VARCHAR", "Advisor who handled the contact", "conseiller"),
        C("outcome", "VARCHAR", "How the contact ended", "issue", required=True,
          vocabulary=Outcome),
        C("ring_no_answer_count", "INTEGER", "Times an advisor was rung without answering",
          "sonneries sans réponse"),
        C("motive", "VARCHAR", "Reason for contact", "motif"),
        C("resolved", "BOOLEAN", "Resolved at this contact (first-contact resolution)",
          "résolu au premier contact"),
        C("sale", "BOOLEAN", "A sale was made", "vente"),
        C("sale_amount_eur", "DOUBLE", "Amount sold", "montant de la vente", unit="EUR"),
        C("transferred_from", "VARCHAR", "Contact this one was transferred from",
          "transféré depuis"),
        LOAD_ID,
    ), key=("contact_id",)),
    TableSpec("agent_states", "état conseiller",
              "State intervals per advisor. `logged_in` rows are sessions; the other states "
              "lie inside them.", (
        C("advisor_id", "VARCHAR", "Advisor", "conseiller", required=True),
        C("state", "VARCHAR", "State", "état", required=True, vocabulary=AgentState),
        C("start_at", "TIMESTAMP", "Start", "début", unit="UTC", required=True),
        C("end_at", "TIMESTAMP", "End (NULL: still open at the end of the source)", "fin",
          unit="UTC"),
        C("duration_s", "DOUBLE", "end_at − start_at", "durée", unit="s"),
        C("reason_code", "VARCHAR", "Not-ready / pause reason", "motif de pause"),
        C("queue_id", "VARCHAR", "Queue the state relates to, if any", "file"),
        C("source", "VARCHAR", "System the row comes from", "source"),
        LOAD_ID,
    ), key=("advisor_id", "state", "start_at")),
    TableSpec("queue_events", "événement de file",
              "Raw events of a telephony queue log (Asterisk queue_log), kept for lineage.", (
        C("event_at", "TIMESTAMP", "Event time", "horodatage", unit="UTC", required=True),
        C("call_ref", "VARCHAR", "Call identifier (uniqueid)", "identifiant d'appel"),
        C("queue_id", "VARCHAR", "Queue", "file"),
        C("agent", "VARCHAR", "Agent / member interface", "agent"),
        C("event", "VARCHAR", "Event name", "événement", required=True),
        C("data", "VARCHAR", "Event data fields joined by '|'", "données", distinct_text=True),
        C("known", "BOOLEAN", "Whether Pilotage interprets this event", "événement connu"),
        C("file", "VARCHAR", "File read", "fichier"),
        C("line", "BIGINT", "Line in that file", "ligne"),
        LOAD_ID,
    ), key=("file", "line")),
    # ---------------------------------------------------------------- planning and HR
    TableSpec("schedules", "planning", "Planned activities per advisor.", (
        C("advisor_id", "VARCHAR", "Advisor", "conseiller", required=True),
        C("activity", "VARCHAR", "Planned activity", "activité planifiée", required=True,
          vocabulary=ScheduleActivity),
        C("start_at", "TIMESTAMP", "Start", "début", unit="UTC", required=True),
        C("end_at", "TIMESTAMP", "End", "fin", unit="UTC", required=True),
        C("queue_id", "VARCHAR", "Queue the work is planned on (NULL: all skills)", "file"),
        C("schedule_version", "VARCHAR", "Version of the schedule (published plan)",
          "version du planning"),
        LOAD_ID,
    ), key=("advisor_id", "start_at", "activity", "schedule_version"), group="planning"),
    TableSpec("absences", "absence", "Absences, planned (holidays) or not (sickness).", (
        C("advisor_id", "VARCHAR", "Advisor", "conseiller", required=True),
        C("absence_type", "VARCHAR", "Type", "type d'absence", required=True,
          vocabulary=AbsenceType),
        C("planned", "BOOLEAN", "Known when the schedule was made", "planifiée", required=True),
        C("start_at", "TIMESTAMP", "Start", "début", unit="UTC", required=True),
        C("end_at", "TIMESTAMP", "End", "fin", unit="UTC", required=True),
        C("hours", "DOUBLE", "Scheduled working hours lost", "heures perdues", unit="h"),
        LOAD_ID,
    ), key=("advisor_id", "start_at"), group="planning"),
    TableSpec("forecasts", "prévision", "Forecast volume and AHT per queue and interval; each "
              "run is a snapshot.", (
        C("snapshot_id", "VARCHAR", "Forecast run", "version de prévision", required=True),
        C("created_at", "TIMESTAMP", "When the forecast was made", "établie le", unit="UTC",
          required=True),
        C("queue_id", "VARCHAR", "Queue", "file", required=True),
        C("interval_start", "TIMESTAMP", "Start of the interval", "début d'intervalle",
          unit="UTC", required=True),
        C("interval_min", "INTEGER", "Interval length", "durée d'intervalle", unit="min",
          required=True),
        C("volume", "DOUBLE", "Forecast offered contacts", "volume prévu", unit="contacts",
          required=True),
        C("aht_s", "DOUBLE", "Forecast average handle time", "DMT prévue", unit="s"),
        C("model", "VARCHAR", "Model that produced it", "modèle"),
        LOAD_ID,
    ), key=("snapshot_id", "queue_id", "interval_start"), group="planning"),
    TableSpec("costs", "coût", "Cost lines per site and month (staff, telecom, IT, premises).", (
        C("site_id", "VARCHAR", "Site", "site", required=True),
        C("period_start", "DATE", "First day of the period", "début de période", required=True),
        C("period_end", "DATE", "Day after the period", "fin de période", required=True),
        C("category", "VARCHAR", "Cost category", "poste de coût", required=True),
        C("amount_eur", "DOUBLE", "Amount", "montant", unit="EUR", required=True),
        LOAD_ID,
    ), key=("site_id", "period_start", "category"), group="planning"),
    # ---------------------------------------------------------------- quality and customer
    TableSpec("evaluations", "évaluation qualité", "A quality evaluation of one contact.", (
        C("evaluation_id", "VARCHAR", "Evaluation identifier", "identifiant", required=True),
        C("contact_id", "VARCHAR", "Contact evaluated", "contact évalué"),
        C("advisor_id", "VARCHAR", "Advisor evaluated", "conseiller", required=True),
        C("evaluator", "VARCHAR", "Who evaluated", "évaluateur"),
        C("grid_id", "VARCHAR", "Evaluation grid", "grille d'évaluation", required=True),
        C("evaluated_at", "TIMESTAMP", "When", "évalué le", unit="UTC", required=True),
        C("score", "DOUBLE", "Points obtained", "note obtenue", unit="points", required=True),
        C("max_score", "DOUBLE", "Points possible", "note maximale", unit="points",
          required=True),
        C("critical_error", "BOOLEAN", "At least one critical criterion failed",
          "erreur critique", required=True),
        LOAD_ID,
    ), key=("evaluation_id",), group="quality"),
    TableSpec("evaluation_criteria", "critère d'évaluation", "Per-criterion scores.", (
        C("evaluation_id", "VARCHAR", "Evaluation", "évaluation", required=True),
        C("criterion", "VARCHAR", "Criterion of the grid", "critère", required=True),
        C("score", "DOUBLE", "Points obtained", "note", unit="points", required=True),
        C("max_score", "DOUBLE", "Points possible", "note maximale", unit="points",
          required=True),
        C("critical", "BOOLEAN", "Whether the criterion is critical", "critère critique",
          required=True),
        LOAD_ID,
    ), key=("evaluation_id", "criterion"), group="quality"),
    TableSpec("survey_responses", "réponse d'enquête",
              "Customer survey answers: CSAT, NPS, CES, verbatim and its follow-up.", (
        C("response_id", "VARCHAR", "Response identifier", "identifiant", required=True),
        C("contact_id", "VARCHAR", "Contact surveyed", "contact"),
        C("customer_key", "VARCHAR", "Pseudonymised customer", "client pseudonymisé"),
        C("responded_at", "TIMESTAMP", "When", "répondu le", unit="UTC", required=True),
        C("csat", "INTEGER", "Satisfaction 1–5", "satisfaction (1 à 5)", unit="1-5"),
        C("nps", "INTEGER", "Likelihood to recommend 0–10", "recommandation (0 à 10)",
          unit="0-10"),
        C("ces", "INTEGER", "Effort 1–7 (7 = very easy)", "effort client (1 à 7)", unit="1-7"),
        C("verbatim", "VARCHAR", "Free comment", "verbatim"),
        C("verbatim_negative", "BOOLEAN", "The comment is negative", "verbatim négatif"),
        C("followup_status", "VARCHAR", "Follow-up of the comment", "reprise du verbatim",
          vocabulary=FollowupStatus),
        C("followup_at", "TIMESTAMP", "When it was followed up", "repris le", unit="UTC"),
        LOAD_ID,
    ), key=("response_id",), group="quality"),
)}

BOOKKEEPING: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("loads", "chargement", "One row per load committed to the workspace.", (
        C("load_id", "VARCHAR", "Load identifier", "identifiant", required=True),
        C("source_path", "VARCHAR", "File or generator", "fichier", required=True),
        C("content_sha256", "VARCHAR", "SHA-256 of the file content", "empreinte",
          required=True),
        C("format", "VARCHAR", "Input format", "format", required=True),
        C("mapping", "VARCHAR", "Mapping used", "correspondance"),
        C("loaded_at", "TIMESTAMP", "When", "chargé le", unit="UTC", required=True),
        C("rows_read", "BIGINT", "Rows (lines, records) read", "lignes lues", required=True),
        C("rows_loaded", "BIGINT", "Rows accepted", "lignes chargées", required=True),
        C("rows_quarantined", "BIGINT", "Rows rejected to quarantine", "lignes rejetées",
          required=True),
    ), key=("load_id",), group="bookkeeping", lineage=False),
    TableSpec("quarantine", "quarantaine", "Rejected rows with file, line, column, value and "
              "reason.", (
        C("load_id", "VARCHAR", "Load", "chargement", required=True),
        C("file", "VARCHAR", "File", "fichier", required=True),
        C("line", "BIGINT", "Line number (1-based, header included)", "ligne"),
        C("column", "VARCHAR", "Column at fault", "colonne"),
        C("value", "VARCHAR", "Offending value", "valeur"),
        C("reason", "VARCHAR", "Why it was rejected, and what to do", "motif", required=True),
        C("record", "VARCHAR", "The raw record", "enregistrement brut"),
    ), group="bookkeeping", lineage=False),
)}

ALL_TABLES: dict[str, TableSpec] = {**TABLES, **BOOKKEEPING}


def table(name: str) -> TableSpec:
    try:
        return ALL_TABLES[name]
    except KeyError:
        raise InternalError(f"no canonical table named {name!r}") from None
