"""The post-exam follow-up's settings, built once from the app config and passed to services.

config.py reads every value from the environment (HELPDESK_<key>); docs/uploads.md lists
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

from config import ConfigError
from helpdesk.exams.models import ExamKind
from helpdesk.uploads.followup import DEFAULT_GRACE, DEFAULT_HORIZON

EXTENSION = "uploads.settings"


@dataclass(frozen=True)
class Settings:
    #: How long after a session ends the follow-up waits (UPLOAD_FOLLOWUP_GRACE_MINUTES).
    grace: timedelta = DEFAULT_GRACE
    #: Sessions that ended longer ago are not followed up (UPLOAD_FOLLOWUP_HORIZON_HOURS).
    horizon: timedelta = DEFAULT_HORIZON
    #: The kinds of exam session followed up (UPLOAD_FOLLOWUP_KINDS).
    kinds: tuple[ExamKind, ...] = (ExamKind.FORMAL,)
    #: The technical service hotline the reminder names (HOTLINE).
    hotline: str = "400-088-0028"


def parse_kinds(raw: str) -> tuple[ExamKind, ...]:
    """The exam kinds a list such as "formal,mock" names; an unknown one stops the start."""
    try:
        return tuple(ExamKind(k.strip()) for k in raw.split(",") if k.strip())
    except ValueError:
        known = ", ".join(k.value for k in ExamKind)
        raise ConfigError(
            f"HELPDESK_UPLOAD_FOLLOWUP_KINDS names an unknown exam kind in {raw!r} ({known})"
        ) from None


def from_config(config: Mapping[str, object]) -> Settings:
    return Settings(
        grace=timedelta(minutes=int(str(config["UPLOAD_FOLLOWUP_GRACE_MINUTES"]))),
        horizon=timedelta(hours=int(str(config["UPLOAD_FOLLOWUP_HORIZON_HOURS"]))),
        kinds=parse_kinds(str(config["UPLOAD_FOLLOWUP_KINDS"])),
        hotline=str(config["HOTLINE"]),
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app.config)


def current() -> Settings:
    """The running app's settings (jobs; services take them as arguments)."""
    settings: Settings = current_app.extensions[EXTENSION]
    return settings
