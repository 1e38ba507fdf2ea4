"""Service levels that follow the exam calendar, not office hours.

A ticket filed on a mock-exam day or during the formal exam's waiting time or the exam
itself needs an answer within minutes; one filed at any other time (before the exam days,
after the exam) within hours. The clock runs while the desk owes an answer and pauses while
the desk waits for the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from helpdesk.exams.models import ExamSession, Urgency
from helpdesk.tickets.models import Ticket

DEFAULT_URGENT_MINUTES = 15
DEFAULT_OTHER_HOURS = 24


@dataclass(frozen=True)
class SlaPolicy:
    """First-response targets: `urgent` during exam days, `other` otherwise."""

    urgent: timedelta = timedelta(minutes=DEFAULT_URGENT_MINUTES)
    other: timedelta = timedelta(hours=DEFAULT_OTHER_HOURS)

    def target(self, exam: ExamSession | None, now: datetime) -> timedelta:
        """How long the desk may take to answer a ticket about exam filed at now."""
        if exam is not None and exam.urgency_at(now) != Urgency.OTHER:
            return self.urgent
        return self.other


def priority(exam: ExamSession | None, now: datetime) -> int:
    """The ticket's priority: the exam's urgency at filing time (lower is sooner)."""
    return int(exam.urgency_at(now) if exam is not None else Urgency.OTHER)


def start(ticket: Ticket, *, policy: SlaPolicy, now: datetime) -> None:
    """The desk owes an answer from now: resume a paused clock or start a new one."""
    if ticket.sla_paused_seconds is not None:
        ticket.due_at = now + timedelta(seconds=ticket.sla_paused_seconds)
    elif ticket.due_at is None:
        ticket.due_at = now + policy.target(ticket.exam_session, now)
    ticket.sla_paused_seconds = None


def pause(ticket: Ticket, *, now: datetime) -> None:
    """Waiting for the candidate: keep the time left, stop the clock."""
    if ticket.due_at is not None:
        ticket.sla_paused_seconds = max(0, int((ticket.due_at - now).total_seconds()))
    ticket.due_at = None


def stop(ticket: Ticket) -> None:
    """Answered, resolved or closed: nothing is owed until the candidate writes again."""
    ticket.due_at = None
    ticket.sla_paused_seconds = None


def mark_breaches(session: Session, *, now: datetime) -> int:
    """Mark every ticket whose answer is overdue; one set-based UPDATE, safe to run twice."""
    # An UPDATE answers with a CursorResult: it knows how many rows changed.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Ticket)
            .where(Ticket.due_at <= now, Ticket.breached_at.is_(None))
            .values(breached_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount or 0)
