"""Queue SMS inside a transaction; send what is committed."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.identity.phone import normalise as normalise_phone
from helpdesk.logs import redact
from helpdesk.notify.adapters import Notifier, NotifierError

__all__ = ["Notifier", "UnsafeSms", "check_text", "queue_sms", "send_pending"]
from helpdesk.notify.models import OutboundSms, SmsStatus

MAX_ATTEMPTS = 5
# Mainland mobiles, landlines with area code and 400 service numbers; dates do not match.
_NUMBER = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?"
    r"(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|400-?[0-9]{3}-?[0-9]{4})"
    r"(?![0-9])"
)


def _national(number: str) -> str:
    digits = re.sub(r"[^0-9]", "", number)
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    return digits.lstrip("0")


class UnsafeSms(ValueError):
    """The text would leak an ID number or point the candidate at an unknown number."""


def check_text(body: str, *, allowed_numbers: list[str]) -> None:
    """Refuse text with an ID number, or with a phone number not in allowed_numbers.

    Candidates must never be asked to call back any number but the hotline; the
    whitelisted caller IDs may be named as the numbers the desk calls from.
    """
    if redact(body) != body:
        raise UnsafeSms("SMS text contains an ID number")
    allowed = {_national(n) for n in allowed_numbers}
    for match in _NUMBER.finditer(body):
        if _national(match.group()) not in allowed:
            raise UnsafeSms(f"SMS text names a number that is not allowed: {match.group()}")


def queue_sms(
    session: Session,
    *,
    to: str,
    body: str,
    purpose: str,
    dedupe_key: str,
    now: datetime,
    allowed_numbers: list[str],
) -> OutboundSms:
    """Queue one message; the same dedupe_key returns the message already queued."""
    check_text(body, allowed_numbers=allowed_numbers)
    existing = session.scalar(select(OutboundSms).where(OutboundSms.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    message = OutboundSms(
        to=normalise_phone(to),
        body=body,
        purpose=purpose,
        dedupe_key=dedupe_key,
        status=SmsStatus.PENDING,
        attempts=0,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def send_pending(session: Session, *, notifier: Notifier, now: datetime, limit: int = 200) -> int:
    """Send queued messages oldest first; returns how many were sent."""
    rows = session.scalars(
        select(OutboundSms)
        .where(OutboundSms.status == SmsStatus.PENDING)
        .order_by(OutboundSms.created_at, OutboundSms.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for message in rows:
        message.attempts += 1
        try:
            message.provider_id = notifier.send_sms(message.to, message.body)
        except NotifierError as exc:
            message.last_error = str(exc)[:200]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = SmsStatus.FAILED
            continue
        message.status, message.sent_at = SmsStatus.SENT, now
        sent += 1
    session.flush()
    return sent
