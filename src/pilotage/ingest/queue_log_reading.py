"""Reading a queue_log source into Arrow: the lines of a native file, or the rows of a table
export, each with its 1-based line number. No interpretation happens here."""

from __future__ import annotations

import csv
import hashlib
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from pilotage.errors import InputError, MappingError
from pilotage.ingest.queue_log_mapping import QueueLogTableMapping

DATA_FIELDS = 10  # data1..data10 of a table export are kept as columns d1..d10


@dataclass(frozen=True)
class DataFieldsSql:
    """Where the event rows of a reading keep their data fields, and the SQL reaching the
    i-th (1-based) of a row whose columns carry ``prefix``."""

    columns: tuple[str, ...]  # d1..d10 (table export) or data (native: the raw rest)

    def field(self, prefix: str, i: int) -> str:
        if self.columns == ("data",):
            # an empty and a missing field read alike ('' where string_split gives NULL): every
            # use casts, trims or pseudonymises it to NULL; split_part builds no list
            return f"split_part({prefix}data, '|', {i})"
        return f"{prefix}d{i}"


# A native line keeps its data fields as one text (data1|data2|…), split only for the few
# rows whose fields are read.
NATIVE_DATA = DataFieldsSql(("data",))

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


@dataclass(frozen=True)
class NativeLines:
    """A native queue_log split into fields, without copying the file line by line.

    ``table`` has one row per decodable line (:data:`NATIVE_FIELDS_SCHEMA`); ``undecodable``
    lists the 1-based numbers of the lines that are not valid UTF-8. ``data`` holds the file's
    bytes and ``starts``/``ends`` the byte span of every line (``\r`` of CRLF excluded).
    """

    data: bytes
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    table: pa.Table
    undecodable: npt.NDArray[np.int64]
    sha256: str  # hex digest of the file's bytes

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def record(self, line: int) -> str:
        """Text of one line (1-based), undecodable bytes backslash-escaped."""
        chunk = self.data[int(self.starts[line - 1]):int(self.ends[line - 1])]
        return chunk.decode("utf-8", errors="backslashreplace")


NATIVE_FIELDS_SCHEMA = pa.schema(
    [pa.field("line", pa.int64()), pa.field("time_text", pa.large_string()),
     pa.field("callid", pa.large_string()), pa.field("queue", pa.large_string()),
     pa.field("agent", pa.large_string()), pa.field("event", pa.large_string()),
     pa.field("data", pa.large_string()), pa.field("nfields", pa.int32())])
_LF, _CR = 0x0A, 0x0D


def _last_content_byte(view: npt.NDArray[np.uint8], base: int) -> int:
    """Index of the last byte that is not blank nor LF (``base - 1`` when there is none)."""
    end = len(view)
    step = 1 << 16
    while end > base:
        lo = max(base, end - step)
        chunk = view[lo:end]
        content = np.flatnonzero((chunk != _LF) & (chunk != 0x20) & (chunk != 0x09)
                                 & (chunk != _CR))
        if len(content):
            return lo + int(content[-1])
        end = lo
    return base - 1


def _undecodable_lines(data: bytes, starts: npt.NDArray[np.int64],
                       ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0-based indexes of the lines that are not valid UTF-8 (blocks of lines are checked at
    once; only a failing block is checked line by line)."""
    view = memoryview(data)
    bad: list[int] = []
    block = 4096
    for first in range(0, len(starts), block):
        last = min(first + block, len(starts)) - 1
        try:
            str(view[starts[first]:ends[last]], "utf-8")
            continue
        except UnicodeDecodeError:
            pass
        for i in range(first, last + 1):
            try:
                str(view[starts[i]:ends[i]], "utf-8")
            except UnicodeDecodeError:
                bad.append(i)
    return np.asarray(bad, dtype=np.int64)


def _field(buffer: pa.Buffer, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64],
           present: npt.NDArray[np.bool_] | None) -> pa.Array:
    """A string array of the byte spans ``starts[i]:ends[i]`` (null where not ``present``).

    The spans are increasing and disjoint, so they are the even elements of one array whose
    offsets are the span bounds (the odd elements are the gaps); a ``take`` gathers them."""
    n = len(starts)
    offsets = np.empty(2 * n + 1, dtype=np.int64)
    offsets[0:2 * n:2] = starts
    offsets[1:2 * n:2] = ends
    offsets[2 * n] = ends[-1] if n else 0
    spans = pa.LargeStringArray.from_buffers(2 * n, pa.py_buffer(offsets), buffer)
    index = pa.array(np.arange(0, 2 * n, 2, dtype=np.int64),
                     mask=None if present is None or present.all() else ~present)
    return spans.take(index)


def _kth_pipes(all_pipes: npt.NDArray[np.int64], index: npt.NDArray[np.int64],
               ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``all_pipes[index]`` where that pipe lies before ``ends`` (in its line), else -1."""
    if not len(all_pipes):
        return np.full(len(index), -1, dtype=np.int64)
    pipe = all_pipes[np.minimum(index, len(all_pipes) - 1)]
    return np.where((index < len(all_pipes)) & (pipe < ends), pipe, -1)


_PIPE = 0x7C
_SPLIT_FIELDS = ("time_text", "callid", "queue", "agent", "event")


def split_native_lines(path: Path) -> NativeLines:
    """Every line of a native queue_log split on ``|`` (fields time, callid, queue, agent,
    event and the raw rest ``data``), with vectorised scans and no Python loop over lines:
    a BOM is skipped, ``\\r`` of CRLF dropped, a blank tail is not a line. Lines that are not
    UTF-8 are listed, not split. ``nfields`` is exact up to 5 and 6 for "6 or more".

    numpy, pyarrow and OpenSSL release the GIL on large arrays: a second thread scans the
    pipes, checks the UTF-8 and hashes the file while this one finds the lines, then gathers
    half of the fields."""
    data = _read_bytes(path)
    view = np.frombuffer(data, dtype=np.uint8)
    with ThreadPoolExecutor(max_workers=1) as helper:
        sha256 = helper.submit(lambda: hashlib.sha256(data).hexdigest())
        pipe_scan = helper.submit(_positions, view, _PIPE)
        buffer = pa.py_buffer(data)
        whole = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), 1,
            [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), buffer])
        utf8 = helper.submit(_is_utf8, whole)
        starts, ends = _line_spans(data, view)
        bad = np.empty(0, dtype=np.int64) if utf8.result() else _undecodable_lines(
            data, starts, ends)
        good = np.ones(len(starts), dtype=bool)
        good[bad] = False
        keep = np.flatnonzero(good)
        lo, line_end = starts[keep], ends[keep]
        columns: dict[str, pa.Array | Future[pa.Array]] = {
            "line": pa.array(keep + 1, type=pa.int64())}
        # every pipe of the file, once; the k-th pipe of a line is the k-th from its first
        all_pipes = pipe_scan.result()
        first = np.searchsorted(all_pipes, lo)
        present = np.ones(len(keep), dtype=bool)  # the field exists (the line has the pipes)
        pipes = np.zeros(len(keep), dtype=np.int64)
        for k, name in enumerate(_SPLIT_FIELDS):
            pipe = _kth_pipes(all_pipes, first + k, line_end)
            has_pipe = present & (pipe >= 0)
            hi = np.where(has_pipe, pipe, line_end)
            columns[name] = (helper.submit(_field, buffer, lo, hi, present) if k % 2
                             else _field(buffer, lo, hi, present))
            pipes += has_pipe
            present = has_pipe
            lo = np.where(has_pipe, pipe + 1, line_end)
        columns["data"] = _field(buffer, lo, line_end, None)
        # a 6th pipe is only looked for where there are 5
        sixth = present & (_kth_pipes(all_pipes, first + len(_SPLIT_FIELDS), line_end) >= 0)
        columns["nfields"] = pa.array((pipes + sixth + 1).astype(np.int32))
        arrays = {name: c.result() if isinstance(c, Future) else c
                  for name, c in columns.items()}
        digest = sha256.result()
    table = pa.Table.from_pydict(arrays, schema=NATIVE_FIELDS_SCHEMA)
    return NativeLines(data=data, starts=starts, ends=ends, table=table, undecodable=bad + 1,
                       sha256=digest)


_SCAN_BYTES = 1 << 22


def _positions(view: npt.NDArray[np.uint8], byte: int) -> npt.NDArray[np.int64]:
    """Indexes of ``byte`` in ``view``, scanned by blocks of 4 MiB through one reused mask:
    a mask of the whole file would be as large as the file, and fresh memory is slow to
    touch (page faults) where the bytes themselves are quick to compare."""
    mask = np.empty(min(len(view), _SCAN_BYTES), dtype=bool)
    found = []
    for lo in range(0, len(view), _SCAN_BYTES):
        block = view[lo:lo + _SCAN_BYTES]
        np.equal(block, byte, out=mask[:len(block)])
        found.append(np.flatnonzero(mask[:len(block)]) + lo)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _is_utf8(whole: pa.LargeBinaryArray) -> bool:
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _line_spans(data: bytes, view: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64],
                                                                   npt.NDArray[np.int64]]:
    """Byte span of every line (its LF and the CR of a CRLF excluded); a BOM is skipped, a
    blank tail is not a line; the last line runs to the next LF or the end."""
    base = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    last = _last_content_byte(view, base)
    if last < base:
        lf = np.empty(0, dtype=np.int64)
        n = 0
    else:
        lf = _positions(view[base:last + 1], _LF) + base
        n = len(lf) + 1
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    if n:
        starts[0] = base
        starts[1:] = lf + 1
        ends[:-1] = lf
        tail_lf = data.find(b"\n", last + 1)
        ends[-1] = len(data) if tail_lf < 0 else tail_lf
    while True:  # rtrim \r
        trailing = (ends > starts) & (view[np.maximum(ends - 1, 0)] == _CR)
        if not trailing.any():
            break
        ends -= trailing
    return starts, ends


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
