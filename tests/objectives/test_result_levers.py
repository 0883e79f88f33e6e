"""Lever analysis of result objectives (``objectives.result_levers``): the re-weighting
figures on a center small enough to compute by hand, and the order of the levers on demo
centers where only one lever was degraded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from pilotage.demo import build_demo
from pilotage.kpi.query import kpi_session
from pilotage.objectives.attainment import AttainmentEngine
from pilotage.objectives.checks import check_file
from pilotage.objectives.model import Level, Objective, ObjectivesFile
from pilotage.objectives.periods import parse_period, period_range
from pilotage.objectives.result_levers import (
    LeverReason,
    LinkKind,
    ResultLeverAnalysis,
    ResultLeverModel,
)
from pilotage.reports.lever_text import ResultLeverText
from pilotage.store import Batch, Workspace
from tests.kpi.fixture_center import _contact

D = dt.datetime
DEMO = Path(__file__).resolve().parents[2] / "src/pilotage/objectives/demo_objectives.yaml"

# Ten answered calls with a survey response on 2026-10-05 (UTC 08:xx, Paris 10:xx), and two
# abandoned calls. (wait s, resolved, advisor, CSAT 1-5)
CALLS = [
    ("c01", 10, True, "A1", 5), ("c02", 20, True, "A1", 5), ("c03", 30, True, "A1", 4),
    ("c04", 40, True, "A2", 4), ("c05", 50, True, "A2", 4), ("c06", 15, True, "A2", 2),
    ("c07", 90, True, "A1", 2), ("c08", 120, True, "A2", 4),  # answered after 60 s
    ("c09", 25, False, "A1", 1), ("c10", 35, False, "A2", 4),  # not resolved
]


def _objective(oid: str, kind: str, kpi: str, target: float, **extra: object) -> Objective:
    return Objective.model_validate({
        "id": oid, "name": {"fr": oid, "en": oid}, "kind": kind, "kpi": kpi,
        "target": target, "levels": ["center", "team", "advisor"], "roles": ["director"],
        "min_volume": 1, **extra})


OBJECTIVES = ObjectivesFile(objectives=[
    _objective("csat", "result", "csat", 0.85,
               levers=["sl", "fcr", "quality", "verbatims", "mail"]),
    _objective("csat_two", "result", "csat", 0.85, levers=["sl", "fcr"]),
    _objective("sl", "lever", "service_level", 0.75, params={"threshold_s": 60},
               where={"channel": "voice"}),
    _objective("fcr", "lever", "fcr", 0.90),
    _objective("quality", "lever", "quality_score", 0.85),
    _objective("verbatims", "lever", "negative_verbatim_followup_rate", 1.0),
    _objective("mail", "lever", "email_response_sla", 0.90),
])


def _build(ws: Workspace) -> None:
    contacts = [_contact(cid, D(2026, 10, 5, 8, 5 * i), "answered", wait, advisor=advisor,
                         talk=120, resolved=resolved)
                for i, (cid, wait, resolved, advisor, _) in enumerate(CALLS)]
    contacts += [_contact("c11", D(2026, 10, 5, 9, 0), "abandoned", 100),
                 _contact("c12", D(2026, 10, 5, 9, 5), "abandoned", 200)]
    surveys = [{"response_id": f"s{cid}", "contact_id": cid,
                "responded_at": D(2026, 10, 5, 12, i), "csat": csat, "nps": None, "ces": None,
                "verbatim_negative": csat <= 2, "followup_status": "done" if csat <= 2
                else None} for i, (cid, _, _, _, csat) in enumerate(CALLS)]
    tables = {
        "centers": pa.table({"center_id": ["C"], "name": ["Centre"],
                             "time_zone": ["Europe/Paris"]}),
        "sites": pa.table({"site_id": ["S1"], "center_id": ["C"], "name": ["Lyon"],
                           "time_zone": ["Europe/Paris"]}),
        "teams": pa.table({"team_id": ["T1"], "site_id": ["S1"], "name": ["Équipe 1"]}),
        "advisors": pa.table({"advisor_id": ["A1", "A2"], "site_id": ["S1", "S1"]}),
        "team_memberships": pa.table({"advisor_id": ["A1", "A2"], "team_id": ["T1", "T1"],
                                      "valid_from": [dt.date(2026, 1, 1)] * 2,
                                      "valid_to": [None, None]}),
        "queues": pa.table({"queue_id": ["support"], "channel": ["voice"],
                            "direction": ["inbound"], "contract_id": [None],
                            "site_id": ["S1"]}),
        "contacts": pa.Table.from_pylist(contacts),
        "survey_responses": pa.Table.from_pylist(surveys),
        # A1 scores 90 % (meets 85 %), A2 70 % (misses it)
        "evaluations": pa.table({
            "evaluation_id": ["e1", "e2"], "contact_id": ["c01", "c04"],
            "advisor_id": ["A1", "A2"], "grid_id": ["g", "g"],
            "evaluated_at": [D(2026, 10, 5, 14, 0), D(2026, 10, 5, 15, 0)],
            "score": [90.0, 70.0], "max_score": [100.0, 100.0],
            "critical_error": [False, False]}),
    }
    rows = sum(t.num_rows for t in tables.values())
    ws.commit(Batch(source_path="lever-fixture", content_sha256="e" * 64, format="fixture",
                    tables=tables, rows_read=rows, rows_loaded=rows))


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("levers") / "ws")
    _build(ws)
    return ws


def _analyse(ws: Workspace, objective_id: str, objectives: ObjectivesFile = OBJECTIVES,
             level: Level = Level.CENTER, unit: str | None = None,
             period: str = "2026-10-05") -> ResultLeverAnalysis:
    with kpi_session(ws) as session:
        engine = AttainmentEngine(session, objectives)
        objective = objectives.objective(objective_id)
        assert objective is not None
        return ResultLeverModel(session, engine).analyse(
            objective, level, unit or engine.center_id, parse_period(period))


def test_reweighting_figures_computed_by_hand(center: Workspace) -> None:
    a = _analyse(center, "csat")
    # CSAT: 7 of the 10 respondents rate 4 or 5 (c01-c05, c08, c10)
    assert (a.actual, a.target, a.records, a.source_table) == (
        pytest.approx(0.7), 0.85, 10, "survey_responses")
    by_id = {i.lever_id: i for i in a.levers}
    # service level within 60 s: 8 answered in time of 12 offered (A = 2/3, T = 0.75). Among
    # respondents 8 of 10 met it (p = 0.8): CSAT 6/8 = 0.75 among them, 1/2 = 0.5 among
    # c07 and c08. At target the failures shrink as the lever's: (1 − p′) = 0.2 × 0.25 / (1/3)
    # = 0.15, so CSAT ≈ 0.85 × 0.75 + 0.15 × 0.5 = 0.7125: +1.25 pt
    sl = by_id["sl"]
    assert (sl.link, sl.records) == (LinkKind.CONTACT, 10)
    assert (sl.actual, sl.share_met, sl.share_met_at_target) == (
        pytest.approx(2 / 3), pytest.approx(0.8), pytest.approx(0.85))
    assert (sl.result_met, sl.result_not_met) == (pytest.approx(0.75), pytest.approx(0.5))
    assert sl.estimate == pytest.approx(0.7125)
    assert sl.impact == pytest.approx(0.0125)
    # FCR: 8 of 10 resolved (A = 0.8, T = 0.9); CSAT 6/8 resolved, 1/2 not; p′ = 1 − 0.2 ×
    # 0.1 / 0.2 = 0.9, CSAT ≈ 0.9 × 0.75 + 0.1 × 0.5 = 0.725: +2.5 pt
    fcr = by_id["fcr"]
    assert (fcr.share_met_at_target, fcr.estimate, fcr.impact) == (
        pytest.approx(0.9), pytest.approx(0.725), pytest.approx(0.025))
    # quality: A1 (90 %) meets 85 %, A2 (70 %) does not; A1's respondents are 3/5 satisfied,
    # A2's 4/5: every advisor at target would give 0.6, −10 pt (an association, told as is)
    quality = by_id["quality"]
    assert (quality.link, quality.share_met, quality.share_met_at_target) == (
        LinkKind.ADVISOR, pytest.approx(0.5), 1.0)
    assert (quality.result_met, quality.result_not_met, quality.impact) == (
        pytest.approx(0.6), pytest.approx(0.8), pytest.approx(-0.1))
    # the follow-up of a negative comment comes after the answer; no e-mail was answered
    assert by_id["verbatims"].reason is LeverReason.AFTER_THE_ANSWER
    assert by_id["mail"].reason is LeverReason.NO_DATA
    # ranked by impact, the levers without an estimate last
    assert [i.lever_id for i in a.levers] == ["fcr", "sl", "quality", "mail", "verbatims"]


def test_joint_effect_reweights_the_crossed_segments(center: Workspace) -> None:
    a = _analyse(center, "csat_two")
    # cells (SL met, resolved) c01-c06: 5/6 satisfied; (late, resolved) c07-c08: 1/2;
    # (in time, unresolved) c09-c10: 1/2; none late and unresolved. Shares at target: late
    # 0.15, unresolved 0.10, so the first cell weighs 0.75: CSAT ≈ 0.75 × 5/6 + 0.15 × 0.5
    # + 0.10 × 0.5 = 0.75, +5 pt, and 10 pt of the gap to 85 % are left unexplained
    assert a.joint_estimate == pytest.approx(0.75)
    assert a.joint_impact == pytest.approx(0.05)
    assert a.unexplained == pytest.approx(-0.10)


def test_a_unit_keeps_only_its_own_respondents(center: Workspace) -> None:
    a = _analyse(center, "csat", level=Level.ADVISOR, unit="A1")
    # A1 handled c01, c02, c03, c07, c09: 3 of 5 satisfied
    assert (a.records, a.actual) == (5, pytest.approx(0.6))


def test_the_analysis_is_told_in_french_and_in_english(center: Workspace) -> None:
    a = _analyse(center, "csat")
    from pilotage.kpi import load_catalogue

    fr = ResultLeverText(a, OBJECTIVES, load_catalogue(), "fr")
    en = ResultLeverText(a, OBJECTIVES, load_catalogue(), "en")
    # figures in each language's way (decimal comma and no-break spaces in French, Babel)
    assert fr.summary("CSAT 85 %").startswith(
        "CSAT 85 % : CSAT 70,0\u00a0% sur 10 réponses pour une cible de 85,0\u00a0% ; "
        "levier le plus "
        "porteur : si « fcr » était atteint (aujourd'hui 80,0\u00a0% pour 90,0\u00a0%), "
        "CSAT ≈ +2,5\u00a0pt.")
    assert en.summary("CSAT 85 %").startswith(
        "CSAT 85 %: CSAT 70.0 % over 10 responses against a target of 85.0 %; the lever "
        "that matters most: "
        "if \"fcr\" were met (today 80.0 % against 90.0 %), CSAT ≈ +2.5 pt.")
    assert fr.model().startswith("Modèle : repondération des réponses")
    assert en.model().startswith("Model: re-weighting of the period's responses")
    assert "mesuré après la réponse" in fr.detail(a.levers[-1])


def _demo_levers(root: Path, **knobs: float) -> ResultLeverAnalysis:
    objectives = check_file(DEMO).objectives
    assert objectives is not None
    start = dt.date(2026, 9, 7)
    ws = Workspace.init(root)
    build_demo(ws, seed=11, agents=60, days=14, start=start, **knobs)
    with kpi_session(ws) as session:
        engine = AttainmentEngine(session, objectives)
        csat = objectives.objective("csat_85")
        assert csat is not None
        return ResultLeverModel(session, engine).analyse(
            csat, Level.CENTER, engine.center_id,
            period_range(start, start + dt.timedelta(days=13)))


@pytest.mark.slow
def test_a_demo_with_only_resolution_degraded_puts_fcr_first(tmp_path: Path) -> None:
    # demo/contacts.py: resolution_factor scales the chance of resolving at first contact
    # and nothing else (the same random draws); surveys.py: CSAT rises with resolution
    nominal = _demo_levers(tmp_path / "nominal")
    degraded = _demo_levers(tmp_path / "fcr", resolution_factor=0.6)
    assert nominal.levers[0].lever_id != "fcr_75"
    assert degraded.levers[0].lever_id == "fcr_75"


@pytest.mark.slow
def test_a_demo_with_only_volume_raised_puts_an_accessibility_lever_first(
        tmp_path: Path) -> None:
    # demo/contacts.py: volume_factor raises arrivals of every queue against the same staff,
    # so calls wait longer and e-mails pile up; surveys.py: CSAT falls with the wait (in
    # minutes for calls, in hours for e-mails). The accessibility levers gain, one of them
    # comes first; resolution and quality barely move.
    nominal = {i.lever_id: i.impact or 0.0 for i in _demo_levers(tmp_path / "nominal").levers}
    raised = _demo_levers(tmp_path / "volume", volume_factor=1.3)
    assert nominal and raised.levers[0].lever_id in ("email_24h", "sl_90_60")
    impacts = {i.lever_id: i.impact or 0.0 for i in raised.levers}
    assert impacts["email_24h"] > nominal["email_24h"]
    assert impacts["sl_90_60"] > nominal["sl_90_60"]


def test_the_levers_command_ranks_them_in_french_and_gives_json(center: Workspace) -> None:
    import json

    import yaml
    from typer.testing import CliRunner

    from pilotage.cli.app import app

    objectives = ObjectivesFile(objectives=[o for o in OBJECTIVES.objectives
                                            if o.id != "csat_two"])
    (center.root / "objectives.yaml").write_text(
        yaml.safe_dump(objectives.model_dump(mode="json", exclude_defaults=True),
                       allow_unicode=True), encoding="utf-8")
    args = ["objectives", "levers", "--period", "2026-10-05", "--workspace", str(center.root),
            "--objective", "csat"]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0, table.output
    flat = " ".join(table.output.split())  # Rich wraps lines; no-break spaces become spaces
    assert "CSAT ≈ +2,5 pt" in flat  # FCR first, as computed by hand above
    assert "Modèle : repondération" in table.output
    english = CliRunner().invoke(app, [*args, "--lang", "en", "--format", "json"])
    (found,) = json.loads(english.output)
    assert found["model"] == "reweighting"
    assert [lv["lever_id"] for lv in found["levers"]][:3] == ["fcr", "sl", "quality"]
    assert found["joint_impact"] == pytest.approx(found["joint_estimate"] - 0.7)
