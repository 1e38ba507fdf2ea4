"""Automatic reminders on the exam calendar: some hours before an exam session's download
window closes, and before the last mock day ends, to whoever is still in a segment then.

Each (session, moment, segment) is sent once: the Reminder's UNIQUE (session, trigger)
stops a second scheduler, and a moment missed by more than the catch-up window (the
scheduler was down) is let go rather than sent late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.exams.models import ExamKind, ExamSession
from helpdesk.reminders import services
from helpdesk.reminders.models import Reminder, Segment
from helpdesk.reminders.segments import READINESS_SEGMENTS
from helpdesk.reminders.settings import Settings


@dataclass(frozen=True)
class Moment:
    """One calendar moment of one session: when to remind, and the deadline it names."""

    exam: ExamSession
    #: "download-24h", "mock-3h": with the segment, the Reminder's trigger.
    name: str
    at: datetime
    deadline: datetime


def _hours(offset: timedelta) -> int:
    return int(offset.total_seconds() // 3600)


def moments(session: Session, *, now: datetime, settings: Settings) -> list[Moment]:
    """The moments due now: reached, not older than the catch-up window, deadline ahead."""
    found: list[Moment] = []
    open_download = session.scalars(
        select(ExamSession).where(
            ExamSession.download_closes.is_not(None), ExamSession.download_closes > now
        )
    ).all()
    for exam in open_download:
        assert exam.download_closes is not None
        for offset in settings.download_offsets:
            at = exam.download_closes - offset
            found.append(Moment(exam, f"download-{_hours(offset)}h", at, exam.download_closes))
    last_mock = session.scalars(
        select(ExamSession)
        .where(ExamSession.kind == ExamKind.MOCK, ExamSession.ends > now)
        .order_by(ExamSession.ends.desc())
        .limit(1)
    ).first()
    if last_mock is not None:
        for offset in settings.mock_offsets:
            at = last_mock.ends - offset
            found.append(Moment(last_mock, f"mock-{_hours(offset)}h", at, last_mock.ends))
    return [m for m in found if m.at <= now < m.at + settings.catch_up]


def send_automatic(
    session: Session, *, now: datetime, settings: Settings, allowed_numbers: list[str]
) -> int:
    """Send every due automatic reminder not sent yet; returns how many were sent."""
    sent = 0
    for moment in moments(session, now=now, settings=settings):
        for segment in READINESS_SEGMENTS:
            trigger = f"{moment.name}:{segment.value}"
            if _exists(session, moment.exam, trigger):
                continue
            sent += _send(session, moment, segment, trigger, now, settings, allowed_numbers)
    return sent


def _exists(session: Session, exam: ExamSession, trigger: str) -> bool:
    found = session.scalar(
        select(Reminder.id).where(Reminder.exam_session_id == exam.id, Reminder.trigger == trigger)
    )
    return found is not None


def _send(
    session: Session,
    moment: Moment,
    segment: Segment,
    trigger: str,
    now: datetime,
    settings: Settings,
    allowed_numbers: list[str],
) -> int:
    preview = services.preview(
        session,
        exam=moment.exam,
        segment=segment,
        check_id=None,
        now=now,
        settings=settings,
        allowed_numbers=allowed_numbers,
        deadline_at=moment.deadline,
    )
    reminder = services.send(
        session,
        preview=preview,
        staff=None,
        now=now,
        settings=settings,
        allowed_numbers=allowed_numbers,
        trigger=trigger,
    )
    return 0 if reminder is None else 1
