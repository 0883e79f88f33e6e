"""``pilotage`` starts without importing the heavy libraries: building the commands (what
``--help`` needs) imports Typer and Rich only; each command imports its domain modules when it
runs. The option choices (``pilotage.cli.choices``) are the domain's own enums, defined
once in the light ``pilotage.wfm.choices``."""

from __future__ import annotations

import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pytest

from pilotage.cli import choices

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("pandas", "numpy", "ibis", "scipy", "statsforecast", "duckdb", "pyarrow", "highspy",
         "pydantic", "yaml")


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return run.stdout.strip()


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _run("import pilotage.cli.app, sys; "
                  f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == "[]"


def test_every_command_help_loads_no_heavy_library() -> None:
    # `pilotage X --help` for every command: Typer builds the commands (every signature,
    # option enums and help texts included) and parses the arguments. Typer itself (0.29)
    # coerces parameter values through pydantic, so pydantic is not counted here.
    code = """
import contextlib, io, sys
import typer.main
from pilotage.cli.app import app, main
paths = []
def walk(command, path):
    paths.append(path)
    for name, sub in getattr(command, "commands", {}).items():
        walk(sub, [*path, name])
walk(typer.main.get_command(app), [])
for path in paths:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            main([*path, "--help"])
        except SystemExit as exc:
            assert not exc.code, (path, exc.code)
    assert "Usage:" in out.getvalue(), path
print(len(paths), sorted(m for m in HEAVY if m in sys.modules))
""".replace("HEAVY", repr(tuple(m for m in HEAVY if m != "pydantic")))
    count, loaded = _run(code).split(" ", 1)
    assert int(count) >= 19  # pilotage, init … forecast backtest
    assert loaded == "[]"


def _domain_enums() -> list[tuple[type[StrEnum], type[StrEnum]]]:
    from pilotage.wfm.backlog import ResponseClock
    from pilotage.wfm.forecast import Holidays, Layout
    from pilotage.wfm.reforecast import Method
    from pilotage.wfm.scheduling import SolveMethod
    from pilotage.wfm.simulation.model import HandleTimeLaw
    from pilotage.wfm.simulation.replications import Engine

    return [(choices.Holidays, Holidays), (choices.Layout, Layout),
            (choices.ResponseClock, ResponseClock), (choices.ReforecastMethod, Method),
            (choices.SolveMethod, SolveMethod), (choices.HandleTimeLaw, HandleTimeLaw),
            (choices.SimulationEngine, Engine)]


@pytest.mark.parametrize("mirror,domain", _domain_enums(),
                         ids=lambda e: e.__name__ if isinstance(e, type) else str(e))
def test_cli_choice_has_exactly_the_values_of_its_domain_enum(
        mirror: type[StrEnum], domain: type[StrEnum]) -> None:
    assert [m.value for m in mirror] == [m.value for m in domain]
    for member in mirror:  # the command turns the choice into the domain member
        assert domain(member) is domain[member.name]


def test_kpi_engine_choices_are_the_engines_of_the_kpi_package() -> None:
    from pilotage.kpi.engine import ENGINES

    assert choices.KPI_ENGINES == ENGINES
