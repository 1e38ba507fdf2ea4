"""When each scheduled job last ran: one row per job id, written in the job's own
transaction, read by the metrics endpoint to show how far behind each job is."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from helpdesk.db import Base


class JobRun(Base):
    """The last run of one scheduled job, whichever scheduler ran it."""

    __tablename__ = "job_runs"

    #: The stable id of helpdesk.jobs.JOBS (e.g. notify.send_pending).
    job_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_started_at: Mapped[datetime | None]
    #: The end of the last run whose transaction committed.
    last_succeeded_at: Mapped[datetime | None]
    last_failed_at: Mapped[datetime | None]
    #: The exception's class name only: a message may carry personal data.
    last_error: Mapped[str | None] = mapped_column(String(80))
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)


def _row(session: Session, job_id: str) -> JobRun:
    row = session.get(JobRun, job_id)
    if row is None:
        row = JobRun(job_id=job_id, runs=0, failures=0)
        session.add(row)
    return row


def record_success(session: Session, job_id: str, *, started: datetime, now: datetime) -> None:
    """Note a finished run; committed with the job's own work (the caller commits)."""
    row = _row(session, job_id)
    row.last_started_at = started
    row.last_succeeded_at = now
    row.runs = (row.runs or 0) + 1
    session.flush()


def record_failure(session: Session, job_id: str, *, error: str, now: datetime) -> None:
    """Note a failed run, in a transaction of its own (the job's was rolled back)."""
    row = _row(session, job_id)
    row.last_failed_at = now
    row.last_error = error[:80]
    row.failures = (row.failures or 0) + 1
    session.flush()


def last_runs(session: Session) -> dict[str, JobRun]:
    return {row.job_id: row for row in session.scalars(select(JobRun))}


def lag_seconds(row: JobRun | None, *, interval: float, now: datetime) -> float:
    """How long past its interval the job's last success is: 0 while on time, infinite
    for a job that never succeeded."""
    if row is None or row.last_succeeded_at is None:
        return math.inf
    return max(0.0, (now - row.last_succeeded_at).total_seconds() - interval)
