"""Ticket text in the search index: the subject as heading, every message (notes included:
only staff search) with the details the candidate filled in as body."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk import search
from helpdesk.tickets.models import AuthorKind, Ticket

#: Search results ranked; more than this many and the best of them are shown.
LIMIT = 200


def body_text(ticket: Ticket) -> str:
    parts: list[str] = []
    for m in ticket.messages:
        if m.author_kind == AuthorKind.SYSTEM:
            continue
        parts.append(m.body)
        parts.extend(str(v) for v in (m.details or {}).values() if isinstance(v, str | int))
    return "\n".join(parts)


def reindex(session: Session, ticket: Ticket) -> None:
    """Put the ticket's current text in the index (after a flush gave it an id)."""
    search.put(session, "tickets", ticket.id, head=ticket.subject, body=body_text(ticket))


def matching(session: Session, q: str) -> list[int]:
    """Ids of tickets whose subject or messages contain q, best first."""
    return search.find(session, "tickets", q, limit=LIMIT)
