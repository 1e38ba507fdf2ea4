"""Canned replies: supervisors write, edit and retire them; agents insert them into replies."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.categories import Category
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.tickets.models import CannedReply
from helpdesk.tickets.services import clean_text


def offered(session: Session, category: str | None = None) -> list[CannedReply]:
    """The replies in use: those for category first, then the general ones, then the rest."""
    rows = session.scalars(
        select(CannedReply).where(CannedReply.retired_at.is_(None)).order_by(CannedReply.title)
    )
    return sorted(rows, key=lambda r: (r.category != category, r.category is not None, r.title))


def every_reply(session: Session) -> list[CannedReply]:
    """All replies for the supervisors' list: in use first, then retired, by title."""
    rows = session.scalars(select(CannedReply).order_by(CannedReply.title))
    return sorted(rows, key=lambda r: (r.retired_at is not None, r.category or "", r.title))


def get_reply(session: Session, reply_id: int) -> CannedReply:
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound(str(_l("No such canned reply.")), code="canned_reply_not_found")
    return reply


def save_reply(
    session: Session,
    *,
    reply: CannedReply | None,
    title: str,
    body: str,
    category: str | None,
    now: datetime,
) -> CannedReply:
    """Create a canned reply (reply None) or change one; the same rules as a reply's text."""
    title = " ".join((title or "").split())
    if not title or len(title) > 120:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"title": str(_l("Between 1 and 120 characters."))},
        )
    if category and category not in {c.value for c in Category}:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")), fields={"category": str(_l("Invalid value."))}
        )
    text = clean_text(body, field="body")
    if reply is None:
        # Desk-made replies get a key of their own; seeded ones keep the seed's key.
        reply = CannedReply(key=f"desk-{secrets.token_hex(6)}", created_at=now)
        session.add(reply)
    reply.title, reply.body, reply.category = title, text, category or None
    session.flush()
    return reply


def retire_reply(session: Session, *, reply: CannedReply, now: datetime | None) -> CannedReply:
    """Stop offering reply (now) or offer it again (None); its text stays for the record."""
    reply.retired_at = now
    session.flush()
    return reply
