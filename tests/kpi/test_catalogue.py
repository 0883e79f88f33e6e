"""The catalogue is complete, bilingual, and docs/kpis.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from pilotage.kpi import load_catalogue
from pilotage.kpi.catalogue_text import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_docs_kpis_md_is_generated_from_the_catalogue() -> None:
    assert DOC.read_text() == render_markdown(), (
        "regenerate: python -m pilotage.kpi.catalogue_text > docs/kpis.md")


def test_every_kpi_has_both_names_a_unit_a_direction_and_a_definition() -> None:
    problems = []
    for kpi in load_catalogue().kpis.values():
        for lang in ("fr", "en"):
            if not getattr(kpi.name, lang).strip():
                problems.append(f"{kpi.id}: no {lang} name")
            if not getattr(kpi.definition, lang).strip():
                problems.append(f"{kpi.id}: no {lang} definition")
        if kpi.unit is None or kpi.direction is None:
            problems.append(f"{kpi.id}: unit or direction missing")
    assert problems == []


def test_levers_name_kpis_of_the_catalogue_or_planned_ones() -> None:
    catalogue = load_catalogue()
    planned = {"adherence", "occupancy", "quality_score"}  # declared with agent-state KPIs
    unknown = {lever for k in catalogue.kpis.values() for lever in k.levers
               if lever not in catalogue.kpis and lever not in planned}
    assert unknown == set()
