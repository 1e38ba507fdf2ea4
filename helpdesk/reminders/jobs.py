"""The automatic reminders job: the app's reminder settings, then the calendar service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.notify.settings import allowed_numbers
from helpdesk.reminders import auto
from helpdesk.reminders import settings as reminders_settings


def send_automatic(session: Session, now: datetime) -> int:
    """Job body (session, now): send the calendar's reminders that are due."""
    return auto.send_automatic(
        session, now=now, settings=reminders_settings.current(), allowed_numbers=allowed_numbers()
    )
