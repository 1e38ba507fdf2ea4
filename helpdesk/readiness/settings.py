"""Device readiness settings, built once from the app config and passed where they are used.

config.py reads every value from the environment (HELPDESK_<key>); docs/readiness.md lists
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from helpdesk.readiness.builds import builds_folder

EXTENSION = "readiness.settings"


@dataclass(frozen=True)
class Settings:
    #: Device reports per sender, in Flask-Limiter's notation (REPORT_RATE_LIMIT).
    report_rate_limit: str = "60 per hour"
    #: Speed-test megabytes per address (SPEEDTEST_RATE_LIMIT).
    speedtest_rate_limit: str = "20000 per 10 minutes"
    #: Where published agent builds are kept (agent-builds/ under UPLOAD_DIR).
    builds_dir: Path = Path("instance/uploads/agent-builds")
    #: The desk's address, as the agent's --server option takes it (PUBLIC_URL).
    public_url: str = "http://127.0.0.1:5000"
    #: How long the phone sign-in link of the QR code works (PHONE_LINK_TTL_MINUTES).
    phone_link_ttl: timedelta = timedelta(minutes=10)
    #: Phone links shown per candidate per hour, one per view of the page (PHONE_LINKS_PER_HOUR).
    phone_links_per_hour: int = 30


def from_config(config: Mapping[str, object]) -> Settings:
    return Settings(
        report_rate_limit=str(config["REPORT_RATE_LIMIT"]),
        speedtest_rate_limit=str(config["SPEEDTEST_RATE_LIMIT"]),
        builds_dir=builds_folder(str(config["UPLOAD_DIR"])),
        public_url=str(config["PUBLIC_URL"]),
        # At least a minute and one link an hour: 0 would make a QR code nobody can use.
        phone_link_ttl=timedelta(minutes=max(1, int(str(config["PHONE_LINK_TTL_MINUTES"])))),
        phone_links_per_hour=max(1, int(str(config["PHONE_LINKS_PER_HOUR"]))),
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app.config)


def current() -> Settings:
    """The running app's settings (views, API and CLI)."""
    settings: Settings = current_app.extensions[EXTENSION]
    return settings


def report_rate_limit() -> str:
    """For Flask-Limiter, which asks on every request."""
    return current().report_rate_limit


def speedtest_rate_limit() -> str:
    return current().speedtest_rate_limit
