"""Finding mapping files: a shipped mapping by name, or a YAML file by path.

Every mapping file is YAML with a top-level ``kind`` naming the parser that reads it
(``table`` for generic CSV/Parquet/JSON exports, ``queue_log_table`` for a queue_log
exported from a database table).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from pilotage.errors import MappingError

MAPPINGS_DIR = Path(__file__).parent / "mappings"


@dataclass(frozen=True)
class MappingFile:
    name: str
    path: Path
    text: str

    @property
    def kind(self) -> str:
        try:
            data = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            raise MappingError(f"{self.path}: invalid YAML: {exc}") from None
        if not isinstance(data, dict) or "kind" not in data:
            raise MappingError(f"{self.path}: line 1: field 'kind' is missing",
                               hint="start the mapping with 'kind: table' or "
                                    "'kind: queue_log_table'")
        return str(data["kind"])


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def locate_mapping(name_or_file: str) -> MappingFile:
    """A path to an existing YAML file, or the name of a mapping shipped with Pilotage."""
    candidate = Path(name_or_file)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        if not candidate.is_file():
            raise MappingError(f"mapping file {candidate} does not exist",
                               hint=f"shipped mappings: {', '.join(shipped_mappings())}")
        return MappingFile(candidate.stem, candidate, candidate.read_text(encoding="utf-8"))
    shipped = MAPPINGS_DIR / f"{name_or_file}.yaml"
    if shipped.is_file():
        return MappingFile(name_or_file, shipped, shipped.read_text(encoding="utf-8"))
    close = difflib.get_close_matches(name_or_file, shipped_mappings(), n=1)
    hint = f"did you mean '{close[0]}'?" if close else (
        f"shipped mappings: {', '.join(shipped_mappings()) or 'none'}; or give a YAML path")
    raise MappingError(f"no mapping named '{name_or_file}'", hint=hint)
