"""A small SVG bar chart of the reminders' effect: per reminder, the share of those reached
who acted, beside the share of those not reminded. Self-contained, so a shared chart
module can replace it by changing this one function."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 34
WIDTH = 420
LABEL = 150
BAR = 11


def effect_chart(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    title: str,
    reminded: str,
    others: str,
) -> Markup:
    """rows: (label, reminded share, not-reminded share), shares 0..1 or None."""
    height = ROW * len(rows) + 28
    span = WIDTH - LABEL - 50
    parts = [
        f'<svg class="chart effect-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LABEL}" y="4" width="10" height="10" class="bar-reminded" fill="#2b6cb0"/>'
        f'<text x="{LABEL + 14}" y="13" font-size="11">{escape(reminded)}</text>',
        f'<rect x="{LABEL + 130}" y="4" width="10" height="10" class="bar-others" fill="#a0aec0"/>'
        f'<text x="{LABEL + 144}" y="13" font-size="11">{escape(others)}</text>',
    ]
    for index, (label, mine, theirs) in enumerate(rows):
        y = 24 + index * ROW
        parts.append(f'<text x="0" y="{y + 14}" font-size="11">{escape(label)}</text>')
        for offset, share, css, fill in (
            (0, mine, "bar-reminded", "#2b6cb0"),
            (BAR + 2, theirs, "bar-others", "#a0aec0"),
        ):
            width = 0 if share is None else round(span * share)
            words = "–" if share is None else f"{round(share * 100)}%"
            parts.append(
                f'<rect x="{LABEL}" y="{y + offset}" width="{width}" height="{BAR}" '
                f'class="{css}" fill="{fill}"/>'
                f'<text x="{LABEL + width + 4}" y="{y + offset + 10}" font-size="10">{words}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label went through escape()
