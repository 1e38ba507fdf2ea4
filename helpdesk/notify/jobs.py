"""The job that sends the outbox."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.notify import services


def send_pending(session: Session, now: datetime) -> int:
    return services.send_pending(session, notifier=notifier(), now=now)


def notifier() -> services.Notifier:
    return current_app.extensions["notifier"]


def allowed_numbers() -> list[str]:
    """The numbers an SMS may name: the hotline and the whitelisted caller IDs."""
    config = current_app.config
    return [str(config["HOTLINE"]), *str(config["CALLER_IDS"]).split(",")]
