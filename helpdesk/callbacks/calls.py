"""The call lifecycle: an attempt is recorded, placed after commit, moved forward by the
provider's reports, and settled with an outcome that retries, closes or gives up.

An attempt's state only moves forward (queued, ringing, in progress, ended); its outcome is
written once, by a conditional UPDATE, so a webhook and an agent never both settle it. An
attempt whose placing timed out is `unknown` until a report or a status lookup settles it,
and is never placed again blindly. After the last unanswered attempt the candidate is
texted (through the outbox, after commit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import (
    OPEN_STATUSES,
    RETRY_OUTCOMES,
    CallAttempt,
    HelpRequest,
    HelpStatus,
    Outcome,
)
from helpdesk.callbacks.services import new_public_id
from helpdesk.callbacks.settings import Settings
from helpdesk.errors import Conflict, TooManyRequests
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones
from helpdesk.identity.models import Staff
from helpdesk.notify.registry import SmsKind
from helpdesk.notify.services import queue_sms
from helpdesk.telephony.dialer import Dialer, ProviderCall
from helpdesk.telephony.states import CallState, DialOutcome, LegStatus, lower_than

log = logging.getLogger(__name__)
_NO_SYNC = {"synchronize_session": False}
#: How the candidate's leg ended -> the attempt's outcome; a connected call is closed by
#: the agent (resolved or escalated).
LEG_OUTCOMES = {
    DialOutcome.BUSY: Outcome.BUSY,
    DialOutcome.NO_ANSWER: Outcome.NO_ANSWER,
    DialOutcome.FAILED: Outcome.FAILED,
}


def changed_rows(session: Session, statement: Any) -> int:
    """Run a conditional UPDATE (without synchronising the session); the rows it changed."""
    result = cast("CursorResult[Any]", session.execute(statement, execution_options=_NO_SYNC))
    return int(result.rowcount or 0)


def check_owner(request: HelpRequest, staff: Staff) -> None:
    """Refuse unless staff holds the request (claimed or calling)."""
    if request.claimed_by_id != staff.id or request.status not in (
        HelpStatus.CLAIMED,
        HelpStatus.CALLING,
    ):
        raise Conflict(
            str(_l("Claim this request first: it is not yours, or it is closed.")),
            code="not_claimed",
        )


def open_attempt(request: HelpRequest) -> CallAttempt | None:
    """The request's call without an outcome yet, if any."""
    for attempt in reversed(request.calls):
        if attempt.outcome is None:
            return attempt
    return None


def find_attempt(session: Session, public_id: str) -> CallAttempt | None:
    return session.scalar(select(CallAttempt).where(CallAttempt.public_id == str(public_id)[:32]))


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
    """Record a call attempt from the next whitelisted line; a provider's call is placed
    after commit by the `callbacks.place_calls` job (placing.py), never in the agent's
    request. A call already under way is returned, never started twice."""
    check_owner(request, staff)
    current = open_attempt(request)
    if current is not None:
        return current
    to = check_destination(request)
    _check_rate(session, settings=settings, now=now)
    attempt = CallAttempt(
        public_id=new_public_id(),
        help_request=request,
        staff_id=staff.id,
        adapter=adapter,
        caller_id=settings.line_for(request.attempts),
        to_phone=to,
        state=CallState.MANUAL if adapter == "desk" else CallState.QUEUED,
        started_at=now,
    )
    session.add(attempt)
    request.status, request.claim_expires_at = HelpStatus.CALLING, None
    request.first_call_at = request.first_call_at or now
    session.flush()
    return attempt


def advance(session: Session, attempt: CallAttempt, state: CallState, now: datetime) -> bool:
    """Move the attempt's state forward only (a late 'ringing' never undoes 'ended')."""
    values: dict[str, object] = {"state": state}
    if state == CallState.ENDED:
        values["ended_at"] = now
    changed = changed_rows(
        session,
        update(CallAttempt)
        .where(CallAttempt.id == attempt.id, CallAttempt.state.in_(lower_than(state)))
        .values(**values),
    )
    session.refresh(attempt)
    return changed == 1


def apply_call_status(
    session: Session,
    *,
    attempt: CallAttempt,
    call_sid: str,
    status: LegStatus | None,
    settings: Settings,
    now: datetime,
) -> None:
    """A report on the agent's leg (the call the desk placed); None is a status the port
    does not know, which only names the call."""
    if attempt.provider_sid and call_sid and attempt.provider_sid != call_sid:
        log.warning("status for attempt %s names another call; ignored", attempt.public_id)
        return
    if attempt.provider_sid is None and call_sid:
        attempt.provider_sid = call_sid[:64]
        session.flush()
    if status is None:
        return
    advance(session, attempt, status.state, now)
    if status.failed and attempt.outcome is None:
        fail_attempt(session, attempt, settings, now)


def apply_dial_result(
    session: Session,
    *,
    attempt: CallAttempt,
    outcome: DialOutcome | None,
    provider_status: str,
    settings: Settings,
    now: datetime,
) -> None:
    """The candidate's leg ended (the <Dial> action): no answer and busy are retried."""
    attempt.provider_status = provider_status[:20]
    if outcome == DialOutcome.CONNECTED:
        attempt.answered_at = attempt.answered_at or now
    session.flush()
    settled = LEG_OUTCOMES.get(outcome) if outcome is not None else None
    if settled is not None and attempt.outcome is None:
        record_outcome(
            session,
            request=attempt.help_request,
            outcome=settled,
            settings=settings,
            now=now,
            attempt=attempt,
        )


@dataclass(frozen=True)
class UnknownCall:
    """A call whose placing got no answer in time, with what its provider is asked."""

    attempt_id: int
    sid: str | None
    agent_phone: str | None
    caller_id: str
    to: str
    started_at: datetime


def unknown_calls(
    session: Session, *, dialer: Dialer, now: datetime, limit: int = 50
) -> list[UnknownCall]:
    """The calls whose placing timed out at least 20 s ago and are not settled, oldest
    first, with everything the provider is asked (so asking needs no database)."""
    rows = session.scalars(
        select(CallAttempt)
        .where(
            CallAttempt.state == CallState.UNKNOWN,
            CallAttempt.outcome.is_(None),
            CallAttempt.started_at <= now - timedelta(seconds=20),
        )
        .order_by(CallAttempt.id)
        .limit(limit)
    ).all()
    return [
        UnknownCall(
            attempt_id=attempt.id,
            sid=attempt.provider_sid,
            agent_phone=dialer.agent_of(attempt.staff),
            caller_id=attempt.caller_id,
            to=attempt.to_phone,
            started_at=attempt.started_at,
        )
        for attempt in rows
    ]


def look_up(dialer: Dialer, call: UnknownCall) -> tuple[bool, ProviderCall | None]:
    """(whether the provider answered, the call it knows or None). Touches no database:
    call it with no transaction open."""
    try:
        found = dialer.lookup(
            sid=call.sid,
            agent_phone=call.agent_phone,
            caller_id=call.caller_id,
            since=call.started_at - timedelta(seconds=5),
            to=call.to,
        )
    except OSError:
        return False, None
    return True, found


def settle_unknown(
    session: Session,
    call: UnknownCall,
    found: ProviderCall | None,
    *,
    settings: Settings,
    now: datetime,
) -> bool:
    """Settle a call whose placing timed out with what its provider said (found: the call
    it knows, None: none): a found call moves on; one the provider never saw fails after
    CALLBACK_UNKNOWN_SETTLE_SECONDS (and is retried like any failed call). Returns whether
    it was settled; the attempt is read again first (a webhook may have settled it)."""
    attempt = session.get(CallAttempt, call.attempt_id, populate_existing=True)
    if attempt is None or attempt.state != CallState.UNKNOWN or attempt.outcome is not None:
        return False
    if found is not None:
        apply_call_status(
            session,
            attempt=attempt,
            call_sid=found.sid,
            status=found.status,
            settings=settings,
            now=now,
        )
        return True
    if attempt.started_at <= now - timedelta(seconds=settings.unknown_settle_seconds):
        fail_attempt(session, attempt, settings, now)
        return True
    return False


def fail_attempt(session: Session, attempt: CallAttempt, settings: Settings, now: datetime) -> None:
    """The call was never placed (refused, or lost): settle it as failed, to be retried."""
    record_outcome(
        session,
        request=attempt.help_request,
        outcome=Outcome.FAILED,
        settings=settings,
        now=now,
        attempt=attempt,
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
        check_owner(request, staff)
    attempt = attempt or open_attempt(request)
    if attempt is None:
        raise Conflict(str(_l("Start the call first.")), code="no_call")
    changed = changed_rows(
        session,
        update(CallAttempt)
        .where(CallAttempt.id == attempt.id, CallAttempt.outcome.is_(None))
        .values(
            outcome=outcome.value,
            ended_at=func.coalesce(CallAttempt.ended_at, now),
            state=CallState.ENDED,
            note=(note or "").strip()[:2000] or None,
        ),
    )
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
    """Put the request back in the queue, claimable from `due`."""
    request.status, request.due_at = HelpStatus.WAITING, due
    request.claimed_by_id = request.claimed_at = request.claim_expires_at = None


def _unreachable_sms(
    session: Session, request: HelpRequest, settings: Settings, now: datetime
) -> None:
    lines = "、".join(
        sorted(
            {phones.display(c.caller_id) for c in request.calls} or set(settings.caller_ids_display)
        )
    )
    queue_sms(
        session,
        to=request.phone,
        kind=SmsKind.UNREACHABLE,
        params={"count": request.attempts, "numbers": lines, "url": settings.public_url},
        dedupe_key=f"callback.unreachable:{request.public_id}",
        now=now,
        allowed_numbers=settings.sms.allowed_numbers,
    )
