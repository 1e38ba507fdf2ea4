"""The promise measured: the wait each press was shown against the real time to its first call.

A bench keeps, for every press the desk answered with a new request, the request's id and the
`estimated_wait_seconds` of that answer (None when its message said nobody was on duty, so no
number was shown). After the run, `real_waits` reads each request's created_at and
first_call_at from the database; `compare` reports the error distribution: median and 90th
percentile of the absolute error, the share within ±60 s, and how many presses got no number
or were never called.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from bench.harness.database import engine
from bench.harness.stats import percentile

#: The words of the message with no number in it (zh-CN and en).
NO_ESTIMATE_MARKERS = ("已通知值班主管", "duty supervisor has been alerted")


@dataclass(frozen=True)
class Shown:
    request_id: str
    estimate: int | None


def shown(body: object) -> Shown | None:
    """What one press's answer promised (the API body), or None for an unusable answer."""
    if not isinstance(body, dict) or "id" not in body:
        return None
    message = str(body.get("message", ""))
    if any(marker in message for marker in NO_ESTIMATE_MARKERS):
        return Shown(str(body["id"]), None)
    return Shown(str(body["id"]), int(body.get("estimated_wait_seconds") or 0))


def real_waits(url: str) -> dict[str, float | None]:
    """Seconds from each request's press to its first call attempt (None: never called)."""
    db = engine(url)
    try:
        with db.connect() as connection:
            rows = connection.execute(
                text("SELECT public_id, created_at, first_call_at FROM help_requests")
            ).all()
    finally:
        db.dispose()
    return {
        str(public_id): (first - created).total_seconds() if first is not None else None
        for public_id, created, first in rows
    }


@dataclass(frozen=True)
class EtaReport:
    presses: int
    compared: int
    no_estimate: int
    never_called: int
    median_abs: float | None
    p90_abs: float | None
    within_60: float | None
    median_signed: float | None

    def line(self) -> str:
        def s(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} s"

        share = "-" if self.within_60 is None else f"{self.within_60:.0%}"
        return (
            f"shown wait vs press-to-first-call: |error| median {s(self.median_abs)}, "
            f"p90 {s(self.p90_abs)}, within ±60 s {share} (n={self.compared}; "
            f"median signed error {s(self.median_signed)}, + = promised longer); "
            f"no number shown (nobody on duty) {self.no_estimate}, never called "
            f"{self.never_called} of {self.presses} presses"
        )

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def compare(promises: list[Shown], waits: dict[str, float | None]) -> EtaReport:
    errors: list[float] = []
    no_estimate = never = 0
    for promise in promises:
        real = waits.get(promise.request_id)
        if promise.estimate is None:
            no_estimate += 1
            continue
        if real is None:
            never += 1
            continue
        errors.append(promise.estimate - real)
    absolute = [abs(e) for e in errors]
    return EtaReport(
        presses=len(promises),
        compared=len(errors),
        no_estimate=no_estimate,
        never_called=never,
        median_abs=percentile(absolute, 0.5),
        p90_abs=percentile(absolute, 0.9),
        within_60=(sum(1 for e in absolute if e <= 60) / len(absolute)) if absolute else None,
        median_signed=percentile(errors, 0.5),
    )
