"""Contact KPIs on the hand-made fixture center (tests/kpi/fixture_center.py): every expected
value below is computed by hand from that file's rows."""

from __future__ import annotations

import datetime as dt

import pytest

from pilotage.errors import ParameterError
from pilotage.kpi import KpiRequest, compute
from pilotage.store import Workspace
from tests.kpi import fixture_center


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("kpi") / "ws")
    fixture_center.build(ws)
    return ws


def rows(center: Workspace, *kpis: str, by: tuple[str, ...] = (),
         **kw: object) -> list[dict[str, object]]:
    request = KpiRequest(kpis=kpis, by=by, **kw)  # type: ignore[arg-type]
    return compute(center, request).table.to_pylist()


def test_accessibility_counts_over_the_whole_period(center: Workspace) -> None:
    # inbound offered: c01-c06, c08-c10 (voice) + m01, m02 (mail) = 11; c07 is an IVR hang-up
    (r,) = rows(center, "offered", "answered", "abandoned", "timeouts")
    assert r == {"offered": 11, "answered": 7, "abandoned": 3, "timeouts": 1}


def test_service_level_default_is_answered_within_20s_over_offered(center: Workspace) -> None:
    # support queue: offered 9 (c01-c06, c08-c10); answered ≤ 20 s: c01 (10), c05 (15), c08 (5)
    (r,) = rows(center, "service_level", where=(("queue", "support"),))
    assert r["service_level"] == pytest.approx(3 / 9)


@pytest.mark.parametrize(("variant", "expected"), [
    # support: answered 5 (c01,c02,c05,c08,c09), within 20 s 3; abandoned 3 (c03 3 s, c04 45 s,
    # c10 40 s); abandoned ≤ 20 s: 1 (c03); short (≤ 5 s): 1 (c03); flow-outs: 1 (c06 timeout)
    ("icmi_1", (3 + 1) / (5 + 3)),
    ("answered_only", 3 / 5),
    ("all_abandons", 3 / (5 + 3)),
    ("late_abandons", 3 / (5 + 2)),
    ("short_abandons_good", (3 + 1) / (5 + 3)),
    ("offered_minus_short", 3 / (9 - 1)),
    ("with_flow_outs", 3 / (5 + 3 + 1)),
])
def test_every_service_level_variant_is_selectable_by_name(
        center: Workspace, variant: str, expected: float) -> None:
    (r,) = rows(center, "service_level", where=(("queue", "support"),),
                params={"service_level.variant": variant})
    assert r["service_level"] == pytest.approx(expected)


def test_threshold_is_a_parameter(center: Workspace) -> None:
    # within 30 s: c01 (10), c02 (30), c05 (15), c08 (5), c09 (25) = 5 of 9 offered
    (r,) = rows(center, "service_level", where=(("queue", "support"),),
                params={"service_level.threshold_s": "30"})
    assert r["service_level"] == pytest.approx(5 / 9)


def test_asa_and_aht_pool_durations_per_day(center: Workspace) -> None:
    result = rows(center, "asa", "aht", "avg_talk", "avg_hold", "avg_acw", by=("day",),
                  where=(("queue", "support"),))
    day1, day2 = result
    # day 1 answered: c01 (wait 10), c02 (30), c05 (15) → ASA 55/3
    # handle: c01 200+20+30, c02 100+0+20, c05 60+0+0 = 430 over 3
    assert day1["day"] == "2026-10-05"
    assert day1["asa"] == pytest.approx(55 / 3)
    assert day1["aht"] == pytest.approx(430 / 3)
    # day 2: c08 (wait 5; 300+60+40) and c09 (25; 150+0+10)
    assert day2 == {"day": "2026-10-06", "asa": pytest.approx(15.0),
                    "aht": pytest.approx(560 / 2), "avg_talk": pytest.approx(225.0),
                    "avg_hold": pytest.approx(30.0), "avg_acw": pytest.approx(25.0)}


def test_team_follows_effective_dated_membership(center: Workspace) -> None:
    # A3 is in T1 until 2026-10-05 and in T2 from 2026-10-06: its c08, c09 count for T2
    result = rows(center, "answered", by=("team",))
    # contacts nobody answered (abandons, timeouts) have no advisor, hence no team
    assert result == [{"team": "T1", "answered": 2}, {"team": "T2", "answered": 5},
                      {"team": None, "answered": 0}]


def test_abandon_rate_variants(center: Workspace) -> None:
    (r,) = rows(center, "abandon_rate", where=(("queue", "support"),))
    assert r["abandon_rate"] == pytest.approx(3 / 9)
    (r,) = rows(center, "abandon_rate", where=(("queue", "support"),),
                params={"abandon_rate.variant": "excluding_short"})
    assert r["abandon_rate"] == pytest.approx((3 - 1) / (9 - 1))
    (r,) = rows(center, "abandon_rate", where=(("queue", "support"),),
                params={"abandon_rate.variant": "including_timeouts"})
    assert r["abandon_rate"] == pytest.approx(4 / 9)


def test_longest_wait_and_average_abandon_time(center: Workspace) -> None:
    (r,) = rows(center, "longest_wait", "avg_abandon_time", where=(("queue", "support"),))
    assert r == {"longest_wait": 120.0, "avg_abandon_time": pytest.approx((3 + 45 + 40) / 3)}


def test_email_response_within_24h(center: Workspace) -> None:
    # m01 replied after 3 h, m02 after 26 h
    (r,) = rows(center, "email_response_sla")
    assert r["email_response_sla"] == pytest.approx(1 / 2)


def test_customer_kpis_from_surveys(center: Workspace) -> None:
    (r,) = rows(center, "csat", "nps", "ces", "negative_verbatim_followup_rate")
    # CSAT top-2-box: 5 and 4 of (5, 2, 4, 1); NPS: promoters 1 (10), detractors 2 (3, 0)
    assert r["csat"] == pytest.approx(2 / 4)
    assert r["nps"] == pytest.approx((1 - 2) / 4)
    assert r["ces"] == pytest.approx((6 + 2 + 5 + 1) / 4)
    assert r["negative_verbatim_followup_rate"] == pytest.approx(1 / 2)


def test_survey_kpis_slice_by_the_contact_advisor(center: Workspace) -> None:
    result = rows(center, "csat", by=("agent",), params={"csat.variant": "mean"})
    assert result == [{"agent": "A1", "csat": pytest.approx(3.5)},
                      {"agent": "A3", "csat": pytest.approx(2.5)}]


def test_interval_labels_carry_the_utc_offset(center: Workspace) -> None:
    result = rows(center, "offered", by=("interval30",), start=dt.date(2026, 10, 5),
                  end=dt.date(2026, 10, 5))
    assert result[0] == {"interval30": "2026-10-05T08:00+02:00", "offered": 3}


def test_unknown_kpi_suggests_the_closest(center: Workspace) -> None:
    with pytest.raises(ParameterError) as err:
        rows(center, "servce_level")
    assert str(err.value) == "unknown KPI 'servce_level'\n  hint: did you mean 'service_level'?"


def test_business_hours_filter_keeps_opening_hours_off_holidays(center: Workspace) -> None:
    # support opens at 08:30 local: c01 (08:00), c02 (08:10), c03 (08:20) fall outside;
    # Oct 6 is a declared closed day: c08, c09, c10 fall outside; c04, c05, c06 remain
    (r,) = rows(center, "offered", "asa", where=(("queue", "support"),), business_hours=True)
    assert r == {"offered": 3, "asa": 15.0}  # only c05 answered (wait 15 s)


def test_with_volume_gives_the_denominator_behind_each_ratio(center: Workspace) -> None:
    (r,) = rows(center, "service_level", "offered", where=(("queue", "support"),),
                with_volume=True)
    # 9 offered on support (see test_service_level_default_...)
    assert r["service_level__volume"] == 9.0
    assert r["offered__volume"] == 9.0


def test_survey_kpis_reach_team_and_site_through_the_contact_advisor(
        center: Workspace) -> None:
    # s1, s2 (A1 → T1) and s3, s4 (A3, in T2 from Oct 6); all in site S1
    assert rows(center, "csat", by=("team",)) == [{"team": "T1", "csat": pytest.approx(1 / 2)},
                                                  {"team": "T2", "csat": pytest.approx(1 / 2)}]
    assert rows(center, "csat", by=("site",)) == [{"site": "S1", "csat": pytest.approx(2 / 4)}]


def test_unanswered_contacts_count_for_their_queues_site(center: Workspace) -> None:
    # support belongs to S1: its abandons (c03, c04, c10) and timeout (c06) have no advisor
    # but count for S1; the e-mails (queue without a site) count through their advisor A2
    assert rows(center, "offered", "abandoned", by=("site",)) == [
        {"site": "S1", "offered": 11, "abandoned": 3}]


def test_rates_of_handled_contacts(center: Workspace) -> None:
    (r,) = rows(center, "answer_rate", "short_abandoned", "ivr_abandoned", "transfer_rate",
                "hold_rate", "fcr", "survey_response_rate")
    # answered 7 of 11 offered; short abandon (≤ 5 s): c03; IVR hang-up: c07;
    # handled (any direction): c01 c02 c05 c08 c09 m01 m02 o01 = 8, of which c05 transferred,
    # c01 and c08 put on hold; resolution known for c01 c02 c05 c08 m01 m02, resolved for all
    # but c02; 4 survey responses
    assert r == {"answer_rate": pytest.approx(7 / 11), "short_abandoned": 1, "ivr_abandoned": 1,
                 "transfer_rate": pytest.approx(1 / 8), "hold_rate": pytest.approx(2 / 8),
                 "fcr": pytest.approx(5 / 6), "survey_response_rate": pytest.approx(4 / 8)}


def test_every_kpi_of_the_catalogue_has_a_hand_computed_test() -> None:
    import re
    from pathlib import Path

    from pilotage.kpi import load_catalogue

    here = Path(__file__).parent
    text = "".join(p.read_text() for p in (here / "test_contact_kpis.py",
                                           here / "test_people_kpis.py"))
    tested = set(re.findall(r'"([a-z_]+)"', text))
    assert sorted(set(load_catalogue().kpis) - tested) == []
