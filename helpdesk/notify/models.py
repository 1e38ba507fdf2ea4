"""The SMS outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class SmsStatus(enum.StrEnum):
    #: Waiting for its first try, or for the next one (next_attempt_at).
    PENDING = "pending"
    #: The provider accepted it; a delivery receipt may still move it on.
    SENT = "sent"
    #: The carrier reported it delivered to the handset.
    DELIVERED = "delivered"
    #: Final: refused for good, out of tries, or reported undeliverable. Staff see it.
    FAILED = "failed"


class OutboundSms(Base):
    """One templated text message to one phone, sent by the notify job."""

    __tablename__ = "outbound_sms"
    __table_args__ = (
        Index("ix_outbound_sms_status_created", "status", "created_at"),
        Index("ix_outbound_sms_status_next", "status", "next_attempt_at"),
        Index("ix_outbound_sms_provider_id", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.164, +86...
    to: Mapped[str] = mapped_column(String(20))
    #: A kind in helpdesk.notify.registry: unreachable, ticket_reply, upload_followup...
    kind: Mapped[str] = mapped_column(String(40))
    #: The template parameters, checked against the carrier rules when queued.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The zh-CN text the candidate receives (the template filled in), for staff and logs.
    body: Mapped[str] = mapped_column(Text)
    #: The same key queues the message once, however often the caller retries.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[SmsStatus] = mapped_column(String(10), default=SmsStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not tried again before this moment (exponential backoff after a failed try).
    next_attempt_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64))
    #: The provider's last word on it: an error code, or the delivery receipt's code.
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    #: When the receipt job last asked the provider about this sent message.
    checked_at: Mapped[datetime | None]
