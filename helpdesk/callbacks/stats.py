"""What the console and the wallboard show: the queue, service levels, a staffing estimate."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from helpdesk.callbacks.models import OPEN_STATUSES, HelpRequest, HelpStatus
from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.identity.models import Staff

DEFAULT_HELP_RATE = 0.05
DEFAULT_CALL_SECONDS = 180.0


def queue_view(session: Session, *, now: datetime, limit: int = 100) -> dict[str, Any]:
    """Open requests, most urgent first, and the counts by urgency."""
    rows = session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status.in_(OPEN_STATUSES))
        .options(
            joinedload(HelpRequest.candidate),
            joinedload(HelpRequest.exam_session),
            joinedload(HelpRequest.claimed_by),
        )
        .order_by(HelpRequest.priority, HelpRequest.created_at, HelpRequest.id)
        .limit(limit)
    ).all()
    counts = dict(
        session.execute(
            select(HelpRequest.priority, func.count())
            .where(HelpRequest.status == HelpStatus.WAITING)
            .group_by(HelpRequest.priority)
        ).all()
    )
    return {
        "waiting": [r for r in rows if r.status == HelpStatus.WAITING],
        "active": [r for r in rows if r.status != HelpStatus.WAITING],
        "counts": counts,
        "total_waiting": sum(counts.values()),
        "now": now,
    }


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share in 0..1) of values, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def erlang_c_agents(
    *,
    calls_per_second: float,
    call_seconds: float,
    answer_within: float = 120,
    target: float = 0.8,
    most: int = 500,
) -> int:
    """The fewest agents answering `target` of calls within `answer_within` seconds."""
    traffic = calls_per_second * call_seconds
    if traffic <= 0:
        return 0
    blocking = 1.0
    for agents in range(1, most + 1):
        blocking = traffic * blocking / (agents + traffic * blocking)  # Erlang B recursion
        if agents <= traffic:
            continue
        waiting = agents * blocking / (agents - traffic * (1 - blocking))  # Erlang C
        level = 1 - waiting * math.exp(-(agents - traffic) * answer_within / call_seconds)
        if level >= target:
            return agents
    return most


def staffing_estimate(session: Session, *, now: datetime) -> dict[str, Any] | None:
    """Agents to schedule for the next session, from its roster and earlier sessions."""
    upcoming = session.scalar(
        select(ExamSession).where(ExamSession.starts > now).order_by(ExamSession.starts).limit(1)
    )
    if upcoming is None:
        return None
    roster = int(
        session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.exam_session_id == upcoming.id)
        )
        or 0
    )
    ended = select(ExamSession.id).where(ExamSession.ends <= now).scalar_subquery()
    past_roster = int(
        session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.exam_session_id.in_(ended))
        )
        or 0
    )
    past_help = int(
        session.scalar(
            select(func.count())
            .select_from(HelpRequest)
            .where(HelpRequest.exam_session_id.in_(ended), HelpRequest.reason.is_(None))
        )
        or 0
    )
    rate = past_help / past_roster if past_roster and past_help else DEFAULT_HELP_RATE
    from helpdesk.callbacks.models import CallAttempt

    lengths = [
        (e - s).total_seconds()
        for s, e in session.execute(
            select(CallAttempt.started_at, CallAttempt.ended_at)
            .where(CallAttempt.ended_at.is_not(None))
            .order_by(CallAttempt.id.desc())
            .limit(500)
        )
        if e is not None and e > s
    ]
    call_seconds = sum(lengths) / len(lengths) if lengths else DEFAULT_CALL_SECONDS
    window = max(60.0, (upcoming.ends - upcoming.login_opens).total_seconds())
    expected = roster * rate
    return {
        "session": upcoming,
        "roster": roster,
        "help_rate": rate,
        "call_seconds": call_seconds,
        "expected_requests": expected,
        "agents": erlang_c_agents(calls_per_second=expected / window, call_seconds=call_seconds),
    }


def wallboard(
    session: Session, *, now: datetime, timezone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """Today's figures for the supervisor (the day in the exam's time zone)."""
    local = now.astimezone(ZoneInfo(timezone))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    view = queue_view(session, now=now, limit=500)
    oldest = session.scalar(
        select(func.min(HelpRequest.created_at)).where(HelpRequest.status == HelpStatus.WAITING)
    )
    available = int(
        session.scalar(
            select(func.count())
            .select_from(Staff)
            .where(Staff.active.is_(True), Staff.available.is_(True))
        )
        or 0
    )
    on_calls = int(
        session.scalar(
            select(func.count(func.distinct(HelpRequest.claimed_by_id))).where(
                HelpRequest.status == HelpStatus.CALLING
            )
        )
        or 0
    )
    today = session.execute(
        select(HelpRequest.created_at, HelpRequest.first_call_at, HelpRequest.status).where(
            HelpRequest.created_at >= day_start, HelpRequest.reason.is_(None)
        )
    ).all()
    waits = [(f - c).total_seconds() for c, f, _s in today if f is not None]
    closed = [s for _c, _f, s in today if s not in OPEN_STATUSES]
    within = sum(1 for w in waits if w <= 120)
    return {
        **view,
        "oldest_wait": (now - oldest).total_seconds() if oldest else None,
        "agents_available": available,
        "agents_on_calls": on_calls,
        "today_total": len(today),
        "median_to_call": percentile(waits, 0.5),
        "p90_to_call": percentile(waits, 0.9),
        "within_two_minutes": within / len(today) if today else None,
        "unreachable_share": (
            closed.count(HelpStatus.UNREACHABLE) / len(closed) if closed else None
        ),
        "staffing": staffing_estimate(session, now=now),
        "since": day_start - timedelta(0),
    }
