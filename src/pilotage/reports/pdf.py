"""PDF rendering: the report's HTML laid out by WeasyPrint (no network: every resource is
inline, and fetching any URL is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pilotage.errors import InputError
from pilotage.reports.html import render_html
from pilotage.reports.model import Report


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise InputError(f"a report tried to fetch {url!r}; reports are self-contained")


def render_pdf(report: Report) -> bytes:
    import weasyprint

    html = weasyprint.HTML(string=render_html(report, for_print=True),
                           url_fetcher=_no_fetch)
    data = html.write_pdf()
    assert data is not None
    return bytes(data)


def write_pdf(report: Report, path: Path) -> Path:
    path.write_bytes(render_pdf(report))
    return path
