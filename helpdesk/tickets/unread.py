"""Per-technician unread marks: a ticket is unread for a technician until they open it, and
again when the candidate writes after that."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
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


def unread_ids(session: Session, *, staff: Staff, ticket_ids: Collection[int]) -> set[int]:
    """Which of ticket_ids have a candidate message the technician has not opened yet."""
    if not ticket_ids:
        return set()
    latest = dict(
        session.execute(
            select(TicketMessage.ticket_id, func.max(TicketMessage.created_at))
            .where(
                TicketMessage.ticket_id.in_(ticket_ids),
                TicketMessage.author_kind == AuthorKind.CANDIDATE,
            )
            .group_by(TicketMessage.ticket_id)
        ).all()
    )
    seen = dict(
        session.execute(
            select(TicketRead.ticket_id, TicketRead.read_at).where(
                TicketRead.staff_id == staff.id, TicketRead.ticket_id.in_(ticket_ids)
            )
        ).all()
    )
    return {i for i, wrote in latest.items() if i not in seen or seen[i] < wrote}
