"""Reminder settings, built once from the app config and passed to the services.

config.py reads every value from the environment (HELPDESK_<key>); docs/reminders.md lists
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

from config import ConfigError

EXTENSION = "reminders.settings"


@dataclass(frozen=True)
class Settings:
    #: No SMS from this hour to quiet_end, Beijing time (REMINDER_QUIET_START_HOUR / _END_HOUR).
    quiet_start: int = 21
    quiet_end: int = 8
    #: Automatic reminders this long before the download window closes.
    download_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=3))
    #: ... and this long before the last mock day ends.
    mock_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=3))
    #: An automatic moment missed by longer than this (scheduler down) is not sent late.
    catch_up: timedelta = timedelta(minutes=60)
    #: The device-check page and the upload guidance the messages link to.
    check_url: str = "http://127.0.0.1:5000/readiness"
    uploads_url: str = "http://127.0.0.1:5000/uploads/help"
    #: The deadline the uploads reminder names: this long after the session ended.
    upload_deadline: timedelta = timedelta(hours=72)
    #: The technical service hotline (HOTLINE).
    hotline: str = "400-088-0028"
    timezone: str = "Asia/Shanghai"


def parse_offsets(name: str, raw: str) -> tuple[timedelta, ...]:
    """ "24,3" -> (24 h, 3 h), largest first; anything else stops the start."""
    try:
        hours = sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ConfigError(
            f"HELPDESK_{name} must list whole hours, e.g. 24,3; got {raw!r}"
        ) from None
    if any(h <= 0 for h in hours):
        raise ConfigError(f"HELPDESK_{name} must list hours above 0; got {raw!r}")
    return tuple(timedelta(hours=h) for h in hours)


def from_config(config: Mapping[str, object]) -> Settings:
    start = int(str(config["REMINDER_QUIET_START_HOUR"]))
    end = int(str(config["REMINDER_QUIET_END_HOUR"]))
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise ConfigError("HELPDESK_REMINDER_QUIET_START_HOUR and _END_HOUR must be 0 to 23")
    return Settings(
        quiet_start=start,
        quiet_end=end,
        download_offsets=parse_offsets(
            "REMINDER_DOWNLOAD_OFFSETS_HOURS", str(config["REMINDER_DOWNLOAD_OFFSETS_HOURS"])
        ),
        mock_offsets=parse_offsets(
            "REMINDER_MOCK_OFFSETS_HOURS", str(config["REMINDER_MOCK_OFFSETS_HOURS"])
        ),
        catch_up=timedelta(minutes=int(str(config["REMINDER_CATCH_UP_MINUTES"]))),
        check_url=str(config["REMINDER_CHECK_URL"]),
        uploads_url=str(config["REMINDER_UPLOADS_URL"]),
        upload_deadline=timedelta(hours=int(str(config["REMINDER_UPLOAD_DEADLINE_HOURS"]))),
        hotline=str(config["HOTLINE"]),
        timezone=str(config["TIMEZONE"]),
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app.config)


def current() -> Settings:
    """The running app's settings (views and jobs; services take them as arguments)."""
    settings: Settings = current_app.extensions[EXTENSION]
    return settings
