"""The ticket job: mark overdue answers as service-level breaches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.tickets import sla


def mark_breaches(session: Session, now: datetime) -> int:
    """Mark tickets whose answer is overdue (set-based, safe to run twice)."""
    return sla.mark_breaches(session, now=now)
