"""The jobs that send the outbox and read delivery receipts (rows in helpdesk/jobs.py JOBS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.notify import services
from helpdesk.notify import settings as notify_settings


def send_pending(session: Session, now: datetime) -> int:
    return services.send_pending(session, notifier=notify_settings.notifier(), now=now)


def check_receipts(session: Session, now: datetime) -> int:
    return services.check_receipts(session, notifier=notify_settings.notifier(), now=now)
