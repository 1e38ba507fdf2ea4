"""Outbox codes to words."""

from __future__ import annotations

from datetime import datetime

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.notify import registry
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.services import MAYBE_SENT, SENDING

STATUS_LABELS = {
    SmsStatus.PENDING: _l("Waiting to be sent"),
    SmsStatus.SENT: _l("Handed to the carrier"),
    SmsStatus.DELIVERED: _l("Delivered"),
    SmsStatus.FAILED: _l("Could not be sent"),
}

#: A try without an answer, while the message waits for its next try.
_NO_ANSWER = _l(
    "The SMS provider did not answer, so it may have gone out: the next try checks first."
)


def kind_label(kind: str) -> object:
    """The kind's name for staff (the code itself if no module registers it any more)."""
    try:
        return registry.get(kind).label
    except ValueError:
        return kind


def in_flight(message: OutboundSms, now: datetime) -> bool:
    """Taken by a sender whose provider has not answered yet."""
    return (
        message.status == SmsStatus.PENDING
        and message.last_error == SENDING
        and message.next_attempt_at is not None
        and message.next_attempt_at > now
    )


def last_try(message: OutboundSms, now: datetime) -> str | None:
    """What the last try of a message not sent yet (or failed for good) came to, in words;
    None when there is nothing to say. A provider's own reason stays as it gave it."""
    error = message.last_error
    if not error or message.status not in (SmsStatus.PENDING, SmsStatus.FAILED):
        return None
    if in_flight(message, now):
        return str(_l("Being handed to the SMS provider now."))
    if error in MAYBE_SENT and message.status == SmsStatus.FAILED:
        return str(_l("The SMS provider never answered: it may have gone out."))
    if error in MAYBE_SENT:
        return str(_NO_ANSWER)
    return str(_l("The SMS provider said: %(reason)s", reason=error))
