"""What a parser hands to the store, and what the store says it did with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

QUARANTINE_SCHEMA = pa.schema([
    pa.field("file", pa.string(), nullable=False),
    pa.field("line", pa.int64()),
    pa.field("column", pa.string()),
    pa.field("value", pa.string()),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("record", pa.string()),
])


def empty_quarantine() -> pa.Table:
    return QUARANTINE_SCHEMA.empty_table()


@dataclass(frozen=True)
class Batch:
    """Rows parsed from one source, ready to be committed in one transaction.

    ``tables`` maps a canonical table name to rows whose columns are a subset of that table's
    columns (``load_id`` is added by the store). ``rows_read`` = ``rows_loaded`` +
    ``rows_quarantined`` must hold: every row read is accounted for.
    """

    source_path: str
    content_sha256: str
    format: str
    tables: Mapping[str, pa.Table]
    rows_read: int
    rows_loaded: int
    quarantine: pa.Table = field(default_factory=empty_quarantine)
    mapping: str | None = None
    notes: Mapping[str, int] = field(default_factory=dict)
    # the producer guarantees each table's key is unique within the batch (a generator, not a
    # file): the store then skips its in-batch de-duplication
    keys_unique: bool = False
    # the same guarantee for some tables only (e.g. queue_events: one row per line of one file)
    unique_key_tables: frozenset[str] = frozenset()

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.num_rows


@dataclass(frozen=True)
class LoadReport:
    """The outcome of committing a batch."""

    load_id: str
    source_path: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    already_loaded: bool
    inserted: Mapping[str, int]
    duplicates: Mapping[str, int]
    top_reasons: tuple[tuple[str, int], ...]
    notes: Mapping[str, int]
