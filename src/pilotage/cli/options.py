"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace folder (default: $PILOTAGE_WORKSPACE, "
                 "then the current directory).", show_default=False),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
