"""The desk's own view during the rehearsal: GET /metrics on an app server (as Prometheus
would scrape it, from this host), sampled every few seconds, summed up for the report: the
callback queue and its oldest wait, the SMS outbox, and how far behind each job ran."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench.harness.http import request


@dataclass
class Sampled:
    at: float
    #: queue_waiting, queue_open, oldest_wait_s, sms_pending, sms_failed, sms_oldest_s.
    figures: dict[str, float]
    #: job id -> lag in seconds (inf: never succeeded yet).
    lags: dict[str, float]


@dataclass
class MetricsLog:
    samples: list[Sampled] = field(default_factory=list)
    failed: int = 0


def parse(text: str) -> tuple[dict[str, float], dict[str, float]]:
    figures = dict.fromkeys(
        ("queue_waiting", "queue_open", "oldest_wait_s", "sms_pending", "sms_failed"), 0.0
    )
    figures["sms_oldest_s"] = 0.0
    lags: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels, value = sample.labels, sample.value
            if sample.name == "helpdesk_callback_queue_depth":
                figures["queue_open"] += value
                if labels.get("status") == "waiting":
                    figures["queue_waiting"] += value
            elif sample.name == "helpdesk_callback_oldest_wait_seconds":
                figures["oldest_wait_s"] = max(figures["oldest_wait_s"], value)
            elif sample.name == "helpdesk_sms_outbox" and labels.get("status") == "pending":
                figures["sms_pending"] = value
            elif sample.name == "helpdesk_sms_outbox" and labels.get("status") == "failed":
                figures["sms_failed"] = value
            elif sample.name == "helpdesk_sms_outbox_oldest_pending_seconds":
                figures["sms_oldest_s"] = value
            elif sample.name == "helpdesk_job_lag_seconds":
                lags[labels["job"]] = value
    return figures, lags


def sample(url: str, log: MetricsLog, stop: threading.Event, every: float = 2.0) -> None:
    """Scrape url until stop is set; a scrape that fails (a database outage answers 503,
    a killed worker drops the connection) is counted, not fatal."""
    while not stop.wait(every):
        answer = request("GET", url, timeout=5)
        if answer.status != 200:
            log.failed += 1
            continue
        figures, lags = parse(answer.text)
        log.samples.append(Sampled(time.time(), figures, lags))


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if not math.isinf(v)]


def summary(log: MetricsLog) -> dict[str, Any]:
    """Maximum and last of each figure; per job, the largest lag once it had first run, and
    the last one (None: never ran while sampled)."""
    if not log.samples:
        return {"scrapes": 0, "failed_scrapes": log.failed}
    last = log.samples[-1]
    figures = {
        name: {"max": round(max(s.figures[name] for s in log.samples), 1), "last": value}
        for name, value in last.figures.items()
    }
    jobs: dict[str, dict[str, float | None]] = {}
    for job in sorted({j for s in log.samples for j in s.lags}):
        seen = _finite([s.lags.get(job, math.inf) for s in log.samples])
        final = last.lags.get(job, math.inf)
        jobs[job] = {
            "max_lag_s": round(max(seen), 1) if seen else None,
            "last_lag_s": None if math.isinf(final) else round(final, 1),
        }
    return {
        "scrapes": len(log.samples),
        "failed_scrapes": log.failed,
        "figures": figures,
        "job_lag": jobs,
    }


def lines(data: dict[str, Any]) -> list[str]:
    if not data.get("scrapes"):
        return [f"metrics endpoint: no scrape answered ({data.get('failed_scrapes', 0)} failed)"]
    out = [
        f"metrics endpoint: {data['scrapes']} scrapes ({data['failed_scrapes']} failed); "
        + ", ".join(
            f"{name} max {v['max']:g} last {v['last']:g}" for name, v in data["figures"].items()
        ),
        "job lag (s past the job's interval; max once it had run / last):",
    ]
    for job, lag in data["job_lag"].items():
        worst = "never ran" if lag["max_lag_s"] is None else f"{lag['max_lag_s']:g}"
        final = "never ran" if lag["last_lag_s"] is None else f"{lag['last_lag_s']:g}"
        out.append(f"  {job:36} {worst:>9} / {final}")
    return out


def series(log: MetricsLog, origin: float) -> list[tuple[str, list[tuple[float, float]]]]:
    """For the report's chart: the oldest callback wait and the SMS backlog over time."""
    names = (("oldest_wait_s", "oldest 求助 wait (s)"), ("sms_pending", "SMS pending"))
    return [
        (label, [(s.at - origin, s.figures[key]) for s in log.samples if s.at >= origin])
        for key, label in names
    ]
