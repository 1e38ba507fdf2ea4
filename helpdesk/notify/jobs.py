"""The jobs that send the outbox and read delivery receipts (rows in helpdesk/jobs.py JOBS).

Each commits before it asks the provider and again after: no transaction is open while the
provider answers (on SQLite that transaction would hold the write lock, and every request
that writes, a press of 求助 included, would wait for the SMS provider)."""

from __future__ import annotations

from datetime import datetime
from time import monotonic

from sqlalchemy.orm import Session

from helpdesk.notify import services
from helpdesk.notify import settings as notify_settings
from helpdesk.notify.port import Notifier, ReceiptSource


def send_pending(
    session: Session, now: datetime, *, notifier: Notifier | None = None, limit: int = 200
) -> int:
    """Send the messages that are due, oldest first, each taken (and committed) before the
    provider hears of it, so two senders never send one twice; returns how many went out.
    A run takes no message once half of IN_FLIGHT has passed since it began (a provider
    that keeps timing out): what it took stays out of another sender's reach until it is
    answered, and the next run takes the rest."""
    notifier = notifier or notify_settings.notifier()
    due = services.due_ids(session, now=now, limit=limit)
    session.commit()
    stop_taking = monotonic() + services.IN_FLIGHT.total_seconds() / 2
    sent = 0
    for message_id in due:
        if monotonic() > stop_taking:
            break
        taken = services.take(session, message_id, now=now)
        session.commit()
        if taken is None:
            continue
        sent += services.deliver(session, taken, notifier=notifier, now=now)
        session.commit()
    return sent


def check_receipts(
    session: Session, now: datetime, *, notifier: Notifier | None = None, limit: int = 100
) -> int:
    """Ask the provider for the receipts of sent messages; returns how many changed.

    Only notifiers that can look receipts up (a ReceiptSource) are asked; a message with no
    receipt a day after sending stays `sent`. Safe twice at once: a receipt is applied with
    a conditional UPDATE."""
    source = notifier or notify_settings.notifier()
    if not isinstance(source, ReceiptSource):
        return 0
    due = services.receipts_due(session, now=now, limit=limit)
    session.commit()
    changed = 0
    for message in due:
        receipt = services.ask_receipt(source, message)
        changed += services.record_check(session, message, receipt, now=now)
        session.commit()
    return changed
