"""Provider events already applied, so a webhook delivered twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class TelephonyEvent(Base):
    """One webhook delivery, kept by the hash of its signed URL and parameters."""

    __tablename__ = "telephony_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the URL and the sorted parameters: Twilio's retries hash the same.
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime]
