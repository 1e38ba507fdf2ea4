"""The callback queue's scheduled jobs (rows in helpdesk/jobs.py JOBS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.callbacks import queue, runtime
from helpdesk.telephony import services as telephony


def release_expired_claims(session: Session, now: datetime) -> int:
    return queue.release_expired_claims(session, now=now)


def close_ended_sessions(session: Session, now: datetime) -> int:
    return queue.close_ended_sessions(session, settings=runtime.settings(), now=now)


def settle_unknown_calls(session: Session, now: datetime) -> int:
    return telephony.settle_unknown(
        session, dialer=runtime.dialer(), settings=runtime.settings(), now=now
    )
