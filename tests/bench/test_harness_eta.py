"""The promise measured: what a press was shown (number or none) against its real wait, as
median and 90th percentile of the absolute error and the share within ±60 s."""

from __future__ import annotations

from bench.harness import eta


def test_an_answer_with_nobody_on_duty_promised_no_number():
    body = {"id": "r1", "estimated_wait_seconds": 0, "message": "…已通知值班主管…"}

    assert eta.shown(body) == eta.Shown("r1", None)
    assert eta.shown({"id": "r2", "estimated_wait_seconds": 90, "message": "约 1–2 分钟"}) == (
        eta.Shown("r2", 90)
    )
    assert eta.shown(None) is None


def test_the_error_distribution_counts_presses_with_and_without_a_number():
    promises = [eta.Shown(f"r{i}", 100) for i in range(10)] + [eta.Shown("none", None)]
    waits: dict[str, float | None] = {f"r{i}": 100.0 + 10 * i for i in range(9)}
    waits["r9"] = None  # never called

    report = eta.compare(promises, waits)

    assert (report.presses, report.compared, report.no_estimate, report.never_called) == (
        11,
        9,
        1,
        1,
    )
    assert report.median_abs == 40
    assert report.p90_abs == 80
    assert report.within_60 == 7 / 9
    assert "within ±60 s 78%" in report.line()
