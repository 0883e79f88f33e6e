"""Pseudonymisation of customer identifiers with a keyed hash (HMAC-SHA-256).

Phone numbers and e-mail addresses are normalised first (digits and a leading ``+`` for
phones, lower case for e-mails), so ``+33 1 23 45 67 89`` and ``+33123456789`` give the same
key. The key is never reversible without the workspace secret and never stored in clear.

The same keys are computed in DuckDB SQL (:meth:`Pseudonymizer.sql_key`), vectorised:
HMAC(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)), with the padded key blocks
precomputed here and passed as blob literals. The normalisation is reproduced in SQL with the
exact character sets Python uses (``str.isspace``, ``str.isdigit``); the one thing SQL
cannot reproduce, Python's context-dependent lower case of a capital sigma (``Σ`` → ``ς`` at
the end of a word), is left to a Python function registered on the connection
(:meth:`Pseudonymizer.register`), called only for e-mails that contain a ``Σ``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import cache

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

_PHONE_NOISE = re.compile(r"[\s.\-()/]")
KEY_PREFIX = "k"
KEY_HEX_CHARS = 20
SQL_NORMALIZE_FUNCTION = "pilotage_normalize_identifier"
_BLOCK_BYTES = 64  # SHA-256 block size
_KEY_BYTES = KEY_HEX_CHARS // 2
_NO_DIGEST = bytes(hashlib.sha256().digest_size)  # placeholder of a blank value (its key is null)
# values normalize_identifier returns unchanged: no whitespace, noise, '@' or non-ASCII digit
_NORMAL_PHONE = r"^\+*[0-9]+$"


def normalize_identifier(value: str) -> str:
    text = value.strip()
    if "@" in text:
        return text.lower()
    compact = _PHONE_NOISE.sub("", text)
    if compact.lstrip("+").isdigit():
        return compact
    return text


def _hex_keys(digests: bytes, n: int, present: npt.NDArray[np.bool_]) -> pa.Array:
    """``KEY_PREFIX`` + the first ``KEY_HEX_CHARS`` hex digits of each SHA-256 digest, as one
    string array (null where not ``present``), built from one hex text instead of one Python
    string per key."""
    width = len(KEY_PREFIX) + KEY_HEX_CHARS
    cut = np.frombuffer(digests, np.uint8).reshape(n, -1)[:, :_KEY_BYTES]
    text = np.empty((n, width), dtype=np.uint8)
    text[:, :len(KEY_PREFIX)] = np.frombuffer(KEY_PREFIX.encode(), np.uint8)
    text[:, len(KEY_PREFIX):] = np.frombuffer(cut.tobytes().hex().encode(), np.uint8).reshape(
        n, KEY_HEX_CHARS)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    validity = None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()),
                                       validity)


def _code_point_ranges(chars: list[str]) -> str:
    """A RE2 character class body (``\\x{..}`` escapes) matching exactly ``chars``."""
    points = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = points[0]
    for p in [*points[1:], -1]:
        if p == prev + 1:
            prev = p
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = p
    return "".join(parts)


@cache
def _whitespace() -> str:
    """Every character ``str.strip()`` removes (also what Arrow's utf8 trim removes).

    Whitespace and decimal digits all lie below U+20000 (planes 2-16 hold ideographs, tags
    and private use): the test in tests/store/test_pseudonym.py checks every code point.
    """
    return "".join(filter(str.isspace, map(chr, range(0x20000))))


@cache
def _digit_class() -> str:
    return _code_point_ranges(list(filter(str.isdigit, map(chr, range(0x20000)))))


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def normalize_sql(expr: str) -> str:
    """SQL giving :func:`normalize_identifier` of the VARCHAR ``expr`` (NULL stays NULL).

    Needs :meth:`Pseudonymizer.register` on the connection (for e-mails with a ``Σ``).
    ASCII values (byte length = character length) take a quicker path with ASCII classes.
    """
    ascii_ws = "".join(c for c in _whitespace() if c < "\x80")
    fast = _normalize_branches(expr, ascii_ws, _code_point_ranges(list(ascii_ws)), "0-9")
    full = _normalize_branches(expr, _whitespace(), _code_point_ranges(list(_whitespace())),
                               _digit_class())
    return f"CASE WHEN strlen({expr}) = length({expr}) THEN {fast} ELSE {full} END"


def _normalize_branches(expr: str, ws: str, ws_class: str, digit_class: str) -> str:
    edges = _sql_text(f"^[{ws_class}]|[{ws_class}]$")
    # trim(x, characters) is slow: only called when an end is whitespace
    t = f"(CASE WHEN regexp_matches({expr}, {edges}) THEN trim({expr}, {_sql_text(ws)}) " \
        f"ELSE {expr} END)"
    noise = _sql_text("[" + ws_class + r".\-()/]")
    compact = f"regexp_replace({t}, {noise}, '', 'g')"
    phone = _sql_text(r"\+*[" + digit_class + "]+")
    # Python lowers 'İ' (U+0130) to 'i' + U+0307, DuckDB to 'i': replaced first.
    return (f"CASE WHEN contains({expr}, '@') THEN "
            f"CASE WHEN contains({expr}, 'Σ') THEN {SQL_NORMALIZE_FUNCTION}({expr}) "
            f"ELSE lower(replace({t}, 'İ', 'i̇')) END "
            f"WHEN regexp_full_match({compact}, {phone}) THEN {compact} ELSE {t} END")


class Pseudonymizer:
    """Maps a customer identifier to a stable pseudonymous key for one workspace."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        block = hashlib.sha256(secret).digest() if len(secret) > _BLOCK_BYTES else secret
        block = block.ljust(_BLOCK_BYTES, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in block)
        self._opad = bytes(b ^ 0x5C for b in block)
        # HMAC with the padded key blocks hashed once: copying a hash state is cheaper than
        # hmac.new for every value (same digest, checked in tests/store/test_pseudonym.py)
        self._inner = hashlib.sha256(self._ipad)
        self._outer = hashlib.sha256(self._opad)

    def key(self, identifier: str) -> str:
        inner = self._inner.copy()
        inner.update(normalize_identifier(identifier).encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return KEY_PREFIX + outer.hexdigest()[:KEY_HEX_CHARS]

    def hmac_key(self, identifier: str) -> str:
        """:meth:`key` computed with :mod:`hmac` (the reference definition)."""
        digest = hmac.new(self._secret, normalize_identifier(identifier).encode(),
                          hashlib.sha256).hexdigest()
        return KEY_PREFIX + digest[:KEY_HEX_CHARS]

    @staticmethod
    def register(con: duckdb.DuckDBPyConnection) -> None:
        """Make the connection able to run :meth:`sql_key` (idempotent)."""
        try:
            con.create_function(SQL_NORMALIZE_FUNCTION, normalize_identifier, ["VARCHAR"],
                                "VARCHAR", side_effects=False)
        except duckdb.Error as exc:
            if "already exists" not in str(exc):
                raise

    def sql_key(self, expr: str) -> str:
        """SQL giving the keys of the values of ``expr``, as :meth:`keys` does.

        NULL for NULL and for blank values (only whitespace), else :meth:`key` of the value
        cast to VARCHAR. Run it on a connection prepared with :meth:`register`; it is
        evaluated for every row, so apply it to distinct values when they repeat.
        """
        text = f"CAST({expr} AS VARCHAR)"
        inner = f"sha256({self._blob(self._ipad)} || encode({normalize_sql(text)}))"
        outer = f"sha256({self._blob(self._opad)} || unhex({inner}))"
        blank = f"trim({text}, {_sql_text(_whitespace())}) = ''"
        return (f"CASE WHEN {blank} THEN NULL ELSE "
                f"{_sql_text(KEY_PREFIX)} || left({outer}, {KEY_HEX_CHARS}) END")

    @staticmethod
    def _blob(data: bytes) -> str:
        return "'" + "".join(f"\\x{b:02X}" for b in data) + "'::BLOB"

    def keys(self, identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Vectorised :meth:`key`: hashes each distinct value once; nulls and blanks stay null.

        The distinct values are hashed in Python: measured on 100,000 phone numbers, that is
        about twice as fast as :meth:`sql_keys` (DuckDB's ``sha256`` and regular expressions
        cost more per value than OpenSSL's SHA-256); see benchmarks/ingest_tabular.py.
        Values that are already normal (``+`` and ASCII digits only: most phone numbers) skip
        the normalisation; the hex keys are written in one vectorised pass.
        """
        encoded, dictionary = self._distinct(identifiers)
        n = len(dictionary)
        if n == 0:
            return pc.take(pa.array([], pa.string()), encoded.indices)
        normal = pc.match_substring_regex(dictionary, _NORMAL_PHONE).to_pylist()
        values = dictionary.cast(pa.binary()).to_pylist()
        present = np.ones(n, dtype=bool)
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        digests = bytearray()  # the whole SHA-256 of each value (cut to the key after)
        for i, (value, is_normal) in enumerate(zip(values, normal, strict=True)):
            if not is_normal:
                text = value.decode()
                if not text.strip():
                    present[i] = False
                    digests += _NO_DIGEST
                    continue
                value = normalize_identifier(text).encode()
            inner = inner_copy()
            inner.update(value)
            outer = outer_copy()
            outer.update(inner.digest())
            digests += outer.digest()
        hashed = _hex_keys(bytes(digests), n, present)
        return pc.take(hashed, encoded.indices)

    def sql_keys(self, identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
        """:meth:`keys` computed in DuckDB with :meth:`sql_key` (same results)."""
        encoded, dictionary = self._distinct(identifiers)
        table = pa.Table.from_arrays([pa.array(range(len(dictionary)), pa.int64()), dictionary],
                                     names=["i", "v"])
        con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
        try:
            self.register(con)
            con.register("__pilotage_ids", table)
            result = con.sql(f"SELECT {self.sql_key('v')} AS k FROM __pilotage_ids "
                             "ORDER BY i").to_arrow_table()
        finally:
            con.close()
        hashed = result.column("k").combine_chunks().cast(pa.string())
        return pc.take(hashed, encoded.indices)

    @staticmethod
    def _distinct(identifiers: pa.Array | pa.ChunkedArray) -> tuple[pa.DictionaryArray,
                                                                     pa.Array]:
        if isinstance(identifiers, pa.ChunkedArray):
            identifiers = identifiers.combine_chunks()
        encoded = pc.dictionary_encode(pc.cast(identifiers, pa.string()))  # nulls stay null
        return encoded, encoded.dictionary
