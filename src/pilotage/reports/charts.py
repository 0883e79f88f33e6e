"""Inline SVG charts drawn in Python (no script, no external resource): bars against a
target line, a sparkline trend, and an intraday profile (volume bars and a rate line)."""

from __future__ import annotations

from html import escape

from pilotage.reports import numbers
from pilotage.reports.model import CellFormat, Chart, ChartKind

GOOD, BAD, NEUTRAL, INK, GRID = "#2e7d32", "#c62828", "#5c6bc0", "#263238", "#cfd8dc"


def render_chart(chart: Chart) -> str:
    match chart.kind:
        case ChartKind.BARS:
            return bars(chart)
        case ChartKind.PROFILE:
            return profile(chart)


def _short(value: float, fmt: CellFormat, lang: str) -> str:
    match fmt:
        case CellFormat.PERCENT:
            return numbers.percent(value, lang, 0)
        case CellFormat.SECONDS:
            return numbers.with_unit(value, "s", lang)
        case CellFormat.EUR:
            return numbers.euros(value, lang)
        case _:
            return numbers.number(value, lang)


def bars(chart: Chart, width: int = 640, bar_h: int = 18) -> str:
    """Horizontal bars, green when on the right side of the target, red otherwise."""
    label_w, pad = 170, 8
    values = [v for v in chart.values if v is not None]
    top = max([*values, chart.target or 0.0, 1e-9]) * 1.1
    plot_w = width - label_w - 70
    height = pad * 2 + len(chart.labels) * (bar_h + 6) + 14
    parts = [f'<svg class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(chart.title)}">']
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        y = pad + i * (bar_h + 6)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end" '
                     f'font-size="11" fill="{INK}">{escape(label)}</text>')
        if value is None:
            continue
        ok = chart.target is None or (value >= chart.target if chart.higher_is_better
                                      else value <= chart.target)
        colour = NEUTRAL if chart.target is None else (GOOD if ok else BAD)
        w = max(1.0, plot_w * value / top)
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 5}" font-size="11" '
                     f'fill="{INK}">{escape(_short(value, chart.value_format, chart.lang))}</text>')
    if chart.target is not None:
        x = label_w + plot_w * chart.target / top
        bottom = height - 12
        parts.append(f'<line x1="{x:.1f}" y1="{pad - 2}" x2="{x:.1f}" y2="{bottom}" '
                     f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" text-anchor="middle" '
                     f'font-size="10" fill="{INK}">'
                     f'{escape(_short(chart.target, chart.value_format, chart.lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(series: tuple[float | None, ...], width: int = 80, height: int = 18) -> str:
    points = [(i, v) for i, v in enumerate(series) if v is not None]
    if len(points) < 2:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    step = (width - 4) / max(len(series) - 1, 1)
    coords = " ".join(f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                      for i, v in points)
    last_x, last_v = points[-1]
    cy = height - 2 - (last_v - low) / span * (height - 4)
    return (f'<svg class="spark" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><polyline points="{coords}" fill="none" '
            f'stroke="{NEUTRAL}" stroke-width="1.5"/><circle cx="{2 + last_x * step:.1f}" '
            f'cy="{cy:.1f}" r="2" fill="{INK}"/></svg>')


def profile(chart: Chart, width: int = 680, height: int = 220) -> str:
    """Volume bars per interval (left scale) and the rate line (right scale, 0–100 %)."""
    left, right, top, bottom = 40, 40, 10, 30
    n = max(len(chart.labels), 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max([v for v in chart.values if v is not None] + [1e-9]) * 1.1
    step = plot_w / n
    parts = [f'<svg class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(chart.title)}">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
             f'y2="{top + plot_h}" stroke="{GRID}"/>']
    for i, value in enumerate(chart.values):
        if value is None:
            continue
        h = plot_h * value / vmax
        parts.append(f'<rect x="{left + i * step + 1:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="{GRID}"/>')
    for i, label in enumerate(chart.labels):
        if label.endswith(":00") and int(label[:2]) % 2 == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" font-size="9" '
                         f'fill="{INK}">{escape(label)}</text>')
    parts.append(f'<text x="2" y="{top + 8}" font-size="9" fill="{INK}">'
                 f'{escape(_short(vmax / 1.1, chart.value_format, chart.lang))}</text>')
    if chart.line_target is not None:
        y = top + plot_h * (1 - chart.line_target)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="{INK}" stroke-dasharray="4 3"/>')
        label = escape(numbers.percent(chart.line_target, chart.lang, 0))
        parts.append(f'<text x="{left + plot_w + 2}" y="{y + 3:.1f}" font-size="9" '
                     f'fill="{INK}">{label}</text>')
    coords = " ".join(f"{left + (i + 0.5) * step:.1f},{top + plot_h * (1 - v):.1f}"
                      for i, v in enumerate(chart.line) if v is not None)
    if coords:
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{BAD}" '
                     f'stroke-width="1.8"/>')
    parts.append("</svg>")
    return "".join(parts)
