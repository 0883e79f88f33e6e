"""docs/data-model.md is generated from the table declarations and cannot drift."""

from __future__ import annotations

from pathlib import Path

from pilotage.model.documentation import render_data_model
from pilotage.model.tables import ALL_TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_data_model_doc_matches_the_declarations() -> None:
    assert DOC.read_text() == render_data_model(), (
        "regenerate: python -m pilotage.model.documentation > docs/data-model.md")


def test_every_column_has_a_meaning_and_a_french_term() -> None:
    missing = [f"{t.name}.{c.name}" for t in ALL_TABLES.values() for c in t.columns
               if not c.meaning or not c.french]
    assert missing == []
