"""Queue templated SMS inside a transaction; send what is committed; take receipts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.identity.phone import normalise as normalise_phone
from helpdesk.notify import registry
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.port import (
    Notifier,
    NotifierError,
    Receipt,
    ReceiptSource,
    SentLookup,
    Sms,
)
from helpdesk.notify.text import UnsafeSms, check_text

__all__ = [
    "Notifier",
    "UnsafeSms",
    "ask_receipt",
    "backoff",
    "check_text",
    "deliver",
    "due_ids",
    "queue_sms",
    "receipts_due",
    "record_check",
    "record_receipt",
    "retry",
    "take",
]

#: Tries before a message fails for good (about half an hour with the backoff below).
MAX_ATTEMPTS = 6
#: The first retry waits a minute: carriers allow one message a minute to one number.
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=1)
#: last_error of a try that got no answer: the next try first asks whether it went out.
UNSURE = "timeout (may have been sent)"
#: last_error of a message taken for a try, while the provider answers (or after its sender
#: died): like UNSURE, the next try first asks whether it went out.
SENDING = "sending (may have been sent)"
MAYBE_SENT = frozenset({UNSURE, SENDING})
#: How long a taken message waits before another try may take it: longer than any
#: provider's answer can take (the adapters give up after ALIYUN_TIMEOUT_SECONDS, 10 s).
IN_FLIGHT = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the attempts-th failed try: 1, 2, 4, 8... minutes, capped."""
    delay: timedelta = BACKOFF_BASE * 2 ** max(0, attempts - 1)
    return min(delay, BACKOFF_CAP)


def queue_sms(
    session: Session,
    *,
    to: str,
    kind: str,
    params: Mapping[str, object],
    dedupe_key: str,
    now: datetime,
    allowed_numbers: list[str],
) -> OutboundSms:
    """Queue one message of kind; the same dedupe_key returns the message already queued.

    UnsafeSms if the parameters break a carrier rule (registry.check_params).
    """
    checked = registry.check_params(kind, params, allowed_numbers=allowed_numbers)
    existing = session.scalar(select(OutboundSms).where(OutboundSms.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    message = OutboundSms(
        to=normalise_phone(to),
        kind=kind,
        params=checked,
        body=registry.render(kind, checked),
        dedupe_key=dedupe_key,
        status=SmsStatus.PENDING,
        attempts=0,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _due(now: datetime) -> Any:
    return and_(
        OutboundSms.status == SmsStatus.PENDING,
        or_(OutboundSms.next_attempt_at.is_(None), OutboundSms.next_attempt_at <= now),
    )


def due_ids(session: Session, *, now: datetime, limit: int = 200) -> list[int]:
    """The messages due to be sent, oldest first."""
    return list(
        session.scalars(
            select(OutboundSms.id)
            .where(_due(now))
            .order_by(OutboundSms.created_at, OutboundSms.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Taken:
    """A message taken for one try, with what its previous try left in last_error."""

    message: OutboundSms
    previous_error: str | None


def take(session: Session, message_id: int, *, now: datetime) -> Taken | None:
    """Take a due message for one try; None if it is not due any more or another sender
    took it first. The try is counted and the message marked as being sent (SENDING,
    due again after IN_FLIGHT): should the sender die while the provider answers, the next
    try first asks the provider whether it went out. The caller commits before sending, so
    no transaction is open while the provider answers."""
    message = session.get(OutboundSms, message_id, populate_existing=True)
    if message is None or message.status != SmsStatus.PENDING:
        return None
    previous, attempts = message.last_error, message.attempts
    changed = session.execute(
        update(OutboundSms)
        .where(OutboundSms.id == message_id, OutboundSms.attempts == attempts, _due(now))
        .values(attempts=attempts + 1, last_error=SENDING, next_attempt_at=now + IN_FLIGHT),
        execution_options={"synchronize_session": False},
    )
    if not getattr(changed, "rowcount", 0):
        return None
    session.refresh(message)
    return Taken(message, previous)


def deliver(session: Session, taken: Taken, *, notifier: Notifier, now: datetime) -> bool:
    """Send a taken message and record what came of it; True if it went out. The caller
    commits."""
    message = taken.message
    sms = Sms(
        message.to, message.kind, dict(message.params or {}), message.body, ref=str(message.id)
    )
    try:
        provider_id = _send_once(message, sms, notifier, unsure=taken.previous_error in MAYBE_SENT)
    except NotifierError as exc:
        message.last_error = (UNSURE if exc.unsure else str(exc))[:200]
        if exc.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status, message.failed_at = SmsStatus.FAILED, now
            message.next_attempt_at = None
        else:
            message.next_attempt_at = now + backoff(message.attempts)
        session.flush()
        return False
    # What the try before this one left: a sender that died mid-try left no answer (UNSURE).
    previous = UNSURE if taken.previous_error == SENDING else taken.previous_error
    message.provider_id, message.last_error = provider_id, previous
    message.status, message.sent_at, message.next_attempt_at = SmsStatus.SENT, now, None
    session.flush()
    return True


def _send_once(message: OutboundSms, sms: Sms, notifier: Notifier, *, unsure: bool) -> str:
    """Send, unless the last try may have gone out and the provider says it has it."""
    if unsure and isinstance(notifier, SentLookup):
        found = notifier.find_sent(sms, since=message.created_at)
        if found is not None:
            return found
    return notifier.send(sms)


def record_receipt(
    session: Session, *, provider_id: str, delivered: bool, code: str, at: datetime
) -> bool:
    """Apply a delivery receipt to the sent message it names; forward only, once.

    A receipt for a message already delivered or failed (a duplicate, or one arriving
    after a later one) changes nothing; returns whether it changed the message.
    """
    values: dict[str, object] = {"last_error": code[:200] or None}
    if delivered:
        values.update(status=SmsStatus.DELIVERED, delivered_at=at)
    else:
        values.update(status=SmsStatus.FAILED, failed_at=at)
    result = session.execute(
        update(OutboundSms)
        .where(OutboundSms.provider_id == provider_id, OutboundSms.status == SmsStatus.SENT)
        .values(**values),
        execution_options={"synchronize_session": "fetch"},
    )
    return bool(getattr(result, "rowcount", 0))


#: Receipts are asked for from this long after sending, at most this often, for this long.
RECEIPT_DELAY = timedelta(seconds=30)
RECEIPT_INTERVAL = timedelta(minutes=2)
RECEIPT_HORIZON = timedelta(hours=24)


@dataclass(frozen=True)
class ReceiptDue:
    """A sent message whose receipt is to be asked for: what the provider is asked with."""

    id: int
    provider_id: str
    to: str
    sent_at: datetime


def receipts_due(session: Session, *, now: datetime, limit: int = 100) -> list[ReceiptDue]:
    """Sent messages whose receipt may be in: sent at least RECEIPT_DELAY and at most
    RECEIPT_HORIZON ago, not asked about in the last RECEIPT_INTERVAL; never asked first."""
    rows = session.execute(
        select(OutboundSms.id, OutboundSms.provider_id, OutboundSms.to, OutboundSms.sent_at)
        .where(
            OutboundSms.status == SmsStatus.SENT,
            OutboundSms.provider_id.is_not(None),
            OutboundSms.sent_at <= now - RECEIPT_DELAY,
            OutboundSms.sent_at > now - RECEIPT_HORIZON,
            or_(OutboundSms.checked_at.is_(None), OutboundSms.checked_at <= now - RECEIPT_INTERVAL),
        )
        .order_by(OutboundSms.checked_at.is_not(None), OutboundSms.checked_at, OutboundSms.id)
        .limit(limit)
    ).all()
    # provider_id and sent_at are set on every sent message (the query asks for both).
    return [ReceiptDue(id_, str(provider), to, sent or now) for id_, provider, to, sent in rows]


def ask_receipt(source: ReceiptSource, due: ReceiptDue) -> Receipt | None:
    """The provider's receipt for one message; None while it has none or cannot say (the
    message is asked about again after RECEIPT_INTERVAL). Touches no database."""
    try:
        return source.receipt(provider_id=due.provider_id, to=due.to, sent_at=due.sent_at)
    except NotifierError:
        return None


def record_check(
    session: Session, due: ReceiptDue, receipt: Receipt | None, *, now: datetime
) -> bool:
    """Note that due's receipt was asked for, and apply the receipt if there was one;
    returns whether it changed the message. The caller commits."""
    session.execute(
        update(OutboundSms).where(OutboundSms.id == due.id).values(checked_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    if receipt is None:
        return False
    return record_receipt(
        session,
        provider_id=due.provider_id,
        delivered=receipt.delivered,
        code=receipt.code,
        at=receipt.at,
    )


def retry(session: Session, *, message: OutboundSms, now: datetime) -> bool:
    """Queue a failed message again (staff, after fixing the cause); False if not failed."""
    if message.status != SmsStatus.FAILED:
        return False
    message.status, message.attempts, message.next_attempt_at = SmsStatus.PENDING, 0, now
    message.failed_at = None
    session.flush()
    return True


def outbox(
    session: Session, *, status: SmsStatus | None = None, limit: int = 200
) -> list[OutboundSms]:
    """The latest messages, newest first, optionally of one status (for staff)."""
    query = select(OutboundSms).order_by(OutboundSms.created_at.desc(), OutboundSms.id.desc())
    if status is not None:
        query = query.where(OutboundSms.status == status)
    return list(session.scalars(query.limit(limit)))


def counts(session: Session) -> dict[str, int]:
    """How many messages are in each status."""
    rows = session.execute(
        select(OutboundSms.status, func.count()).group_by(OutboundSms.status)
    ).all()
    return {str(status): int(n) for status, n in rows}
