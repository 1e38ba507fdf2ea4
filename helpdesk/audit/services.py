"""Record staff actions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEntry

if TYPE_CHECKING:
    from helpdesk.identity.models import Staff


def record(
    session: Session,
    *,
    staff: Staff | None,
    action: str,
    now: datetime,
    target_type: str | None = None,
    target_id: object = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry for action (the caller commits with the action itself)."""
    entry = AuditEntry(
        at=now,
        staff_id=staff.id if staff else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail or {},
    )
    session.add(entry)
    return entry


def recent(session: Session, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
