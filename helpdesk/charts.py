"""Charts drawn on the server as inline SVG: no script, no style attributes (the CSP allows
neither), and readable without colour: every bar and point carries its number, series
differ by dash pattern and marker shape as well as shade, and each chart has a title and a
text description that lists its values for screen readers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

INK, MUTED = "#1d2733", "#5b6878"
#: Series looks: (stroke, dash pattern, marker). Told apart in black and white too.
LOOKS = [("#0b5cad", "", "circle"), ("#9a6700", "6 3", "square"), ("#1e7b34", "2 3", "triangle")]
_ids = itertools.count(1)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(
    title: str, desc: str, width: int, height: int, body: list[str], css: str = ""
) -> Markup:
    n = next(_ids)
    classes = f"chart {css}".strip()
    svg = (
        f'<svg class="{classes}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="12" fill="{INK}">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )
    return Markup(svg)  # noqa: S704 - every text in it went through escape()


def _describe(labels: Sequence[str], values: Sequence[float], unit: str) -> str:
    return "; ".join(f"{label} {_number(v)}{unit}" for label, v in zip(labels, values, strict=True))


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "", height: int = 160
) -> Markup:
    """Vertical bars, one per label, each with its number above it."""
    width, left, bottom, top = max(320, 28 * len(labels) + 40), 30, 24, 18
    top_value = max([*values, 1])
    step = (width - left - 10) / max(1, len(labels))
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="{MUTED}"/>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (height - bottom - top) * value / top_value
        x = left + i * step + step * 0.15
        y = height - bottom - h
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{LOOKS[0][0]}"/>'
        )
        if value:
            body.append(
                f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                f"{_number(value)}</text>"
            )
        if len(labels) <= 12 or i % 2 == 0:
            body.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    return _frame(title, _describe(labels, values, unit), width, height, body)


def hbars(title: str, items: Sequence[tuple[str, float]], *, unit: str = "") -> Markup:
    """Horizontal bars, one per labelled item, the label left and the number right."""
    row, label_w, width = 26, 170, 560
    height = max(1, len(items)) * row + 8
    top_value = max([v for _, v in items] + [1])
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 60) * value / top_value
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{LOOKS[0][0]}"/>'
        )
        body.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{_number(value)}{escape(unit)}</text>'
        )
    desc = "; ".join(f"{label} {_number(v)}{unit}" for label, v in items)
    return _frame(title, desc, width, height, body)


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def paired_hbars(
    title: str,
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    series: tuple[str, str],
    css: str = "",
) -> Markup:
    """Two horizontal bars per labelled row, shares of 0..1 (None: nobody to count), each
    with its percentage, in the order the legend names the two series."""
    row, label_w, width, bar = 34, 150, 420, 11
    height = row * len(rows) + 28
    span = width - label_w - 50
    shades = (LOOKS[0][0], LOOKS[1][0])
    body = [
        f'<rect x="{label_w + i * 130}" y="4" width="10" height="10" fill="{shade}"/>'
        f'<text x="{label_w + i * 130 + 14}" y="13" font-size="11">{escape(name)}</text>'
        for i, (name, shade) in enumerate(zip(series, shades, strict=True))
    ]
    for index, (label, *shares) in enumerate(rows):
        y = 24 + index * row
        body.append(f'<text x="0" y="{y + 14}" font-size="11">{escape(label)}</text>')
        for j, (share, shade) in enumerate(zip(shares, shades, strict=True)):
            top, w = y + j * (bar + 2), 0 if share is None else round(span * share)
            body.append(
                f'<rect x="{label_w}" y="{top}" width="{w}" height="{bar}" fill="{shade}"/>'
                f'<text x="{label_w + w + 4}" y="{top + 10}" font-size="10">'
                f"{_percent(share)}</text>"
            )
    desc = "; ".join(
        f"{label}: {series[0]} {_percent(first)}, {series[1]} {_percent(second)}"
        for label, first, second in rows
    )
    return _frame(title, desc, width, height, body, css)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 4.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f} '
            f'{x + 4.5:.1f},{y + 3.5:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    height: int = 180,
) -> Markup:
    """One line per series over the labels; a gap where a value is None. Each series has its
    own dash and marker, named in a legend drawn with the same dash and marker."""
    width, left, bottom, top = max(360, 26 * len(labels) + 50), 40, 24, 28
    known = [v for _, values in series for v in values if v is not None]
    top_value = max([*known, 1])
    step = (width - left - 20) / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, height - bottom - (height - bottom - top) * v / top_value

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="{MUTED}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="{MUTED}">'
        f"{_number(top_value)}</text>",
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" fill="{MUTED}">0</text>',
    ]
    for i, label in enumerate(labels):
        if len(labels) <= 12 or i % 2 == 0:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    descs = []
    for n, (name, values) in enumerate(series):
        colour, dash, marker = LOOKS[n % len(LOOKS)]
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        body.extend(_marker(marker, *xy(i, v), colour) for i, v in points)
        if points:
            i, v = points[-1]
            x, y = xy(i, v)
            body.append(
                f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
                f"{_number(v)}{escape(unit)}</text>"
            )
        lx = left + n * 150
        body.append(
            f'<line x1="{lx}" y1="10" x2="{lx + 24}" y2="10" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>' + _marker(marker, lx + 12, 10, colour)
        )
        body.append(f'<text x="{lx + 30}" y="14">{escape(name)}</text>')
        shown = [(labels[i], v) for i, v in points]
        descs.append(f"{name}: " + "; ".join(f"{lab} {_number(v)}{unit}" for lab, v in shown))
    return _frame(title, " / ".join(descs), width, height, body)
