"""The Asterisk app_queue event vocabulary, as Pilotage reads it.

Source: Asterisk documentation "Queue Logs" (summarised in ``shared/docs/reference-values.md``
section 3). Data fields are numbered from 1 (``data1`` is the 6th pipe-separated field of a
native line).
"""

from __future__ import annotations

from pilotage.model.vocabulary import Outcome

# An event that starts a queued call (a contact). FULL and JOINEMPTY are written instead of
# ENTERQUEUE when the caller could not join, so they start (and end) a contact of their own.
START_EVENTS: frozenset[str] = frozenset({"ENTERQUEUE", "FULL", "JOINEMPTY"})

# Final event of a queued call -> outcome.
TERMINAL_OUTCOMES: dict[str, Outcome] = {
    "COMPLETEAGENT": Outcome.ANSWERED,
    "COMPLETECALLER": Outcome.ANSWERED,
    "TRANSFER": Outcome.TRANSFERRED,
    "BLINDTRANSFER": Outcome.TRANSFERRED,
    "ATTENDEDTRANSFER": Outcome.TRANSFERRED,
    "ABANDON": Outcome.ABANDONED,
    "EXITWITHTIMEOUT": Outcome.TIMEOUT,
    "EXITWITHKEY": Outcome.EXIT_KEY,
    "EXITEMPTY": Outcome.EXIT_EMPTY,
    "JOINEMPTY": Outcome.EXIT_EMPTY,
    "FULL": Outcome.EXIT_FULL,
    # Answered by a member whose channel could not be bridged: Asterisk drops the caller
    # (and counts it as abandoned); we keep it apart as a technical failure.
    "SYSCOMPAT": Outcome.FAILED,
}

# Events of a call that neither start nor end it.
CALL_PROGRESS_EVENTS: frozenset[str] = frozenset({
    "CONNECT", "RINGNOANSWER", "RINGCANCELED", "AGENTDUMP", "DID", "INFO",
})

CALL_EVENTS: frozenset[str] = START_EVENTS | frozenset(TERMINAL_OUTCOMES) | CALL_PROGRESS_EVENTS

# Member / agent presence: (event, logged in after it?).
LOGIN_EVENTS: frozenset[str] = frozenset({"ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN"})
LOGOFF_EVENTS: frozenset[str] = frozenset({"REMOVEMEMBER", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF"})
PAUSE_EVENTS: frozenset[str] = frozenset({"PAUSE", "PAUSEALL"})
UNPAUSE_EVENTS: frozenset[str] = frozenset({"UNPAUSE", "UNPAUSEALL"})

# Events that carry no state Pilotage needs, but are part of app_queue's vocabulary.
SYSTEM_EVENTS: frozenset[str] = frozenset({
    "QUEUESTART", "CONFIGRELOAD", "PENALTY", "AGENTCALLED", "MEMBERCALLED",
})

KNOWN_EVENTS: frozenset[str] = (CALL_EVENTS | LOGIN_EVENTS | LOGOFF_EVENTS | PAUSE_EVENTS
                                | UNPAUSE_EVENTS | SYSTEM_EVENTS)

# callid values that do not name a caller channel.
NON_CALL_IDS: frozenset[str] = frozenset({"", "NONE", "MANAGER", "REALTIME"})

# Position (1-based data field) of Asterisk's own duration measures, per event.
HOLDTIME_FIELD: dict[str, int] = {
    "CONNECT": 1, "COMPLETEAGENT": 1, "COMPLETECALLER": 1,
    "TRANSFER": 3, "BLINDTRANSFER": 3, "ATTENDEDTRANSFER": 3,
}
WAITTIME_FIELD: dict[str, int] = {
    "ABANDON": 3, "EXITWITHTIMEOUT": 3, "EXITEMPTY": 3, "EXITWITHKEY": 4,
}
CALLTIME_FIELD: dict[str, int] = {
    "COMPLETEAGENT": 2, "COMPLETECALLER": 2,
    "TRANSFER": 4, "BLINDTRANSFER": 4, "ATTENDEDTRANSFER": 4,
}

# Caller ids that identify nobody: stored as NULL rather than as one shared pseudonym.
ANONYMOUS_CALLER_IDS: frozenset[str] = frozenset({
    "anonymous", "unknown", "<unknown>", "restricted", "private", "unavailable", "none",
})


def advisor_id_sql(column: str) -> str:
    """SQL for the advisor id of a member interface (the rule is documented in
    :mod:`pilotage.ingest.queue_log`): the part after the technology prefix and before
    ``@context``; ``Agent/1141``, ``Local/1141@callback-agent`` and ``SIP/1141`` all give
    ``1141``; a plain member name (``Alice Martin``) is kept as it is; ``NONE`` and blanks give
    NULL."""
    c = f"trim({column})"
    return (f"CASE WHEN {c} IS NULL OR {c} IN ('', 'NONE') THEN NULL "
            f"ELSE nullif(trim(regexp_extract({c}, '^(?:[A-Za-z0-9_]+/)?([^@/]*)', 1)), '') END")


def trim_sql(column: str) -> str:
    """SQL ``trim(column)`` (strips Unicode space separators), skipped for the ASCII values
    without a space that it would leave as they are: trim allocates a new string per row."""
    return (f"CASE WHEN strlen({column}) = length({column}) AND NOT contains({column}, ' ') "
            f"THEN {column} ELSE trim({column}) END")
