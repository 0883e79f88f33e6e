"""Render ``docs/data-model.md`` from the table declarations (the one source).

Regenerate with ``python -m pilotage.model.documentation > docs/data-model.md``; a test fails
when the file and the declarations disagree.
"""

from __future__ import annotations

from pilotage.model.tables import ALL_TABLES

_GROUP_TITLES = {
    "organisation": "Organisation",
    "facts": "Contacts and advisor activity",
    "planning": "Planning, HR and costs",
    "quality": "Quality and customer feedback",
    "bookkeeping": "Bookkeeping (loads and quarantine)",
}


def render_data_model() -> str:
    out = [
        "# Canonical data model",
        "",
        "Generated from `src/pilotage/model/tables.py` by "
        "`python -m pilotage.model.documentation` — do not edit by hand.",
        "",
        "Conventions: timestamps (`*_at`) are stored as naive `TIMESTAMP` values in **UTC** and "
        "reported in the site's time zone (default Europe/Paris; DST days have 23 or 25 hours). "
        "Durations (`*_s`) are seconds, money (`*_eur`) euros. Customer identifiers are "
        "pseudonymised at ingestion with a keyed hash (HMAC-SHA-256, per-workspace secret) and "
        "never stored in clear. Every fact row carries the `load_id` of the load that wrote it.",
        "",
    ]
    for group, title in _GROUP_TITLES.items():
        out += [f"## {title}", ""]
        for spec in ALL_TABLES.values():
            if spec.group != group:
                continue
            key = f" Key: `{', '.join(spec.key)}`." if spec.key else ""
            out += [f"### `{spec.name}` — {spec.french}", "", f"{spec.meaning}{key}", "",
                    "| column | type | unit | required | meaning | French term |",
                    "|---|---|---|---|---|---|"]
            for col in spec.columns:
                meaning = col.meaning
                if col.vocabulary is not None:
                    meaning += " — one of " + ", ".join(f"`{v.value}`" for v in col.vocabulary)
                out.append(f"| `{col.name}` | {col.sql_type} | {col.unit} | "
                           f"{'yes' if col.required else ''} | {meaning} | {col.french} |")
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_data_model(), end="")
