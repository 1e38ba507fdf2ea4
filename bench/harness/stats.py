"""The one percentile definition every bench prints, summaries built on it, and time
buckets for the rehearsal's charts (no numpy: standard library only)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (fraction in [0, 1]) of values, or None when empty.

    Nearest rank (not interpolation) so that every figure reported is a latency some request
    really had. The median is percentile(values, 0.5): the lower middle value of an even count.
    """
    if not values:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be between 0 and 1")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    def line(self, unit: str = "ms", digits: int = 1) -> str:
        """'median 12.3 ms, p95 40.1 ms, p99 55.0 ms, max 61.2 ms (n=300)'."""

        def show(value: float | None) -> str:
            return "-" if value is None else f"{value:.{digits}f} {unit}"

        return (
            f"median {show(self.p50)}, p95 {show(self.p95)}, p99 {show(self.p99)}, "
            f"max {show(self.max)} (n={self.count})"
        )


def summarise(values: Sequence[float]) -> Summary:
    return Summary(
        len(values),
        percentile(values, 0.50),
        percentile(values, 0.95),
        percentile(values, 0.99),
        max(values) if values else None,
    )


def buckets(
    points: Iterable[tuple[float, float]], width: float, start: float, end: float
) -> list[list[float]]:
    """Group (time, value) points into consecutive buckets of `width` seconds from start."""
    if width <= 0:
        raise ValueError("width must be positive")
    count = max(1, math.ceil((end - start) / width))
    out: list[list[float]] = [[] for _ in range(count)]
    for moment, value in points:
        index = int((moment - start) // width)
        if 0 <= index < count:
            out[index].append(value)
    return out
