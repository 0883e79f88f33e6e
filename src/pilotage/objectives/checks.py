"""``pilotage objectives check``: every problem of an objectives file at once, each with
file:line, the field, and what to do. Errors make the file unusable; warnings guard against
the indicator trap (too many indicators, objectives nobody follows, results without levers,
levers serving nothing, targets that cannot add up across levels)."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from pilotage.kpi.compiler import COMMON_PARAMETERS
from pilotage.kpi.definitions import Catalogue, Direction, Unit, load_catalogue
from pilotage.kpi.dimensions import DIMENSION_COLUMN
from pilotage.objectives.model import LEVEL_ORDER, Objective, ObjectivesFile, Target
from pilotage.objectives.positions import PositionedYaml, load_positioned

MAX_INDICATORS_PER_ROLE = 7
# the schema errors users meet most, in French (others keep pydantic's English text)
PYDANTIC_FR = {
    "extra_forbidden": "champ non prévu",
    "missing": "champ obligatoire manquant",
    "float_parsing": "un nombre est attendu",
    "int_parsing": "un nombre entier est attendu",
    "enum": "valeur non prévue",
    "literal_error": "valeur non prévue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


SEVERITY_FR = {Severity.ERROR: "erreur", Severity.WARNING: "avertissement"}


@dataclass(frozen=True)
class Say:
    """One text in English and French (the checks speak the user's language)."""

    en: str
    fr: str


@dataclass(frozen=True)
class Issue:
    severity: Severity
    file: str
    line: int
    field: str
    message: str
    fix: str
    message_fr: str
    fix_fr: str

    def text(self, lang: str = "en") -> str:
        """``file:line: severity: field: message`` and the fix, in ``lang`` (fr or en)."""
        if lang == "fr":
            return (f"{self.file}:{self.line}: {SEVERITY_FR[self.severity]} : {self.field} : "
                    f"{self.message_fr}\n    → {self.fix_fr}")
        return (f"{self.file}:{self.line}: {self.severity.value}: {self.field}: {self.message}"
                f"\n    → {self.fix}")

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class CheckedFile:
    objectives: ObjectivesFile | None
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)


def _field(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


class _Context:
    def __init__(self, doc: PositionedYaml, objectives: ObjectivesFile,
                 catalogue: Catalogue) -> None:
        self.doc = doc
        self.file = str(doc.file)
        self.objectives = objectives
        self.catalogue = catalogue

    def issue(self, severity: Severity, path: tuple[str | int, ...], message: Say,
              fix: Say) -> Issue:
        return Issue(severity, self.file, self.doc.line(path), _field(path), message.en,
                     fix.en, message.fr, fix.fr)

    def objective_path(self, index: int, *rest: str | int) -> tuple[str | int, ...]:
        return ("objectives", index, *rest)


Rule = Callable[[_Context], Iterator[Issue]]


def _unknown_kpi(ctx: _Context, kpi_id: str, path: tuple[str | int, ...]) -> Issue | None:
    if kpi_id in ctx.catalogue.kpis:
        return None
    close = difflib.get_close_matches(kpi_id, list(ctx.catalogue.kpis), n=1, cutoff=0.5)
    if close:
        k = ctx.catalogue.kpis[close[0]]
        abbr = f" ({k.abbreviation.fr}/{k.abbreviation.en})" if k.abbreviation else ""
        return ctx.issue(Severity.ERROR, path, Say(
            f"unknown KPI '{kpi_id}'; did you mean '{close[0]}'{abbr}?",
            f"KPI inconnu '{kpi_id}' ; vouliez-vous dire '{close[0]}'{abbr} ?"),
            Say(f"write kpi: {close[0]}", f"écrire kpi: {close[0]}"))
    return ctx.issue(Severity.ERROR, path,
                     Say(f"unknown KPI '{kpi_id}'", f"KPI inconnu '{kpi_id}'"),
                     Say("list the KPI ids with 'pilotage kpi --list'",
                         "la liste des KPI : 'pilotage kpi --list'"))


def rule_known_kpis_parameters_and_dimensions(ctx: _Context) -> Iterator[Issue]:
    items: list[tuple[tuple[str | int, ...], str, dict[str, object], dict[str, str]]] = []
    for i, o in enumerate(ctx.objectives.objectives):
        items.append((("objectives", i), o.kpi, dict(o.params), dict(o.where)))
    for c, contract in enumerate(ctx.objectives.contracts):
        for k, clause in enumerate(contract.clauses):
            items.append((("contracts", c, "clauses", k), clause.kpi, dict(clause.params),
                          dict(clause.where)))
    for m, commitment in enumerate(ctx.objectives.commitments):
        items.append((("commitments", m), commitment.kpi, dict(commitment.params),
                      dict(commitment.where)))
    for path, kpi_id, params, where in items:
        unknown = _unknown_kpi(ctx, kpi_id, (*path, "kpi"))
        if unknown is not None:
            yield unknown
            continue
        kpi = ctx.catalogue.kpis[kpi_id]
        allowed = [*kpi.parameters, *COMMON_PARAMETERS]
        for name in params:
            if name not in allowed:
                yield ctx.issue(Severity.ERROR, (*path, "params", name), Say(
                    f"KPI {kpi_id} has no parameter '{name}'",
                    f"le KPI {kpi_id} n'a pas de paramètre '{name}'"), Say(
                    f"parameters of {kpi_id}: {', '.join(allowed)}",
                    f"paramètres de {kpi_id} : {', '.join(allowed)}"))
        variant = params.get("variant")
        if variant is not None and variant != "default" and variant not in kpi.variants:
            yield ctx.issue(Severity.ERROR, (*path, "params", "variant"), Say(
                f"KPI {kpi_id} has no variant '{variant}'",
                f"le KPI {kpi_id} n'a pas de variante '{variant}'"), Say(
                f"variants: default, {', '.join(kpi.variants) or '(none)'}",
                f"variantes : default, {', '.join(kpi.variants) or '(aucune)'}"))
        for name in where:
            if name not in DIMENSION_COLUMN:
                yield ctx.issue(Severity.ERROR, (*path, "where", name), Say(
                    f"'{name}' is not a dimension that can be filtered",
                    f"'{name}' n'est pas une dimension filtrable"), Say(
                    f"use one of {', '.join(DIMENSION_COLUMN)}",
                    f"utiliser l'une de : {', '.join(DIMENSION_COLUMN)}"))


def rule_unique_ids(ctx: _Context) -> Iterator[Issue]:
    for section, ids in (("ambitions", [a.id for a in ctx.objectives.ambitions]),
                         ("objectives", [o.id for o in ctx.objectives.objectives])):
        seen: set[str] = set()
        for i, identifier in enumerate(ids):
            if identifier in seen:
                yield ctx.issue(Severity.ERROR, (section, i, "id"), Say(
                    f"id '{identifier}' is used twice",
                    f"l'identifiant '{identifier}' est utilisé deux fois"), Say(
                    "give each one its own id", "donner à chacun son propre identifiant"))
            seen.add(identifier)


def rule_cascade_links(ctx: _Context) -> Iterator[Issue]:
    ambitions = {a.id for a in ctx.objectives.ambitions}
    objectives = {o.id: o for o in ctx.objectives.objectives}
    served: set[str] = set()
    for i, o in enumerate(ctx.objectives.objectives):
        if o.ambition is not None and o.ambition not in ambitions:
            close = difflib.get_close_matches(o.ambition, list(ambitions), n=1)
            yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "ambition"), Say(
                f"unknown ambition '{o.ambition}'", f"ambition inconnue '{o.ambition}'"),
                Say(f"did you mean '{close[0]}'?", f"vouliez-vous dire '{close[0]}' ?")
                if close else Say("declare it under 'ambitions:'",
                                  "la déclarer sous 'ambitions:'"))
        for j, lever in enumerate(o.levers):
            if lever not in objectives:
                close = difflib.get_close_matches(lever, list(objectives), n=1)
                yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "levers", j), Say(
                    f"unknown lever objective '{lever}'",
                    f"objectif levier inconnu '{lever}'"),
                    Say(f"did you mean '{close[0]}'?", f"vouliez-vous dire '{close[0]}' ?")
                    if close else Say("declare it as an objective of kind 'lever'",
                                      "le déclarer comme objectif de type 'lever'"))
                continue
            served.add(lever)
            if objectives[lever].kind == "result":
                yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "levers", j), Say(
                    f"'{lever}' is a result objective used as a lever",
                    f"'{lever}' est un objectif de résultat utilisé comme levier"), Say(
                    "a lever is an indicator someone can act on: declare it kind: lever, or "
                    "link the two results to one ambition",
                    "un levier est un indicateur sur lequel on peut agir : le déclarer "
                    "kind: lever, ou rattacher les deux résultats à une même ambition"))
        if o.kind == "result" and not o.levers:
            yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "levers"), Say(
                f"result objective '{o.id}' has no lever",
                f"l'objectif de résultat '{o.id}' n'a aucun levier"), Say(
                "name the lever indicators that move it (e.g. service level, first-contact "
                "resolution), so its readers know what to act on",
                "nommer les indicateurs leviers qui le font bouger (p. ex. qualité de "
                "service, résolution au premier contact), pour que ses lecteurs sachent sur "
                "quoi agir"))
        if o.kind == "result" and o.ambition is None:
            yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "kind"), Say(
                f"result objective '{o.id}' serves no ambition",
                f"l'objectif de résultat '{o.id}' ne sert aucune ambition"), Say(
                "link it to an ambition with 'ambition: ID'",
                "le rattacher à une ambition avec 'ambition: ID'"))
    for i, o in enumerate(ctx.objectives.objectives):
        if o.kind == "lever" and o.id not in served:
            yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "id"), Say(
                f"lever '{o.id}' is linked to no result objective",
                f"le levier '{o.id}' n'est rattaché à aucun objectif de résultat"), Say(
                "add it to the 'levers:' of the result it serves, or remove it",
                "l'ajouter aux 'levers:' du résultat qu'il sert, ou le retirer"))


def rule_followed_by_someone(ctx: _Context) -> Iterator[Issue]:
    for i, o in enumerate(ctx.objectives.objectives):
        if not o.roles:
            roles = ("advisor, team_leader, floor_manager, director, quality, planning, "
                     "training, it, process")
            yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "roles"), Say(
                f"objective '{o.id}' is followed by nobody",
                f"l'objectif '{o.id}' n'est suivi par personne"), Say(
                f"give it the roles that own it ({roles})",
                f"lui donner les rôles qui le portent ({roles})"))


def rule_not_too_many_indicators(ctx: _Context) -> Iterator[Issue]:
    per_role: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, o in enumerate(ctx.objectives.objectives):
        for role in o.roles:
            per_role[role.value].append((i, o.kpi))
    for role_name, entries in sorted(per_role.items()):
        kpis = sorted({k for _, k in entries})
        if len(kpis) > MAX_INDICATORS_PER_ROLE:
            listed = f"({', '.join(kpis)})"
            yield ctx.issue(Severity.WARNING, ctx.objective_path(entries[-1][0], "roles"), Say(
                f"role '{role_name}' follows {len(kpis)} indicators {listed}: more than "
                f"{MAX_INDICATORS_PER_ROLE}",
                f"le rôle '{role_name}' suit {len(kpis)} indicateurs {listed} : plus de "
                f"{MAX_INDICATORS_PER_ROLE}"), Say(
                "too many indicators drown the reader: keep the few this role can act on, "
                "and leave the others to the level above",
                "trop d'indicateurs noient le lecteur : garder les quelques-uns sur lesquels "
                "ce rôle peut agir, et laisser les autres au niveau supérieur"))


def _direction(ctx: _Context, o: Objective) -> str | None:
    if o.direction is not None:
        return o.direction
    kpi = ctx.catalogue.kpis.get(o.kpi)
    if kpi is None or kpi.direction is Direction.NEUTRAL:
        return None
    return kpi.direction.value


def rule_targets_make_sense(ctx: _Context) -> Iterator[Issue]:
    for i, o in enumerate(ctx.objectives.objectives):
        kpi = ctx.catalogue.kpis.get(o.kpi)
        if kpi is None:
            continue
        targets = o.all_targets()
        if not targets:
            yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "target"), Say(
                f"objective '{o.id}' has no target", f"l'objectif '{o.id}' n'a pas de cible"),
                Say("add 'target: VALUE'", "ajouter 'target: VALEUR'"))
        if _direction(ctx, o) is None:
            yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "kpi"), Say(
                f"KPI {o.kpi} has no better direction, so '{o.id}' cannot be judged met or "
                "missed",
                f"le KPI {o.kpi} n'a pas de sens d'amélioration : '{o.id}' ne peut être jugé "
                "atteint ou manqué"), Say(
                "say which way is better with 'direction: higher' or 'direction: lower'",
                "dire quel sens est le bon avec 'direction: higher' ou 'direction: lower'"))
        if o.tolerance < 0:
            yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "tolerance"), Say(
                f"tolerance {o.tolerance} is negative",
                f"la tolérance {o.tolerance} est négative"), Say(
                "the tolerance is the width of the at-risk band: 0 or more",
                "la tolérance est la largeur de la zone « à risque » : 0 ou plus"))
        for t_index, target in enumerate(targets):
            path = (ctx.objective_path(i, "target") if o.target is not None and t_index == 0
                    else ctx.objective_path(i, "targets", t_index - (o.target is not None)))
            if kpi.unit is Unit.PERCENT and not 0 <= target.value <= 1:
                yield ctx.issue(Severity.ERROR, path, Say(
                    f"target {target.value} for a percentage KPI is outside 0–1",
                    f"la cible {target.value} d'un KPI en pourcentage est hors de 0–1"), Say(
                    f"percentages are written as ratios: {target.value / 100:g} for "
                    f"{target.value:g} %",
                    f"les pourcentages s'écrivent en ratios : {target.value / 100:g} pour "
                    f"{target.value:g} %"))
            if target.level is not None and target.level not in o.levels:
                levels = ", ".join(v.value for v in o.levels)
                yield ctx.issue(Severity.ERROR, path, Say(
                    f"target for level '{target.level.value}' but '{o.id}' is measured at "
                    f"{levels}",
                    f"cible pour le niveau '{target.level.value}' mais '{o.id}' est mesuré "
                    f"aux niveaux {levels}"), Say(
                    f"add {target.level.value} to 'levels:'",
                    f"ajouter {target.level.value} à 'levels:'"))
        yield from _overlaps(ctx, i, o, targets)
        yield from _adds_up(ctx, i, o, targets)


def _overlaps(ctx: _Context, i: int, o: Objective, targets: list[Target]) -> Iterator[Issue]:
    for a in range(len(targets)):
        for b in range(a + 1, len(targets)):
            x, y = targets[a], targets[b]
            if (x.level, x.unit) != (y.level, y.unit):
                continue
            if (x.valid_to is None or y.valid_from is None or y.valid_from < x.valid_to) and (
                    y.valid_to is None or x.valid_from is None or x.valid_from < y.valid_to):
                yield ctx.issue(Severity.ERROR, ctx.objective_path(i, "targets"), Say(
                    f"two targets of '{o.id}' for the same scope are in force at the same "
                    "time",
                    f"deux cibles de '{o.id}' pour le même périmètre sont en vigueur en même "
                    "temps"), Say(
                    "give them valid_from / valid_to dates that do not overlap",
                    "leur donner des dates valid_from / valid_to qui ne se chevauchent pas"))
                return


def _adds_up(ctx: _Context, i: int, o: Objective, targets: list[Target]) -> Iterator[Issue]:
    direction = _direction(ctx, o)
    if direction is None:
        return
    by_level: dict[str, float] = {}
    for level in o.levels:
        fitting = [t for t in targets if t.unit is None and t.level in (None, level)]
        specific = [t for t in fitting if t.level == level] or fitting
        if specific:
            by_level[level.value] = specific[-1].value
    ordered = [lv.value for lv in LEVEL_ORDER if lv.value in by_level]
    for upper, lower in zip(ordered, ordered[1:], strict=False):
        hi, lo = by_level[upper], by_level[lower]
        easier = lo < hi if direction == "higher" else lo > hi
        if easier:
            yield ctx.issue(Severity.WARNING, ctx.objective_path(i, "targets"), Say(
                f"the {lower} target {lo:g} is easier than the {upper} target {hi:g}: every "
                f"{lower} can meet its target while the {upper} misses its own",
                f"la cible {lower} {lo:g} est plus facile que la cible {upper} {hi:g} : "
                f"chaque {lower} peut atteindre la sienne pendant que le niveau {upper} "
                "manque la sienne"), Say(
                f"make the {lower} target at least as demanding as the {upper}'s ({hi:g})",
                f"rendre la cible {lower} au moins aussi exigeante que celle du niveau "
                f"{upper} ({hi:g})"))


RULES: tuple[Rule, ...] = (
    rule_unique_ids, rule_known_kpis_parameters_and_dimensions, rule_cascade_links,
    rule_followed_by_someone, rule_not_too_many_indicators, rule_targets_make_sense,
)


def check_file(file: Path, catalogue: Catalogue | None = None) -> CheckedFile:
    doc = load_positioned(file)
    try:
        objectives = ObjectivesFile.model_validate(doc.data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path = tuple(err["loc"])
            message = err["msg"]
            extra = err["type"] == "extra_forbidden"
            fix = Say("remove it or check its spelling", "le retirer ou vérifier son "
                      "orthographe") if extra else Say(
                "see docs/objectives.md for the expected form",
                "voir docs/objectives.md pour la forme attendue")
            message_fr = PYDANTIC_FR.get(err["type"], message)
            issues.append(Issue(Severity.ERROR, str(file), doc.line(path), _field(path),
                                message, fix.en, message_fr, fix.fr))
        return CheckedFile(None, tuple(issues))
    ctx = _Context(doc, objectives, catalogue or load_catalogue())
    issues = [issue for rule in RULES for issue in rule(ctx)]
    issues.sort(key=lambda x: (x.line, x.severity != Severity.ERROR))
    return CheckedFile(objectives, tuple(issues))
