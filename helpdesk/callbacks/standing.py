"""Where a help request stands: its place in the queue, the estimated wait, and what the
candidate should do now; describe() is the body API.md gives for a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import CallAttempt, HelpRequest, HelpStatus
from helpdesk.callbacks.settings import Settings
from helpdesk.db import is_postgres
from helpdesk.identity.models import Staff


def describe(
    session: Session, request: HelpRequest, *, settings: Settings, now: datetime
) -> dict[str, object]:
    """The API.md body of a help request, in the visitor's language (one statement: the
    position and the estimate's inputs together)."""
    place, per_call, agents = _standing_now(session, request, settings=settings, now=now)
    wait = _wait(request, place=place, per_call=per_call, agents=agents, now=now)
    return {
        "id": request.public_id,
        "status": str(request.status),
        "position": place,
        "estimated_wait_seconds": wait,
        "caller_ids": settings.caller_ids_display,
        "message": status_message(request, settings=settings, place=place),
    }


def _ahead(request: HelpRequest) -> Any:
    """The waiting requests called before request (its position minus one)."""
    return (
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.status == HelpStatus.WAITING,
            or_(
                HelpRequest.priority < request.priority,
                and_(
                    HelpRequest.priority == request.priority,
                    or_(
                        HelpRequest.created_at < request.created_at,
                        and_(
                            HelpRequest.created_at == request.created_at,
                            HelpRequest.id < request.id,
                        ),
                    ),
                ),
            ),
        )
    )


def _call_seconds(session: Session) -> Any:
    """A call attempt's length in seconds, as this engine computes it."""
    if is_postgres(session):
        return func.extract("epoch", CallAttempt.ended_at - CallAttempt.started_at)
    return (func.julianday(CallAttempt.ended_at) - func.julianday(CallAttempt.started_at)) * 86400


def _standing_now(
    session: Session, request: HelpRequest, *, settings: Settings, now: datetime
) -> tuple[int, float, int]:
    """(position, mean call seconds, agents) in one statement; position(),
    average_call_seconds() and agents_available() say what each means."""
    if request.status != HelpStatus.WAITING:
        return 0, 0.0, 1
    recent = (
        select(_call_seconds(session).label("seconds"))
        .where(
            CallAttempt.ended_at.is_not(None), CallAttempt.started_at >= now - timedelta(hours=6)
        )
        .order_by(CallAttempt.id.desc())
        .limit(200)
        .subquery()
    )
    ahead, mean, marked, took_calls = session.execute(
        select(
            _ahead(request).scalar_subquery(),
            select(func.avg(recent.c.seconds)).where(recent.c.seconds > 0).scalar_subquery(),
            select(func.count())
            .select_from(Staff)
            .where(Staff.active.is_(True), Staff.available.is_(True))
            .scalar_subquery(),
            select(func.count(func.distinct(CallAttempt.staff_id)))
            .where(CallAttempt.started_at >= now - timedelta(minutes=30))
            .scalar_subquery(),
        )
    ).one()
    per_call = float(mean) if mean else float(settings.default_call_seconds)
    agents = int(marked) if marked else max(1, int(took_calls or 0))
    return int(ahead or 0) + 1, per_call, agents


def _wait(request: HelpRequest, *, place: int, per_call: float, agents: int, now: datetime) -> int:
    if place == 0:
        return 0
    wait = place * per_call / agents
    if request.due_at > now:
        wait = max(wait, (request.due_at - now).total_seconds())
    return round(wait)


def position(session: Session, request: HelpRequest) -> int:
    """1 for the next to be called; 0 once a technician has it or it is closed."""
    if request.status != HelpStatus.WAITING:
        return 0
    ahead = session.scalar(_ahead(request))
    return int(ahead or 0) + 1


def average_call_seconds(session: Session, *, settings: Settings, now: datetime) -> float:
    """Mean length of calls that ended in the last six hours (a default before any)."""
    rows = session.execute(
        select(CallAttempt.started_at, CallAttempt.ended_at)
        .where(
            CallAttempt.ended_at.is_not(None), CallAttempt.started_at >= now - timedelta(hours=6)
        )
        .order_by(CallAttempt.id.desc())
        .limit(200)
    ).all()
    lengths = [(end - start).total_seconds() for start, end in rows if end is not None]
    lengths = [s for s in lengths if s > 0]
    return sum(lengths) / len(lengths) if lengths else float(settings.default_call_seconds)


def agents_available(session: Session, *, now: datetime) -> int:
    """Agents marked available, else those who took a call in the last half hour."""
    marked = session.scalar(
        select(func.count())
        .select_from(Staff)
        .where(Staff.active.is_(True), Staff.available.is_(True))
    )
    if marked:
        return int(marked)
    recent = session.scalar(
        select(func.count(func.distinct(CallAttempt.staff_id))).where(
            CallAttempt.started_at >= now - timedelta(minutes=30)
        )
    )
    return max(1, int(recent or 0))


def estimated_wait_seconds(
    session: Session, request: HelpRequest, *, place: int, settings: Settings, now: datetime
) -> int:
    """Position (from position()) times the recent call length, shared among the agents
    available."""
    if place == 0:
        return 0
    per_call = average_call_seconds(session, settings=settings, now=now)
    wait = place * per_call / agents_available(session, now=now)
    if request.due_at > now:
        wait = max(wait, (request.due_at - now).total_seconds())
    return round(wait)


def status_message(request: HelpRequest, *, settings: Settings, place: int) -> str:
    """What the candidate should do now, in their language."""
    numbers = " / ".join(settings.caller_ids_display)
    if request.status == HelpStatus.WAITING:
        return str(
            _l(
                "You are number %(n)d in the queue. A technician will call you from "
                "%(numbers)s. Answer only these numbers, and never call back.",
                n=place,
                numbers=numbers,
            )
        )
    if request.status in (HelpStatus.CLAIMED, HelpStatus.CALLING):
        return str(
            _l(
                "A technician is calling you now from %(numbers)s. Answer only these "
                "numbers, and never call back.",
                numbers=numbers,
            )
        )
    if request.status == HelpStatus.COMPLETED:
        text = str(
            _l(
                "The call is finished. If you used your phone for the evidence video, put "
                "it back in its recording position now."
            )
        )
        if request.ticket_number:
            text += " " + str(
                _l(
                    "Your problem continues as ticket %(number)s on the support platform.",
                    number=request.ticket_number,
                )
            )
        return text
    if request.status == HelpStatus.UNREACHABLE:
        return str(
            _l(
                "We called you %(n)d times from %(numbers)s but could not reach you. "
                "File a problem on the support platform and we will answer there.",
                n=request.attempts,
                numbers=numbers,
            )
        )
    if request.ticket_number:
        return str(
            _l(
                "The exam session ended before a technician could call you. Your request "
                "became ticket %(number)s on the support platform; follow it there.",
                number=request.ticket_number,
            )
        )
    return str(_l("This help request was cancelled."))
