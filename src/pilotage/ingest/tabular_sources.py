"""Reading a tabular file into a DuckDB relation of source rows, each with its line number.

Every record read ends up either in the relation (``__line`` = 1-based line of the file,
header included; for Parquet the 1-based row number; for a JSON array the record number) or
in the structural quarantine (wrong field count, broken quoting, undecodable bytes): nothing is
dropped silently. Blank lines are not records; they are counted in ``notes``.

Readers, fastest first:

* DuckDB ``read_csv`` (parallel) for UTF-8 delimited files. Its rejected lines carry their line
  number; accepted rows get theirs from their position, which is exact when every record is
  one line and there are no blank lines (checked by counting newlines). Otherwise:
* line splitting in DuckDB (``string_split`` of the whole text): exact line numbers, used for
  the ``whitespace`` delimiter and for files without any quote character;
* Python's ``csv`` module for quoted files whose records span lines, and other encodings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pilotage.errors import InputError
from pilotage.ingest.table_mapping import WHITESPACE, Dialect, TableMapping
from pilotage.store.batch import QUARANTINE_SCHEMA

SOURCE_VIEW = "__pilotage_src"
LINE = "__line"
# (source columns -> DuckDB type, FROM relation, SQL of the line number, "CAST(NULL AS
# BIGINT)" when lines come from positions) -> the SELECT converting the rows
Convert = Callable[[dict[str, str], str, str], str]
_REPLACEMENT = "\ufffd"
_HEAD = 1 << 16  # bytes read for the header
_CHUNK = 1 << 22  # bytes per read of the scan (one reused buffer)


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells: its SHA-256 and the facts the DuckDB reader
    needs to turn row positions into exact line numbers. Made by :func:`scan_file` in a
    thread while DuckDB reads the file, through one reused buffer (the whole file is never
    held in memory: fresh memory costs about 1.7 ms per MB to touch on this machine)."""

    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    has_cr: bool
    has_crlf: bool
    has_quote: bool

    @property
    def physical_lines(self) -> int:
        return self.newlines + (0 if self.ends_with_newline or not self.size else 1)


def _blocks(path: Path) -> Iterator[tuple[bytearray, int, bytes]]:
    """The file by blocks through one reused buffer: (buffer, bytes in it, the bytes around
    the boundary with the previous block, for patterns of up to 3 bytes across it)."""
    buf = bytearray(_CHUNK)
    tail = b""
    with path.open("rb", buffering=0) as handle:
        while n := handle.readinto(buf):
            yield buf, n, tail + bytes(buf[:min(n, 2)])
            tail = (tail + bytes(buf[max(n - 2, 0):n]))[-2:]


def scan_file(path: Path, quote: str | None) -> FileScan:
    """Hash ``path``; count its newlines; note its CRs and whether ``quote`` occurs."""
    digest = hashlib.sha256()
    quote_bytes = quote.encode() if quote else None
    size = newlines = 0
    has_cr = has_crlf = quoted = False
    last = b""
    for buf, n, edge in _blocks(path):
        block = memoryview(buf)[:n]
        digest.update(block)
        size += n
        # numpy counts 3-4x faster than bytes.count; the block's mask is small and reused
        newlines += int(np.count_nonzero(np.frombuffer(block, np.uint8) == 10))
        has_cr = has_cr or buf.find(b"\r", 0, n) >= 0
        if has_cr and not has_crlf:
            has_crlf = buf.find(b"\r\n", 0, n) >= 0 or b"\r\n" in edge
        if quote_bytes is not None and not quoted:
            quoted = buf.find(quote_bytes, 0, n) >= 0 or quote_bytes in edge
        last = bytes(buf[n - 1:n])
        del block
    return FileScan(digest.hexdigest(), size, newlines, last == b"\n", has_cr, has_crlf,
                    quoted)


def has_blank_line(path: Path) -> bool:
    """Whether ``path`` holds an empty line ("\\n\\n" or "\\n\\r\\n")."""
    for buf, n, edge in _blocks(path):
        if (buf.find(b"\n\n", 0, n) >= 0 or buf.find(b"\n\r\n", 0, n) >= 0
                or b"\n\n" in edge or b"\n\r\n" in edge):
            return True
    return False


@dataclass
class SourceRows:
    """Source rows registered as ``SOURCE_VIEW`` in the connection."""

    columns: dict[str, str]  # source column -> DuckDB type
    rows_read: int
    structural: pa.Table
    delimiter: str | None = None  # to rebuild a record from its fields
    notes: dict[str, int] = field(default_factory=dict)
    keep_alive: list[object] = field(default_factory=list)  # Arrow tables DuckDB scans
    # Set when the reader already converted its rows (CSV read by DuckDB, in file order): the
    # row at position k is on line first_line + k + (number of reject_positions <= k).
    converted: pa.Table | None = None
    first_line: int = 1
    reject_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def lines(self, positions: np.ndarray) -> np.ndarray:
        """Line numbers of converted rows from their positions (0-based, file order)."""
        shifts = np.searchsorted(self.reject_positions, positions, side="right")
        return self.first_line + positions + shifts


def _quarantine(file: str, lines: Sequence[int | None], reasons: Sequence[str],
                records: Sequence[str | None]) -> pa.Table:
    n = len(lines)
    return pa.table({"file": pa.array([file] * n, pa.string()),
                     "line": pa.array(lines, pa.int64()),
                     "column": pa.array([None] * n, pa.string()),
                     "value": pa.array([None] * n, pa.string()),
                     "reason": pa.array(reasons, pa.string()),
                     "record": pa.array(records, pa.string())}, schema=QUARANTINE_SCHEMA)


def _unique_names(raw: Sequence[str]) -> list[str]:
    names: list[str] = []
    for i, name in enumerate(raw, start=1):
        base = name.strip().strip("\ufeff") or f"column{i}"
        candidate, k = base, 2
        while candidate in names:
            candidate, k = f"{base}_{k}", k + 1
        names.append(candidate)
    return names


def _describe(dialect: Dialect) -> str:
    delim = {"\t": "tab", WHITESPACE: "whitespace"}.get(dialect.delimiter,
                                                       repr(dialect.delimiter))
    return f"delimiter {delim}, quote {dialect.quote!r}"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _TextFile:
    """The decoded text of a file, with the lines that had undecodable bytes."""

    def __init__(self, path: Path, data: bytes, encoding: str) -> None:
        try:
            self.text = data.decode(encoding)
            self.had_errors = False
        except UnicodeDecodeError:
            self.text = data.decode(encoding, errors="replace")
            self.had_errors = True
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}",
                             hint="set dialect.encoding to e.g. utf-8, latin-1 or cp1252") from None
        if self.text.startswith("\ufeff"):
            self.text = self.text[1:]


def _header_fields(line: str, dialect: Dialect) -> list[str]:
    line = line.rstrip("\r\n")
    if dialect.delimiter == WHITESPACE:
        return line.split()
    if dialect.quote is None:
        return line.split(dialect.delimiter)
    return next(csv.reader([line], delimiter=dialect.delimiter, quotechar=dialect.quote,
                           escapechar=dialect.escape, doublequote=dialect.escape is None,
                           strict=False), [])


def _column_names(path: Path, lines_head: list[str], mapping: TableMapping) -> list[str]:
    """Names of the source columns, from the header line or from the mapping."""
    dialect = mapping.dialect
    if dialect.header:
        if len(lines_head) <= dialect.skip_lines:
            raise InputError(f"{path}: line {dialect.skip_lines + 1}: the header line is "
                             "missing (the file is empty)",
                             hint="check the file, or set dialect.header: false")
        return _unique_names(_header_fields(lines_head[dialect.skip_lines], dialect))
    if mapping.source_columns:
        return list(mapping.source_columns)
    first = next((ln for ln in lines_head[dialect.skip_lines:] if ln.strip()), "")
    return [f"column{i}" for i in range(1, len(_header_fields(first, dialect)) + 1)]


def read_delimited(con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping,
                   convert: Convert, scan: Callable[[], FileScan]) -> SourceRows:
    """Read ``path``; when read by DuckDB the rows are converted in the same pass.

    ``scan`` gives the :class:`FileScan` of the file (computed in a thread meanwhile)."""
    dialect = mapping.dialect
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    text_head = head.decode(dialect.encoding, errors="replace").lstrip("\ufeff")
    head_lines = text_head.splitlines(keepends=True)
    data: bytes | None = None
    if len(head_lines) > dialect.skip_lines + 1 or len(head) < _HEAD:
        names = _column_names(path, head_lines, mapping)
    else:  # a header longer than 64 KiB
        data = path.read_bytes()
        names = _column_names(path, _TextFile(path, data, dialect.encoding).text
                              .splitlines(keepends=True)[:dialect.skip_lines + 1], mapping)
    utf8 = dialect.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    if dialect.delimiter != WHITESPACE and utf8:
        result = _read_with_duckdb_csv(con, path, head, scan, names, mapping, convert)
        if result is not None:
            return result
    text = _TextFile(path, path.read_bytes() if data is None else data, dialect.encoding)
    if dialect.delimiter == WHITESPACE or not scan().has_quote:
        return _read_by_splitting(con, path, text, names, mapping)
    return _read_with_python_csv(con, path, text, names, mapping)


def _withheld(mapping: TableMapping) -> bool:
    return bool(mapping.pseudonymised_sources)


_WITHHELD = " (record withheld: it holds identifiers that are pseudonymised)"


def _read_with_duckdb_csv(con: duckdb.DuckDBPyConnection, path: Path, head: bytes,
                          scan: Callable[[], FileScan], names: list[str],
                          mapping: TableMapping, convert: Convert) -> SourceRows | None:
    """Parallel read and conversion in one pass; None when line numbers could not be exact
    (then a slower reader runs)."""
    dialect = mapping.dialect

    def unfit(facts: FileScan) -> bool:
        # CR-only line endings; and DuckDB skips a blank line of a file with several columns
        # (the count of lines below then differs, and a slower reader runs), but reads it as
        # a row of NULL when there is only one column: looked for only then.
        return (facts.has_cr and not facts.has_crlf) or (len(names) == 1
                                                         and has_blank_line(path))

    if head.startswith((b"\n", b"\r")):
        return None  # a blank first line
    header_lines = dialect.skip_lines + (1 if dialect.header else 0)
    columns = {n: "VARCHAR" for n in names}
    if len(head) < _HEAD:  # a small file: its facts now (else once DuckDB has read it)
        facts = scan()
        if unfit(facts):
            return None
        if facts.physical_lines <= header_lines:
            keep = _register_empty(con, names)
            converted = con.sql(convert(columns, SOURCE_VIEW, LINE)).to_arrow_table()
            return SourceRows(columns, 0, _quarantine(str(path), [], [], []),
                              dialect.delimiter, keep_alive=[keep], converted=converted)
    spec = "{" + ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in names) + "}"
    quote = _sql_string(dialect.quote or "")
    escape = _sql_string(dialect.escape or dialect.quote or "")
    reader = (f"read_csv({_sql_string(str(path))}, columns={spec}, "
              f"auto_detect=false, header={str(dialect.header).lower()}, "
              f"skip={dialect.skip_lines}, delim={_sql_string(dialect.delimiter)}, "
              f"quote={quote}, escape={escape}, store_rejects=true, rejects_limit=0, "
              f"strict_mode=true, null_padding=false, all_varchar=true)")
    select = convert(columns, reader, "CAST(NULL AS BIGINT)")  # lines: from positions
    try:
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        converted = con.sql(select).to_arrow_table()
        rejects = con.sql(
            "SELECT line, any_value(csv_line), string_agg(DISTINCT error_type, ', ') "
            "FROM reject_errors GROUP BY line ORDER BY line").fetchall()
    except duckdb.Error:
        if unfit(scan()):
            return None
        try:  # the reading failed (a slower reader runs), or the conversion (re-raised)
            con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
            con.sql(f"SELECT count(*) FROM {reader}").fetchall()
        except duckdb.Error:
            return None
        raise
    facts = scan()
    accepted = converted.num_rows
    if unfit(facts) or accepted + len(rejects) + header_lines != facts.physical_lines:
        return None  # records spanning lines, or blank lines: positions would drift
    first = header_lines + 1
    reject_lines = np.array([int(r[0]) for r in rejects], dtype=np.int64)
    # accepted row k (0-based, file order) is on line first + k + (rejected lines before it);
    # rejected line j (0-based) sits before accepted position r_j - first - j.
    positions = reject_lines - first - np.arange(len(reject_lines), dtype=np.int64)
    withheld = _withheld(mapping)
    reasons = [f"the line does not fit the dialect ({_describe(dialect)}): "
               f"{str(r[2]).lower()}; fix the line, or the dialect in the mapping"
               + (_WITHHELD if withheld else "") for r in rejects]
    records = [None if withheld else (str(r[1]).strip("\r\n") if r[1] is not None else None)
               for r in rejects]
    structural = _quarantine(str(path), reject_lines.tolist(), reasons, records)
    return SourceRows(columns, accepted + len(rejects), structural, dialect.delimiter,
                      converted=converted, first_line=first, reject_positions=positions)


def _register_empty(con: duckdb.DuckDBPyConnection, names: list[str]) -> pa.Table:
    table = pa.table({**{n: pa.array([], pa.string()) for n in names},
                      LINE: pa.array([], pa.int64())})
    con.register(SOURCE_VIEW, table)
    return table


def _read_by_splitting(con: duckdb.DuckDBPyConnection, path: Path, text: _TextFile,
                       names: list[str], mapping: TableMapping) -> SourceRows:
    """Exact line numbers: split the whole text on newlines, then each line on the delimiter."""
    dialect = mapping.dialect
    content = pa.table({"content": pa.array([text.text], pa.large_string())})
    con.register("__pilotage_content", content)
    first = dialect.skip_lines + (1 if dialect.header else 0) + 1
    if dialect.delimiter == WHITESPACE:
        fields = "regexp_split_to_array(trim(__text, ' ' || chr(9)), '[ \t]+')"
    else:
        fields = f"string_split(__text, {_sql_string(dialect.delimiter)})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __pilotage_lines AS
        SELECT __line, __text, {fields} AS __fields FROM (
            SELECT generate_subscripts(s, 1) AS __line, rtrim(unnest(s), chr(13)) AS __text
            FROM (SELECT string_split(content, chr(10)) AS s FROM __pilotage_content))
        WHERE __line >= {first} AND trim(__text, ' ' || chr(9)) <> ''""")
    con.unregister("__pilotage_content")
    n = len(names)
    bad_bytes = "contains(__text, chr(65533))" if text.had_errors else "false"
    select = ", ".join(f"__fields[{i + 1}] AS {_quote_ident(name)}"
                       for i, name in enumerate(names))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT {select}, __line "
                f"FROM __pilotage_lines WHERE len(__fields) = {n} AND NOT {bad_bytes}")
    withheld = _withheld(mapping)
    bad = con.sql(f"SELECT __line, len(__fields), {bad_bytes}, __text FROM __pilotage_lines "
                  f"WHERE len(__fields) <> {n} OR {bad_bytes} ORDER BY __line").fetchall()
    reasons = []
    for _, count, undecodable, _ in bad:
        if undecodable:
            reason = (f"the line has bytes that are not valid {dialect.encoding}; "
                      "set dialect.encoding to the file's encoding (e.g. latin-1, cp1252)")
        else:
            reason = (f"the line has {count} fields, expected {n} ({_describe(dialect)}); "
                      "fix the line, or the dialect in the mapping")
        reasons.append(reason + (_WITHHELD if withheld else ""))
    structural = _quarantine(str(path), [int(b[0]) for b in bad], reasons,
                             [None if withheld else str(b[3]) for b in bad])
    row = con.sql("SELECT count(*) FROM __pilotage_lines").fetchall()[0]
    total_lines = text.text.count("\n") + (0 if text.text.endswith("\n") else 1)
    blank = max(total_lines - (first - 1) - int(row[0]), 0) if text.text else 0
    delimiter = " " if dialect.delimiter == WHITESPACE else dialect.delimiter
    return SourceRows({name: "VARCHAR" for name in names}, int(row[0]), structural, delimiter,
                      notes={"blank_lines": blank} if blank else {})


def _read_with_python_csv(con: duckdb.DuckDBPyConnection, path: Path, text: _TextFile,
                          names: list[str], mapping: TableMapping) -> SourceRows:
    """Quoted records spanning lines: Python's csv module, slower but with exact lines."""
    dialect = mapping.dialect
    body = text.text
    for _ in range(dialect.skip_lines):
        cut = body.find("\n")
        body = "" if cut < 0 else body[cut + 1:]
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quote, escapechar=dialect.escape,
                        doublequote=dialect.escape is None, strict=True)
    n = len(names)
    columns: list[list[str]] = [[] for _ in names]
    lines: list[int] = []
    bad_lines: list[int] = []
    reasons: list[str] = []
    records: list[str | None] = []
    withheld = _withheld(mapping)
    end = 0
    header_pending = dialect.header
    blank = 0
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            bad_lines.append(start + dialect.skip_lines)
            reasons.append(f"the record cannot be read ({exc}; {_describe(dialect)}); fix its "
                           "quoting" + (_WITHHELD if withheld else ""))
            records.append(None)
            continue
        end = reader.line_num
        if header_pending:
            header_pending = False
            continue
        if not record or all(not f.strip() for f in record) and len(record) <= 1:
            blank += 1
            continue
        line = start + dialect.skip_lines
        joined = dialect.delimiter.join(record)
        if len(record) != n or (text.had_errors and _REPLACEMENT in joined):
            bad_lines.append(line)
            if len(record) != n:
                reasons.append(f"the record has {len(record)} fields, expected {n} "
                               f"({_describe(dialect)}); fix the line, or the dialect in the "
                               "mapping" + (_WITHHELD if withheld else ""))
            else:
                reasons.append(f"the line has bytes that are not valid {dialect.encoding}; set "
                               "dialect.encoding to the file's encoding"
                               + (_WITHHELD if withheld else ""))
            records.append(None if withheld else joined)
            continue
        for i, value in enumerate(record):
            columns[i].append(value)
        lines.append(line)
    fields = {name: pa.array(col, pa.string())
              for name, col in zip(names, columns, strict=True)}
    table = pa.table({**fields, LINE: pa.array(lines, pa.int64())})
    con.register(SOURCE_VIEW, table)
    structural = _quarantine(str(path), bad_lines, reasons, records)
    return SourceRows({name: "VARCHAR" for name in names}, len(lines) + len(bad_lines),
                      structural, dialect.delimiter, notes={"blank_lines": blank} if blank else {},
                      keep_alive=[table])


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> SourceRows:
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT * EXCLUDE "
                    f"(file_row_number), file_row_number + 1 AS {LINE} FROM "
                    f"read_parquet({_sql_string(str(path))}, file_row_number=true)")
        columns = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE {SOURCE_VIEW}").fetchall()
                   if r[0] != LINE}
        row = con.sql("SELECT sum(num_rows) FROM parquet_file_metadata("
                      f"{_sql_string(str(path))})").fetchall()[0]  # no scan
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as Parquet: {exc}",
                         hint="check that the file is a complete Parquet file, or set the "
                              "format") from None
    return SourceRows(columns, int(row[0]), _quarantine(str(path), [], [], []))


def read_json(con: duckdb.DuckDBPyConnection, path: Path, mapping: TableMapping) -> SourceRows:
    """A JSON array of records (``line`` = record number) or JSON Lines (``line`` = line)."""
    data = path.read_bytes()
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            table = con.sql(f"SELECT * FROM read_json({_sql_string(str(path))}, "
                            "format='array')").to_arrow_table()
        except duckdb.Error as exc:
            raise InputError(f"{path}: cannot be read as a JSON array of records: {exc}",
                             hint="fix the JSON syntax, or export JSON Lines (one record a "
                                  "line) so that bad records can be set aside") from None
        return _register_json(con, table, np.arange(1, table.num_rows + 1), path, [], [], [])
    text = _TextFile(path, data, mapping.dialect.encoding)
    rows: list[dict[str, object]] = []
    lines: list[int] = []
    bad_lines: list[int] = []
    reasons: list[str] = []
    records: list[str | None] = []
    withheld = _withheld(mapping)
    blank = 0
    for number, raw in enumerate(text.text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            blank += 1
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            value, problem = None, f"invalid JSON ({exc.__class__.__name__}: {exc})"
        else:
            problem = "" if isinstance(value, dict) else "the line is not a JSON object"
        if problem or (text.had_errors and _REPLACEMENT in line):
            bad_lines.append(number)
            reasons.append((problem or f"bytes not valid {mapping.dialect.encoding}")
                           + "; fix the line (one JSON object per line)"
                           + (_WITHHELD if withheld else ""))
            records.append(None if withheld else line)
            continue
        assert isinstance(value, dict)
        rows.append(value)
        lines.append(number)
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(str(k) for k in r))
    table = pa.table({k: pa.array([_json_text(r.get(k)) for r in rows], pa.string())
                      for k in keys}) if keys else pa.table({})
    result = _register_json(con, table, np.array(lines, dtype=np.int64), path, bad_lines,
                            reasons, records)
    if text.text.endswith("\n"):
        blank -= 1  # the empty string after the final newline is not a line
    if blank > 0:
        result.notes["blank_lines"] = blank
    return result


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _register_json(con: duckdb.DuckDBPyConnection, table: pa.Table, lines: np.ndarray,
                   path: Path, bad_lines: list[int], reasons: list[str],
                   records: list[str | None]) -> SourceRows:
    if table.num_columns == 0:
        table = pa.table({"__empty": pa.array([None] * len(lines), pa.string())})
    table = table.append_column(LINE, pa.array(lines, pa.int64()))
    con.register(SOURCE_VIEW, table)
    columns = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE {SOURCE_VIEW}").fetchall()
               if r[0] not in (LINE, "__empty")}
    return SourceRows(columns, len(lines) + len(bad_lines),
                      _quarantine(str(path), bad_lines, reasons, records), keep_alive=[table])
