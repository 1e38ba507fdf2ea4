"""Following calls on providers that are asked rather than pushing events (Aliyun's cloud
contact center): each open attempt's call record, once the provider has it, is applied
through the same forward-only rules as Twilio's webhooks, and only once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from helpdesk.callbacks.calls import apply_call_status, apply_dial_result
from helpdesk.callbacks.models import CallAttempt
from helpdesk.callbacks.settings import Settings
from helpdesk.telephony.dialer import CallRecords, Dialer
from helpdesk.telephony.services import remember_event
from helpdesk.telephony.states import CallState

#: A call is asked about from this long after it was placed.
FIRST_LOOK = timedelta(seconds=10)
LIVE = [CallState.QUEUED, CallState.RINGING, CallState.IN_PROGRESS]


def follow_calls(
    session: Session, *, dialer: Dialer, settings: Settings, now: datetime, limit: int = 50
) -> int:
    """Apply the records of placed calls that have no outcome yet; returns how many."""
    if not isinstance(dialer, CallRecords):
        return 0
    attempts = session.scalars(
        select(CallAttempt)
        .where(
            CallAttempt.adapter == dialer.kind,
            CallAttempt.outcome.is_(None),
            CallAttempt.provider_sid.is_not(None),
            or_(
                CallAttempt.state.in_(LIVE),
                # Ended by a lookup (settle unknown) without its outcome yet.
                and_(CallAttempt.state == CallState.ENDED, CallAttempt.answered_at.is_(None)),
            ),
            CallAttempt.started_at <= now - FIRST_LOOK,
        )
        .order_by(CallAttempt.id)
        .limit(limit)
    ).all()
    applied = 0
    for attempt in attempts:
        sid = str(attempt.provider_sid)
        try:
            record = dialer.record(sid)
        except OSError:
            continue  # asked again next time
        if record is None:
            continue
        event = {"CallSid": sid, "CallStatus": record.provider_status}
        if not remember_event(session, url=f"{dialer.kind}:record", params=event, now=now):
            continue  # this record was applied already
        apply_call_status(
            session, attempt=attempt, call_sid=sid, status=record.leg, settings=settings, now=now
        )
        if record.outcome is not None:
            apply_dial_result(
                session,
                attempt=attempt,
                outcome=record.outcome,
                provider_status=record.provider_status,
                settings=settings,
                now=now,
            )
        applied += 1
    session.flush()
    return applied
