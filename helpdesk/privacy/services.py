"""Erase an exam session's personal data once its retention period has passed.

What goes, for the session's candidates: phone numbers (the candidate's own, once no other
session of theirs still needs it, and those on tickets, help requests, calls and SMS), ticket
texts and attachments, device facts and upload events. What stays: every row that counts
(tickets with their category, status and times; help requests and calls with their outcomes;
device reports with their verdicts and each check's status; upload artifacts with their
states), so reports and statistics are unchanged. Names and the keyed hash of the ID number
stay too: the roster still has to say who sat the exam.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, union, update
from sqlalchemy.orm import Session

from helpdesk.audit import services as audit
from helpdesk.callbacks.models import CallAttempt, HelpRequest
from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.identity.models import Candidate
from helpdesk.notify.models import OutboundSms
from helpdesk.readiness.models import DeviceReport
from helpdesk.tickets import files
from helpdesk.tickets.models import Ticket, TicketAttachment, TicketMessage
from helpdesk.uploads.models import UploadEvent

#: What an erased phone number or text becomes (the columns are NOT NULL).
ERASED = ""


@dataclass
class Erasure:
    """How many of each kind of row of one exam session lose their personal data."""

    exam_session: str
    candidate_phones: int = 0
    tickets: int = 0
    ticket_messages: int = 0
    attachments: int = 0
    device_reports: int = 0
    upload_events: int = 0
    help_requests: int = 0
    call_attempts: int = 0
    sms: int = 0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "exam_session"}


def due_sessions(session: Session, *, now: datetime, retention: timedelta) -> list[ExamSession]:
    """Sessions whose results were published at least retention ago and not yet erased."""
    return list(
        session.scalars(
            select(ExamSession)
            .where(
                ExamSession.results_published_at <= now - retention,
                ExamSession.personal_data_erased_at.is_(None),
            )
            .order_by(ExamSession.results_published_at, ExamSession.id)
        )
    )


def _erasable_candidates(exam: ExamSession, cutoff: datetime) -> Select[int]:
    """The session's candidates whose other sessions no longer need their phone number."""
    still_needed = (
        select(Enrollment.candidate_id)
        .join(ExamSession, ExamSession.id == Enrollment.exam_session_id)
        .where(
            ExamSession.id != exam.id,
            ExamSession.personal_data_erased_at.is_(None),
            or_(
                ExamSession.results_published_at.is_(None),
                ExamSession.results_published_at > cutoff,
            ),
        )
    )
    return select(Enrollment.candidate_id).where(
        Enrollment.exam_session_id == exam.id, Enrollment.candidate_id.not_in(still_needed)
    )


@dataclass(frozen=True)
class _Scope:
    candidates: Select[int]
    tickets: Select[int]
    help_requests: Select[int]
    device_reports: ColumnElement[bool]


def _scope(exam: ExamSession, cutoff: datetime) -> _Scope:
    candidates = _erasable_candidates(exam, cutoff)
    return _Scope(
        candidates=candidates,
        tickets=select(Ticket.id).where(Ticket.exam_session_id == exam.id),
        help_requests=select(HelpRequest.id).where(HelpRequest.exam_session_id == exam.id),
        device_reports=or_(
            DeviceReport.exam_session_id == exam.id,
            and_(DeviceReport.exam_session_id.is_(None), DeviceReport.candidate_id.in_(candidates)),
        ),
    )


def _phones(scope: _Scope) -> Select[Any]:
    return select(
        union(
            select(Candidate.phone).where(Candidate.id.in_(scope.candidates)),
            select(Ticket.phone).where(Ticket.id.in_(scope.tickets)),
            select(HelpRequest.phone).where(HelpRequest.id.in_(scope.help_requests)),
        ).subquery()
    )


def _count(session: Session, entity: object, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(entity).where(*where)) or 0)  # type: ignore[arg-type]


def plan(session: Session, exam: ExamSession, *, cutoff: datetime) -> Erasure:
    """What erasing exam would change (the dry run; nothing is written)."""
    scope = _scope(exam, cutoff)
    return Erasure(
        exam_session=exam.code,
        candidate_phones=_count(
            session, Candidate, Candidate.id.in_(scope.candidates), Candidate.phone != ERASED
        ),
        tickets=_count(session, Ticket, Ticket.id.in_(scope.tickets)),
        ticket_messages=_count(session, TicketMessage, TicketMessage.ticket_id.in_(scope.tickets)),
        attachments=_count(
            session, TicketAttachment, TicketAttachment.ticket_id.in_(scope.tickets)
        ),
        device_reports=_count(session, DeviceReport, scope.device_reports),
        upload_events=_count(session, UploadEvent, UploadEvent.exam_session_id == exam.id),
        help_requests=_count(session, HelpRequest, HelpRequest.id.in_(scope.help_requests)),
        call_attempts=_count(
            session, CallAttempt, CallAttempt.help_request_id.in_(scope.help_requests)
        ),
        sms=_count(
            session, OutboundSms, OutboundSms.to.in_(_phones(scope)), OutboundSms.to != ERASED
        ),
    )


def erase(session: Session, exam: ExamSession, *, now: datetime, cutoff: datetime) -> Erasure:
    """Erase exam's personal data set-based, mark it erased, and add an audit row; the
    attachment files go with the orphan sweep once this is committed."""
    done = plan(session, exam, cutoff=cutoff)
    scope = _scope(exam, cutoff)
    # SMS first: they are found by the phone numbers erased below.
    session.execute(
        update(OutboundSms)
        .where(OutboundSms.to.in_(_phones(scope)), OutboundSms.to != ERASED)
        .values(to=ERASED, body=ERASED, params={})
    )
    session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id.in_(scope.tickets))
        .values(body=ERASED, details=None)
    )
    session.execute(delete(TicketAttachment).where(TicketAttachment.ticket_id.in_(scope.tickets)))
    session.execute(
        update(Ticket).where(Ticket.id.in_(scope.tickets)).values(phone=ERASED, subject=ERASED)
    )
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.help_request_id.in_(scope.help_requests))
        .values(to_phone=ERASED, note=None)
    )
    session.execute(
        update(HelpRequest)
        .where(HelpRequest.id.in_(scope.help_requests))
        .values(phone=ERASED, note=None)
    )
    for report in session.scalars(select(DeviceReport).where(scope.device_reports)):
        # The verdict and each check's status stay (readiness statistics); the facts go.
        report.facts = {}
        report.checks = [
            {k: c.get(k) for k in ("id", "title", "status")} for c in report.checks or []
        ]
    session.execute(delete(UploadEvent).where(UploadEvent.exam_session_id == exam.id))
    session.execute(
        update(Candidate).where(Candidate.id.in_(scope.candidates)).values(phone=ERASED)
    )
    exam.personal_data_erased_at = now
    audit.record(
        session,
        staff=None,
        action="privacy.erase",
        now=now,
        target_type="exam_session",
        target_id=exam.code,
        detail=done.counts(),
    )
    session.flush()
    return done


def erase_due(session: Session, *, now: datetime, retention: timedelta) -> list[Erasure]:
    """Erase every session whose retention period has passed (safe twice: each is marked)."""
    cutoff = now - retention
    return [
        erase(session, exam, now=now, cutoff=cutoff)
        for exam in due_sessions(session, now=now, retention=retention)
    ]


def orphan_files(
    session: Session, *, upload_dir: Path, now: datetime, grace: timedelta
) -> list[Path]:
    """Attachment files older than grace with no committed row (a rolled-back upload, an
    erased attachment, a half-written .part)."""
    folder = upload_dir / files.SUBDIR
    if not folder.is_dir():
        return []
    limit = now.timestamp() - grace.total_seconds()
    old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < limit]
    orphans: list[Path] = []
    for start in range(0, len(old), 500):
        chunk = old[start : start + 500]
        names = {f"{files.SUBDIR}/{p.name}": p for p in chunk}
        known = set(
            session.scalars(
                select(TicketAttachment.stored_name).where(
                    TicketAttachment.stored_name.in_(list(names))
                )
            )
        )
        orphans += [path for name, path in names.items() if name not in known]
    return sorted(orphans)


def remove_files(paths: list[Path]) -> int:
    """Delete the files (after the commit that made them orphans); returns how many went."""
    removed = 0
    for path in paths:
        try:
            os.unlink(path)
            removed += 1
        except FileNotFoundError:
            pass
    return removed
