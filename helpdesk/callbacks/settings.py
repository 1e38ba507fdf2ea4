"""The callback queue's settings, read once from the app config and passed to services.

Every time and limit is configurable (app config key, or the HELPDESK_ environment variable
of the same name); docs/callbacks.md lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from config import WHITELISTED_CALLER_IDS, ConfigError
from helpdesk.identity import phone as phones

#: key -> default; each may be set as HELPDESK_<key> in the environment.
DEFAULTS: dict[str, int] = {
    "CALLBACK_CLAIM_SECONDS": 90,
    "CALLBACK_RETRY_SECONDS": 60,
    "CALLBACK_MAX_ATTEMPTS": 3,
    "CALLBACK_CLOSE_GRACE_MINUTES": 30,
    "CALLBACK_CALLS_PER_MINUTE": 30,
    "CALLBACK_DEFAULT_CALL_SECONDS": 180,
    "CALLBACK_UNKNOWN_SETTLE_SECONDS": 120,
    "TWILIO_TIMEOUT_SECONDS": 10,
}


@dataclass(frozen=True)
class Settings:
    caller_ids: tuple[str, ...] = tuple(WHITELISTED_CALLER_IDS.split(","))
    hotline: str = "400-088-0028"
    public_url: str = "http://127.0.0.1:5000"
    claim_seconds: int = 90
    retry_seconds: int = 60
    max_attempts: int = 3
    close_grace_minutes: int = 30
    calls_per_minute: int = 30
    default_call_seconds: int = 180
    unknown_settle_seconds: int = 120

    @property
    def caller_ids_display(self) -> list[str]:
        return [phones.display(n) for n in self.caller_ids]

    @property
    def allowed_sms_numbers(self) -> list[str]:
        """Numbers an SMS may name: the hotline and the caller IDs."""
        return [self.hotline, *self.caller_ids]


def parse_caller_ids(raw: str) -> tuple[str, ...]:
    """The configured caller IDs in E.164; refuse any number outside the whitelist."""
    whitelist = set(WHITELISTED_CALLER_IDS.split(","))
    numbers = []
    for item in str(raw).split(","):
        if not item.strip():
            continue
        try:
            number = phones.normalise(item)
        except phones.InvalidPhone as exc:
            raise ConfigError(f"HELPDESK_CALLER_IDS has an invalid number {item!r}") from exc
        if number not in whitelist:
            raise ConfigError(
                f"HELPDESK_CALLER_IDS may only name the whitelisted numbers "
                f"{WHITELISTED_CALLER_IDS}; {item.strip()!r} is not one of them"
            )
        numbers.append(number)
    if not numbers:
        raise ConfigError("HELPDESK_CALLER_IDS names no caller ID")
    return tuple(dict.fromkeys(numbers))


def apply_defaults(config: Any) -> None:
    """Fill the callback keys from the environment or defaults; check the caller IDs."""
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"HELPDESK_{key}", "")
        try:
            value = int(raw) if raw else default
        except ValueError as exc:
            raise ConfigError(f"HELPDESK_{key} must be a whole number, got {raw!r}") from exc
        config.setdefault(key, value)
        if int(config[key]) < 0:
            raise ConfigError(f"{key} must not be negative")
    parse_caller_ids(str(config.get("CALLER_IDS", WHITELISTED_CALLER_IDS)))


def from_config(config: Any) -> Settings:
    return Settings(
        caller_ids=parse_caller_ids(str(config.get("CALLER_IDS", WHITELISTED_CALLER_IDS))),
        hotline=str(config.get("HOTLINE", "400-088-0028")),
        public_url=str(config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/"),
        claim_seconds=int(config.get("CALLBACK_CLAIM_SECONDS", 90)),
        retry_seconds=int(config.get("CALLBACK_RETRY_SECONDS", 60)),
        max_attempts=max(1, int(config.get("CALLBACK_MAX_ATTEMPTS", 3))),
        close_grace_minutes=int(config.get("CALLBACK_CLOSE_GRACE_MINUTES", 30)),
        calls_per_minute=int(config.get("CALLBACK_CALLS_PER_MINUTE", 30)),
        default_call_seconds=max(1, int(config.get("CALLBACK_DEFAULT_CALL_SECONDS", 180))),
        unknown_settle_seconds=int(config.get("CALLBACK_UNKNOWN_SETTLE_SECONDS", 120)),
    )
