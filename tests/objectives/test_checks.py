"""``pilotage objectives check``: one test per rule, with the exact message it prints."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pilotage.objectives.checks import Severity, check_file

DEMO = Path(__file__).resolve().parents[2] / "src/pilotage/objectives/demo_objectives.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "objectives.yaml"
    file.write_text(textwrap.dedent(text))
    return file


def _check(tmp_path: Path, text: str) -> list[str]:
    file = _write(tmp_path, text)
    return [str(i).replace(str(file), "objectives.yaml") for i in check_file(file).issues]


def test_the_demo_cascade_is_clean() -> None:
    checked = check_file(DEMO)
    assert checked.issues == ()
    assert checked.objectives is not None
    assert {o.kind for o in checked.objectives.objectives} == {"result", "lever"}


def test_unknown_kpi_suggests_the_closest_id(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        objectives:
          - id: aht_ok
            name: {fr: DMT, en: AHT}
            kind: lever
            kpi: ahtt
            target: 300
            roles: [advisor]
        """)
    assert ("objectives.yaml:5: error: objectives[0].kpi: unknown KPI 'ahtt'; "
            "did you mean 'aht' (DMT/AHT)?\n    → write kpi: aht") in issues


def test_a_percentage_written_as_85_is_caught_with_the_fix(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        ambitions: [{id: a, name: {fr: A, en: A}}]
        objectives:
          - id: sl
            name: {fr: QS, en: SL}
            kind: result
            ambition: a
            kpi: service_level
            target: 85
            roles: [director]
            levers: []
        """)
    assert ("objectives.yaml:8: error: objectives[0].target: target 85.0 for a percentage KPI "
            "is outside 0–1\n    → percentages are written as ratios: 0.85 for 85 %") in issues


def test_result_without_levers_and_lever_serving_nothing_are_warned(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        ambitions: [{id: a, name: {fr: A, en: A}}]
        objectives:
          - id: csat
            name: {fr: CSAT, en: CSAT}
            kind: result
            ambition: a
            kpi: csat
            target: 0.85
            roles: [director]
          - id: fcr
            name: {fr: FCR, en: FCR}
            kind: lever
            kpi: fcr
            target: 0.75
            roles: [advisor]
        """)
    assert issues == [
        "objectives.yaml:3: warning: objectives[0].levers: result objective 'csat' has no "
        "lever\n    → name the lever indicators that move it (e.g. service level, "
        "first-contact resolution), so its readers know what to act on",
        "objectives.yaml:10: warning: objectives[1].id: lever 'fcr' is linked to no result "
        "objective\n    → add it to the 'levers:' of the result it serves, or remove it",
    ]


def test_more_than_seven_indicators_for_one_role_is_the_indicator_trap(tmp_path: Path) -> None:
    kpis = ["aht", "asa", "fcr", "csat", "nps", "ces", "quality_score", "transfer_rate"]
    body = "objectives:\n" + "".join(
        f"  - {{id: o{i}, name: {{fr: x, en: x}}, kind: lever, kpi: {k}, target: 1, "
        f"roles: [advisor], direction: higher}}\n" for i, k in enumerate(kpis))
    issues = [i for i in _check(tmp_path, body) if "indicators" in i]
    assert issues == [
        "objectives.yaml:9: warning: objectives[7].roles: role 'advisor' follows 8 indicators "
        "(aht, asa, ces, csat, fcr, nps, quality_score, transfer_rate): more than 7\n"
        "    → too many indicators drown the reader: keep the few this role can act on, and "
        "leave the others to the level above"]


def test_an_objective_nobody_follows_is_warned(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        objectives:
          - {id: x, name: {fr: x, en: x}, kind: lever, kpi: fcr, target: 0.7}
        """)
    assert ("objectives.yaml:2: warning: objectives[0].roles: objective 'x' is followed by "
            "nobody\n    → give it the roles that own it (advisor, team_leader, floor_manager, "
            "director, quality, planning, training, it, process)") in issues


def test_targets_that_cannot_add_up_across_levels(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        objectives:
          - id: sl
            name: {fr: QS, en: SL}
            kind: lever
            kpi: service_level
            levels: [center, team]
            roles: [team_leader]
            targets:
              - {value: 0.90, level: center}
              - {value: 0.80, level: team}
        """)
    assert ("objectives.yaml:8: warning: objectives[0].targets: the team target 0.8 is easier "
            "than the center target 0.9: every team can meet its target while the center "
            "misses its own\n    → make the team target at least as demanding as the "
            "center's (0.9)") in issues


def test_overlapping_target_dates_unknown_links_and_schema_errors(tmp_path: Path) -> None:
    issues = _check(tmp_path, """\
        objectives:
          - id: sl
            name: {fr: QS, en: SL}
            kind: result
            ambition: fidelite
            kpi: service_level
            roles: [director]
            levers: [fcr_75]
            targets:
              - {value: 0.8, valid_from: 2026-01-01}
              - {value: 0.9, valid_from: 2026-06-01}
        """)
    text = "\n".join(issues)
    assert "objectives.yaml:5: error: objectives[0].ambition: unknown ambition 'fidelite'" in text
    assert "objectives.yaml:8: error: objectives[0].levers[0]: unknown lever objective 'fcr_75'" \
        in text
    assert ("objectives.yaml:9: error: objectives[0].targets: two targets of 'sl' for the same "
            "scope are in force at the same time") in text
    schema = _check(tmp_path, "objectives:\n  - {id: x, kpi: fcr, colour: red}\n")
    assert schema[0].startswith("objectives.yaml:2: error: objectives[0].name: Field required")
    assert any("objectives[0].colour: Extra inputs are not permitted" in s for s in schema)


@pytest.mark.parametrize("severity", [Severity.ERROR, Severity.WARNING])
def test_severities_are_named_in_the_output(severity: Severity) -> None:
    assert severity.value in {"error", "warning"}


def test_every_other_rule_prints_its_message_and_the_command_exits_1(tmp_path: Path) -> None:
    file = _write(tmp_path, """\
        ambitions: [{id: a, name: {fr: A, en: A}}]
        objectives:
          - id: csat
            name: {fr: CSAT, en: CSAT}
            kind: result
            kpi: csat
            params: {threshold: 4, variant: median}
            where: {colour: red}
            target: 0.85
            roles: [director]
            levers: [nps]
          - id: nps
            name: {fr: NPS, en: NPS}
            kind: result
            ambition: a
            kpi: nps
            target: 0.3
            roles: [director]
            levers: [volume_cap]
          - id: volume_cap
            name: {fr: x, en: x}
            kind: lever
            kpi: offered
            target: 100
            roles: [planning]
          - id: volume_cap
            name: {fr: y, en: y}
            kind: lever
            kpi: aht
            target: 300
            roles: [planning]
        """)
    issues = [str(i).replace(str(file), "objectives.yaml") for i in check_file(file).issues]
    assert issues == [
        "objectives.yaml:5: warning: objectives[0].kind: result objective 'csat' serves no "
        "ambition\n    → link it to an ambition with 'ambition: ID'",
        "objectives.yaml:7: error: objectives[0].params.threshold: KPI csat has no parameter "
        "'threshold'\n    → parameters of csat: top_box_min, variant, attribution",
        "objectives.yaml:7: error: objectives[0].params.variant: KPI csat has no variant "
        "'median'\n    → variants: default, mean",
        "objectives.yaml:8: error: objectives[0].where.colour: 'colour' is not a dimension that "
        "can be filtered\n    → use one of agent, team, site, center, queue, channel, "
        "direction, contract, motive",
        "objectives.yaml:11: warning: objectives[0].levers[0]: 'nps' is a result objective used "
        "as a lever\n    → a lever is an indicator someone can act on: declare it kind: lever, "
        "or link the two results to one ambition",
        "objectives.yaml:23: error: objectives[2].kpi: KPI offered has no better direction, so "
        "'volume_cap' cannot be judged met or missed\n    → say which way is better with "
        "'direction: higher' or 'direction: lower'",
        "objectives.yaml:26: error: objectives[3].id: id 'volume_cap' is used twice\n    → give "
        "each one its own id",
    ]
    # the command prints them all and exits 1 on errors (0 with warnings only)
    from typer.testing import CliRunner

    from pilotage.cli.app import app

    result = CliRunner().invoke(app, ["objectives", "check", str(file), "--lang", "en"])
    assert result.exit_code == 1
    assert "5 error(s), 2 warning(s)." in result.output
    # French by default, like every report
    result = CliRunner().invoke(app, ["objectives", "check", str(file)])
    assert result.exit_code == 1
    assert "5 erreur(s), 2 avertissement(s)." in result.output
    assert "l'identifiant 'volume_cap' est utilisé deux fois" in result.output
    assert CliRunner().invoke(app, ["objectives", "check", str(DEMO)]).exit_code == 0


def test_every_message_and_fix_is_also_said_in_french(tmp_path: Path) -> None:
    file = _write(tmp_path, """\
        ambitions: [{id: a, name: {fr: A, en: A}}]
        objectives:
          - id: sl
            name: {fr: QS, en: SL}
            kind: result
            kpi: service_levle
            target: 80
          - id: fcr
            name: {fr: FCR, en: FCR}
            kind: lever
            kpi: fcr
            ambition: b
            levers: [nothing]
            target: 70
            tolerance: -1
        """)
    issues = check_file(file).issues
    french = [i.text("fr").replace(str(file), "objectives.yaml") for i in issues]
    assert ("objectives.yaml:6: erreur : objectives[0].kpi : KPI inconnu 'service_levle' ; "
            "vouliez-vous dire 'service_level' (QS/SL) ?\n    → écrire kpi: service_level"
            ) in french
    assert ("objectives.yaml:15: erreur : objectives[1].tolerance : la tolérance -1.0 est "
            "négative\n    → la tolérance est la largeur de la zone « à risque » : 0 ou plus"
            ) in french
    assert ("objectives.yaml:14: erreur : objectives[1].target : la cible 70.0 d'un KPI en "
            "pourcentage est hors de 0–1\n    → les pourcentages s'écrivent en ratios : 0.7 "
            "pour 70 %") in french
    assert ("objectives.yaml:3: avertissement : objectives[0].roles : l'objectif 'sl' n'est "
            "suivi par personne") in "\n".join(french)
    # every rule that fired has its own French text, never the English one
    assert len(issues) >= 6
    assert all(i.message_fr != i.message and i.fix_fr != i.fix for i in issues)
