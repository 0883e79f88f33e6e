"""``pilotage kpi``: compute KPIs from the catalogue, list it, explain a KPI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pilotage.cli.choices import KPI_ENGINES as ENGINES
from pilotage.cli.console import console
from pilotage.cli.options import DebugOption, WorkspaceOption
from pilotage.errors import ParameterError

if TYPE_CHECKING:
    import pyarrow as pa

    from pilotage.kpi.definitions import Kpi
    from pilotage.store import Workspace

FORMATS = ("table", "csv", "json", "parquet")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{option} {value!r} is not a date", hint="write YYYY-MM-DD") from None


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise ParameterError(f"{option} {value!r}: write NAME=VALUE")
        pairs.append((key.strip(), val.strip()))
    return pairs


def kpi(
    kpis: Annotated[list[str] | None, typer.Argument(
        help="KPI ids (see --list); or 'explain KPI' to explain one.", show_default=False)]
    = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Comma-separated dimensions: interval15, interval30, hour, day, week, "
                     "month, quarter, year, agent, team, site, center, queue, channel, "
                     "direction, contract, motive.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD), local "
                                              "time.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day included (YYYY-MM-DD).")]
    = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Filter DIMENSION=VALUE (repeatable), e.g. queue=support.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="KPI.NAME=VALUE (repeatable), e.g. service_level.threshold_s=30, "
                        "service_level.variant=icmi_1, aht.attribution=end.")] = None,
    business_hours: Annotated[bool, typer.Option(
        "--business-hours", help="Keep only what falls in opening hours, off public holidays "
                                 "(tables opening_hours, public_holidays).")] = False,
    engine: Annotated[str, typer.Option(help=f"Engine: {' | '.join(ENGINES)}.")] = "duckdb",
    format: Annotated[str, typer.Option("--format", help=f"{' | '.join(FORMATS)}")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the catalogue.")] = False,
    lang: Annotated[str, typer.Option(help="Language of names: fr | en.")] = "fr",
    drill_: Annotated[bool, typer.Option(
        "--drill", help="Return the records behind the figure (one KPI), with the "
                        "measure each counts in.")] = False,
    workspace: WorkspaceOption = None,
    debug: DebugOption = False,
) -> None:
    """Compute KPIs at any level and grain, from additive measures (never averages of
    averages). `pilotage kpi --list` shows the catalogue; `pilotage kpi explain KPI`
    its definition, formula, parameters, variants and the query it runs."""
    from pilotage.kpi import KpiRequest, compute, load_catalogue
    from pilotage.kpi.catalogue_text import explain_text
    from pilotage.kpi.query import drill

    catalogue = load_catalogue()
    if lang not in ("fr", "en"):
        raise ParameterError(f"--lang {lang!r} is not fr or en")
    if format not in FORMATS:
        raise ParameterError(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    if list_:
        _list(lang)
        return
    names = kpis or []
    if names and names[0] == "explain":
        if len(names) != 2:
            raise ParameterError("write: pilotage kpi explain KPI")
        ws = _open(workspace, required=False)
        console.print(explain_text(catalogue.kpi(names[1]), lang=lang, workspace=ws),
                      highlight=False, markup=False)
        return
    if not names:
        raise ParameterError("name at least one KPI", hint="list them with 'pilotage kpi --list'")
    request = KpiRequest(
        kpis=tuple(names),
        by=tuple(b.strip() for b in by.split(",") if b.strip()) if by else (),
        start=_date(from_, "--from"), end=_date(to, "--to"),
        where=tuple(_pairs(where or [], "--where")),
        params=dict(_pairs(param or [], "--param")), business_hours=business_hours)
    ws = _open(workspace, required=True)
    assert ws is not None
    if drill_:
        table = drill(ws, request, engine=engine)
    else:
        table = compute(ws, request, engine=engine).table
    _write(table, format, output, [catalogue.kpi(k) for k in names] if not drill_ else [], lang)


def _open(workspace: Path | None, *, required: bool) -> Workspace | None:
    from pilotage.store import Workspace, resolve_workspace_dir

    root = resolve_workspace_dir(workspace)
    if not required and not (root / "pilotage.toml").exists():
        return None
    return Workspace.open(root)


def _list(lang: str) -> None:
    from pilotage.kpi import load_catalogue

    catalogue = load_catalogue()
    table = Table(title="Catalogue des indicateurs" if lang == "fr" else "KPI catalogue")
    for col in ("id", "nom" if lang == "fr" else "name", "abbr.", "category", "unit",
                "direction"):
        table.add_column(col)
    for k in sorted(catalogue.kpis.values(), key=lambda k: (k.category.value, k.id)):
        abbr = getattr(k.abbreviation, lang) if k.abbreviation else ""
        table.add_row(k.id, getattr(k.name, lang), abbr, k.category.value, k.unit.value,
                      k.direction.value)
    console.print(table)


def _write(table: pa.Table, format: str, output: Path | None, kpis: list[Kpi],
           lang: str) -> None:
    if format == "parquet":
        if output is None:
            raise ParameterError("--format parquet needs --output FILE")
        import pyarrow.parquet as pq

        pq.write_table(table, output)
        return
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow(["" if v is None else v for v in row.values()])
        text = buffer.getvalue()
    elif format == "json":
        text = json.dumps(table.to_pylist(), ensure_ascii=False, indent=1, default=str)
    else:
        from pilotage.reports.overview import format_value

        by_id = {k.id: k for k in kpis}
        rich_table = Table()
        for name in table.column_names:
            label = getattr(by_id[name].name, lang) if name in by_id else name
            rich_table.add_column(label, justify="right" if name in by_id else "left")
        for row in table.to_pylist():
            rich_table.add_row(*(format_value(by_id[n], v, lang) if n in by_id else
                                 ("" if v is None else str(v)) for n, v in row.items()))
        if output is None:
            console.print(rich_table)
            return
        with output.open("w") as handle:
            from rich.console import Console

            Console(file=handle, width=200).print(rich_table)
        return
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        output.write_text(text)


def register(app: typer.Typer) -> None:
    app.command("kpi")(kpi)
