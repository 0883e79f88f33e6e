"""``pilotage``: the command line. Every command has ``--help``; user errors print without a
traceback (``--debug`` shows it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pilotage.cli import demo, ingest, kpi, objectives, workspace
from pilotage.cli.backlog import backlog
from pilotage.cli.console import console, err_console
from pilotage.cli.forecast import forecast_app
from pilotage.cli.intraday import intraday
from pilotage.cli.report import report
from pilotage.cli.schedule import schedule
from pilotage.cli.simulate import simulate
from pilotage.cli.staff import staff
from pilotage.errors import PilotageError, UserError

app = typer.Typer(
    name="pilotage",
    help="Pilotage: steer a contact center by its objectives (piloter son centre de contacts).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_USER_ERROR = 1


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Pilotage: steer a contact center by its objectives."""


workspace.register(app)
ingest.register(app)
demo.register(app)
kpi.register(app)
objectives.register(app)
app.command("report", help="Reports per decision level (HTML, PDF, XLSX).")(report)
app.add_typer(forecast_app, name="forecast")
app.command("staff", help="Erlang C / Erlang A staffing: one interval or a whole forecast.")(staff)
app.command("backlog", help="Written work (e-mail, back office): staffing for a response-time "
            "target, backlog and attainment.")(backlog)
app.command("schedule", help="Shift scheduling under labour rules.")(schedule)
app.command("simulate", help="Simulate a day, a week or one interval (vs Erlang A).")(simulate)
app.command("intraday", help="Re-forecast the rest of the day; gap and actions.")(intraday)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="pilotage")
    except UserError as exc:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(EXIT_USER_ERROR)
    except PilotageError:
        err_console.print("[bold red]internal error[/] — please report it with the output of "
                          "--debug", highlight=False)
        if debug:
            raise
        sys.exit(70)


__all__ = ["app", "console", "main", "Path"]

if __name__ == "__main__":  # python -m pilotage.cli.app
    main()
