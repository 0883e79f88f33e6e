"""Pseudonymisation of customer identifiers with a keyed hash (HMAC-SHA-256).

Phone numbers and e-mail addresses are normalised first (digits and a leading ``+`` for
phones, lower case for e-mails), so ``+33 1 23 45 67 89`` and ``+33123456789`` give the same
key. The key is never reversible without the workspace secret and never stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pyarrow as pa
import pyarrow.compute as pc

_PHONE_NOISE = re.compile(r"[\s.\-()/]")
KEY_PREFIX = "k"
KEY_HEX_CHARS = 20


def normalize_identifier(value: str) -> str:
    text = value.strip()
    if "@" in text:
        return text.lower()
    compact = _PHONE_NOISE.sub("", text)
    if compact.lstrip("+").isdigit():
        return compact
    return text


class Pseudonymizer:
    """Maps a customer identifier to a stable pseudonymous key for one workspace."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def key(self, identifier: str) -> str:
        digest = hmac.new(self._secret, normalize_identifier(identifier).encode(),
                          hashlib.sha256).hexdigest()
        return KEY_PREFIX + digest[:KEY_HEX_CHARS]

    def keys(self, identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Vectorised :meth:`key`: hashes each distinct value once; nulls and blanks stay null."""
        if isinstance(identifiers, pa.ChunkedArray):
            identifiers = identifiers.combine_chunks()
        strings = pc.cast(identifiers, pa.string())
        strings = pc.if_else(pc.equal(pc.utf8_trim_whitespace(strings), ""), None, strings)
        encoded = pc.dictionary_encode(strings)
        dictionary = encoded.dictionary.to_pylist()
        hashed = pa.array([self.key(v) for v in dictionary], type=pa.string())
        return pc.take(hashed, encoded.indices)
