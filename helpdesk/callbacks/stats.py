"""What the console and the wallboard show: the queue, service levels, a staffing estimate."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from helpdesk.callbacks import estimate
from helpdesk.callbacks.models import OPEN_STATUSES, HelpRequest, HelpStatus
from helpdesk.callbacks.settings import Settings
from helpdesk.exams.models import Enrollment, ExamSession

log = logging.getLogger(__name__)
DEFAULT_HELP_RATE = 0.05


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


def staffing_estimate(
    session: Session, *, settings: Settings, now: datetime, most: int = 5
) -> list[dict[str, Any]]:
    """For the next exam sessions not yet ended, the one under way and the formal exam
    included: the technicians it needs, from its roster, the help rate of earlier sessions
    and the call length estimate.py learns; who is on duty; and a warning when candidates
    of the session wait with nobody on duty."""
    sessions = session.scalars(
        select(ExamSession).where(ExamSession.ends > now).order_by(ExamSession.starts).limit(most)
    ).all()
    if not sessions:
        return []
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
    desk = estimate.desk_now(session, settings=settings, now=now)
    call_seconds = desk.length.mean + settings.pickup_seconds
    waiting = dict(
        session.execute(
            select(HelpRequest.exam_session_id, func.count())
            .where(
                HelpRequest.status == HelpStatus.WAITING,
                HelpRequest.exam_session_id.in_([s.id for s in sessions]),
            )
            .group_by(HelpRequest.exam_session_id)
        ).all()
    )
    plans = []
    for exam in sessions:
        roster = int(
            session.scalar(
                select(func.count())
                .select_from(Enrollment)
                .where(Enrollment.exam_session_id == exam.id)
            )
            or 0
        )
        window = max(60.0, (exam.ends - exam.login_opens).total_seconds())
        expected = roster * rate
        agents = erlang_c_agents(calls_per_second=expected / window, call_seconds=call_seconds)
        in_queue = int(waiting.get(exam.id, 0))
        plans.append(
            {
                "session": exam,
                "phase": exam.phase_at(now),
                "roster": roster,
                "help_rate": rate,
                "call_seconds": desk.length.mean,
                "calls_learned": desk.length.calls,
                "expected_requests": expected,
                "agents": agents,
                "on_duty": desk.agents,
                "waiting": in_queue,
                "nobody_on_duty": in_queue > 0 and desk.agents == 0,
                "short": max(0, agents - desk.agents),
            }
        )
    if any(p["nobody_on_duty"] for p in plans):
        log.warning("callbacks.nobody_on_duty waiting=%d", sum(waiting.values()))
    return plans


def wallboard(
    session: Session, *, settings: Settings, now: datetime, timezone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """Today's figures for the supervisor (the day in the exam's time zone)."""
    local = now.astimezone(ZoneInfo(timezone))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    view = queue_view(session, now=now, limit=500)
    oldest = session.scalar(
        select(func.min(HelpRequest.created_at)).where(HelpRequest.status == HelpStatus.WAITING)
    )
    available = len(estimate.on_duty_ids(session, settings=settings, now=now))
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
        "staffing": staffing_estimate(session, settings=settings, now=now),
        "since": day_start - timedelta(0),
    }
