"""Tickets as candidates (and other capabilities) open and follow them.

Public functions other capabilities call: open_ticket, tickets_for_candidate. Staff actions
live in helpdesk.tickets.handling; the inbox queries in helpdesk.tickets.inbox.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.categories import Category
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.exams import services as exams
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Candidate
from helpdesk.inserts import insert_returning_or_nothing
from helpdesk.tickets import sla, textsearch
from helpdesk.tickets.files import StoredFile
from helpdesk.tickets.models import (
    AuthorKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketSource,
    TicketStatus,
)

__all__ = [
    "close_ticket",
    "find_ticket",
    "normalise_number",
    "open_ticket",
    "reopen_ticket",
    "reply_as_candidate",
    "ticket_by_key",
    "ticket_for_candidate",
    "tickets_for_candidate",
]

# Crockford's base32: no I, L, O or U, so a number read out on the phone is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_TEXT = 5000
_NUMBER = re.compile(r"T-?([0-9A-Z]{4})-?([0-9A-Z]{4})")


#: New numbers drawn for a ticket whose number was taken (40 bits: a second draw is rare).
NUMBER_ATTEMPTS = 5


def new_number() -> str:
    """A random ticket number such as T-7K3M-9QX2 (40 bits: not guessable, easy to read)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"T-{chars[:4]}-{chars[4:]}"


def normalise_number(raw: str) -> str | None:
    """The canonical form of a typed ticket number, or None if it cannot be one."""
    text = (raw or "").strip().upper().replace(" ", "")
    text = text.translate(str.maketrans("OIL", "011"))
    if not text.startswith("T"):
        text = "T" + text
    match = _NUMBER.fullmatch(text)
    if match is None or any(c not in ALPHABET for c in match.group(1) + match.group(2)):
        return None
    return f"T-{match.group(1)}-{match.group(2)}"


def clean_text(raw: str | None, *, field: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Trimmed text without control characters, or a ValidationFailed naming field."""
    # Vertical tab and form feed are line breaks to the person who typed them.
    text = re.sub(r"[\x0b\x0c]", " ", raw or "")
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text).strip()
    if required and not text:
        raise ValidationFailed(
            str(_l("Describe the problem in a few words.")),
            fields={field: str(_l("This field cannot be empty."))},
        )
    if len(text) > limit:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={field: str(_l("At most %(n)s characters.", n=limit))},
        )
    return text


def _contact_phone(candidate: Candidate, phone: str | None) -> str:
    if phone is None or not phone.strip():
        return candidate.phone
    try:
        return phones.normalise(phone)
    except phones.InvalidPhone as exc:
        raise ValidationFailed(str(exc.message), fields={"phone": str(exc.message)}) from None


def _subject(description: str) -> str:
    first = description.splitlines()[0] if description else ""
    return first[:117] + "..." if len(first) > 120 else first


def _clean_details(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return None
    cleaned: dict[str, Any] = {}
    for key, value in list(details.items())[:20]:
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, (list, tuple)):
            value = [str(v)[:200] for v in value][:20]
        elif not isinstance(value, (int, float, bool)):
            value = str(value)[:500]
        cleaned[str(key)[:40]] = value
    return cleaned or None


def attach(
    ticket: Ticket, message: TicketMessage, files: Iterable[StoredFile], now: datetime
) -> None:
    for stored in files:
        ticket.attachments.append(
            TicketAttachment(
                public_id=secrets.token_urlsafe(16),
                message=message,
                stored_name=stored.stored_name,
                original_name=stored.original_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                created_at=now,
            )
        )


def open_ticket(
    session: Session,
    *,
    candidate: Candidate,
    exam_session: ExamSession | None,
    category: Category,
    description: str,
    now: datetime,
    phone: str | None = None,
    source: str = "web",
    attachments: Iterable[StoredFile] = (),
    details: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    sla_policy: sla.SlaPolicy | None = None,
) -> Ticket:
    """File a ticket for candidate; a retry with the same idempotency_key returns the first.

    `attachments` are files already checked and written by helpdesk.tickets.files.store_all.
    `sla_policy` defaults to 15 minutes on exam days and 24 hours otherwise.
    """
    if idempotency_key is not None and len(idempotency_key) > 64:
        idempotency_key = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()
    # With a key, the INSERT itself finds a retry (or a number already taken): no lookup
    # before it on the usual path, where the key is new.
    number = new_number() if idempotency_key is not None else _unused_number(session)
    category = Category(category)
    source_kind = TicketSource(source)
    text = clean_text(description, field="description")
    if exam_session is not None and not exams.is_enrolled(
        session, candidate=candidate, exam=exam_session
    ):
        raise ValidationFailed(
            str(_l("Choose one of your own exam sessions.")),
            fields={"exam_session": str(_l("Not one of your exam sessions."))},
        )
    ticket = Ticket(
        number=number,
        candidate=candidate,
        exam_session=exam_session,
        category=category.value,
        status=TicketStatus.NEW,
        priority=sla.priority(exam_session, now),
        phone=_contact_phone(candidate, phone),
        source=source_kind,
        subject=_subject(text),
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    sla.start(ticket, policy=sla_policy or sla.SlaPolicy(), now=now)
    message = TicketMessage(
        author_kind=AuthorKind.CANDIDATE,
        body=text,
        internal=False,
        details=_clean_details(details),
        created_at=now,
    )
    if idempotency_key is None:
        ticket.messages.append(message)
        attach(ticket, message, attachments, now)
        session.add(ticket)
        session.flush()
        textsearch.reindex(session, ticket)
        return ticket
    for _attempt in range(NUMBER_ATTEMPTS):
        stored = _insert_once(session, ticket)
        if stored is not None:
            break
        # The INSERT did nothing (ON CONFLICT): a ticket already holds the key (a retry, or
        # another app server filing the same retried request at once), whose ticket this
        # returns, or one holds the number, and another is drawn.
        existing = ticket_by_key(session, candidate=candidate, key=idempotency_key)
        if existing is not None:
            return existing
        ticket.number = new_number()
    else:
        raise IntegrityError("ticket not stored", None, ValueError(ticket.number))
    # A row this statement created has no messages or attachments but the ones added here.
    set_committed_value(stored, "messages", [])
    set_committed_value(stored, "attachments", [])
    stored.messages.append(message)
    attach(stored, message, attachments, now)
    session.flush()
    textsearch.reindex(session, stored)
    return stored


def _insert_once(session: Session, ticket: Ticket) -> Ticket | None:
    """Store the (transient, never added) ticket's columns with INSERT ... ON CONFLICT DO
    NOTHING: one statement, no savepoint; None when the key (or number) was taken."""
    values = {
        attr.key: value
        for attr in sa_inspect(Ticket).column_attrs
        if attr.key != "id" and (value := getattr(ticket, attr.key)) is not None
    }
    values["candidate_id"] = ticket.candidate.id
    values["exam_session_id"] = ticket.exam_session.id if ticket.exam_session else None
    stored: Ticket | None = insert_returning_or_nothing(session, Ticket, values)
    return stored


def _unused_number(session: Session) -> str:
    while True:
        number = new_number()
        if session.scalar(select(Ticket.id).where(Ticket.number == number)) is None:
            return number


def ticket_by_key(session: Session, *, candidate: Candidate, key: str) -> Ticket | None:
    """The ticket candidate filed under this idempotency key, if any."""
    if len(key) > 64:
        key = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return session.scalar(
        select(Ticket).where(Ticket.candidate_id == candidate.id, Ticket.idempotency_key == key)
    )


def tickets_for_candidate(
    session: Session, candidate: Candidate, *, limit: int | None = None
) -> list[Ticket]:
    """The candidate's tickets, newest first (the latest `limit` of them when given)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.candidate_id == candidate.id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
    )


def find_ticket(session: Session, number: str) -> Ticket | None:
    """The ticket with this number (typed loosely), or None."""
    canonical = normalise_number(number)
    if canonical is None:
        return None
    return session.scalar(select(Ticket).where(Ticket.number == canonical))


def ticket_for_candidate(session: Session, *, candidate: Candidate, number: str) -> Ticket:
    """The candidate's own ticket; someone else's answers exactly like a missing one."""
    ticket = find_ticket(session, number)
    if ticket is None or ticket.candidate_id != candidate.id:
        raise NotFound(str(_l("No such ticket. Check the ticket number.")), code="ticket_not_found")
    return ticket


def reply_as_candidate(
    session: Session,
    *,
    ticket: Ticket,
    body: str,
    now: datetime,
    attachments: Iterable[StoredFile] = (),
    sla_policy: sla.SlaPolicy | None = None,
) -> TicketMessage:
    """Add the candidate's message; the desk owes an answer again (the clock resumes)."""
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(
            str(_l("This ticket is closed. Reopen it to write again.")), code="ticket_closed"
        )
    text = clean_text(body, field="body")
    message = TicketMessage(
        author_kind=AuthorKind.CANDIDATE, body=text, internal=False, created_at=now
    )
    ticket.messages.append(message)
    attach(ticket, message, attachments, now)
    if ticket.status in (TicketStatus.WAITING_CANDIDATE, TicketStatus.RESOLVED):
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
    sla.start(ticket, policy=sla_policy or sla.SlaPolicy(), now=now)
    ticket.updated_at = now
    session.flush()
    textsearch.reindex(session, ticket)
    return message


def close_ticket(session: Session, *, ticket: Ticket, now: datetime) -> Ticket:
    """The candidate's problem is gone: close the ticket (idempotent)."""
    if ticket.status != TicketStatus.CLOSED:
        ticket.status = TicketStatus.CLOSED
        ticket.resolved_at = ticket.resolved_at or now
        sla.stop(ticket)
        ticket.messages.append(
            TicketMessage(author_kind=AuthorKind.SYSTEM, body="closed_by_candidate", created_at=now)
        )
        ticket.updated_at = now
        session.flush()
    return ticket


def reopen_ticket(
    session: Session, *, ticket: Ticket, now: datetime, sla_policy: sla.SlaPolicy | None = None
) -> Ticket:
    """The problem came back: reopen a resolved or closed ticket (merged ones stay closed)."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            str(_l("This ticket was merged into another one; write there.")), code="ticket_merged"
        )
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
        sla.stop(ticket)
        sla.start(ticket, policy=sla_policy or sla.SlaPolicy(), now=now)
        ticket.messages.append(
            TicketMessage(
                author_kind=AuthorKind.SYSTEM, body="reopened_by_candidate", created_at=now
            )
        )
        ticket.updated_at = now
        session.flush()
    return ticket
