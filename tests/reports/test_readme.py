"""The README shows the director's report the main job writes (README, "What the main job
produces"): the demo center built as ``pilotage demo`` builds it, the report written by
``pilotage report director``. Regenerate the excerpt with ``PILOTAGE_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from pilotage.cli.app import main
from pilotage.kpi.query import kpi_session
from pilotage.objectives.checks import check_file
from pilotage.objectives.periods import parse_period
from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.model import Report, ReportLevel
from pilotage.store import Workspace

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- main-job-director:start -->", "<!-- main-job-director:end -->"


def excerpt(report: Report) -> str:
    """The cascade as a Markdown table, then what the lever analysis says."""
    cascade = next(s for s in report.sections if s.id == "cascade")
    levers = next(s for s in report.sections if s.id == "result_levers")
    assert cascade.table is not None
    lines = ["| " + " | ".join(cascade.table.columns) + " |",
             "|" + "---|" * len(cascade.table.columns)]
    for row in cascade.table.rows:
        name = row[0].text
        depth = (len(name) - len(name.lstrip(" "))) // 4
        label = name.strip().removeprefix("↳ ")
        first = f"**{label}**" if depth == 0 else "↳" * depth + " " + label
        lines.append("| " + " | ".join([first, *(c.text for c in row[1:])]) + " |")
    lines.append("")
    quotes = "\n>\n".join(f"> {p}" for p in levers.paragraphs[:-1])
    return "\n".join(lines) + "\n" + quotes


@pytest.mark.slow
def test_readme_shows_the_director_report_the_main_job_writes(tmp_path: Path) -> None:
    root = tmp_path / "demo-workspace"
    out = root / "rapport-direction.html"
    # README, "Set-up", step 1 (after pip install)
    for argv in (["demo", "--workspace", str(root)],
                 ["report", "director", "--period", "2026-09", "--format", "html",
                  "--workspace", str(root), "--output", str(out)]):
        try:
            main(argv)
        except SystemExit as exit_:
            assert exit_.code in (0, None), argv
    written = html.unescape(out.read_text(encoding="utf-8"))
    objectives = check_file(root / "objectives.yaml").objectives
    assert objectives is not None
    with kpi_session(Workspace.open(root)) as session:
        report = build_report(ReportContext(session, objectives, parse_period("2026-09")),
                              ReportLevel.DIRECTOR)
    block = excerpt(report)
    # every figure of the excerpt is in the file the main job wrote
    cascade = next(s for s in report.sections if s.id == "cascade")
    assert cascade.table is not None
    for row in cascade.table.rows:
        for cell in row[1:]:
            assert cell.text in written, cell.text
    text = README.read_text(encoding="utf-8")
    current = text.split(START, 1)[1].split(END, 1)[0].strip("\n")
    if os.environ.get("PILOTAGE_UPDATE_GOLDEN") == "1":
        text = re.sub(re.escape(START) + ".*?" + re.escape(END),
                      lambda _: f"{START}\n{block}\n{END}", text, flags=re.DOTALL)
        README.write_text(text, encoding="utf-8")
        current = block
    assert current == block, "README excerpt is stale: rerun with PILOTAGE_UPDATE_GOLDEN=1"
    shutil.rmtree(root)
