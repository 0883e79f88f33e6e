"""Reading a queue_log source into Arrow: the lines of a native file, or the rows of a table
export, each with its 1-based line number. No interpretation happens here."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from pilotage.errors import InputError, MappingError
from pilotage.ingest.queue_log_mapping import QueueLogTableMapping

DATA_FIELDS = 10  # data1..data10 are kept as columns d1..d10

RAW_SCHEMA = pa.schema(
    [pa.field("line", pa.int64()), pa.field("record", pa.string()),
     pa.field("time_text", pa.string()), pa.field("callid", pa.string()),
     pa.field("queue", pa.string()), pa.field("agent", pa.string()),
     pa.field("event", pa.string()), pa.field("data", pa.string()),
     pa.field("nfields", pa.int32())]
    + [pa.field(f"d{i}", pa.string()) for i in range(1, DATA_FIELDS + 1)]
    + [pa.field("bad_column", pa.string()), pa.field("bad_value", pa.string()),
       pa.field("bad_reason", pa.string())])

NATIVE_SCHEMA = pa.schema([pa.field("line", pa.int64()), pa.field("record", pa.string()),
                           pa.field("undecodable", pa.bool_())])

_BLANK = " \t\r"  # a line of only these is blank
_SURROGATE = re.compile("[\udc80-\udcff]")
_UNDECODABLE = ("bytes that are not valid {encoding}: the file is damaged or in another "
                "encoding; re-export it as {encoding} or fix the bytes")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}",
                         hint="check the path and the file's permissions") from None


def _content_lines(text: str) -> list[str]:
    """Split on LF; a blank tail (the newline ending the last line) is not a line."""
    lines = text.split("\n")
    while lines and not lines[-1].strip(_BLANK):
        lines.pop()
    return lines


def read_native_lines(path: Path) -> pa.Table:
    """Every line of a native queue_log, undecodable ones flagged (their text backslash-escaped).
    ``\\r`` of CRLF files is left for the caller to strip."""
    data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        lines = _content_lines(data.decode("utf-8"))
        undecodable = pa.nulls(len(lines), pa.bool_()).fill_null(False)
        records = pa.array(lines, type=pa.string())
    except UnicodeDecodeError:
        raw = data.split(b"\n")
        while raw and not raw[-1].strip(_BLANK.encode()):
            raw.pop()
        texts: list[str] = []
        flags: list[bool] = []
        for chunk in raw:
            try:
                texts.append(chunk.decode("utf-8"))
                flags.append(False)
            except UnicodeDecodeError:
                texts.append(chunk.decode("utf-8", errors="backslashreplace"))
                flags.append(True)
        records = pa.array(texts, type=pa.string())
        undecodable = pa.array(flags, type=pa.bool_())
    line_numbers = pa.array(np.arange(1, len(records) + 1, dtype=np.int64))
    return pa.Table.from_arrays([line_numbers, records, undecodable], schema=NATIVE_SCHEMA)


def sniff_realtime_header(path: Path) -> bool:
    """Whether the file starts with the header of the Asterisk realtime ``queue_log`` table."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    except OSError:
        return False
    cells = [c.strip().strip('"').lower() for c in re.split(r"[,;\t]", first.strip())]
    return all(name in cells for name in ("time", "callid", "queuename", "event"))


def read_table_rows(path: Path, mapping: QueueLogTableMapping, mapping_name: str) -> pa.Table:
    """The rows of a table export as :data:`RAW_SCHEMA` columns (one pass of :mod:`csv`)."""
    dialect = mapping.csv
    data = _read_bytes(path)
    text = data.decode(dialect.encoding, errors="surrogateescape").lstrip("\ufeff")
    physical = _content_lines(text)
    reader = csv.reader(physical, delimiter=dialect.delimiter, quotechar=dialect.quote,
                        strict=False)
    try:
        header = next(reader)
    except StopIteration:
        return RAW_SCHEMA.empty_table()
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: the header cannot be read: {exc}",
                         hint="check the mapping's csv.delimiter and csv.quote") from None
    names = [h.strip() for h in header]
    cols = mapping.columns
    wanted = {"time": cols.time, "callid": cols.callid, "queue": cols.queue,
              "agent": cols.agent, "event": cols.event}
    wanted.update({f"data[{i}]": c for i, c in enumerate(cols.data)})
    missing = [f"column '{column}' (mapping '{mapping_name}', field 'columns.{field}')"
               for field, column in wanted.items() if column not in names]
    if missing:
        raise MappingError(f"{path}: line 1: {'; '.join(missing)} not in the header {names}",
                           hint="fix the column names in the mapping, or check csv.delimiter")
    index = {field: names.index(column) for field, column in wanted.items()}
    needed = max(index.values()) + 1

    out: dict[str, list[object]] = {f.name: [] for f in RAW_SCHEMA}
    n_data = len(cols.data)
    blank_data: list[str | None] = [None] * (DATA_FIELDS - n_data)
    problem: tuple[str | None, str | None, str]
    line_no = 1  # physical line of the row being read (the header was line 1)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = None
            problem = (None, None, f"unreadable CSV record ({exc}): fix the quoting")
        line_no = start
        record = dialect.delimiter.join(row) if row is not None else physical[start - 1]
        bad = _SURROGATE.search(record) is not None
        if bad:
            record = record.encode("utf-8", errors="surrogateescape").decode(
                "utf-8", errors="backslashreplace")
        out["line"].append(line_no)
        out["record"].append(record)
        if row is None or bad or len(row) < needed:
            if row is None:
                pass
            elif bad:
                problem = (None, record, _UNDECODABLE.format(encoding=dialect.encoding))
            elif not row or (len(row) == 1 and not row[0].strip()):
                problem = (None, None, "empty line inside the export: remove it")
            else:
                problem = (None, str(len(row)),
                           f"too few columns ({len(row)}; the mapping needs {needed}): the "
                           f"row is cut or the delimiter is wrong; repair or remove it")
            for name in ("time_text", "callid", "queue", "agent", "event", "data"):
                out[name].append(None)
            out["nfields"].append(0)
            for i in range(1, DATA_FIELDS + 1):
                out[f"d{i}"].append(None)
            out["bad_column"].append(problem[0])
            out["bad_value"].append(problem[1])
            out["bad_reason"].append(problem[2])
            continue
        out["time_text"].append(row[index["time"]])
        out["callid"].append(row[index["callid"]])
        out["queue"].append(row[index["queue"]])
        out["agent"].append(row[index["agent"]])
        out["event"].append(row[index["event"]])
        fields = [row[index[f"data[{i}]"]] for i in range(n_data)]
        out["data"].append("|".join(fields).rstrip("|"))
        out["nfields"].append(5 + n_data)
        for i, value in enumerate([*fields[:DATA_FIELDS], *blank_data], start=1):
            out[f"d{i}"].append(value)
        out["bad_column"].append(None)
        out["bad_value"].append(None)
        out["bad_reason"].append(None)
    return pa.Table.from_pydict(out, schema=RAW_SCHEMA)
