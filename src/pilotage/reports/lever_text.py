"""Lever analyses told in the reader's language (French by default, English on request): the
model stated, each lever's effect with the facts behind it, as sentences and table rows.
Used by the reports and by ``pilotage objectives levers``."""

from __future__ import annotations

from pilotage.kpi.definitions import Catalogue, Kpi
from pilotage.objectives.levers import LeverAnalysis, LeverEffect, LeverModel
from pilotage.objectives.model import ObjectivesFile
from pilotage.objectives.result_levers import (
    LeverImpact,
    LeverReason,
    LinkKind,
    ResultLeverAnalysis,
)
from pilotage.reports import numbers
from pilotage.reports.language import bilingual, kpi_label, say
from pilotage.reports.model import Cell
from pilotage.reports.overview import format_value

LEVER_NAMES = {
    "planning": ("planification", "planning"), "volume": ("volume", "volume"),
    "aht": ("DMT", "AHT"), "staffing": ("présence des effectifs", "staffing"),
    "residual": ("non expliqué", "unexplained"), "mix": ("poids", "mix"),
    "rate": ("valeur", "rate"),
}
REASONS = {
    LeverReason.ALREADY_MET: ("objectif levier atteint : rien à gagner à sa cible",
                              "lever objective met: nothing to gain at its target"),
    LeverReason.AFTER_THE_ANSWER: ("mesuré après la réponse à l'enquête : ne peut pas "
                                   "l'expliquer",
                                   "measured after the survey answer: cannot explain it"),
    LeverReason.NO_LINK: ("aucun lien (contact ou conseiller) avec les réponses",
                          "no link (contact or advisor) to the records of the result"),
    LeverReason.ONE_SEGMENT: ("tous les contacts du même côté : effet non mesurable",
                              "every record on the same side: the effect cannot be measured"),
    LeverReason.NO_DATA: ("pas de données", "no data"),
}
RECORDS = {"survey_responses": ("réponses", "responses"), "contacts": ("contacts", "contacts")}


# ------------------------------------------------------------------ Erlang A, mix and rate
def model_text(model: LeverModel, lang: str) -> str:
    match model:
        case LeverModel.ERLANG_A:
            return say(lang, "Modèle : Erlang A par demi-heure, patience exponentielle estimée "
                             "sur les données ; parts de Shapley du volume, de la DMT et des "
                             "effectifs (plan → réel).",
                       "Model: Erlang A per 30-minute interval, exponential patience estimated "
                       "from the data; Shapley shares of volume, AHT and staffing (plan → "
                       "actual).")
        case LeverModel.MIX_RATE:
            return say(lang, "Modèle : effets de poids et de valeur par file par rapport à la "
                             "période précédente.",
                       "Model: mix and rate effects by queue against the previous period.")


def lever_name(lever: str, lang: str) -> str:
    head, _, rest = lever.partition(" ")
    names = LEVER_NAMES.get(head)
    if names is None:
        return lever
    return (names[0] if lang == "fr" else names[1]) + (f" {rest}" if rest else "")


def effect_detail(effect: LeverEffect, kpi: Kpi, lang: str) -> str:
    """The facts behind one effect, e.g. ``volume +12 % par rapport à la prévision``."""
    f = effect.facts
    head = effect.lever.partition(" ")[0]
    match head:
        case "planning":
            plan, target = numbers.percent(f["plan"], lang), numbers.percent(f["target"], lang)
            return say(lang, f"le plan donne {plan} pour une cible de {target}",
                       f"the plan gives {plan} against {target}")
        case "volume":
            change = numbers.with_unit(100 * f["volume_change"], "%", lang, signed=True)
            return say(lang, f"volume {change} par rapport à la prévision",
                       f"volume {change} against forecast")
        case "aht":
            change = numbers.with_unit(f["aht_change_s"], "s", lang, signed=True)
            return say(lang, f"DMT {change} par rapport à la prévision",
                       f"AHT {change} against forecast")
        case "staffing":
            share = numbers.percent(f["productive_share"], lang, 0)
            return say(lang, f"agents productifs : {share} des planifiés (absences, adhérence)",
                       f"productive agents {share} of scheduled (absences, adherence)")
        case "mix":
            before = numbers.percent(f["weight_before"], lang, 0)
            now = numbers.percent(f["weight_now"], lang, 0)
            return say(lang, f"poids {before} → {now}", f"weight {before} → {now}")
        case "rate":
            before = format_value(kpi, f["value_before"], lang)
            now = format_value(kpi, f["value_now"], lang)
            return say(lang, f"valeur {before} → {now}", f"value {before} → {now}")
        case _:
            return say(lang, "ce que le modèle n'explique pas",
                       "what the model does not explain")


def lever_sentence(name: str, kpi: Kpi, analysis: LeverAnalysis, lang: str) -> str:
    if analysis.actual is None or analysis.reference is None:
        return say(lang, f"{name} : pas assez de données pour analyser les leviers.",
                   f"{name}: not enough data to analyse the levers.")
    change = Cell.kpi_change(kpi, analysis.actual - analysis.reference, lang).text
    harmful = [e for e in analysis.effects if e.effect < 0][:3]
    causes = ", ".join(f"{lever_name(e.lever, lang)} "
                       f"({Cell.kpi_change(kpi, e.effect, lang).text})" for e in harmful)
    against = say(lang, "la cible", "the target") if analysis.model is LeverModel.ERLANG_A \
        else say(lang, "la période précédente", "the previous period")
    if lang == "fr":
        text = f"{name} : {change} par rapport à {against}"
        return text + (f" ; principaux freins : {causes}." if causes else ".")
    text = f"{name}: {change} against {against}"
    return text + (f"; main drags: {causes}." if causes else ".")


def lever_rows(name: str, kpi: Kpi, analysis: LeverAnalysis, lang: str
               ) -> tuple[tuple[Cell, ...], ...]:
    return tuple((Cell.label(name), Cell.label(lever_name(e.lever, lang)),
                  Cell.kpi_change(kpi, e.effect, lang),
                  Cell.label(effect_detail(e, kpi, lang))) for e in analysis.effects)


def lever_columns(lang: str) -> tuple[str, ...]:
    return (say(lang, "Objectif", "Objective"), say(lang, "Levier", "Lever"),
            say(lang, "Effet", "Effect"), say(lang, "Détail (modèle)", "Detail (model)"))


# ------------------------------------------------------------------ result objectives
class ResultLeverText:
    """A re-weighting analysis (``objectives.result_levers``) in one language."""

    def __init__(self, analysis: ResultLeverAnalysis, objectives: ObjectivesFile,
                 catalogue: Catalogue, lang: str) -> None:
        self.a = analysis
        self.objectives = objectives
        self.catalogue = catalogue
        self.lang = lang
        self.kpi = catalogue.kpi(analysis.kpi)
        names = RECORDS.get(analysis.source_table or "contacts", RECORDS["contacts"])
        self.records_word = names[0] if lang == "fr" else names[1]

    def _say(self, fr: str, en: str) -> str:
        return say(self.lang, fr, en)

    def value(self, value: float | None, kpi: Kpi | None = None) -> str:
        return format_value(kpi or self.kpi, value, self.lang)

    def change(self, value: float | None) -> str:
        return Cell.kpi_change(self.kpi, value, self.lang).text

    def lever_label(self, impact: LeverImpact) -> str:
        lever = self.objectives.objective(impact.lever_id)
        return bilingual(lever.name, self.lang) if lever is not None else impact.lever_id

    def model(self) -> str:
        return result_model_text(self.lang)

    def detail(self, impact: LeverImpact) -> str:
        if impact.reason is not None and impact.reason is not LeverReason.ALREADY_MET:
            return REASONS[impact.reason][0 if self.lang == "fr" else 1]
        share = numbers.percent(impact.share_met or 0.0, self.lang)
        at_target = numbers.percent(impact.share_met_at_target or 0.0, self.lang)
        met, not_met = self.value(impact.result_met), self.value(impact.result_not_met)
        n = numbers.number(impact.records, self.lang)
        label = kpi_label(self.kpi, self.lang)
        if impact.link is LinkKind.ADVISOR:
            target = self.value(impact.target, self.catalogue.kpi(impact.kpi))
            text = self._say(
                f"{share} des {self.records_word} viennent de conseillers à la cible "
                f"({target}), {at_target} s'ils l'atteignaient tous ; {label} {met} chez eux, "
                f"{not_met} sinon (n = {n})",
                f"{share} of {self.records_word} come from advisors at target ({target}), "
                f"{at_target} if they all reached it; {label} {met} with them, {not_met} "
                f"otherwise (n = {n})")
        else:
            text = self._say(
                f"{share} des {self.records_word} remplissent la condition du levier, "
                f"{at_target} à sa cible ; {label} {met} parmi eux, {not_met} sinon (n = {n})",
                f"{share} of {self.records_word} meet the lever's condition, {at_target} at "
                f"its target; {label} {met} among them, {not_met} otherwise (n = {n})")
        if impact.reason is LeverReason.ALREADY_MET:
            text = REASONS[impact.reason][0 if self.lang == "fr" else 1] + " — " + text
        return text

    def lever_sentence(self, impact: LeverImpact) -> str:
        """``si « 90 % des appels décrochés en moins de 60 s » était atteint (aujourd'hui
        87,9 % pour 90,0 %), CSAT ≈ +0,2 pt``."""
        lever_kpi = self.catalogue.kpi(impact.kpi)
        today, target = self.value(impact.actual, lever_kpi), self.value(impact.target,
                                                                          lever_kpi)
        label = kpi_label(self.kpi, self.lang)
        if impact.link is LinkKind.ADVISOR:
            condition = self._say(f"si tous les conseillers atteignaient {target} de "
                                  f"{kpi_label(lever_kpi, 'fr')}",
                                  f"if every advisor reached {target} of "
                                  f"{kpi_label(lever_kpi, 'en')}")
        else:
            condition = self._say(f"si « {self.lever_label(impact)} » était atteint "
                                  f"(aujourd'hui {today} pour {target})",
                                  f"if \"{self.lever_label(impact)}\" were met (today {today} "
                                  f"against {target})")
        return f"{condition}, {label} ≈ {self.change(impact.impact)}"

    def summary(self, name: str) -> str:
        a = self.a
        label = kpi_label(self.kpi, self.lang)
        n = numbers.number(a.records, self.lang)
        head = self._say(f"{name} : {label} {self.value(a.actual)} sur {n} "
                         f"{self.records_word} pour une cible de {self.value(a.target)}",
                         f"{name}: {label} {self.value(a.actual)} over {n} "
                         f"{self.records_word} against a target of {self.value(a.target)}")
        helping = [i for i in a.levers if i.impact is not None and a.gain(i) > 0]
        if not helping:
            return head + self._say(" ; aucun levier ne l'expliquerait à sa cible.",
                                    "; no lever at its target would explain it.")
        first = self.lever_sentence(helping[0])
        joint = self._say(
            f"Tous les leviers à leur cible : {label} ≈ {self.value(a.joint_estimate)} "
            f"({self.change(a.joint_impact)}) ; reste non expliqué : "
            f"{self.change(a.unexplained)}.",
            f"Every lever at its target: {label} ≈ {self.value(a.joint_estimate)} "
            f"({self.change(a.joint_impact)}); left unexplained: "
            f"{self.change(a.unexplained)}.")
        return head + self._say(f" ; levier le plus porteur : {first}. ",
                                f"; the lever that matters most: {first}. ") + joint

    def rows(self, name: str) -> tuple[tuple[Cell, ...], ...]:
        rows = []
        for impact in self.a.levers:
            lever_kpi = self.catalogue.kpi(impact.kpi)
            effect = Cell.kpi_change(self.kpi, impact.impact, self.lang)
            rows.append((Cell.label(name), Cell.label(self.lever_label(impact)),
                         Cell.kpi_value(lever_kpi, impact.actual, self.lang),
                         Cell.kpi_value(lever_kpi, impact.target, self.lang), effect,
                         Cell.label(self.detail(impact))))
        return tuple(rows)


def result_model_text(lang: str) -> str:
    return say(
        lang,
        "Modèle : repondération des réponses (ou des contacts) de la période selon que chaque "
        "levier est tenu ou non pour leur contact (décroché dans le seuil, résolu au premier "
        "contact…) ou par leur conseiller (note qualité à la cible) : résultat observé de "
        "chaque segment × part du segment si le levier atteignait sa cible ; l'effet conjoint "
        "repondère les segments croisés de tous les leviers. C'est une association observée, "
        "pas la preuve d'une cause.",
        "Model: re-weighting of the period's responses (or contacts) by whether each lever is "
        "met for their contact (answered within the threshold, resolved at first contact…) or "
        "by their advisor (quality score at target): observed result of each segment × the "
        "segment's share if the lever met its target; the joint effect re-weights the crossed "
        "segments of every lever. It is an observed association, not proof of a cause.")


def result_lever_columns(lang: str) -> tuple[str, ...]:
    return (say(lang, "Objectif", "Objective"), say(lang, "Levier", "Lever"),
            say(lang, "Réel", "Actual"), say(lang, "Cible", "Target"),
            say(lang, "Effet estimé à sa cible", "Estimated effect at its target"),
            say(lang, "Détail (modèle)", "Detail (model)"))
