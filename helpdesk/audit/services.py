"""Record staff actions, and find them again: filtered pages and a streamed export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

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


@dataclass(frozen=True)
class Filters:
    """Which entries to show; None means any."""

    staff_id: int | None = None
    action: str | None = None
    #: From this moment (inclusive) to before `until`.
    since: datetime | None = None
    until: datetime | None = None
    #: (target_type, target_id): what the action was done to.
    target: tuple[str, str] | None = None


def _query(filters: Filters) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters.staff_id is not None:
        query = query.where(AuditEntry.staff_id == filters.staff_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if filters.target is not None:
        query = query.where(
            AuditEntry.target_type == filters.target[0], AuditEntry.target_id == filters.target[1]
        )
    return query


def search(
    session: Session, filters: Filters | None = None, *, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """The matching entries, newest first."""
    query = _query(filters or Filters()).options(selectinload(AuditEntry.staff))
    return list(
        session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
        )
    )


def count(session: Session, filters: Filters | None = None) -> int:
    subquery = _query(filters or Filters()).subquery()
    return int(session.scalar(select(func.count()).select_from(subquery)) or 0)


def recent(session: Session, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    return search(session, limit=limit, offset=offset)


def export_page(
    session: Session, after: tuple[datetime, int] | None, limit: int, filters: Filters
) -> list[tuple[tuple[datetime, int], AuditEntry]]:
    """Up to limit matching entries older than the (time, id) key `after`, newest first, as
    (key, entry) pairs with their staff loaded (streaming.batches pages the CSV export)."""
    query = (
        _query(filters)
        .options(selectinload(AuditEntry.staff))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if after is not None:
        at, entry_id = after
        query = query.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id))
        )
    return [((e.at, e.id), e) for e in session.scalars(query)]


def actions_in_use(session: Session) -> list[str]:
    """The action codes the log holds, for the filter."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
