"""The SMS outbox."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class SmsStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundSms(Base):
    """One text message to one phone, sent by the notify job."""

    __tablename__ = "outbound_sms"
    __table_args__ = (Index("ix_outbound_sms_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.164, +86...
    to: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    #: What it is for, e.g. ticket.reply, callback.unreachable, upload.followup.
    purpose: Mapped[str] = mapped_column(String(40))
    #: The same key queues the message once, however often the caller retries.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[SmsStatus] = mapped_column(String(10), default=SmsStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
