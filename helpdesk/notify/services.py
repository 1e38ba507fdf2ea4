"""Queue templated SMS inside a transaction; send what is committed; take receipts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.identity.phone import normalise as normalise_phone
from helpdesk.notify import registry
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.port import Notifier, NotifierError, ReceiptSource, SentLookup, Sms
from helpdesk.notify.text import UnsafeSms, check_text

__all__ = [
    "Notifier",
    "UnsafeSms",
    "backoff",
    "check_receipts",
    "check_text",
    "queue_sms",
    "record_receipt",
    "retry",
    "send_pending",
]

#: Tries before a message fails for good (about half an hour with the backoff below).
MAX_ATTEMPTS = 6
#: The first retry waits a minute: carriers allow one message a minute to one number.
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=1)
#: last_error of a try that got no answer: the next try first asks whether it went out.
UNSURE = "timeout (may have been sent)"


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


def send_pending(session: Session, *, notifier: Notifier, now: datetime, limit: int = 200) -> int:
    """Send the messages that are due, oldest first; returns how many were sent."""
    rows = session.scalars(
        select(OutboundSms)
        .where(
            OutboundSms.status == SmsStatus.PENDING,
            or_(OutboundSms.next_attempt_at.is_(None), OutboundSms.next_attempt_at <= now),
        )
        .order_by(OutboundSms.created_at, OutboundSms.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for message in rows:
        message.attempts += 1
        params = dict(message.params or {})
        sms = Sms(message.to, message.kind, params, message.body, ref=str(message.id))
        try:
            message.provider_id = _send_once(message, sms, notifier)
        except NotifierError as exc:
            message.last_error = (UNSURE if exc.unsure else str(exc))[:200]
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                message.status, message.failed_at = SmsStatus.FAILED, now
                message.next_attempt_at = None
            else:
                message.next_attempt_at = now + backoff(message.attempts)
            continue
        message.status, message.sent_at, message.next_attempt_at = SmsStatus.SENT, now, None
        sent += 1
    session.flush()
    return sent


def _send_once(message: OutboundSms, sms: Sms, notifier: Notifier) -> str:
    """Send, unless the last try timed out and the provider says it has the message."""
    if message.last_error == UNSURE and isinstance(notifier, SentLookup):
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


def check_receipts(session: Session, *, notifier: Notifier, now: datetime, limit: int = 100) -> int:
    """Ask the provider for the receipts of sent messages; returns how many changed.

    Only notifiers that can look receipts up (a ReceiptSource) are asked; a message with
    no receipt a day after sending stays `sent`. Safe twice at once: record_receipt is a
    conditional UPDATE.
    """
    source = notifier if isinstance(notifier, ReceiptSource) else None
    if source is None:
        return 0
    rows = session.scalars(
        select(OutboundSms)
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
    changed = 0
    for message in rows:
        assert message.provider_id is not None
        assert message.sent_at is not None
        message.checked_at = now
        try:
            receipt = source.receipt(
                provider_id=message.provider_id, to=message.to, sent_at=message.sent_at
            )
        except NotifierError:
            continue  # asked again next time
        if receipt is not None:
            session.flush()
            changed += record_receipt(
                session,
                provider_id=message.provider_id,
                delivered=receipt.delivered,
                code=receipt.code,
                at=receipt.at,
            )
    session.flush()
    return changed


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
