"""Closed vocabularies of the data model (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"
    SMS = "sms"
    SOCIAL = "social"
    LETTER = "letter"


# Channels whose customers wait on the line in real time: queues of these, inbound, are staffed
# with Erlang and simulated; written work is a backlog, outbound is paced by the dialler.
REAL_TIME_CHANNELS = (Channel.VOICE, Channel.CHAT)


def is_real_time_queue(channel: str, direction: str) -> bool:
    """Whether callers of a queue of this channel and direction wait in real time."""
    return channel in REAL_TIME_CHANNELS and direction == "inbound"


def real_time_queue_sql(alias: str) -> str:
    """SQL predicate of :func:`is_real_time_queue` on the queues table aliased ``alias``."""
    channels = ", ".join(f"'{c.value}'" for c in REAL_TIME_CHANNELS)
    return f"({alias}.channel IN ({channels}) AND {alias}.direction = 'inbound')"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Outcome(StrEnum):
    """How a contact offered to a queue ended."""

    ANSWERED = "answered"  # taken by an advisor (also for written channels: handled)
    ABANDONED = "abandoned"  # the customer gave up while waiting in the queue
    IVR_ABANDONED = "ivr_abandoned"  # hung up in the IVR before reaching the queue
    TIMEOUT = "timeout"  # the queue's maximum wait expired (Asterisk EXITWITHTIMEOUT)
    EXIT_EMPTY = "exit_empty"  # left because no advisor was logged in (EXITEMPTY / JOINEMPTY)
    EXIT_FULL = "exit_full"  # rejected because the queue was full (FULL)
    EXIT_KEY = "exit_key"  # the caller pressed a key to leave (EXITWITHKEY)
    OVERFLOW = "overflow"  # sent to another queue or site before answer
    CALLBACK_REQUESTED = "callback_requested"  # left the queue with a callback request
    TRANSFERRED = "transferred"  # answered, then transferred by the advisor
    NO_ANSWER = "no_answer"  # outbound attempt that reached nobody
    BUSY = "busy"  # outbound attempt to a busy line
    FAILED = "failed"  # outbound attempt that failed (congestion, unavailable)
    UNFINISHED = "unfinished"  # the source ends before anyone took the contact


class ContractType(StrEnum):
    PERMANENT = "permanent"  # CDI
    FIXED_TERM = "fixed_term"  # CDD
    TEMP_AGENCY = "temp_agency"  # intérim


class AgentState(StrEnum):
    LOGGED_IN = "logged_in"  # session envelope; the other states lie inside it
    AVAILABLE = "available"
    ON_CONTACT = "on_contact"
    ACW = "acw"
    BREAK = "break"
    LUNCH = "lunch"
    TRAINING = "training"
    MEETING = "meeting"
    COACHING = "coaching"
    NOT_READY = "not_ready"  # with a reason code


class ScheduleActivity(StrEnum):
    WORK = "work"  # open to contacts on the queues of the advisor's skills
    BREAK = "break"
    LUNCH = "lunch"
    TRAINING = "training"
    MEETING = "meeting"
    COACHING = "coaching"
    BACK_OFFICE = "back_office"


class AbsenceType(StrEnum):
    SICKNESS = "sickness"
    HOLIDAY = "holiday"  # congés payés
    RTT = "rtt"  # réduction du temps de travail
    TRAINING = "training"
    UNAUTHORISED = "unauthorised"
    FAMILY = "family"
    OTHER = "other"


class FollowupStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    DONE = "done"
