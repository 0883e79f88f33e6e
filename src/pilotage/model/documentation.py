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
        "Storage: text columns whose values are nearly all distinct (identifiers, keyed hashes, "
        "raw event data; their type reads *VARCHAR, uncompressed*) are stored without DuckDB's "
        "dictionary + FSST compression. Its analysis of millions of distinct strings costs "
        "0.4-0.5 CPU s per column and per 2 M rows at every load (a third of the cost of "
        "committing 2 M contacts); the price is disk: the file of 2 M contacts takes 127 MB "
        "instead of 73 MB (a 2 M-line queue_log with its contacts: 110 MB instead of 62 MB). "
        "Low-cardinality text keeps the compression (a queue, a channel: "
        "1 MB per 2 M rows, 20 MB uncompressed). Workspaces created before this choice keep "
        "compressing these columns; both read the same. See "
        "[performance.md](performance.md#where-the-time-goes-2-m-rows-cpu-seconds-measured-"
        "stage-by-stage).",
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
                kind = f"{col.sql_type}, uncompressed" if col.distinct_text else col.sql_type
                out.append(f"| `{col.name}` | {kind} | {col.unit} | "
                           f"{'yes' if col.required else ''} | {meaning} | {col.french} |")
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_data_model(), end="")
