"""The whole KPI catalogue gives the same numbers on Spark as on DuckDB (the reference engine).

Every KPI of the catalogue, and every variant of every KPI, is computed on the fixture center
(tests/kpi/fixture_center.py) by several dimension sets on both engines; results must have
the same rows, equal integers and floats equal to 1e-12. To keep Spark's ~1 s per query
affordable, one request per dimension set carries all KPIs: each variant is declared as a
KPI of its own (``<kpi>__<variant>``) in an expanded copy of the catalogue, and a DuckDB test
proves that expansion equals selecting the variant by name.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from pilotage.kpi import KpiRequest, compute, load_catalogue
from pilotage.kpi.definitions import Catalogue
from pilotage.store import Workspace

pytestmark = pytest.mark.slow

DIMENSION_SETS: list[tuple[str, ...]] = [
    (), ("day",), ("week",), ("interval30",), ("queue",), ("team",), ("agent",),
    ("day", "queue"),
]
VARIANT_SEPARATOR = "__"
FLOAT_TOLERANCE = 1e-12


def expanded_catalogue() -> Catalogue:
    """The catalogue plus one KPI per variant, named ``<kpi>__<variant>``, whose formula and
    parameter defaults are those of the variant."""
    catalogue = load_catalogue()
    kpis = dict(catalogue.kpis)
    for kpi in catalogue.kpis.values():
        for name, variant in kpi.variants.items():
            parameters = {
                p: spec.model_copy(update={"default": variant.parameters.get(p, spec.default)})
                for p, spec in kpi.parameters.items()}
            kpi_id = f"{kpi.id}{VARIANT_SEPARATOR}{name}"
            kpis[kpi_id] = kpi.model_copy(update={
                "id": kpi_id, "formula": variant.formula or kpi.formula,
                "parameters": parameters, "variants": {}})
    return Catalogue(derived=catalogue.derived, measures=catalogue.measures, kpis=kpis)


def kpis_for(catalogue: Catalogue, by: tuple[str, ...]) -> tuple[str, ...]:
    """The KPIs that declare every dimension of ``by``."""
    return tuple(k.id for k in catalogue.kpis.values() if set(by) <= set(k.dimensions))


def assert_same_rows(reference: list[dict[str, Any]], other: list[dict[str, Any]]) -> None:
    assert len(other) == len(reference), f"{len(other)} rows instead of {len(reference)}"
    for i, (want, got) in enumerate(zip(reference, other, strict=True)):
        assert list(got) == list(want), f"row {i}: columns differ"
        for column, expected in want.items():
            value = got[column]
            where = f"row {i} ({want}), column {column}: {value!r} != {expected!r}"
            if isinstance(expected, float) and isinstance(value, float):
                assert math.isclose(value, expected, rel_tol=FLOAT_TOLERANCE,
                                    abs_tol=FLOAT_TOLERANCE), where
            else:
                assert type(value) is type(expected) and value == expected, where


def test_every_variant_is_covered_by_the_expanded_catalogue() -> None:
    catalogue, expanded = load_catalogue(), expanded_catalogue()
    variants = {f"{k.id}__{v}" for k in catalogue.kpis.values() for v in k.variants}
    assert set(expanded.kpis) == set(catalogue.kpis) | variants
    # the brief names these two: 7 service-level and 3 abandon-rate variants
    assert {v for v in variants if v.startswith(("service_level__", "abandon_rate__"))} >= {
        "service_level__icmi_1", "service_level__with_flow_outs",
        "abandon_rate__excluding_short", "abandon_rate__answered_plus_abandoned"}


@pytest.mark.parametrize("by", [(), ("day", "queue")], ids=["total", "day+queue"])
def test_an_expanded_variant_equals_the_variant_selected_by_name(
        fixture_center_ws: Workspace, by: tuple[str, ...]) -> None:
    # on DuckDB (fast): the batching device of this file changes nothing to the numbers
    catalogue, expanded = load_catalogue(), expanded_catalogue()
    batch = compute(fixture_center_ws, KpiRequest(kpis=kpis_for(expanded, by), by=by),
                    catalogue=expanded).table
    for kpi in catalogue.kpis.values():
        if not set(by) <= set(kpi.dimensions):
            continue
        for variant in kpi.variants:
            named = compute(fixture_center_ws, KpiRequest(
                kpis=(kpi.id,), by=by, params={f"{kpi.id}.variant": variant})).table
            expanded_rows = batch.select([*by, f"{kpi.id}__{variant}"]).rename_columns(
                [*by, kpi.id]).to_pylist()
            # the batch also has the groups of the other KPIs' tables (e.g. the sales queue):
            # there this KPI has no value
            named_keys = {tuple(r[d] for d in by) for r in named.to_pylist()}
            extra = [r for r in expanded_rows if tuple(r[d] for d in by) not in named_keys]
            assert all(r[kpi.id] in (None, 0) for r in extra), extra
            assert_same_rows(named.to_pylist(), [
                r for r in expanded_rows if tuple(r[d] for d in by) in named_keys])


@pytest.mark.parametrize("by", DIMENSION_SETS, ids=["+".join(b) or "total" for b in DIMENSION_SETS])
def test_spark_gives_the_duckdb_result_for_the_whole_catalogue(
        fixture_center_ws: Workspace, spark_engine: str, by: tuple[str, ...]) -> None:
    catalogue = expanded_catalogue()
    request = KpiRequest(kpis=kpis_for(catalogue, by), by=by)
    reference = compute(fixture_center_ws, request, catalogue=catalogue).table
    result = compute(fixture_center_ws, request, engine=spark_engine, catalogue=catalogue).table
    assert result.column_names == reference.column_names
    assert reference.num_rows > 0
    assert_same_rows(reference.to_pylist(), result.to_pylist())


def test_spark_reproduces_hand_computed_accessibility_values(
        fixture_center_ws: Workspace, spark_engine: str) -> None:
    # Expected values: tests/kpi/test_contact_kpis.py (computed by hand from fixture_center.py)
    catalogue = expanded_catalogue()
    (total,) = compute(fixture_center_ws, KpiRequest(
        kpis=("offered", "answered", "abandoned", "timeouts", "email_response_sla")),
        engine=spark_engine).table.to_pylist()
    assert total == {"offered": 11, "answered": 7, "abandoned": 3, "timeouts": 1,
                     "email_response_sla": pytest.approx(1 / 2)}
    ids = ("service_level", "abandon_rate", "longest_wait", "avg_abandon_time",
           *(k for k in catalogue.kpis if k.startswith(("service_level__", "abandon_rate__"))))
    (support,) = compute(fixture_center_ws, KpiRequest(
        kpis=ids, where=(("queue", "support"),)), engine=spark_engine,
        catalogue=catalogue).table.to_pylist()
    # support: offered 9, answered 5 (3 within 20 s), abandoned 3 (c03 3 s, c04 45 s, c10 40 s),
    # short abandons 1 (c03), flow-outs 1 (c06 timeout, waited 120 s)
    assert support == {
        "service_level": pytest.approx(3 / 9), "abandon_rate": pytest.approx(3 / 9),
        "longest_wait": 120.0, "avg_abandon_time": pytest.approx((3 + 45 + 40) / 3),
        "service_level__icmi_1": pytest.approx((3 + 1) / (5 + 3)),
        "service_level__answered_only": pytest.approx(3 / 5),
        "service_level__all_abandons": pytest.approx(3 / (5 + 3)),
        "service_level__late_abandons": pytest.approx(3 / (5 + 2)),
        "service_level__short_abandons_good": pytest.approx((3 + 1) / (5 + 3)),
        "service_level__offered_minus_short": pytest.approx(3 / (9 - 1)),
        "service_level__with_flow_outs": pytest.approx(3 / (5 + 3 + 1)),
        "abandon_rate__excluding_short": pytest.approx((3 - 1) / (9 - 1)),
        "abandon_rate__including_timeouts": pytest.approx(4 / 9),
        "abandon_rate__answered_plus_abandoned": pytest.approx(3 / (5 + 3)),
    }


def test_spark_reproduces_hand_computed_slices(
        fixture_center_ws: Workspace, spark_engine: str) -> None:
    # Expected values: tests/kpi/test_contact_kpis.py (asa/aht per day, team membership,
    # survey KPIs by the contact's advisor, interval labels with the UTC offset)
    day1, day2 = compute(fixture_center_ws, KpiRequest(
        kpis=("asa", "aht"), by=("day",), where=(("queue", "support"),)),
        engine=spark_engine).table.to_pylist()
    assert day1 == {"day": "2026-10-05", "asa": pytest.approx(55 / 3),
                    "aht": pytest.approx(430 / 3)}
    assert day2 == {"day": "2026-10-06", "asa": pytest.approx(15.0),
                    "aht": pytest.approx(560 / 2)}
    teams = compute(fixture_center_ws, KpiRequest(kpis=("answered",), by=("team",)),
                    engine=spark_engine).table.to_pylist()
    # A3 moves from T1 to T2 on 2026-10-06: its c08, c09 count for T2
    assert teams == [{"team": "T1", "answered": 2}, {"team": "T2", "answered": 5},
                     {"team": None, "answered": 0}]
    agents = compute(fixture_center_ws, KpiRequest(
        kpis=("csat",), by=("agent",), params={"csat.variant": "mean"}),
        engine=spark_engine).table.to_pylist()
    assert agents == [{"agent": "A1", "csat": pytest.approx(3.5)},
                      {"agent": "A3", "csat": pytest.approx(2.5)}]
