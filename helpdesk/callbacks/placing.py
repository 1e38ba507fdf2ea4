"""Placing the calls agents started, outside their requests: the `callbacks.place_calls` job.

The agent's click only records the attempt (calls.start_call) and returns. The job takes each
queued attempt with one conditional UPDATE (queued -> unknown: "it may exist from now on"),
the caller commits that, and only then asks the provider; so a second scheduler, or a retry
of the job, never places the same call twice, and a worker that dies while the provider
hangs leaves an `unknown` attempt that calls.settle_unknown settles. When the provider
answers, the attempt gets its id and moves (forward only) back to queued; the webhooks move
it on from there, and the agent's panel shows it on its next poll.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, joinedload

from helpdesk.callbacks.calls import advance, changed_rows, fail_attempt
from helpdesk.callbacks.models import CallAttempt
from helpdesk.callbacks.settings import Settings
from helpdesk.telephony.dialer import Dialer, DialerRefused
from helpdesk.telephony.states import CallState

log = logging.getLogger(__name__)


def _waiting_to_be_placed() -> ColumnElement[bool]:
    return and_(
        CallAttempt.state == CallState.QUEUED,
        CallAttempt.provider_sid.is_(None),
        CallAttempt.outcome.is_(None),
    )


def queued_ids(session: Session, *, limit: int = 20) -> list[int]:
    """Attempts recorded but not yet handed to the provider, oldest first."""
    return list(
        session.scalars(
            select(CallAttempt.id)
            .where(_waiting_to_be_placed())
            .order_by(CallAttempt.id)
            .limit(limit)
        )
    )


def take(session: Session, attempt_id: int) -> CallAttempt | None:
    """Take one attempt for placing (queued -> unknown); None if someone else took it.
    The caller commits before placing."""
    taken = changed_rows(
        session,
        update(CallAttempt)
        .where(CallAttempt.id == attempt_id, _waiting_to_be_placed())
        .values(state=CallState.UNKNOWN),
    )
    if taken != 1:
        return None
    return taken_attempt(session, attempt_id)


def taken_attempt(session: Session, attempt_id: int) -> CallAttempt | None:
    """A taken attempt as place() needs it: with its staff, since placing asks for the
    agent's phone, and a lazy load then would open a transaction (on SQLite: the write
    lock) for as long as the provider takes to answer."""
    return session.get(
        CallAttempt, attempt_id, populate_existing=True, options=[joinedload(CallAttempt.staff)]
    )


def place(
    session: Session, *, attempt: CallAttempt, dialer: Dialer, settings: Settings, now: datetime
) -> None:
    """Ask the provider to place a taken attempt's call; the caller commits the result."""
    try:
        result = dialer.place_call(
            attempt_id=attempt.public_id,
            agent_phone=dialer.agent_of(attempt.staff),
            to=attempt.to_phone,
            caller_id=attempt.caller_id,
        )
    except DialerRefused as exc:
        log.warning("call for attempt %s refused: %s", attempt.public_id, exc)
        fail_attempt(session, attempt, settings, now)
        return
    if result.state == CallState.UNKNOWN:
        return  # no answer in time: it may exist; settle_unknown asks later
    if result.sid and attempt.provider_sid is None:
        attempt.provider_sid = result.sid
        session.flush()
    advance(session, attempt, CallState.QUEUED, now)
