"""The callback queue's scheduled jobs (rows in helpdesk/jobs.py JOBS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.callbacks import calls, provider_calls, queue
from helpdesk.callbacks import settings as callbacks_settings


def release_expired_claims(session: Session, now: datetime) -> int:
    return queue.release_expired_claims(session, now=now)


def close_ended_sessions(session: Session, now: datetime) -> int:
    return queue.close_ended_sessions(session, settings=callbacks_settings.current(), now=now)


def follow_provider_calls(session: Session, now: datetime) -> int:
    return provider_calls.follow_calls(
        session, dialer=callbacks_settings.dialer(), settings=callbacks_settings.current(), now=now
    )


def settle_unknown_calls(session: Session, now: datetime) -> int:
    return calls.settle_unknown(
        session, dialer=callbacks_settings.dialer(), settings=callbacks_settings.current(), now=now
    )
