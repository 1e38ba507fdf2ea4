"""Percentiles and time buckets for the rehearsal's figures (no numpy: stdlib only)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (fraction in [0, 1]) of values, or None when empty.

    Nearest rank (not interpolation) so that every figure reported is a latency some request
    really had.
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
