"""Mapping files of kind ``queue_log_table``: a queue_log exported from a database table.

The YAML says which column holds each queue_log field, how time is encoded and the CSV
dialect. It is validated with pydantic; errors name the YAML line and field.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pilotage.errors import MappingError
from pilotage.ingest.mapping_files import MappingFile
from pilotage.model.time_zone import TimeZoneName

KIND = "queue_log_table"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CsvDialect(_Strict):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    header: Literal[True] = True
    encoding: str = "utf-8"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r} (e.g. 'utf-8', 'latin-1')") from None
        return value


class Columns(_Strict):
    """Column of the export holding each queue_log field (``data``: data1, data2, … in order)."""

    time: str
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = Field(min_length=1, max_length=10)


class TimeEncoding(_Strict):
    encoding: Literal["epoch", "datetime", "auto"]
    format: str | None = None  # strptime format for 'datetime' (None: ISO 8601)
    time_zone: TimeZoneName = "UTC"


class EventReading(_Strict):
    """How the events' data fields are to be read."""

    caller_id_field: int = Field(default=2, ge=1, le=10)  # ENTERQUEUE data field with the caller id
    # event_data: Asterisk's holdtime/calltime/waittime fields (timestamps when missing);
    # timestamps: differences of event times only.
    durations: Literal["event_data", "timestamps"] = "event_data"
    vendor_events: tuple[str, ...] = ()  # events of the vendor, not app_queue: kept, not read


class QueueLogTableMapping(_Strict):
    kind: Literal["queue_log_table"]
    description: str = ""
    source: str = ""
    csv: CsvDialect = CsvDialect()
    columns: Columns
    time: TimeEncoding
    events: EventReading = EventReading()


# Asterisk realtime ``queue_log`` table (``time, callid, queuename, agent, event, data1..5``).
REALTIME_COLUMNS: tuple[str, ...] = ("time", "callid", "queuename", "agent", "event")
DEFAULT_REALTIME = QueueLogTableMapping(
    kind="queue_log_table",
    description="Asterisk realtime queue_log table, standard column names (no mapping file)",
    columns=Columns(time="time", callid="callid", queue="queuename", agent="agent",
                    event="event", data=("data1", "data2", "data3", "data4", "data5")),
    time=TimeEncoding(encoding="auto", time_zone="UTC"),
)


def load_queue_log_mapping(mapping: MappingFile) -> QueueLogTableMapping:
    """Parse and validate a mapping; errors name the YAML line and field."""
    try:
        root = yaml.compose(mapping.text)
        data = yaml.safe_load(mapping.text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{mapping.path}: invalid YAML: {exc}",
                           hint="fix the YAML syntax at the line shown") from None
    if not isinstance(data, dict):
        raise MappingError(f"{mapping.path}: line 1: a mapping file is a YAML mapping "
                           f"(key: value lines)", hint="start it with 'kind: queue_log_table'")
    try:
        return QueueLogTableMapping.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            line = _line_of(root, err["loc"])
            lines.append(f"{mapping.path}: line {line}: field '{'.'.join(loc)}': {err['msg']}")
        raise MappingError("\n".join(lines),
                           hint=f"see the shipped example {_example()} for every field") from None


def _example() -> str:
    return "src/pilotage/ingest/mappings/mor-queue-log.yaml"


def _line_of(node: Any, loc: tuple[int | str, ...]) -> int:
    """1-based line of the deepest YAML node found along ``loc``."""
    line = 1 if node is None else node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
                part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
