"""The ticket endpoints of the JSON API for the exam clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from pydantic import BaseModel, Field

from helpdesk import clock, idempotency
from helpdesk.api import endpoint
from helpdesk.categories import Category
from helpdesk.db import get_session
from helpdesk.exams import services as exams
from helpdesk.identity.models import Candidate
from helpdesk.tickets import services
from helpdesk.tickets import settings as tickets_settings
from helpdesk.tickets.labels import STATUS_LABELS, system_message
from helpdesk.tickets.models import Ticket, TicketMessage, TicketStatus

IDEMPOTENCY = {
    idempotency.HEADER: {
        "required": False,
        "description": (
            "Client-generated, 8-64 characters: a retried submission returns the first ticket."
        ),
        "schema": {"type": "string", "minLength": 8, "maxLength": 64},
    }
}


class TicketIn(BaseModel):
    category: Category
    exam_session: str | None = Field(default=None, max_length=40)
    description: str = Field(min_length=1, max_length=5000)
    phone: str | None = Field(default=None, max_length=25)
    #: Category-specific answers, e.g. {"client_message": "..."}; at most 20 keys.
    details: dict[str, str | int | list[str]] | None = Field(default=None, max_length=20)


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class AttachmentOut(BaseModel):
    name: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketSummary(BaseModel):
    number: str
    status: TicketStatus
    status_label: str
    category: Category
    exam_session: str | None
    subject: str
    created_at: datetime
    updated_at: datetime


class TicketOut(TicketSummary):
    messages: list[MessageOut]


class TicketList(BaseModel):
    tickets: list[TicketSummary]


def _summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(STATUS_LABELS[TicketStatus(ticket.status)]),
        "category": ticket.category,
        "exam_session": ticket.exam_session.code if ticket.exam_session else None,
        "subject": ticket.subject,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


def _message(m: TicketMessage) -> MessageOut:
    return MessageOut(
        id=m.id,
        author=str(m.author_kind),
        created_at=m.created_at,
        body=system_message(m.body) if m.author_kind == "system" else m.body,
        attachments=[
            AttachmentOut(name=a.original_name, content_type=a.content_type, size=a.size)
            for a in m.attachments
        ],
    )


def _full(ticket: Ticket) -> TicketOut:
    return TicketOut(
        **_summary(ticket), messages=[_message(m) for m in ticket.messages if not m.internal]
    )


@endpoint(
    "POST",
    "/tickets",
    summary="File a ticket on the support platform",
    tags=["tickets"],
    body=TicketIn,
    headers=IDEMPOTENCY,
    responses={201: TicketOut, 200: TicketOut},
)
def create_ticket(candidate: Candidate, body: TicketIn) -> tuple[TicketOut, int]:
    session = get_session()
    key = idempotency.optional_key(request.headers.get(idempotency.HEADER))
    before = None if key is None else services.ticket_by_key(session, candidate=candidate, key=key)
    if before is not None:
        return _full(before), 200
    ticket = services.open_ticket(
        session,
        candidate=candidate,
        exam_session=(
            exams.enrolled_session(session, candidate=candidate, code=body.exam_session)
            if body.exam_session
            else None
        ),
        category=body.category,
        description=body.description,
        now=clock.utcnow(),
        phone=body.phone,
        source="api",
        details=body.details,
        idempotency_key=key,
        sla_policy=tickets_settings.current().sla,
    )
    session.commit()
    return _full(ticket), 201


@endpoint(
    "GET",
    "/tickets",
    summary="The candidate's tickets, newest first",
    tags=["tickets"],
    responses={200: TicketList},
)
def list_tickets(candidate: Candidate) -> TicketList:
    tickets = services.tickets_for_candidate(get_session(), candidate)
    return TicketList(tickets=[TicketSummary(**_summary(t)) for t in tickets])


@endpoint(
    "GET",
    "/tickets/{number}",
    summary="One of the candidate's tickets with its thread",
    tags=["tickets"],
    responses={200: TicketOut},
)
def get_ticket(candidate: Candidate, number: str) -> TicketOut:
    return _full(services.ticket_for_candidate(get_session(), candidate=candidate, number=number))


@endpoint(
    "POST",
    "/tickets/{number}/messages",
    summary="Add the candidate's message",
    tags=["tickets"],
    body=MessageIn,
    responses={201: MessageOut, 409: None},
)
def add_message(candidate: Candidate, number: str, body: MessageIn) -> tuple[MessageOut, int]:
    session = get_session()
    ticket = services.ticket_for_candidate(session, candidate=candidate, number=number)
    message = services.reply_as_candidate(
        session,
        ticket=ticket,
        body=body.body,
        now=clock.utcnow(),
        sla_policy=tickets_settings.current().sla,
    )
    session.commit()
    return _message(message), 201
