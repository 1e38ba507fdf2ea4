"""The scheduler's job table and `flask jobs run`.

Jobs are data with stable ids. APScheduler runs them in their own process, never inside
web workers. Each job opens session_scope(), takes an advisory lock (PostgreSQL) so two
schedulers running at once do the work once, and calls one service.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk import clock, jobruns
from helpdesk.db import session_scope, try_advisory_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    #: "module:function", called with (session, now); returns a count or summary to log.
    #: Imported when the job runs, so the table never imports every capability.
    target: str
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)

    @property
    def interval_seconds(self) -> float:
        """How often the scheduler starts it (interval triggers; 0 for others)."""
        if self.trigger != "interval":
            return 0.0
        units = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
        return float(sum(units[k] * v for k, v in self.trigger_args.items() if k in units))

    def run(self, session: Session, now: Any) -> object:
        module, _, function = self.target.partition(":")
        job: Callable[[Session, Any], object] = getattr(importlib.import_module(module), function)
        return job(session, now)


def purge_sessions(session: Session, now: Any) -> object:
    from helpdesk.identity.services import purge_expired_sessions

    return purge_expired_sessions(session, now=now)


def _every(**interval: int) -> tuple[str, dict[str, int]]:
    return "interval", interval


#: Capabilities add their rows here: (stable id, "module:function", trigger).
JOBS: list[Job] = [
    Job("identity.purge_expired_sessions", "helpdesk.jobs:purge_sessions", *_every(minutes=10)),
    Job("notify.send_pending", "helpdesk.notify.jobs:send_pending", *_every(seconds=15)),
    Job("notify.check_receipts", "helpdesk.notify.jobs:check_receipts", *_every(seconds=60)),
    Job(
        "callbacks.release_expired_claims",
        "helpdesk.callbacks.jobs:release_expired_claims",
        *_every(seconds=15),
    ),
    Job("callbacks.place_calls", "helpdesk.callbacks.jobs:place_calls", *_every(seconds=2)),
    Job(
        "callbacks.refresh_urgency",
        "helpdesk.callbacks.jobs:refresh_urgency",
        *_every(seconds=10),
    ),
    Job(
        "callbacks.close_ended_sessions",
        "helpdesk.callbacks.jobs:close_ended_sessions",
        *_every(minutes=1),
    ),
    Job(
        "telephony.follow_provider_calls",
        "helpdesk.callbacks.jobs:follow_provider_calls",
        *_every(seconds=15),
    ),
    Job(
        "telephony.settle_unknown_calls",
        "helpdesk.callbacks.jobs:settle_unknown_calls",
        *_every(seconds=30),
    ),
    Job("uploads.follow_up", "helpdesk.uploads.jobs:follow_up", *_every(minutes=5)),
    Job(
        "reminders.send_automatic",
        "helpdesk.reminders.jobs:send_automatic",
        *_every(seconds=15),
    ),
    Job(
        "exams.apply_roster_imports",
        "helpdesk.exams.jobs:apply_roster_imports",
        *_every(seconds=2),
    ),
    Job("tickets.mark_breaches", "helpdesk.tickets.jobs:mark_breaches", *_every(minutes=1)),
    Job("privacy.erase_due", "helpdesk.privacy.jobs:erase_due", *_every(hours=1)),
]


def run_job(app: Flask, job: Job) -> object:
    """Run one job once, inside its own transaction, skipping it if another holds the lock.
    The run is noted in job_runs (with the job's work, or on its own when the job fails)."""
    with app.app_context():
        try:
            with session_scope(app) as session:
                if not try_advisory_lock(session, job.id):
                    log.info("job %s skipped: another scheduler holds it", job.id)
                    return None
                started = clock.utcnow()
                result = job.run(session, started)
                jobruns.record_success(session, job.id, started=started, now=clock.utcnow())
        except Exception as exc:
            with session_scope(app) as session:
                jobruns.record_failure(
                    session, job.id, error=type(exc).__name__, now=clock.utcnow()
                )
            raise
        # A job that found nothing to do (most runs of a 2-second job) is not news: the log
        # of a quiet desk stays readable; the lag of every job is still in job_runs and /metrics.
        log.log(logging.INFO if result else logging.DEBUG, "job %s done: %s", job.id, result)
        return result


def find(job_id: str) -> Job:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise KeyError(job_id)


def start_scheduler(app: Flask) -> None:  # pragma: no cover - blocks forever
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    for job in JOBS:
        scheduler.add_job(
            run_job,
            job.trigger,
            args=[app, job],
            id=job.id,
            name=job.id,
            replace_existing=True,
            **job.trigger_args,
        )
    # APScheduler announces every run of every job at INFO; the desk's own line above says
    # what a run did, so its chatter is kept to warnings (missed runs) and errors.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log.info("scheduler starting with %d jobs", len(JOBS))
    scheduler.start()
