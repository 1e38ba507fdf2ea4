"""Reports for supervisors: volumes, response and resolution times, breaches; CSV export."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk import csvexport
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import Category
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Candidate
from helpdesk.tickets.labels import PRIORITY_LABELS, STAFF_STATUS_LABELS
from helpdesk.tickets.models import Ticket


@dataclass
class Durations:
    count: int
    median_minutes: float | None
    p90_minutes: float | None


def _durations(values: list[float]) -> Durations:
    if not values:
        return Durations(0, None, None)
    values.sort()
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return Durations(len(values), round(statistics.median(values), 1), round(p90, 1))


@dataclass
class Report:
    by_category_session: list[tuple[str, str, int]]
    first_response: Durations
    resolution: Durations
    breaches: int
    total: int


def report(session: Session, *, exam_session_id: int | None = None) -> Report:
    """Volumes per category and exam session, response/resolution times, breaches."""
    where = [] if exam_session_id is None else [Ticket.exam_session_id == exam_session_id]
    volumes = session.execute(
        select(Ticket.category, ExamSession.code, func.count(Ticket.id))
        .outerjoin(ExamSession, ExamSession.id == Ticket.exam_session_id)
        .where(*where)
        .group_by(Ticket.category, ExamSession.code)
        .order_by(Ticket.category, ExamSession.code)
    ).all()
    first, resolved, breaches = [], [], Counter[str]()
    for created, responded, done, breached in session.execute(
        select(
            Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at, Ticket.breached_at
        ).where(*where)
    ):
        if responded is not None:
            first.append((responded - created).total_seconds() / 60)
        if done is not None:
            resolved.append((done - created).total_seconds() / 60)
        if breached is not None:
            breaches["all"] += 1
    return Report(
        [(c, s or "", int(n)) for c, s, n in volumes],
        _durations(first),
        _durations(resolved),
        breaches["all"],
        sum(int(n) for _, _, n in volumes),
    )


@dataclass
class HourlyVolume:
    """Tickets filed in each of the last 24 hours (local time), per category."""

    hours: list[str]
    by_category: dict[str, list[int]]


def per_hour(
    session: Session, *, now: datetime, zone: tzinfo, exam_session_id: int | None = None
) -> HourlyVolume:
    """How many tickets of each category were filed in each of the 24 hours up to now."""
    end = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=24)
    query = select(Ticket.created_at, Ticket.category).where(
        Ticket.created_at >= start.astimezone(UTC)
    )
    if exam_session_id is not None:
        query = query.where(Ticket.exam_session_id == exam_session_id)
    counts: dict[str, list[int]] = {}
    for created, category in session.execute(query):
        slot = int((created.astimezone(zone) - start).total_seconds() // 3600)
        if 0 <= slot < 24:
            counts.setdefault(category, [0] * 24)[slot] += 1
    hours = [f"{(start + timedelta(hours=h)).hour:02d}" for h in range(24)]
    return HourlyVolume(hours, dict(sorted(counts.items(), key=lambda kv: -sum(kv[1]))))


def csv_header() -> list[str]:
    """The export's column names in the staff member's language."""
    names = (
        _l("Ticket number"),
        _l("Submitted at"),
        _l("Problem"),
        _l("Exam session"),
        _l("Status"),
        _l("Priority"),
        _l("Candidate name"),
        _l("Admission number"),
        _l("ID number"),
        _l("Phone"),
        _l("Subject"),
        _l("First answered at"),
        _l("Solved at"),
        _l("Answer overdue"),
    )
    return [str(n) for n in names]


def export_page(
    session: Session,
    after: int | None,
    limit: int,
    *,
    local_time: Callable[[datetime | None], str],
    since: datetime | None = None,
) -> list[tuple[int, tuple[object, ...]]]:
    """Up to limit tickets after the ticket id `after`, as (id, CSV row) pairs in words and
    local time: personal data masked, read in one query (streaming.batches pages through
    them)."""
    query = (
        select(Ticket, Candidate, ExamSession.name)
        .join(Candidate, Candidate.id == Ticket.candidate_id)
        .outerjoin(ExamSession, ExamSession.id == Ticket.exam_session_id)
        .order_by(Ticket.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Ticket.id > after)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    yes, no = str(_l("Yes")), str(_l("No"))
    return [
        (
            ticket.id,
            (
                ticket.number,
                local_time(ticket.created_at),
                CATEGORY_LABELS.get(Category(ticket.category), ticket.category),
                session_name or "",
                STAFF_STATUS_LABELS.get(ticket.status, ticket.status),
                PRIORITY_LABELS.get(ticket.priority, ticket.priority),
                csvexport.mask_name(candidate.name),
                candidate.admission_number,
                candidate.id_number_masked,
                phones.mask(ticket.phone),
                ticket.subject,
                local_time(ticket.first_response_at),
                local_time(ticket.resolved_at),
                yes if ticket.breached_at else no,
            ),
        )
        for ticket, candidate, session_name in session.execute(query)
    ]
