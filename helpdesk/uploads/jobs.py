"""The follow-up job: the app's follow-up settings, then the follow-up service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.notify.settings import allowed_numbers
from helpdesk.uploads import followup
from helpdesk.uploads import settings as uploads_settings


def follow_up(session: Session, now: datetime) -> int:
    """Job body (session, now): follow up every incomplete candidate of ended sessions."""
    settings = uploads_settings.current()
    return followup.follow_up(
        session,
        now=now,
        allowed_numbers=allowed_numbers(),
        hotline=settings.hotline,
        grace=settings.grace,
        horizon=settings.horizon,
        kinds=settings.kinds,
    )
