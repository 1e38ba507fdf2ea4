"""The scheduler's job table and `flask jobs run`.

Jobs are data with stable ids. APScheduler runs them in their own process, never inside
web workers. Each job opens session_scope(), takes an advisory lock (PostgreSQL) so two
schedulers running at once do the work once, and calls one service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.db import session_scope, try_advisory_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    #: Called with (session, now); returns a count or summary to log.
    run: Callable[[Session, Any], object]
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)


def _purge_sessions(session: Session, now: Any) -> object:
    from helpdesk.identity.services import purge_expired_sessions

    return purge_expired_sessions(session, now=now)


def _send_sms(session: Session, now: Any) -> object:
    from helpdesk.notify.jobs import send_pending

    return send_pending(session, now)


#: Capabilities add their rows here.
JOBS: list[Job] = [
    Job("identity.purge_expired_sessions", _purge_sessions, "interval", {"minutes": 10}),
    Job("notify.send_pending", _send_sms, "interval", {"seconds": 15}),
    Job("callbacks.release_expired_claims", lambda s, n: __import__("helpdesk.callbacks.jobs", fromlist=["x"]).release_expired_claims(s, n), "interval", {"seconds": 15}),  # noqa: E501
    Job("callbacks.close_ended_sessions", lambda s, n: __import__("helpdesk.callbacks.jobs", fromlist=["x"]).close_ended_sessions(s, n), "interval", {"minutes": 1}),  # noqa: E501
    Job("telephony.settle_unknown_calls", lambda s, n: __import__("helpdesk.callbacks.jobs", fromlist=["x"]).settle_unknown_calls(s, n), "interval", {"seconds": 30}),  # noqa: E501
    Job("uploads.follow_up", lambda s, n: __import__("helpdesk.uploads.jobs", fromlist=["x"]).follow_up(s, n), "interval", {"minutes": 5}),  # noqa: E501
    Job("tickets.mark_breaches", lambda s, n: __import__("helpdesk.tickets.jobs", fromlist=["x"]).mark_breaches(s, n), "interval", {"minutes": 1}),  # noqa: E501
]


def run_job(app: Flask, job: Job) -> object:
    """Run one job once, inside its own transaction, skipping it if another holds the lock."""
    with app.app_context(), session_scope(app) as session:
        if not try_advisory_lock(session, job.id):
            log.info("job %s skipped: another scheduler holds it", job.id)
            return None
        result = job.run(session, clock.utcnow())
        log.info("job %s done: %s", job.id, result)
        return result


def find(job_id: str) -> Job:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise KeyError(job_id)


def start_scheduler(app: Flask) -> None:  # pragma: no cover - blocks forever
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    for job in JOBS:
        scheduler.add_job(run_job, job.trigger, args=[app, job], id=job.id, name=job.id,
                          replace_existing=True, **job.trigger_args)
    log.info("scheduler starting with %d jobs", len(JOBS))
    scheduler.start()
