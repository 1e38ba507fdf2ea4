"""The callback queue's scheduled jobs (rows in helpdesk/jobs.py JOBS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.callbacks import calls, placing, provider_calls, queue
from helpdesk.callbacks import settings as callbacks_settings


def release_expired_claims(session: Session, now: datetime) -> int:
    return queue.release_expired_claims(session, now=now)


def refresh_urgency(session: Session, now: datetime) -> int:
    return queue.refresh_urgency(session, now=now)


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


def place_calls(session: Session, now: datetime) -> int:
    """Hand the attempts agents started to the provider, each taken and committed first."""
    placed = 0
    for attempt_id in placing.queued_ids(session):
        attempt = placing.take(session, attempt_id)
        session.commit()  # taken before the provider hears of it: never placed twice
        if attempt is None:
            continue
        placing.place(
            session,
            attempt=attempt,
            dialer=callbacks_settings.dialer(),
            settings=callbacks_settings.current(),
            now=clock.utcnow(),
        )
        session.commit()
        placed += 1
    return placed
