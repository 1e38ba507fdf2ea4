"""Tickets, their messages and attachments, and staff's canned replies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.categories import Category
from helpdesk.db import Base, one_of
from helpdesk.exams.models import ExamSession
from helpdesk.identity.models import Candidate, Staff


class TicketStatus(enum.StrEnum):
    NEW = "new"  # 已提交
    OPEN = "open"  # 处理中
    WAITING_CANDIDATE = "waiting_candidate"  # 等待您的回复
    RESOLVED = "resolved"  # 已解决
    CLOSED = "closed"  # 已关闭


#: Statuses in which the desk owes the candidate something.
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_CANDIDATE)


class TicketSource(enum.StrEnum):
    WEB = "web"
    API = "api"
    CALLBACK = "callback"
    UPLOAD = "upload"
    AGENT = "agent"


class AuthorKind(enum.StrEnum):
    CANDIDATE = "candidate"
    STAFF = "staff"
    SYSTEM = "system"


class Ticket(Base):
    """A problem a candidate filed on the support platform."""

    __tablename__ = "tickets"
    __table_args__ = (
        one_of("category", Category, name="category_known"),
        one_of("status", TicketStatus, name="status_known"),
        one_of("source", TicketSource, name="source_known"),
        UniqueConstraint("candidate_id", "idempotency_key"),
        # The inbox: a status, then most urgent and oldest first.
        Index("ix_tickets_inbox", "status", "priority", "created_at", "id"),
        Index("ix_tickets_candidate_created", "candidate_id", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_exam_status", "exam_session_id", "status"),
        Index("ix_tickets_category_status", "category", "status"),
        # Every ticket, most urgent and oldest first (a search across all statuses).
        Index("ix_tickets_queue", "priority", "created_at", "id"),
        # The SLA filters and their counts, answered from the index alone.
        Index("ix_tickets_due_at", "due_at", "status"),
        Index("ix_tickets_breached", "breached_at", "status"),
        Index("ix_tickets_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public reference, random and unguessable, e.g. T-7K3M-9QX2; used in URLs.
    number: Mapped[str] = mapped_column(String(16), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    exam_session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"))
    category: Mapped[str] = mapped_column(String(30))
    status: Mapped[TicketStatus] = mapped_column(String(20), default=TicketStatus.NEW)
    #: helpdesk.exams.models.Urgency at filing time: lower is more urgent.
    priority: Mapped[int]
    #: E.164 contact number for this ticket (the roster phone unless the candidate changed it).
    phone: Mapped[str] = mapped_column(String(20))
    source: Mapped[TicketSource] = mapped_column(String(10), default=TicketSource.WEB)
    #: First line of the description, for lists.
    subject: Mapped[str] = mapped_column(String(120))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: Client-chosen key: a retried submission returns the first ticket.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    #: When the desk's next answer is due; NULL while the clock is stopped or paused.
    due_at: Mapped[datetime | None]
    #: Seconds left on the clock when it was paused (waiting for the candidate).
    sla_paused_seconds: Mapped[int | None]
    #: Set by the breach job the first time due_at passes unanswered.
    breached_at: Mapped[datetime | None]

    candidate: Mapped[Candidate] = relationship()
    exam_session: Mapped[ExamSession | None] = relationship()
    assignee: Mapped[Staff | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    """One message in a ticket's thread; internal notes are never shown to the candidate."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        one_of("author_kind", AuthorKind, name="author_known"),
        CheckConstraint("NOT internal OR author_kind = 'staff'", name="notes_by_staff"),
        Index("ix_ticket_messages_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_kind: Mapped[AuthorKind] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    #: Category-specific answers and context (help_request_id, artifact, error_codes, ...).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    staff: Mapped[Staff | None] = relationship()
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="message", order_by="TicketAttachment.id"
    )


class TicketAttachment(Base):
    """A file attached to a ticket, stored under a server-generated name."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (Index("ix_ticket_attachments_ticket", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, unguessable: the attachment's address.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="SET NULL")
    )
    #: The file's name inside UPLOAD_DIR (server-generated).
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The name the candidate's file had, sanitised, for display only.
    original_name: Mapped[str] = mapped_column(String(200))
    #: Sniffed from the content, never taken from the client.
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    message: Mapped[TicketMessage | None] = relationship(back_populates="attachments")


class CannedReply(Base):
    """A prepared answer staff insert into a reply; category NULL applies to all."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, so seeding again updates instead of duplicating.
    key: Mapped[str] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    #: Retired replies are no longer offered on tickets; a supervisor can bring one back.
    retired_at: Mapped[datetime | None]


class TicketRead(Base):
    """When a technician last opened a ticket: newer candidate messages make it unread."""

    __tablename__ = "ticket_reads"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime]
