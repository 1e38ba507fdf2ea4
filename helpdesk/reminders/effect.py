"""The effect of each reminder: of the candidates it reached, how many acted afterwards,
against those still in the segment when it went who were not reminded (yet).

"Acted" follows the segment: ran the agent, passed (a PC report that is not "not ready"),
checked the phone, or (uploads) are complete now. The comparison group is built from the
reports received before the reminder went, so it is the segment as it stood then; for
uploads, whose history is not kept per moment, there is no comparison group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.exams.models import ExamSession
from helpdesk.readiness.models import Device, DeviceReport, Verdict
from helpdesk.reminders import segments
from helpdesk.reminders.models import Reminder, ReminderRecipient, Segment
from helpdesk.uploads import services as uploads


@dataclass(frozen=True)
class Effect:
    reminder: Reminder
    reached: int
    acted: int
    #: Not reminded, in the segment when the reminder went (None: no comparison kept).
    others: int | None
    others_acted: int | None

    @staticmethod
    def rate(part: int | None, whole: int | None) -> float | None:
        return None if not whole or part is None else part / whole

    @property
    def acted_rate(self) -> float | None:
        return self.rate(self.acted, self.reached)

    @property
    def others_rate(self) -> float | None:
        return self.rate(self.others_acted, self.others)


def _acted(
    session: Session, segment: Segment, ids: list[int], since: datetime, exam: ExamSession
) -> int:
    if not ids:
        return 0
    if segment == Segment.UPLOADS_INCOMPLETE:
        lines = uploads.roster_completeness(session, exam_session_id=exam.id)
        wanted = set(ids)
        return sum(1 for ln in lines if ln.candidate.id in wanted and ln.result.complete)
    device = Device.PHONE if segment == Segment.NEVER_RAN_PHONE else Device.PC
    query = select(func.count(func.distinct(DeviceReport.candidate_id))).where(
        DeviceReport.candidate_id.in_(ids),
        DeviceReport.device == device,
        DeviceReport.received_at >= since,
    )
    if segment == Segment.AGENT_FAILED:
        query = query.where(DeviceReport.verdict != Verdict.FAIL)
    return int(session.scalar(query) or 0)


def effects(session: Session, *, exam: ExamSession, now: datetime) -> list[Effect]:
    """Every reminder of exam, oldest first, with its figures."""
    reminders = session.scalars(
        select(Reminder)
        .where(Reminder.exam_session_id == exam.id)
        .order_by(Reminder.created_at, Reminder.id)
    ).all()
    found = []
    for reminder in reminders:
        reached = list(
            session.scalars(
                select(ReminderRecipient.candidate_id).where(
                    ReminderRecipient.reminder_id == reminder.id
                )
            )
        )
        segment = Segment(reminder.segment)
        acted = _acted(session, segment, reached, reminder.send_at, exam)
        others: list[int] | None = None
        if segment != Segment.UPLOADS_INCOMPLETE:
            reminded = set(
                session.scalars(
                    select(ReminderRecipient.candidate_id)
                    .join(Reminder)
                    .where(Reminder.kind == reminder.kind, Reminder.send_at <= reminder.send_at)
                )
            )
            then = segments.members(
                session,
                exam=exam,
                segment=segment,
                check_id=reminder.check_id,
                now=now,
                before=reminder.send_at,
            )
            others = [c for c in then if c not in reminded]
        found.append(
            Effect(
                reminder,
                len(reached),
                acted,
                None if others is None else len(others),
                None
                if others is None
                else _acted(session, segment, others, reminder.send_at, exam),
            )
        )
    return found
