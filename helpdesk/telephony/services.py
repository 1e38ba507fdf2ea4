"""Placing calls after commit, and settling them from the provider's reports.

A call attempt's state only moves forward (queued, ringing, in progress, ended); a webhook
delivered twice is applied once; an attempt whose placing timed out is `unknown` until a
callback or a status lookup settles it, and is never placed again blindly.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.callbacks import queue
from helpdesk.callbacks.models import CallAttempt, CallState, Outcome
from helpdesk.callbacks.settings import Settings
from helpdesk.telephony.dialer import Dialer, DialerRefused
from helpdesk.telephony.models import TelephonyEvent

log = logging.getLogger(__name__)

RANK = {
    CallState.MANUAL: 0,
    CallState.UNKNOWN: 0,
    CallState.QUEUED: 1,
    CallState.RINGING: 2,
    CallState.IN_PROGRESS: 3,
    CallState.ENDED: 4,
}
#: Twilio CallStatus -> our state.
TWILIO_STATES = {
    "queued": CallState.QUEUED,
    "initiated": CallState.QUEUED,
    "ringing": CallState.RINGING,
    "in-progress": CallState.IN_PROGRESS,
    "answered": CallState.IN_PROGRESS,
    "completed": CallState.ENDED,
    "busy": CallState.ENDED,
    "no-answer": CallState.ENDED,
    "failed": CallState.ENDED,
    "canceled": CallState.ENDED,
}
#: The candidate leg (<Dial> action's DialCallStatus) -> outcome; connected calls are
#: closed by the agent (resolved or escalated).
DIAL_OUTCOMES = {
    "busy": Outcome.BUSY,
    "no-answer": Outcome.NO_ANSWER,
    "failed": Outcome.FAILED,
    "canceled": Outcome.FAILED,
}
#: The agent's own leg never connected: the candidate was not called.
AGENT_LEG_FAILED = {"busy", "no-answer", "failed", "canceled"}


def remember_event(session: Session, *, url: str, params: Mapping[str, str], now: datetime) -> bool:
    """Record a webhook delivery; False if this exact delivery was applied already."""
    canonical = url + "\n" + "\n".join(f"{k}={params[k]}" for k in sorted(params))
    key = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    event = TelephonyEvent(
        event_key=key,
        call_sid=(params.get("CallSid") or "")[:64] or None,
        status=(params.get("CallStatus") or params.get("DialCallStatus") or "")[:20] or None,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        return False
    return True


def find_attempt(session: Session, public_id: str) -> CallAttempt | None:
    return session.scalar(select(CallAttempt).where(CallAttempt.public_id == str(public_id)[:32]))


def advance(session: Session, attempt: CallAttempt, state: CallState, now: datetime) -> bool:
    """Move the attempt's state forward only (a late 'ringing' never undoes 'ended')."""
    lower = [s for s, rank in RANK.items() if rank < RANK[state]]
    values: dict[str, object] = {"state": state}
    if state == CallState.ENDED:
        values["ended_at"] = now
    changed = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == attempt.id, CallAttempt.state.in_(lower))
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    session.refresh(attempt)
    return changed == 1


def apply_call_status(
    session: Session,
    *,
    attempt: CallAttempt,
    call_sid: str,
    status: str,
    settings: Settings,
    now: datetime,
) -> None:
    """A status callback of the agent's leg (the call the desk placed)."""
    if attempt.provider_sid and call_sid and attempt.provider_sid != call_sid:
        log.warning("status for attempt %s names another call; ignored", attempt.public_id)
        return
    if attempt.provider_sid is None and call_sid:
        attempt.provider_sid = call_sid[:64]
        session.flush()
    state = TWILIO_STATES.get(status)
    if state is None:
        return
    advance(session, attempt, state, now)
    if status in AGENT_LEG_FAILED and attempt.outcome is None:
        queue.record_outcome(
            session,
            request=attempt.help_request,
            outcome=Outcome.FAILED,
            settings=settings,
            now=now,
            attempt=attempt,
        )


def apply_dial_result(
    session: Session, *, attempt: CallAttempt, dial_status: str, settings: Settings, now: datetime
) -> None:
    """The candidate's leg ended (the <Dial> action): no answer and busy are retried."""
    attempt.provider_status = dial_status[:20]
    if dial_status in ("completed", "answered"):
        attempt.answered_at = attempt.answered_at or now
    session.flush()
    outcome = DIAL_OUTCOMES.get(dial_status)
    if outcome is not None and attempt.outcome is None:
        queue.record_outcome(
            session,
            request=attempt.help_request,
            outcome=outcome,
            settings=settings,
            now=now,
            attempt=attempt,
        )


def dispatch(
    session: Session,
    *,
    attempt: CallAttempt,
    dialer: Dialer,
    agent_phone: str | None,
    settings: Settings,
    now: datetime,
) -> None:
    """Place a committed attempt's call; the caller commits what this records."""
    if attempt.state != CallState.QUEUED or attempt.provider_sid is not None:
        return
    try:
        result = dialer.place_call(
            attempt_id=attempt.public_id,
            agent_phone=agent_phone,
            to=attempt.to_phone,
            caller_id=attempt.caller_id,
        )
    except DialerRefused as exc:
        log.warning("call for attempt %s refused: %s", attempt.public_id, exc)
        queue.record_outcome(
            session,
            request=attempt.help_request,
            outcome=Outcome.FAILED,
            settings=settings,
            now=now,
            attempt=attempt,
        )
        return
    if result.state == "unknown":
        attempt.state = CallState.UNKNOWN
    elif result.sid:
        attempt.provider_sid = result.sid
    session.flush()


def settle_unknown(
    session: Session, *, dialer: Dialer, settings: Settings, now: datetime, limit: int = 50
) -> int:
    """Ask the provider about calls whose placing timed out; those it never saw fail
    after CALLBACK_UNKNOWN_SETTLE_SECONDS (and are retried like any failed call)."""
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
    settled = 0
    for attempt in rows:
        try:
            found = dialer.lookup(
                sid=attempt.provider_sid,
                agent_phone=attempt.staff.phone,
                caller_id=attempt.caller_id,
                since=attempt.started_at - timedelta(seconds=5),
            )
        except OSError:
            continue
        if found is not None:
            apply_call_status(
                session,
                attempt=attempt,
                call_sid=found.sid,
                status=found.status,
                settings=settings,
                now=now,
            )
            settled += 1
        elif attempt.started_at <= now - timedelta(seconds=settings.unknown_settle_seconds):
            queue.record_outcome(
                session,
                request=attempt.help_request,
                outcome=Outcome.FAILED,
                settings=settings,
                now=now,
                attempt=attempt,
            )
            settled += 1
    return settled
