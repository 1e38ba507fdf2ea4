"""The callback queue from the desk's side: claims, release, notes, escalation, close-out.

The calls made to answer a claimed request (attempts, outcomes, retries) are calls.py's.

A claim is one conditional UPDATE on every engine: on PostgreSQL its subquery takes the
next row with FOR UPDATE SKIP LOCKED, so sixteen agents claiming at once each get a
different request without waiting on one another; on SQLite (writers serialised) the same
statement is checked by the rows it changed. Jobs here are set-based and safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.callbacks.calls import (
    changed_rows,
    check_owner,
    open_attempt,
    record_outcome,
    start_call,
)
from helpdesk.callbacks.models import OPEN_STATUSES, HelpRequest, HelpStatus, Outcome
from helpdesk.callbacks.settings import Settings
from helpdesk.categories import Category
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Staff
from helpdesk.tickets.services import open_ticket as _open_ticket
from helpdesk.tickets.sla import SlaPolicy

log = logging.getLogger(__name__)
_NO_SYNC = {"synchronize_session": False}


def _claimable(now: datetime) -> Any:
    return or_(
        and_(HelpRequest.status == HelpStatus.WAITING, HelpRequest.due_at <= now),
        and_(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now),
    )


def current_claim(session: Session, *, staff: Staff) -> HelpRequest | None:
    """The request staff is working on (claimed or calling), if any."""
    return session.scalar(
        select(HelpRequest)
        .where(
            HelpRequest.claimed_by_id == staff.id,
            HelpRequest.status.in_([HelpStatus.CLAIMED, HelpStatus.CALLING]),
        )
        .order_by(HelpRequest.claimed_at)
        .limit(1)
    )


def claim_next(
    session: Session,
    *,
    staff: Staff,
    settings: Settings,
    now: datetime,
    public_id: str | None = None,
) -> HelpRequest | None:
    """Claim the most urgent claimable request (or the one named); None when there is none.

    An agent works one request at a time: while they hold one, it is returned again.
    """
    held = current_claim(session, staff=staff)
    if held is not None and (
        held.status == HelpStatus.CALLING
        or held.claim_expires_at is None
        or held.claim_expires_at > now
    ):
        return held
    target: Any
    if public_id is None:
        target = (
            select(HelpRequest.id)
            .where(_claimable(now))
            .order_by(HelpRequest.priority, HelpRequest.created_at, HelpRequest.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    else:
        target = (
            select(HelpRequest.id)
            .where(HelpRequest.public_id == str(public_id)[:32])
            .scalar_subquery()
        )
    condition = (
        _claimable(now)
        if public_id is None
        else or_(
            HelpRequest.status == HelpStatus.WAITING,
            and_(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now),
        )
    )
    result = session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == target, condition)
        .values(
            status=HelpStatus.CLAIMED,
            claimed_by_id=staff.id,
            claimed_at=now,
            claim_expires_at=now + timedelta(seconds=settings.claim_seconds),
        )
        .returning(HelpRequest.id),
        execution_options=_NO_SYNC,
    )
    claimed = result.scalars().all()
    if len(claimed) != 1:
        if public_id is not None:
            raise Conflict(
                str(_l("Someone else has this request, or it is closed.")), code="not_claimable"
            )
        return None
    return session.get(HelpRequest, claimed[0], populate_existing=True)


def get_request(session: Session, public_id: str) -> HelpRequest:
    request = session.scalar(
        select(HelpRequest).where(HelpRequest.public_id == str(public_id)[:32])
    )
    if request is None:
        raise NotFound(str(_l("No such help request.")))
    return request


def release(session: Session, *, request: HelpRequest, staff: Staff, now: datetime) -> None:
    """Give a claimed request back to the queue, as it was."""
    check_owner(request, staff)
    if request.status == HelpStatus.CALLING:
        raise Conflict(str(_l("Record the call's outcome first.")), code="call_open")
    request.status, request.claimed_by_id = HelpStatus.WAITING, None
    request.claimed_at = request.claim_expires_at = None
    session.flush()


def add_note(
    session: Session, *, request: HelpRequest, staff: Staff, text: str, now: datetime
) -> None:
    """Append a staff note, signed and timed."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            str(_l("Write a note first.")), fields={"note": str(_l("This field cannot be empty."))}
        )
    if len(text) > 2000:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"note": str(_l("At most %(n)s characters.", n=2000))},
        )
    line = f"[{now:%Y-%m-%d %H:%M}Z {staff.display_name}] {text}"
    request.staff_notes = f"{request.staff_notes}\n{line}" if request.staff_notes else line
    session.flush()


# --- escalation and close-out -------------------------------------------------------


OpenTicket = Callable[..., Any]


def escalate(
    session: Session,
    *,
    request: HelpRequest,
    staff: Staff,
    category: str,
    description: str,
    settings: Settings,
    now: datetime,
    open_ticket: OpenTicket | None = None,
    sla_policy: SlaPolicy | None = None,
) -> str:
    """Close the call as escalated and open a ticket with the request's context, owed an
    answer under the desk's sla_policy (the tickets' settings)."""
    check_owner(request, staff)
    try:
        chosen = Category(category)
    except ValueError:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"category": str(_l("Choose one of the listed problems."))},
        ) from None
    if open_attempt(request) is None:
        start_call(
            session, request=request, staff=staff, adapter="desk", settings=settings, now=now
        )
    ticket = (open_ticket or _open_ticket)(
        session,
        candidate=request.candidate,
        exam_session=request.exam_session,
        category=chosen,
        description=description,
        now=now,
        phone=request.phone,
        source="callback",
        details={"help_request": request.public_id},
        idempotency_key=f"callback:{request.public_id}",
        sla_policy=sla_policy,
    )
    record_outcome(
        session, request=request, outcome=Outcome.ESCALATED, settings=settings, now=now, staff=staff
    )
    request.ticket_number = str(ticket.number)
    session.flush()
    return request.ticket_number


# --- jobs ------------------------------------------------------------------------------------


def release_expired_claims(session: Session, *, now: datetime) -> int:
    """Claims not turned into a call in time go back to the queue (one UPDATE)."""
    return changed_rows(
        session,
        update(HelpRequest)
        .where(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now)
        .values(
            status=HelpStatus.WAITING,
            claimed_by_id=None,
            claimed_at=None,
            claim_expires_at=None,
        ),
    )


def refresh_urgency(session: Session, *, now: datetime) -> int:
    """Recompute the urgency of open requests from their session's phase now: a request made
    in the formal exam's waiting period (10:55) moves up when the exam starts (11:00), ahead of
    mock-day requests and in press order among the formal exam's. One UPDATE per session
    whose open requests are at another level; follow-ups keep theirs."""
    sessions = session.scalars(
        select(ExamSession).where(
            ExamSession.id.in_(
                select(HelpRequest.exam_session_id).where(
                    HelpRequest.status.in_(OPEN_STATUSES), HelpRequest.reason.is_(None)
                )
            )
        )
    ).all()
    moved = 0
    for exam in sessions:
        level = int(exam.urgency_at(now))
        moved += changed_rows(
            session,
            update(HelpRequest)
            .where(
                HelpRequest.exam_session_id == exam.id,
                HelpRequest.status.in_(OPEN_STATUSES),
                HelpRequest.reason.is_(None),
                HelpRequest.priority != level,
            )
            .values(priority=level),
        )
    return moved


def close_ended_sessions(
    session: Session,
    *,
    settings: Settings,
    now: datetime,
    open_ticket: OpenTicket | None = None,
    limit: int = 200,
    sla_policy: SlaPolicy | None = None,
) -> int:
    """Turn requests still open after their session ended (plus the grace period) into
    tickets (owed an answer under sla_policy), so nothing is dropped. Each row is taken by
    a conditional UPDATE first, so a second scheduler running at once opens no second
    ticket."""
    cutoff = now - timedelta(minutes=settings.close_grace_minutes)
    ids = session.scalars(
        select(HelpRequest.id)
        .join(ExamSession)
        .where(
            HelpRequest.status.in_(OPEN_STATUSES),
            HelpRequest.reason.is_(None),
            ExamSession.ends <= cutoff,
        )
        .order_by(HelpRequest.id)
        .limit(limit)
    ).all()
    opener = open_ticket or _open_ticket
    closed = 0
    for request_id in ids:
        taken = changed_rows(
            session,
            update(HelpRequest)
            .where(HelpRequest.id == request_id, HelpRequest.status.in_(OPEN_STATUSES))
            .values(
                status=HelpStatus.CANCELLED,
                outcome="session_ended",
                closed_at=now,
                claimed_by_id=None,
                claim_expires_at=None,
            ),
        )
        if taken != 1:
            continue
        request = session.get(HelpRequest, request_id, populate_existing=True)
        assert request is not None
        with force_locale("zh_CN"):
            description = str(
                _l(
                    "Help request (求助) not answered before the exam session "
                    "ended. Candidate's note: %(note)s",
                    note=request.note or "-",
                )
            )
        ticket = opener(
            session,
            candidate=request.candidate,
            exam_session=request.exam_session,
            category=Category(request.category or Category.OTHER),
            description=description,
            now=now,
            phone=request.phone,
            source="callback",
            details={"help_request": request.public_id},
            idempotency_key=f"callback:{request.public_id}",
            sla_policy=sla_policy,
        )
        request.ticket_number = str(ticket.number)
        closed += 1
    session.flush()
    return closed
