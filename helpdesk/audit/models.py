"""Who did what, when: one row per staff action."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base

if TYPE_CHECKING:  # audit sits below identity: it names the staff table, never imports it
    from helpdesk.identity.models import Staff


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    #: None for actions of the system itself (jobs, CLI without a staff account).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    #: Dotted verb, e.g. roster.import, ticket.reply.
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: Masked data only: never a full ID number.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    staff: Mapped[Staff | None] = relationship("Staff")
