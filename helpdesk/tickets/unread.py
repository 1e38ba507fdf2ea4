"""Per-technician unread marks: a ticket is unread for a technician until they open it, and
again when the candidate writes after that."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.identity.models import Staff
from helpdesk.tickets.models import AuthorKind, Ticket, TicketMessage, TicketRead


def mark_read(session: Session, *, staff: Staff, ticket: Ticket, now: datetime) -> None:
    """The technician has seen the ticket as it stands now (two tabs at once: one row)."""
    changed = session.execute(
        update(TicketRead)
        .where(TicketRead.staff_id == staff.id, TicketRead.ticket_id == ticket.id)
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(TicketRead(staff_id=staff.id, ticket_id=ticket.id, read_at=now))
    except IntegrityError:
        pass  # the other tab inserted it a moment ago: it is read either way


def is_unread(staff_id: int | BindParameter[int]) -> ColumnElement[bool]:
    """A column for a SELECT of tickets: has the candidate written since staff_id last opened
    it (or ever, if never)? Part of the inbox's own statement, so the marks cost no query."""
    read_at = (
        select(TicketRead.read_at)
        .where(TicketRead.staff_id == staff_id, TicketRead.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    return (
        select(TicketMessage.id)
        .where(
            TicketMessage.ticket_id == Ticket.id,
            TicketMessage.author_kind == AuthorKind.CANDIDATE,
            or_(read_at.is_(None), TicketMessage.created_at > read_at),
        )
        .correlate(Ticket)
        .exists()
    )
