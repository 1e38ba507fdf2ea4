"""Flask glue: the queue's settings and the dialer, built once when the app is created.

A configuration naming a caller ID outside the whitelist raises ConfigError here, so the
desk refuses to start rather than ever calling from another number.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.orm import Session

from helpdesk.callbacks import services
from helpdesk.callbacks.models import HelpRequest
from helpdesk.callbacks.settings import Settings, check, from_config
from helpdesk.telephony import dialer as dialers


def init_app(app: Flask) -> None:
    check(app.config)
    app.extensions["callbacks.settings"] = from_config(app.config)
    app.extensions["dialer"] = dialers.from_config(app.config)


def settings() -> Settings:
    return current_app.extensions["callbacks.settings"]  # type: ignore[no-any-return]


def dialer() -> dialers.Dialer:
    return current_app.extensions["dialer"]  # type: ignore[no-any-return]


def describe(session: Session, request: HelpRequest, now: datetime) -> dict[str, object]:
    """The API.md body of a help request, in the visitor's language."""
    config = settings()
    place = services.position(session, request)
    return {
        "id": request.public_id,
        "status": str(request.status),
        "position": place,
        "estimated_wait_seconds": services.estimated_wait_seconds(
            session, request, settings=config, now=now
        ),
        "caller_ids": config.caller_ids_display,
        "message": services.status_message(request, settings=config, place=place),
    }
