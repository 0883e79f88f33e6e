"""The SQL (DuckDB) keys are the Python keys: same normalisation, same HMAC-SHA-256."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilotage.ingest.pseudonym import Pseudonymizer, normalize_identifier

SECRETS = [b"test-secret", b"", bytes(range(64)), bytes(range(200))]  # < = > one SHA block
_CON = duckdb.connect()
Pseudonymizer.register(_CON)


def _sql_keys(pseudo: Pseudonymizer, values: list[str | None]) -> list[str | None]:
    table = pa.table({"i": pa.array(range(len(values)), pa.int64()),
                      "v": pa.array(values, pa.string())})
    _CON.register("values_under_test", table)
    rows = _CON.sql(f"SELECT {pseudo.sql_key('v')} FROM values_under_test ORDER BY i").fetchall()
    return [r[0] for r in rows]


def _expected(pseudo: Pseudonymizer, values: list[str | None]) -> list[str | None]:
    return [None if v is None or not v.strip() else pseudo.hmac_key(v) for v in values]


_phones = st.builds(lambda plus, groups, seps: plus + "".join(
    g + s for g, s in zip(groups, seps, strict=False)),
    st.sampled_from(["", "+", "++", " +"]),
    st.lists(st.text("0123456789٣੩๓", min_size=1, max_size=4), min_size=1, max_size=5),
    st.lists(st.sampled_from([" ", ".", "-", "(", ")", "/", "\t", "\u00a0", "\u3000", "x",
                              ""]), min_size=5, max_size=5))
_emails = st.builds(lambda user, host, pad: pad + user + "@" + host + pad,
                    st.text(min_size=0, max_size=8), st.text(min_size=0, max_size=8),
                    st.sampled_from(["", " ", "\u2003", "\n"]))
_unicode = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20)
_tricky = st.sampled_from(["İ@x", "ΑΣ@X", "Σ@Σ", "ΟΔΥΣΣΕΥΣ@mail.gr", "x@ΣΑ", "\x1c+33 1\x1f",
                           "+", "", "   ", "²³", "+٣٣١", "A@B.COM", "ß@x", "ǅ@x", "\u0085a@b"])


@settings(max_examples=120, deadline=None)
@given(values=st.lists(st.one_of(_phones, _emails, _unicode, _tricky, st.none()), max_size=30),
       secret=st.sampled_from(SECRETS))
def test_sql_key_equals_the_python_key_for_any_text(values: list[str | None],
                                                     secret: bytes) -> None:
    pseudo = Pseudonymizer(secret)
    assert _sql_keys(pseudo, values) == _expected(pseudo, values)


def test_sql_key_is_the_documented_hmac_of_the_normalised_value() -> None:
    pseudo = Pseudonymizer(b"test-secret")
    # The definition (module docstring): "k" + first 20 hex of HMAC-SHA256(secret, normalised)
    digest = hmac.new(b"test-secret", b"+33123456789", hashlib.sha256).hexdigest()
    assert _sql_keys(pseudo, ["+33 1 23 45 67 89", " +33.1.23.45.67.89 "]) == [
        "k" + digest[:20]] * 2
    assert normalize_identifier(" Ana@Example.COM ") == "ana@example.com"


@pytest.mark.parametrize("in_duckdb", [False, True])
def test_keys_of_an_arrow_array_are_the_python_keys_with_blanks_null(in_duckdb: bool) -> None:
    pseudo = Pseudonymizer(b"test-secret")
    values = [f"+33 6 {i:08d}" for i in range(3_000)] + ["  ", None, "", "a@B.fr",
                                                         "ΟΔΥΣΣΕΥΣ@mail.gr", "a@B.fr"]
    array = pa.chunked_array([values[:3], values[3:]], pa.string())
    keys = pseudo.sql_keys(array) if in_duckdb else pseudo.keys(array)
    assert keys.to_pylist() == _expected(pseudo, values)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(_phones, _emails, _unicode, _tricky), secret=st.sampled_from(SECRETS))
def test_key_is_the_hmac_of_the_normalised_value(value: str, secret: bytes) -> None:
    assert Pseudonymizer(secret).key(value) == Pseudonymizer(secret).hmac_key(value)
