"""Render reports to files, one or every report of a period: each advisor, team and site,
the director, each contract and the commitments page — on one KPI session and one
attainment engine, so each figure is computed once for the whole batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pilotage.errors import ParameterError
from pilotage.reports.content import build_report
from pilotage.reports.context import ReportContext
from pilotage.reports.html import render_html
from pilotage.reports.model import Report, ReportLevel
from pilotage.reports.pdf import render_pdf
from pilotage.reports.xlsx import render_xlsx


def _html_bytes(report: Report) -> bytes:
    return render_html(report).encode("utf-8")


# the renderers, one registry: format → (file extension, renderer)
RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "html": _html_bytes, "pdf": render_pdf, "xlsx": render_xlsx,
}


def check_format(fmt: str) -> str:
    if fmt not in RENDERERS:
        raise ParameterError(f"--format {fmt!r} is not one of {', '.join(RENDERERS)}")
    return fmt


def write_report(report: Report, fmt: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(RENDERERS[check_format(fmt)](report))
    return path


@dataclass(frozen=True)
class ReportJob:
    level: ReportLevel
    unit: str | None

    def path(self, directory: Path, period: str, fmt: str) -> Path:
        parts = [self.level.value, *([self.unit] if self.unit else []), period]
        stem = "_".join(p.replace("/", "-").replace("..", "_to_") for p in parts)
        return directory / self.level.value / f"{stem}.{fmt}"


def all_jobs(ctx: ReportContext) -> list[ReportJob]:
    """Every report of the period: advisors who were in a team during it, every team and
    site, the director, every contract, the commitments page."""
    jobs = [ReportJob(ReportLevel.DIRECTOR, None), ReportJob(ReportLevel.COMMITMENTS, None)]
    jobs += [ReportJob(ReportLevel.CONTRACT, c.contract_id) for c in ctx.objectives.contracts]
    jobs += [ReportJob(ReportLevel.SITE, s) for s in sorted(ctx.org.sites)]
    jobs += [ReportJob(ReportLevel.TEAM, t) for t in sorted(ctx.org.teams)]
    jobs += [ReportJob(ReportLevel.ADVISOR, a) for a, p in sorted(ctx.org.advisors.items())
             if p.team_id is not None]
    return jobs


def render_all(ctx: ReportContext, fmt: str, directory: Path, lang: str = "fr",
               progress: Callable[[str, int, int], None] | None = None) -> list[Path]:
    """Write every report of the period under ``directory/<level>/``; ``progress(name,
    done, total)`` after each."""
    check_format(fmt)
    jobs = all_jobs(ctx)
    written = []
    for done, job in enumerate(jobs, start=1):
        report = build_report(ctx, job.level, job.unit, lang)
        written.append(write_report(report, fmt, job.path(directory, ctx.period.label, fmt)))
        if progress is not None:
            progress(f"{job.level.value} {job.unit or ''}".strip(), done, len(jobs))
    return written
