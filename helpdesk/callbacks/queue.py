"""The callback queue from the desk's side: claims, calls, outcomes, retries, close-out.

A claim is one conditional UPDATE on every engine: on PostgreSQL its subquery takes the
next row with FOR UPDATE SKIP LOCKED, so sixteen agents claiming at once each get a
different request without waiting on one another; on SQLite (writers serialised) the same
statement is checked by the rows it changed. Jobs here are set-based and safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import (
    OPEN_STATUSES,
    RETRY_OUTCOMES,
    CallAttempt,
    CallState,
    HelpRequest,
    HelpStatus,
    Outcome,
)
from helpdesk.callbacks.services import new_public_id
from helpdesk.callbacks.settings import Settings
from helpdesk.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from helpdesk.exams.models import ExamSession
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Staff

log = logging.getLogger(__name__)
_NO_SYNC = {"synchronize_session": False}


def _claimable(now: datetime) -> Any:
    return or_(
        and_(HelpRequest.status == HelpStatus.WAITING, HelpRequest.due_at <= now),
        and_(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now),
    )


def current_claim(session: Session, *, staff: Staff) -> HelpRequest | None:
    """The request staff is working on (claimed or calling), if any."""
    return session.scalar(
        select(HelpRequest)
        .where(
            HelpRequest.claimed_by_id == staff.id,
            HelpRequest.status.in_([HelpStatus.CLAIMED, HelpStatus.CALLING]),
        )
        .order_by(HelpRequest.claimed_at)
        .limit(1)
    )


def claim_next(
    session: Session,
    *,
    staff: Staff,
    settings: Settings,
    now: datetime,
    public_id: str | None = None,
) -> HelpRequest | None:
    """Claim the most urgent claimable request (or the one named); None when there is none.

    An agent works one request at a time: while they hold one, it is returned again.
    """
    held = current_claim(session, staff=staff)
    if held is not None and (
        held.status == HelpStatus.CALLING
        or held.claim_expires_at is None
        or held.claim_expires_at > now
    ):
        return held
    target: Any
    if public_id is None:
        target = (
            select(HelpRequest.id)
            .where(_claimable(now))
            .order_by(HelpRequest.priority, HelpRequest.created_at, HelpRequest.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    else:
        target = (
            select(HelpRequest.id)
            .where(HelpRequest.public_id == str(public_id)[:32])
            .scalar_subquery()
        )
    condition = (
        _claimable(now)
        if public_id is None
        else or_(
            HelpRequest.status == HelpStatus.WAITING,
            and_(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now),
        )
    )
    result = session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == target, condition)
        .values(
            status=HelpStatus.CLAIMED,
            claimed_by_id=staff.id,
            claimed_at=now,
            claim_expires_at=now + timedelta(seconds=settings.claim_seconds),
        )
        .returning(HelpRequest.id),
        execution_options=_NO_SYNC,
    )
    claimed = result.scalars().all()
    if len(claimed) != 1:
        if public_id is not None:
            raise Conflict(
                str(_l("Someone else has this request, or it is closed.")), code="not_claimable"
            )
        return None
    return session.get(HelpRequest, claimed[0], populate_existing=True)


def get_request(session: Session, public_id: str) -> HelpRequest:
    request = session.scalar(
        select(HelpRequest).where(HelpRequest.public_id == str(public_id)[:32])
    )
    if request is None:
        raise NotFound(str(_l("No such help request.")))
    return request


def _owned(request: HelpRequest, staff: Staff) -> None:
    if request.claimed_by_id != staff.id or request.status not in (
        HelpStatus.CLAIMED,
        HelpStatus.CALLING,
    ):
        raise Conflict(
            str(_l("Claim this request first: it is not yours, or it is closed.")),
            code="not_claimed",
        )


def release(session: Session, *, request: HelpRequest, staff: Staff, now: datetime) -> None:
    """Give a claimed request back to the queue, as it was."""
    _owned(request, staff)
    if request.status == HelpStatus.CALLING:
        raise Conflict(str(_l("Record the call's outcome first.")), code="call_open")
    request.status, request.claimed_by_id = HelpStatus.WAITING, None
    request.claimed_at = request.claim_expires_at = None
    session.flush()


def add_note(
    session: Session, *, request: HelpRequest, staff: Staff, text: str, now: datetime
) -> None:
    """Append a staff note, signed and timed."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            str(_l("Write a note first.")), fields={"note": str(_l("This field cannot be empty."))}
        )
    if len(text) > 2000:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"note": str(_l("At most %(n)s characters.", n=2000))},
        )
    line = f"[{now:%Y-%m-%d %H:%M}Z {staff.display_name}] {text}"
    request.staff_notes = f"{request.staff_notes}\n{line}" if request.staff_notes else line
    session.flush()


# --- calls ---------------------------------------------------------------------------------


def open_attempt(request: HelpRequest) -> CallAttempt | None:
    for attempt in reversed(request.calls):
        if attempt.outcome is None:
            return attempt
    return None


def check_destination(request: HelpRequest) -> str:
    """The number to dial: a mainland number that belongs to the candidate, or refuse."""
    try:
        number = phones.normalise(request.phone)
    except phones.InvalidPhone:
        number = ""
    if number != request.phone or number not in {request.candidate.phone, request.phone}:
        raise Conflict(
            str(_l("The desk dials only the candidate's own mainland number.")),
            code="number_not_allowed",
        )
    return number


def _check_rate(session: Session, *, settings: Settings, now: datetime) -> None:
    recent = session.scalar(
        select(func.count())
        .select_from(CallAttempt)
        .where(CallAttempt.started_at > now - timedelta(minutes=1))
    )
    if int(recent or 0) >= settings.calls_per_minute:
        raise TooManyRequests(
            str(_l("The desk has placed too many calls this minute. Wait a moment and try again.")),
            retry_after=20,
            code="call_rate_exceeded",
        )


def start_call(
    session: Session,
    *,
    request: HelpRequest,
    staff: Staff,
    adapter: str,
    settings: Settings,
    now: datetime,
) -> CallAttempt:
    """Record a call attempt from the next whitelisted line; the caller places it after
    commit. A call already under way is returned, never started twice."""
    _owned(request, staff)
    current = open_attempt(request)
    if current is not None:
        return current
    to = check_destination(request)
    _check_rate(session, settings=settings, now=now)
    caller_id = settings.caller_ids[request.attempts % len(settings.caller_ids)]
    state = CallState.MANUAL if adapter == "desk" else CallState.QUEUED
    attempt = CallAttempt(
        public_id=new_public_id(),
        help_request=request,
        staff_id=staff.id,
        adapter=adapter,
        caller_id=caller_id,
        to_phone=to,
        state=state,
        started_at=now,
    )
    session.add(attempt)
    request.status, request.claim_expires_at = HelpStatus.CALLING, None
    request.first_call_at = request.first_call_at or now
    session.flush()
    return attempt


def _unreachable_sms(
    session: Session, request: HelpRequest, settings: Settings, now: datetime
) -> None:
    from helpdesk.notify.services import queue_sms

    lines = "、".join(
        sorted(
            {phones.display(c.caller_id) for c in request.calls} or set(settings.caller_ids_display)
        )
    )
    with force_locale("zh_CN"):
        body = str(
            _l(
                "The exam support desk called you %(n)d times from %(numbers)s but could "
                "not reach you. Please do not call these numbers back. To get help, sign "
                "in at %(url)s and file a problem on the support platform.",
                n=request.attempts,
                numbers=lines,
                url=settings.public_url,
            )
        )
    queue_sms(
        session,
        to=request.phone,
        body=body,
        purpose="callback.unreachable",
        dedupe_key=f"callback.unreachable:{request.public_id}",
        now=now,
        allowed_numbers=settings.allowed_sms_numbers,
    )


def record_outcome(
    session: Session,
    *,
    request: HelpRequest,
    outcome: Outcome,
    settings: Settings,
    now: datetime,
    staff: Staff | None = None,
    note: str | None = None,
    attempt: CallAttempt | None = None,
) -> bool:
    """Settle the open call attempt and move the request on; False if already settled.

    No answer, busy or a failed call is retried after CALLBACK_RETRY_SECONDS until
    CALLBACK_MAX_ATTEMPTS, then the request is unreachable and the candidate gets an SMS.
    `staff` is None when the provider reports the outcome (webhooks).
    """
    outcome = Outcome(outcome)
    if staff is not None:
        _owned(request, staff)
    attempt = attempt or open_attempt(request)
    if attempt is None:
        raise Conflict(str(_l("Start the call first.")), code="no_call")
    changed = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == attempt.id, CallAttempt.outcome.is_(None))
        .values(
            outcome=outcome.value,
            ended_at=func.coalesce(CallAttempt.ended_at, now),
            state=CallState.ENDED,
            note=(note or "").strip()[:2000] or None,
        ),
        execution_options=_NO_SYNC,
    ).rowcount
    session.refresh(attempt)
    if changed != 1 or request.status not in OPEN_STATUSES:
        return False
    request.attempts += 1
    request.outcome = outcome.value
    request.claim_expires_at = None
    if outcome in (Outcome.RESOLVED, Outcome.ESCALATED):
        request.status, request.closed_at = HelpStatus.COMPLETED, now
    elif outcome == Outcome.WRONG_NUMBER and request.phone != request.candidate.phone:
        # The number the candidate typed was wrong: try the roster's number next.
        request.phone = request.candidate.phone
        _requeue(request, now)
    elif outcome in RETRY_OUTCOMES and request.attempts < settings.max_attempts:
        _requeue(request, now + timedelta(seconds=settings.retry_seconds))
    else:
        request.status, request.closed_at = HelpStatus.UNREACHABLE, now
        if outcome != Outcome.WRONG_NUMBER:
            _unreachable_sms(session, request, settings, now)
    session.flush()
    return True


def _requeue(request: HelpRequest, due: datetime) -> None:
    request.status, request.due_at = HelpStatus.WAITING, due
    request.claimed_by_id = request.claimed_at = request.claim_expires_at = None


OpenTicket = Callable[..., Any]


def _ticket_opener() -> OpenTicket:
    from helpdesk.tickets.services import open_ticket

    return open_ticket


def escalate(
    session: Session,
    *,
    request: HelpRequest,
    staff: Staff,
    category: str,
    description: str,
    settings: Settings,
    now: datetime,
    open_ticket: OpenTicket | None = None,
) -> str:
    """Close the call as escalated and open a ticket with the request's context."""
    from helpdesk.categories import Category

    _owned(request, staff)
    try:
        chosen = Category(category)
    except ValueError:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"category": str(_l("Choose one of the listed problems."))},
        ) from None
    if open_attempt(request) is None:
        start_call(
            session, request=request, staff=staff, adapter="desk", settings=settings, now=now
        )
    ticket = (open_ticket or _ticket_opener())(
        session,
        candidate=request.candidate,
        exam_session=request.exam_session,
        category=chosen,
        description=description,
        now=now,
        phone=request.phone,
        source="callback",
        details={"help_request": request.public_id},
        idempotency_key=f"callback:{request.public_id}",
    )
    record_outcome(
        session, request=request, outcome=Outcome.ESCALATED, settings=settings, now=now, staff=staff
    )
    request.ticket_number = str(ticket.number)
    session.flush()
    return request.ticket_number


# --- jobs ------------------------------------------------------------------------------------


def release_expired_claims(session: Session, *, now: datetime) -> int:
    """Claims not turned into a call in time go back to the queue (one UPDATE)."""
    return int(
        session.execute(
            update(HelpRequest)
            .where(HelpRequest.status == HelpStatus.CLAIMED, HelpRequest.claim_expires_at <= now)
            .values(
                status=HelpStatus.WAITING,
                claimed_by_id=None,
                claimed_at=None,
                claim_expires_at=None,
            ),
            execution_options=_NO_SYNC,
        ).rowcount
        or 0
    )


def close_ended_sessions(
    session: Session,
    *,
    settings: Settings,
    now: datetime,
    open_ticket: OpenTicket | None = None,
    limit: int = 200,
) -> int:
    """Turn requests still open after their session ended (plus the grace period) into
    tickets, so nothing is dropped. Each row is taken by a conditional UPDATE first, so a
    second scheduler running at once opens no second ticket."""
    cutoff = now - timedelta(minutes=settings.close_grace_minutes)
    ids = session.scalars(
        select(HelpRequest.id)
        .join(ExamSession)
        .where(
            HelpRequest.status.in_(OPEN_STATUSES),
            HelpRequest.reason.is_(None),
            ExamSession.ends <= cutoff,
        )
        .order_by(HelpRequest.id)
        .limit(limit)
    ).all()
    opener = open_ticket or _ticket_opener()
    closed = 0
    for request_id in ids:
        taken = session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request_id, HelpRequest.status.in_(OPEN_STATUSES))
            .values(
                status=HelpStatus.CANCELLED,
                outcome="session_ended",
                closed_at=now,
                claimed_by_id=None,
                claim_expires_at=None,
            ),
            execution_options=_NO_SYNC,
        ).rowcount
        if taken != 1:
            continue
        request = session.get(HelpRequest, request_id, populate_existing=True)
        assert request is not None
        with force_locale("zh_CN"):
            description = str(
                _l(
                    "Help request (求助) not answered before the exam session "
                    "ended. Candidate's note: %(note)s",
                    note=request.note or "-",
                )
            )
        ticket = opener(
            session,
            candidate=request.candidate,
            exam_session=request.exam_session,
            category=request.category or "other",
            description=description,
            now=now,
            phone=request.phone,
            source="callback",
            details={"help_request": request.public_id},
            idempotency_key=f"callback:{request.public_id}",
        )
        request.ticket_number = str(ticket.number)
        closed += 1
    session.flush()
    return closed
