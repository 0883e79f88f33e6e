"""Choose the parser for a file: by ``--format``, by the mapping's ``kind``, or by content."""

from __future__ import annotations

import re
from pathlib import Path

from pilotage.errors import InputError, ParameterError
from pilotage.ingest.mapping_files import MappingFile, locate_mapping
from pilotage.ingest.pseudonym import Pseudonymizer
from pilotage.ingest.source_formats import FORMATS
from pilotage.store.batch import Batch

_NATIVE_QUEUE_LOG = re.compile(rb"^\d{9,11}(\.\d+)?\|[^|\n]*\|[^|\n]*\|[^|\n]*\|[A-Z_]+")


def sniff_format(path: Path) -> str | None:
    """Recognise a native queue_log from its first line; tabular formats from the extension."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if _NATIVE_QUEUE_LOG.match(head):
        return "queue_log"
    suffix = path.suffix.lower()
    return {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet",
            ".json": "json", ".jsonl": "json", ".ndjson": "json"}.get(suffix)


def read_source(path: Path, *, pseudonymizer: Pseudonymizer, format: str | None = None,
                mapping: str | None = None) -> Batch:
    """Parse one file into a :class:`Batch` (nothing is written to a workspace)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    if format is not None and format not in FORMATS:
        raise ParameterError(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    mapping_file: MappingFile | None = locate_mapping(mapping) if mapping else None
    if format is None:
        if mapping_file is not None:
            format = "queue_log_table" if mapping_file.kind == "queue_log_table" else None
        else:
            format = sniff_format(path)
    if format == "queue_log":
        from pilotage.ingest.queue_log import parse_queue_log

        return parse_queue_log(path, pseudonymizer=pseudonymizer, mapping=None)
    if format == "queue_log_table":
        from pilotage.ingest.queue_log import parse_queue_log

        return parse_queue_log(path, pseudonymizer=pseudonymizer, mapping=mapping_file)
    if mapping_file is None:
        raise InputError(
            f"{path}: cannot tell how to read this file",
            hint="give --mapping NAME_OR_FILE (a YAML mapping; see docs/mappings.md), "
                 "or --format queue_log for a native Asterisk queue_log")
    from pilotage.ingest.tabular import parse_table

    return parse_table(path, mapping=mapping_file, pseudonymizer=pseudonymizer, format=format)
