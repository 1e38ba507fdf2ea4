"""Line charts as inline SVG, so the report is one self-contained HTML file."""

from __future__ import annotations

import math
from html import escape

COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#57606a")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(
    title: str,
    series: list[tuple[str, list[tuple[float, float]]]],
    *,
    x_label: str,
    y_label: str,
    width: int = 860,
    height: int = 260,
    bands: list[tuple[float, float, str]] | None = None,
    marks: list[tuple[float, str]] | None = None,
) -> str:
    """series: (name, [(x, y), ...]); bands: shaded x ranges (start, end, label);
    marks: thin vertical lines (x, label), e.g. a worker killed."""
    left, right, top, bottom = 60, 16, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for _, points in series for x, _ in points] or [0.0, 1.0]
    ys = [y for _, points in series for _, y in points] or [0.0]
    x0, x1 = min(xs), max(xs)
    if x1 <= x0:
        x1 = x0 + 1
    y1 = _nice_max(max(ys))

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y / y1) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for start, end, label in bands or []:
        a, b = sx(max(x0, start)), sx(min(x1, end))
        if b > a:
            parts.append(
                f'<rect x="{a:.1f}" y="{top}" width="{b - a:.1f}" height="{plot_h}" '
                f'fill="#f6c343" fill-opacity="0.25"><title>{escape(label)}</title>'
                "</rect>"
            )
            parts.append(
                f'<text x="{a + 2:.1f}" y="{top + plot_h - 4}" font-size="10" '
                f'fill="#9a6700">{escape(label[:28])}</text>'
            )
    for x, label in marks or []:
        if x0 <= x <= x1:
            parts.append(
                f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top + plot_h - 10}" '
                f'y2="{top + plot_h}" stroke="#d1242f" stroke-width="1.5">'
                f"<title>{escape(label)}</title></line>"
            )
    for i in range(5):
        value = y1 * i / 4
        y = sy(value)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end">{value:g}</text>'
        )
    for i in range(6):
        value = x0 + (x1 - x0) * i / 5
        x = sx(value)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" '
            f'text-anchor="middle">{value:.0f}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" font-size="11" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">{escape(y_label)}</text>'
    )
    for index, (name, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if points:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{path}"/>'
            )
        lx = left + 10 + index * 150
        parts.append(f'<rect x="{lx}" y="{top + 4}" width="10" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14}" y="{top + 9}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
