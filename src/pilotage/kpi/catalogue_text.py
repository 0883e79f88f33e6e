"""Text made from the catalogue: ``pilotage kpi explain`` and ``docs/kpis.md``.

Regenerate the docs with ``python -m pilotage.kpi.catalogue_text > docs/kpis.md``.
"""

from __future__ import annotations

from pilotage.kpi.compiler import KpiRequest
from pilotage.kpi.definitions import Catalogue, Formula, Kpi, load_catalogue
from pilotage.store import Workspace

CATEGORY_TITLES = {
    "accessibility": ("Joignabilité", "Accessibility"),
    "productivity": ("Productivité", "Productivity"),
    "quality": ("Qualité", "Quality"),
    "customer": ("Client", "Customer"),
    "commercial": ("Commercial", "Commercial"),
    "financial": ("Financier", "Financial"),
    "social": ("Climat social", "Social climate"),
    "process": ("Process", "Process"),
    "wfm": ("Planification (WFM)", "Workforce management"),
}


def formula_text(formula: Formula) -> str:
    def side(terms: list[str]) -> str:
        text = ""
        for i, term in enumerate(terms):
            name = term.lstrip("-")
            if term.startswith("-"):
                text += f" − {name}"
            else:
                text += name if i == 0 else f" + {name}"
        return f"({text})" if len(terms) > 1 else text

    if not formula.denominator:
        return side(formula.numerator)
    return f"{side(formula.numerator)} / {side(formula.denominator)}"


def measure_text(catalogue: Catalogue, name: str) -> str:
    m = catalogue.measure(name)
    what = "count of rows" if m.aggregate == "count" else (
        f"{m.aggregate} of {' + '.join(m.value)}")
    conds = []
    for column, cond in m.where.items():
        for op, value in cond.model_dump(exclude_none=True, by_alias=True).items():
            conds.append(f"{column} {op} {value}")
    where = f" where {' and '.join(conds)}" if conds else ""
    return f"{name} = {what} of {m.table}{where}"


def explain_text(kpi: Kpi, *, lang: str = "fr", workspace: Workspace | None = None) -> str:
    catalogue = load_catalogue()
    other = "en" if lang == "fr" else "fr"
    abbr = f" ({getattr(kpi.abbreviation, lang)})" if kpi.abbreviation else ""
    lines = [
        f"{kpi.id} — {getattr(kpi.name, lang)}{abbr} · {getattr(kpi.name, other)}",
        f"version {kpi.version} · {kpi.category.value} · unit {kpi.unit.value} · "
        f"better: {kpi.direction.value}",
        "",
        getattr(kpi.definition, lang),
        "",
        f"formula: {formula_text(kpi.formula)}",
    ]
    names = {t.lstrip("-") for f in [kpi.formula, *(v.formula for v in kpi.variants.values()
                                                      if v.formula)]
             for t in [*f.numerator, *f.denominator]}
    lines += [f"  {measure_text(catalogue, n)}" for n in sorted(names)]
    lines += ["", "parameters:"]
    for name, p in kpi.parameters.items():
        lines.append(f"  {kpi.id}.{name} = {p.default} {p.unit}  — {getattr(p.description, lang)}")
    lines.append(f"  {kpi.id}.attribution = arrival  — arrival | answer | end (contacts' "
                 "time attribution)")
    lines.append(f"  {kpi.id}.variant = default  — " + ", ".join(["default", *kpi.variants]))
    if kpi.variants:
        lines += ["", "variants:"]
        for name, v in kpi.variants.items():
            src = f" [{v.source}]" if v.source else ""
            lines.append(f"  {name}: {getattr(v.description, lang)}{src}")
    if kpi.levers:
        lines += ["", "levers: " + ", ".join(kpi.levers)]
    lines += ["", "dimensions: " + ", ".join(kpi.dimensions)]
    if workspace is not None:
        from pilotage.kpi.query import compile_sql

        lines += ["", "query (DuckDB, whole period):",
                  compile_sql(workspace, KpiRequest(kpis=(kpi.id,)))]
    return "\n".join(lines)


def render_markdown() -> str:
    catalogue = load_catalogue()
    out = ["# KPI catalogue", "",
           "Generated from `src/pilotage/kpi/catalogue/*.yaml` by "
           "`python -m pilotage.kpi.catalogue_text` — do not edit by hand.", "",
           "Every ratio is computed at the requested grain as the sum of its numerator "
           "measures over the sum of its denominator measures (never an average of averages). "
           "Contact KPIs take a time-attribution parameter: `arrival` (default: the interval "
           "the contact was offered in), `answer` (answered, else ended), `end`.", ""]
    for category, (fr, en) in CATEGORY_TITLES.items():
        kpis = [k for k in catalogue.kpis.values() if k.category.value == category]
        if not kpis:
            continue
        out += [f"## {fr} / {en}", ""]
        for k in sorted(kpis, key=lambda k: k.id):
            abbr = (f" ({k.abbreviation.fr} / {k.abbreviation.en})" if k.abbreviation
                    else "")
            out += [f"### `{k.id}` — {k.name.fr} / {k.name.en}{abbr}", "",
                    f"- **Définition** : {k.definition.fr}",
                    f"- **Definition**: {k.definition.en}",
                    f"- **Formula**: `{formula_text(k.formula)}`",
                    f"- **Unit**: {k.unit.value} · **better**: {k.direction.value} · "
                    f"**version** {k.version}"]
            for name, p in k.parameters.items():
                out.append(f"- **Parameter** `{name}` = {p.default} {p.unit}: "
                           f"{p.description.en} / {p.description.fr}")
            for name, v in k.variants.items():
                src = f" — {v.source}" if v.source else ""
                formula = f" `{formula_text(v.formula)}`" if v.formula else ""
                out.append(f"- **Variant** `{name}`:{formula} {v.description.en}{src}")
            if k.levers:
                out.append("- **Levers**: " + ", ".join(f"`{x}`" for x in k.levers))
            out.append("- **Dimensions**: " + ", ".join(k.dimensions))
            out.append("")
    out += ["## Measures", "", "| measure | definition |", "|---|---|"]
    for name in sorted(catalogue.measures):
        out.append(f"| `{name}` | {measure_text(catalogue, name).split(' = ', 1)[1]} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
