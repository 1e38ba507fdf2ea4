"""Staff sign-in settings, built once from the app config and passed to services.

config.py reads every value from the environment (HELPDESK_<key>); README.md and
docs/security.md list them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config import ConfigError

#: ASVS 5.0 6.2.1 and 6.2.9: at least 8 characters, and 64 must be allowed.
SHORTEST_MINIMUM, LONGEST_MINIMUM = 8, 64


@dataclass(frozen=True)
class Settings:
    password_min_length: int = 12
    temporary_password_hours: int = 24
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    failures_per_username: int = 5
    failures_per_ip: int = 30
    failure_window_minutes: int = 15
    totp_issuer: str = "考生技术支持服务台"
    #: Encrypts TOTP seeds at rest (never shown, never logged).
    totp_key: str = "development only"

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @property
    def temporary_password_lifetime(self) -> timedelta:
        return timedelta(hours=self.temporary_password_hours)


#: Settings that must be 1 or more, by config key.
POSITIVE = {
    "temporary_password_hours": "STAFF_TEMPORARY_PASSWORD_HOURS",
    "session_idle_minutes": "STAFF_SESSION_IDLE_MINUTES",
    "session_max_hours": "STAFF_SESSION_MAX_HOURS",
    "failures_per_username": "STAFF_SIGNIN_FAILURES_PER_USERNAME",
    "failures_per_ip": "STAFF_SIGNIN_FAILURES_PER_IP",
    "failure_window_minutes": "STAFF_SIGNIN_FAILURE_WINDOW_MINUTES",
}


def from_config(config: Mapping[str, Any]) -> Settings:
    """The settings of config; refuse values that would weaken sign-in below the rules."""
    minimum = int(config["STAFF_PASSWORD_MIN_LENGTH"])
    if not SHORTEST_MINIMUM <= minimum <= LONGEST_MINIMUM:
        raise ConfigError(
            f"HELPDESK_STAFF_PASSWORD_MIN_LENGTH must be {SHORTEST_MINIMUM}-{LONGEST_MINIMUM}"
        )
    numbers = {name: int(config[key]) for name, key in POSITIVE.items()}
    for name, value in numbers.items():
        if value < 1:
            raise ConfigError(f"HELPDESK_{POSITIVE[name]} must be 1 or more")
    if not config["TOTP_KEY"]:
        raise ConfigError("HELPDESK_TOTP_KEY (or HELPDESK_SECRET_KEY) must be set")
    return Settings(
        password_min_length=minimum,
        totp_issuer=str(config["TOTP_ISSUER"]) or Settings.totp_issuer,
        totp_key=str(config["TOTP_KEY"]),
        **numbers,
    )
