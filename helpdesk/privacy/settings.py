"""Retention settings, built once from the app config (config.py reads HELPDESK_<key>)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from config import ConfigError

EXTENSION = "privacy.settings"


@dataclass(frozen=True)
class Settings:
    #: How long after a session's results are published its personal data is kept
    #: (RETENTION_DAYS).
    retention: timedelta = timedelta(days=30)
    #: An attachment file whose row never committed goes once it is this old
    #: (ORPHAN_FILE_GRACE_MINUTES): younger ones may belong to an upload still in flight.
    orphan_grace: timedelta = timedelta(minutes=60)
    #: Where attachments are stored (UPLOAD_DIR).
    upload_dir: Path = Path("instance/uploads")


def from_config(config: Mapping[str, object]) -> Settings:
    days = int(str(config["RETENTION_DAYS"]))
    if days < 0:
        raise ConfigError("HELPDESK_RETENTION_DAYS must be 0 or more")
    return Settings(
        retention=timedelta(days=days),
        orphan_grace=timedelta(minutes=max(1, int(str(config["ORPHAN_FILE_GRACE_MINUTES"])))),
        upload_dir=Path(str(config.get("UPLOAD_DIR") or "instance/uploads")),
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app.config)


def current() -> Settings:
    """The running app's settings (jobs and CLI; services take them as arguments)."""
    settings: Settings = current_app.extensions[EXTENSION]
    return settings
