"""Options shared by several commands."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from pilotage.errors import ParameterError

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace folder (default: $PILOTAGE_WORKSPACE, "
                 "then the current directory).", show_default=False),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


def check_number(option: str, value: float, *, allow_zero: bool = False) -> None:
    """A numeric option: finite and > 0 (≥ 0 with ``allow_zero``), else a ParameterError
    naming it."""
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ParameterError(f"{option} must be a finite number {bound}, got {value!r}",
                             hint=f"check {option}")


def check_shrinkage(shrinkage: float) -> None:
    """``--shrinkage``: a fraction in [0, 1)."""
    if not (math.isfinite(shrinkage) and 0.0 <= shrinkage < 1.0):
        raise ParameterError(f"--shrinkage must be in [0, 1), got {shrinkage!r}",
                             hint="write 30 % as 0.3")
