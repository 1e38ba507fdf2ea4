"""GET /metrics for Prometheus: request counts and latencies per route (added up across
gunicorn's workers in multiprocess mode), and figures read from the database at scrape time:
the callback queue per urgency, the SMS outbox, and how far behind each scheduled job is.

Only addresses in HELPDESK_METRICS_ALLOW may scrape, and with HELPDESK_METRICS_TOKEN set only
with `Authorization: Bearer <token>`; anyone else gets 404 (docs/deploy.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from flask.typing import ResponseReturnValue
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from helpdesk import clock, jobruns
from helpdesk.callbacks.models import FOLLOWUP_PRIORITY, OPEN_STATUSES, HelpRequest, HelpStatus
from helpdesk.db import get_session
from helpdesk.exams.models import Urgency
from helpdesk.jobs import JOBS
from helpdesk.notify.models import OutboundSms, SmsStatus

bp = Blueprint("metrics", __name__)

#: Used when the process is not under gunicorn's multiprocess mode (flask run, tests).
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "helpdesk_http_requests",
    "Requests answered, per method, route (the URL rule) and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "helpdesk_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response body, per route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)


@dataclass(frozen=True)
class Access:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    token: str
    multiproc_dir: str

    @property
    def closed(self) -> bool:
        return not self.networks and not self.token


def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()
    )


def _allowed(access: Access) -> bool:
    if access.closed:
        return False  # neither an address nor a token: the endpoint is off
    if access.networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        if not any(address in network for network in access.networks):
            return False
    if access.token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {access.token}".encode())
    return True


def _urgency(priority: int) -> str:
    if priority == FOLLOWUP_PRIORITY:
        return "followup"
    try:
        return Urgency(priority).name.lower()
    except ValueError:
        return str(priority)


def _seconds(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def desk_families(session: Session, now: datetime) -> list[Metric]:
    """The database's figures as Prometheus gauges (read in one short transaction)."""
    depth = GaugeMetricFamily(
        "helpdesk_callback_queue_depth",
        "Open help requests, per urgency and status.",
        labels=["urgency", "status"],
    )
    oldest = GaugeMetricFamily(
        "helpdesk_callback_oldest_wait_seconds",
        "Age of the oldest help request still waiting for a call, per urgency (0: none).",
        labels=["urgency"],
    )
    rows = session.execute(
        select(
            HelpRequest.priority, HelpRequest.status, func.count(), func.min(HelpRequest.created_at)
        )
        .where(HelpRequest.status.in_(OPEN_STATUSES))
        .group_by(HelpRequest.priority, HelpRequest.status)
    ).all()
    seen: dict[str, float] = {_urgency(int(u)): 0.0 for u in Urgency}
    for priority, status, count, first in rows:
        urgency = _urgency(int(priority))
        depth.add_metric([urgency, str(status)], float(count))
        if status == HelpStatus.WAITING:
            seen[urgency] = max(seen.get(urgency, 0.0), _seconds(now, first))
    for urgency, wait in seen.items():
        oldest.add_metric([urgency], wait)

    outbox = GaugeMetricFamily(
        "helpdesk_sms_outbox", "Text messages in the outbox, per status.", labels=["status"]
    )
    counts = {
        str(status): int(count)
        for status, count in session.execute(
            select(OutboundSms.status, func.count()).group_by(OutboundSms.status)
        )
    }
    for sms_status in SmsStatus:
        outbox.add_metric([sms_status.value], float(counts.get(sms_status.value, 0)))
    first_pending = session.scalar(
        select(func.min(OutboundSms.created_at)).where(OutboundSms.status == SmsStatus.PENDING)
    )
    sms_age = GaugeMetricFamily(
        "helpdesk_sms_outbox_oldest_pending_seconds",
        "Age of the oldest text message not yet sent (0: none).",
        value=_seconds(now, first_pending),
    )
    return [depth, oldest, outbox, sms_age, *_job_families(session, now)]


def _job_families(session: Session, now: datetime) -> list[Metric]:
    lag = GaugeMetricFamily(
        "helpdesk_job_lag_seconds",
        "How long past its interval each job's last success is (+Inf: never succeeded).",
        labels=["job"],
    )
    last = GaugeMetricFamily(
        "helpdesk_job_last_success_timestamp_seconds",
        "When each job last succeeded (Unix time; absent: never).",
        labels=["job"],
    )
    failures = GaugeMetricFamily(
        "helpdesk_job_failures", "Failed runs of each job since it was first run.", labels=["job"]
    )
    runs = jobruns.last_runs(session)
    for job in JOBS:
        row = runs.get(job.id)
        lag.add_metric([job.id], jobruns.lag_seconds(row, interval=job.interval_seconds, now=now))
        if row is not None and row.last_succeeded_at is not None:
            last.add_metric([job.id], row.last_succeeded_at.timestamp())
        failures.add_metric([job.id], float(row.failures if row is not None else 0))
    return [lag, last, failures]


class _Fixed(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


@bp.get("/metrics")
def scrape() -> ResponseReturnValue:
    access: Access = current_app.extensions["metrics"]
    if not _allowed(access):
        abort(404)
    up = GaugeMetricFamily(
        "helpdesk_database_up", "1 when the figures read from the database could be read."
    )
    session = get_session()
    try:
        families = desk_families(session, clock.utcnow())
        up.add_metric([], 1.0)
    except SQLAlchemyError:
        # During an outage the request counters matter most: serve them without the rest.
        families = []
        up.add_metric([], 0.0)
    session.rollback()  # read only: end the transaction before the body is written
    families.append(up)
    registry = CollectorRegistry()
    if access.multiproc_dir:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(_Fixed(families))
    response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _observe(method: str, route: str, status: int, started: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(time.perf_counter() - started)


def _count(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    started = g.get("request_started", time.perf_counter())
    args = (request.method, route, response.status_code, started)
    if response.is_streamed:
        response.call_on_close(lambda: _observe(*args))
    else:
        _observe(*args)
    return response


def init_app(app: Flask) -> None:
    app.extensions["metrics"] = Access(
        networks=_networks(str(app.config.get("METRICS_ALLOW", ""))),
        token=str(app.config.get("METRICS_TOKEN", "")),
        multiproc_dir=str(app.config.get("METRICS_MULTIPROC_DIR", "")),
    )
    app.after_request(_count)
