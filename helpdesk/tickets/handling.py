"""Handling a ticket, as staff do: claim, assign, reply, note, change status, merge.

Every action is written to the audit log in the same transaction. A reply to the
candidate queues an SMS in the outbox (sent by the notify job after commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from helpdesk.audit import services as audit
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.exams.models import Enrollment
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate, Staff
from helpdesk.notify.registry import SmsKind
from helpdesk.notify.services import queue_sms
from helpdesk.tickets import sla, textsearch
from helpdesk.tickets.files import StoredFile
from helpdesk.tickets.models import (
    ACTIVE_STATUSES,
    AuthorKind,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from helpdesk.tickets.services import attach, clean_text, find_ticket, normalise_number


def ticket_for_staff(session: Session, number: str, *, for_page: bool = False) -> Ticket:
    """Any ticket by number, or NotFound; for_page: with what its page shows (the
    candidate and their exam sessions, the messages and attachments) in the same statement."""
    ticket = find_ticket(session, number) if not for_page else _with_thread(session, number)
    if ticket is None:
        raise NotFound(str(_l("No such ticket. Check the ticket number.")), code="ticket_not_found")
    return ticket


def _with_thread(session: Session, number: str) -> Ticket | None:
    canonical = normalise_number(number)
    if canonical is None:
        return None
    return (
        session.execute(
            select(Ticket)
            .where(Ticket.number == canonical)
            .options(
                joinedload(Ticket.candidate)
                .joinedload(Candidate.enrollments)
                .joinedload(Enrollment.exam_session),
                joinedload(Ticket.messages).joinedload(TicketMessage.attachments),
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def _record(
    session: Session, staff: Staff, action: str, ticket: Ticket, now: datetime, **detail: object
) -> None:
    audit.record(
        session,
        staff=staff,
        action=action,
        now=now,
        target_type="ticket",
        target_id=ticket.number,
        detail=dict(detail),
    )


def claim(session: Session, *, ticket: Ticket, staff: Staff, now: datetime) -> Ticket:
    """Take the ticket: it is assigned to staff and moves from new to open."""
    return assign(session, ticket=ticket, assignee=staff, staff=staff, now=now)


def assign(
    session: Session, *, ticket: Ticket, assignee: Staff | None, staff: Staff, now: datetime
) -> Ticket:
    """Give the ticket to assignee (None: back to the queue)."""
    if assignee is not None and not assignee.active:
        raise ValidationFailed(
            str(_l("That account is disabled.")),
            fields={"assignee": str(_l("That account is disabled."))},
        )
    ticket.assignee = assignee
    if assignee is not None and ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    ticket.updated_at = now
    _record(
        session,
        staff,
        "ticket.assign",
        ticket,
        now,
        assignee=assignee.username if assignee else None,
    )
    session.flush()
    return ticket


def auto_assign(session: Session, *, ticket: Ticket, staff: Staff, now: datetime) -> Ticket:
    """Give the ticket to the available agent with the fewest active tickets."""
    load = (
        select(Ticket.assignee_id, func.count().label("n"))
        .where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.assignee_id.is_not(None))
        .group_by(Ticket.assignee_id)
        .subquery()
    )
    agent = session.scalar(
        select(Staff)
        .outerjoin(load, load.c.assignee_id == Staff.id)
        .where(Staff.active.is_(True), Staff.available.is_(True))
        .order_by(func.coalesce(load.c.n, 0), Staff.id)
        .limit(1)
    )
    if agent is None:
        raise Conflict(
            str(_l("No agent is marked available right now.")), code="no_agent_available"
        )
    return assign(session, ticket=ticket, assignee=agent, staff=staff, now=now)


def reply_sms_params(number: str, *, hotline: str) -> dict[str, str]:
    """The reply notice's template parameters (notify.registry SmsKind.TICKET_REPLY)."""
    return {"number": number, "hotline": hotline}


def reply(
    session: Session,
    *,
    ticket: Ticket,
    staff: Staff,
    body: str,
    now: datetime,
    status: TicketStatus = TicketStatus.WAITING_CANDIDATE,
    attachments: Iterable[StoredFile] = (),
    sms_params: dict[str, str] | None = None,
    allowed_numbers: list[str] | None = None,
) -> TicketMessage:
    """Answer the candidate: the answer stops the clock; the candidate is told by SMS."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            str(_l("This ticket was merged into another one; write there.")), code="ticket_merged"
        )
    if status not in (TicketStatus.OPEN, TicketStatus.WAITING_CANDIDATE, TicketStatus.RESOLVED):
        raise ValidationFailed(
            str(_l("Choose a status for the ticket after the reply.")),
            fields={"status": str(_l("Invalid value."))},
        )
    message = TicketMessage(
        author_kind=AuthorKind.STAFF,
        staff=staff,
        body=clean_text(body, field="body"),
        internal=False,
        created_at=now,
    )
    ticket.messages.append(message)
    attach(ticket, message, attachments, now)
    ticket.first_response_at = ticket.first_response_at or now
    ticket.status = status
    ticket.resolved_at = now if status == TicketStatus.RESOLVED else None
    if ticket.assignee_id is None:
        ticket.assignee = staff
    sla.stop(ticket)
    ticket.updated_at = now
    session.flush()
    textsearch.reindex(session, ticket)
    if sms_params is not None:
        queue_sms(
            session,
            to=ticket.phone,
            kind=SmsKind.TICKET_REPLY,
            params=sms_params,
            dedupe_key=f"ticket.reply:{message.id}",
            now=now,
            allowed_numbers=allowed_numbers or [],
        )
    _record(session, staff, "ticket.reply", ticket, now, message_id=message.id, status=str(status))
    return message


def add_note(
    session: Session, *, ticket: Ticket, staff: Staff, body: str, now: datetime
) -> TicketMessage:
    """An internal note: staff only, never shown to the candidate, clock unchanged."""
    message = TicketMessage(
        author_kind=AuthorKind.STAFF,
        staff=staff,
        body=clean_text(body, field="body"),
        internal=True,
        created_at=now,
    )
    ticket.messages.append(message)
    ticket.updated_at = now
    session.flush()
    textsearch.reindex(session, ticket)
    _record(session, staff, "ticket.note", ticket, now, message_id=message.id)
    return message


def set_status(
    session: Session,
    *,
    ticket: Ticket,
    status: TicketStatus,
    staff: Staff,
    now: datetime,
    policy: sla.SlaPolicy,
) -> Ticket:
    """Move the ticket; waiting for the candidate pauses the clock, reopening resumes it."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            str(_l("This ticket was merged into another one; write there.")), code="ticket_merged"
        )
    previous = ticket.status
    ticket.status = status
    if status == TicketStatus.WAITING_CANDIDATE:
        sla.pause(ticket, now=now)
    elif status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = ticket.resolved_at or now
        sla.stop(ticket)
    else:
        ticket.resolved_at = None
        sla.start(ticket, policy=policy, now=now)
    ticket.updated_at = now
    _record(
        session, staff, "ticket.status", ticket, now, previous=str(previous), status=str(status)
    )
    session.flush()
    return ticket


def merge(
    session: Session, *, duplicate: Ticket, into: Ticket, staff: Staff, now: datetime
) -> Ticket:
    """Close duplicate as a copy of into (same candidate only); its thread stays readable."""
    if duplicate.id == into.id or duplicate.candidate_id != into.candidate_id:
        raise ValidationFailed(
            str(_l("Only another ticket of the same candidate can be merged.")),
            fields={"into": str(_l("Not a ticket of this candidate."))},
        )
    if into.merged_into_id is not None:
        raise Conflict(
            str(_l("That ticket was itself merged; merge into the one it points to.")),
            code="ticket_merged",
        )
    duplicate.merged_into_id = into.id
    duplicate.status = TicketStatus.CLOSED
    duplicate.resolved_at = duplicate.resolved_at or now
    sla.stop(duplicate)
    duplicate.messages.append(
        TicketMessage(
            author_kind=AuthorKind.SYSTEM, body=f"merged_into:{into.number}", created_at=now
        )
    )
    into.messages.append(
        TicketMessage(
            author_kind=AuthorKind.STAFF,
            staff=staff,
            internal=True,
            created_at=now,
            body=f"Merged {duplicate.number}: {duplicate.subject}",
        )
    )
    duplicate.updated_at = into.updated_at = now
    _record(session, staff, "ticket.merge", duplicate, now, into=into.number)
    session.flush()
    textsearch.reindex(session, into)
    return into
