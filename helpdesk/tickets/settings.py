"""The support platform's settings, built once from the app config and passed to services.

config.py reads every value from the environment (HELPDESK_<key>); docs/tickets.md lists
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app

from helpdesk.tickets.sla import DEFAULT_OTHER_HOURS, DEFAULT_URGENT_MINUTES, SlaPolicy

EXTENSION = "tickets.settings"


@dataclass(frozen=True)
class Settings:
    #: First-response targets (TICKET_SLA_URGENT_MINUTES, TICKET_SLA_OTHER_HOURS).
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    #: Where attachments are written, under tickets/ (UPLOAD_DIR).
    upload_dir: str = "instance/uploads"
    #: The technical service hotline the reply SMS names (HOTLINE).
    hotline: str = "400-088-0028"


def from_config(config: Mapping[str, object]) -> Settings:
    urgent = int(str(config.get("TICKET_SLA_URGENT_MINUTES") or DEFAULT_URGENT_MINUTES))
    other = int(str(config.get("TICKET_SLA_OTHER_HOURS") or DEFAULT_OTHER_HOURS))
    return Settings(
        sla=SlaPolicy(urgent=timedelta(minutes=urgent), other=timedelta(hours=other)),
        upload_dir=str(config.get("UPLOAD_DIR") or "instance/uploads"),
        hotline=str(config.get("HOTLINE") or "400-088-0028"),
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app.config)


def current() -> Settings:
    """The running app's settings (views, API and jobs; services take them as arguments)."""
    settings: Settings = current_app.extensions[EXTENSION]
    return settings
