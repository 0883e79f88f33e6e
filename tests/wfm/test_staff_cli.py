"""``pilotage staff``: the Typer command and its function layer."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from pilotage.cli.staff import staff, staff_calculation
from pilotage.errors import ParameterError


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("staff")(staff)

    @app.callback()
    def _root() -> None:
        """test app"""

    return app


BASE = ["staff", "--volume", "100", "--interval-min", "30", "--aht-s", "180", "--threshold-s",
        "20", "--sl", "0.8", "--max-occupancy", "0.85", "--shrinkage", "0.3"]


def test_staff_json_requirement_call_centre_helper_example() -> None:
    # REF §1.1 (shared/docs/reference-values.md): N = 14, positions 20, SL 0.88835,
    # P(wait) 0.1741319, ASA 7.83593701177724 s, occupancy 0.7142857
    res = CliRunner().invoke(_app(), [*BASE, "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["agents"], out["positions"]) == (14, 20)
    assert out["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert out["p_wait"] == pytest.approx(0.1741319, abs=5e-8)
    assert out["asa_s"] == pytest.approx(7.83593701177724, rel=1e-12)
    assert out["occupancy"] == pytest.approx(0.7142857, abs=5e-8)
    assert out["p_abandon"] == 0.0 and out["model"] == "erlang_c"


def test_staff_json_erlang_a_with_agents() -> None:
    # REF §2.1 (pyworkforce test_erlanga_regression_metrics): N = 14, patience 5 min
    res = CliRunner().invoke(_app(), [*BASE, "--patience-s", "300", "--agents", "14",
                                      "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["agents"] == 14 and out["positions"] == 20 and out["model"] == "erlang_a"
    assert out["p_abandon"] == pytest.approx(0.013984, abs=5e-7)
    assert out["service_level"] == pytest.approx(0.916792, abs=5e-7)
    assert out["asa_s"] / 60 == pytest.approx(0.069919, abs=5e-7)
    assert out["p_wait"] == pytest.approx(0.14526, abs=5e-6)
    assert out["occupancy"] == pytest.approx(0.704297, abs=5e-7)


def test_staff_json_below_capacity_reports_unbounded_asa_as_null() -> None:
    # REF §1.5: at or above capacity every call waits (A = 10, N = 8)
    res = CliRunner().invoke(_app(), [*BASE, "--agents", "8", "--format", "json"])
    out = json.loads(res.output)
    assert out["p_wait"] == 1.0 and out["service_level"] == 0.0
    assert out["asa_s"] is None and out["stable"] is False


def test_staff_table_output_shows_agents_and_positions() -> None:
    # REF §1.3, callcentretools headline "default": N_req 68 (occupancy binds), SL 95.3 %
    res = CliRunner().invoke(_app(), ["staff", "--volume", "400", "--aht-s", "257", "--sl", "0.8",
                                      "--max-occupancy", "0.85", "--shrinkage", "0.3"])
    assert res.exit_code == 0, res.output
    assert "68" in res.output and "occupancy" in res.output and "95.3%" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["--sl", "1.2"], "--sl must be in (0, 1), got 1.2"),
    (["--sl", "0.8", "--shrinkage", "1"], "--shrinkage must be in [0, 1), got 1.0"),
    (["--sl", "0.8", "--aht-s", "0"], "--aht-s must be a finite number > 0, got 0.0"),
    (["--max-abandon", "0.05"], "needs a patience"),
    (["--sl", "0.8", "--agents", "-2"], "--agents must be ≥ 0, got -2"),
])
def test_staff_invalid_option_raises_parameter_error_naming_it(args: list[str],
                                                               message: str) -> None:
    base = ["staff", "--volume", "100", "--aht-s", "180"]
    res = CliRunner().invoke(_app(), [*base, *args])
    assert isinstance(res.exception, ParameterError)
    assert message in str(res.exception)


def test_staff_function_layer_asa_target() -> None:
    # REF §1.1 recomputed ASA: N=14 → 7.836 s, N=15 → 3.674 s; so an ASA ≤ 5 s needs 15 agents
    r = staff_calculation(volume=100, aht_s=180, asa_s=5.0)
    assert r.agents == 15 and r.binding is not None and r.binding.value == "asa"
    assert r.asa_s == pytest.approx(3.674, abs=5e-4)
