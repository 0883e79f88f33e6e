"""``pilotage staff``: Erlang C / Erlang A staffing calculator for one interval.

Registered by the main app as ``app.command("staff")(staff)``.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from pilotage.cli.console import console
from pilotage.errors import ParameterError
from pilotage.wfm.staffing import IntervalStaffing, StaffingTarget, staff_interval


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def staff(
    volume: Annotated[float, typer.Option("--volume", help="Offered contacts in the interval.")],
    aht_s: Annotated[float, typer.Option("--aht-s", help="Average handling time, seconds.")],
    interval_min: Annotated[float, typer.Option("--interval-min",
                                                help="Interval length, minutes.")] = 30.0,
    threshold_s: Annotated[float, typer.Option(
        "--threshold-s", help="Service-level threshold T, seconds (answered within T).")] = 20.0,
    sl: Annotated[float | None, typer.Option(
        "--sl", help="Target service level, fraction answered within T (0.8 = 80 %).")] = None,
    asa_s: Annotated[float | None, typer.Option(
        "--asa-s", help="Target average speed of answer, seconds.")] = None,
    max_abandon: Annotated[float | None, typer.Option(
        "--max-abandon", help="Maximum abandonment rate (fraction); needs --patience-s.")] = None,
    max_occupancy: Annotated[float, typer.Option(
        "--max-occupancy", help="Maximum occupancy (fraction; 1 = no cap).")] = 1.0,
    shrinkage: Annotated[float, typer.Option(
        "--shrinkage", help="Shrinkage (fraction of paid time off the phones).")] = 0.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean patience, seconds: switches to Erlang A.")] = None,
    agents: Annotated[int | None, typer.Option(
        "--agents", help="Report the metrics of this headcount instead of a requirement.")] = None,
    format: Annotated[OutputFormat, typer.Option(
        "--format", help="Output format.", case_sensitive=False)] = OutputFormat.TABLE,
) -> None:
    """Agents required for a service-level / ASA / abandonment target, or the metrics achieved
    by a headcount (Erlang C; Erlang A with --patience-s)."""
    result = staff_calculation(volume=volume, interval_min=interval_min, aht_s=aht_s,
                               threshold_s=threshold_s, sl=sl, asa_s=asa_s,
                               max_abandon=max_abandon, max_occupancy=max_occupancy,
                               shrinkage=shrinkage, patience_s=patience_s, agents=agents)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(staffing_table(result))


def staff_calculation(*, volume: float, aht_s: float, interval_min: float = 30.0,
                      threshold_s: float = 20.0, sl: float | None = None,
                      asa_s: float | None = None, max_abandon: float | None = None,
                      max_occupancy: float = 1.0, shrinkage: float = 0.0,
                      patience_s: float | None = None,
                      agents: int | None = None) -> IntervalStaffing:
    """The function layer of ``pilotage staff`` (validates every option by name)."""
    _positive("--volume", volume, allow_zero=True)
    _positive("--interval-min", interval_min)
    _positive("--aht-s", aht_s)
    _positive("--threshold-s", threshold_s, allow_zero=True)
    if patience_s is not None:
        _positive("--patience-s", patience_s)
    if not (math.isfinite(shrinkage) and 0.0 <= shrinkage < 1.0):
        raise ParameterError(f"--shrinkage must be in [0, 1), got {shrinkage!r}",
                             hint="write 30 % as 0.3")
    if agents is not None:
        if agents < 0:
            raise ParameterError(f"--agents must be ≥ 0, got {agents!r}",
                                 hint="give the number of agents on the phones")
        return staff_interval(volume, aht_s, interval_min=interval_min, threshold_s=threshold_s,
                              agents=agents, shrinkage=shrinkage, patience_s=patience_s)
    target = StaffingTarget(service_level=sl, threshold_s=threshold_s, asa_s=asa_s,
                            max_abandon=max_abandon, max_occupancy=max_occupancy)
    return staff_interval(volume, aht_s, interval_min=interval_min, threshold_s=threshold_s,
                          target=target, shrinkage=shrinkage, patience_s=patience_s)


def staffing_table(r: IntervalStaffing) -> Table:
    """Rich table of one interval's staffing."""
    model = "Erlang A" if r.patience_s is not None else "Erlang C"
    table = Table(title=f"Staffing ({model}), load {r.load_erl:.3f} Erlangs", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("agents (before shrinkage)", str(r.agents)),
        ("positions (after shrinkage)", f"{r.positions}  (shrinkage {r.shrinkage:.0%})"),
    ]
    if r.agents_fractional is not None:
        rows.append(("fractional agents", f"{r.agents_fractional:.2f}"))
    if r.binding is not None:
        rows.append(("binding constraint", r.binding.value))
    asa = f"{r.asa_s:.1f} s" if math.isfinite(r.asa_s) else "unbounded (agents ≤ load)"
    rows += [
        (f"service level ({r.threshold_s:g} s)", f"{r.service_level:.1%}"),
        ("ASA", asa),
        ("probability of waiting", f"{r.p_wait:.1%}"),
        ("probability of abandoning", f"{r.p_abandon:.2%}"),
        ("occupancy", f"{r.occupancy:.1%}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _positive(option: str, value: float, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ParameterError(f"{option} must be a finite number {bound}, got {value!r}",
                             hint=f"check {option}")
