"""Outbox codes to words."""

from __future__ import annotations

from helpdesk.i18n import lazy_gettext as _l
from helpdesk.notify import registry
from helpdesk.notify.models import SmsStatus

STATUS_LABELS = {
    SmsStatus.PENDING: _l("Waiting to be sent"),
    SmsStatus.SENT: _l("Handed to the carrier"),
    SmsStatus.DELIVERED: _l("Delivered"),
    SmsStatus.FAILED: _l("Could not be sent"),
}


def kind_label(kind: str) -> object:
    """The kind's name for staff (the code itself if no module registers it any more)."""
    try:
        return registry.get(kind).label
    except ValueError:
        return kind
