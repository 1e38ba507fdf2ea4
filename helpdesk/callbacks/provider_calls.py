"""Following calls on providers that are asked rather than pushing events (Aliyun's cloud
contact center): each open attempt's call record, once the provider has it, is applied
through the same forward-only rules as Twilio's webhooks, and only once. The job
(callbacks.jobs.follow_provider_calls) lists, asks with no transaction open, then applies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from helpdesk.callbacks.calls import apply_call_status, apply_dial_result
from helpdesk.callbacks.models import CallAttempt
from helpdesk.callbacks.settings import Settings
from helpdesk.telephony.dialer import CallRecord, CallRecords, Dialer
from helpdesk.telephony.services import remember_event
from helpdesk.telephony.states import CallState

#: A call is asked about from this long after it was placed.
FIRST_LOOK = timedelta(seconds=10)
LIVE = [CallState.QUEUED, CallState.RINGING, CallState.IN_PROGRESS]


def to_follow(
    session: Session, *, dialer: Dialer, now: datetime, limit: int = 50
) -> list[tuple[int, str]]:
    """(attempt id, provider's call id) of the placed calls whose record may be in and
    is not applied yet, oldest first; none unless the dialer is asked (CallRecords)."""
    if not isinstance(dialer, CallRecords):
        return []
    rows = session.execute(
        select(CallAttempt.id, CallAttempt.provider_sid)
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
    return [(attempt_id, str(sid)) for attempt_id, sid in rows]


def ask_record(dialer: Dialer, sid: str) -> CallRecord | None:
    """The provider's record of call sid; None while it has none or cannot say (asked
    again next time). Touches no database: call it with no transaction open."""
    if not isinstance(dialer, CallRecords):
        return None
    try:
        return dialer.record(sid)
    except OSError:
        return None


def apply_record(
    session: Session,
    *,
    attempt_id: int,
    sid: str,
    record: CallRecord,
    dialer_kind: str,
    settings: Settings,
    now: datetime,
) -> bool:
    """Apply the record of call sid to its attempt, as read now (a webhook or an agent may
    have moved it on since it was listed), once; returns whether it was applied."""
    attempt = session.get(CallAttempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.outcome is not None:
        return False
    event = {"CallSid": sid, "CallStatus": record.provider_status}
    if not remember_event(session, url=f"{dialer_kind}:record", params=event, now=now):
        return False  # this record was applied already
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
    session.flush()
    return True
