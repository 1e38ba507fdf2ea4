"""bench.side_by_side's figures: one measurement, one round of them, and its printed lines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    """One measurement: requests per second and latency over `endpoint`'s samples, and
    the CPU its server's workers spent per request (set by `on_cpu`)."""

    rps: float
    p95: float
    p99: float
    count: int
    cpu_ms: float = 0.0
    pg_ms: float = 0.0


@dataclass
class Round:
    bare_press: Figure
    press: Figure
    ceiling_press: Figure
    bare_web: Figure
    web: Figure
    submissions_per_second: float


def print_round(n: int, r: Round) -> None:
    print(
        f"round {n}: 求助 c64   desk {r.press.rps:6.1f} req/s p99 {r.press.p99:6.1f} ms | "
        f"bare {r.bare_press.rps:6.1f} req/s p99 {r.bare_press.p99:6.1f} ms | "
        f"ratio {r.press.rps / r.bare_press.rps:.2f}x; CPU per request desk "
        f"{r.press.cpu_ms:.2f} ms, bare {r.bare_press.cpu_ms:.2f} ms "
        f"({r.bare_press.cpu_ms / max(r.press.cpu_ms, 1e-9):.2f}x); PostgreSQL "
        f"{r.press.pg_ms:.2f} ms, bare {r.bare_press.pg_ms:.2f} ms"
    )
    top = r.ceiling_press
    print(
        f"round {n}: 求助 c64   ceiling {top.rps:6.1f} req/s p99 {top.p99:6.1f} ms | "
        f"ratio to bare {top.rps / r.bare_press.rps:.2f}x, desk to ceiling "
        f"{r.press.rps / top.rps:.2f}x; CPU per request {top.cpu_ms:.2f} ms, "
        f"PostgreSQL {top.pg_ms:.2f} ms"
    )
    print(
        f"round {n}: tickets c16 desk {r.web.rps:6.1f} req/s ({r.submissions_per_second:.1f} "
        f"submissions/s) p99 {r.web.p99:6.1f} ms | bare {r.bare_web.rps:6.1f} req/s | "
        f"ratio {r.web.rps / r.bare_web.rps:.2f}x; CPU per request desk {r.web.cpu_ms:.2f} ms, "
        f"bare {r.bare_web.cpu_ms:.2f} ms ({r.bare_web.cpu_ms / max(r.web.cpu_ms, 1e-9):.2f}x); "
        f"PostgreSQL {r.web.pg_ms:.2f} ms, bare {r.bare_web.pg_ms:.2f} ms"
    )
