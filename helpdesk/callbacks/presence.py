"""The console's heartbeat: every console page and poll says the agent is there.

An agent is on duty while their console keeps showing itself and they have not paused
(estimate.on_duty_ids). Opening the console after being away puts them back on duty; the
pause switch takes them off. A heartbeat writes at most every REFRESH seconds per agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import AgentPresence
from helpdesk.callbacks.settings import Settings
from helpdesk.identity.models import Staff

REFRESH = timedelta(seconds=10)


def heartbeat(session: Session, *, staff: Staff, settings: Settings, now: datetime) -> bool:
    """Record that staff's console is open; True when this (re)opened their duty."""
    row = session.get(AgentPresence, staff.id)
    away = row is None or row.seen_at < now - timedelta(seconds=settings.presence_seconds)
    if row is None:
        try:
            with session.begin_nested():
                session.add(AgentPresence(staff_id=staff.id, seen_at=now))
                session.flush()
        except IntegrityError:  # another poll of the same agent got there first
            return False
    elif away or row.seen_at < now - min(REFRESH, timedelta(seconds=settings.presence_seconds / 3)):
        row.seen_at = now
    if away and staff.active:
        staff.available = True
    session.flush()
    return away


def set_paused(session: Session, *, staff: Staff, paused: bool, now: datetime) -> None:
    """Pause (off duty, the console stays open) or resume."""
    staff.available = not paused
    session.flush()
