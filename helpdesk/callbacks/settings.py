"""The callback queue's settings and the dialer, built once by `init_app` when the app is
created, and handed to services by views and jobs (`current()`, `dialer()`).

config.py reads every value from the environment (HELPDESK_<key>); docs/callbacks.md
lists them. A configuration naming a caller ID outside the whitelist raises ConfigError
here, so the desk refuses to start rather than ever calling from another number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from config import WHITELISTED_CALLER_IDS, ConfigError
from helpdesk.identity import phone as phones
from helpdesk.notify import settings as sms_settings
from helpdesk.telephony import dialer as dialers

_SETTINGS = "callbacks.settings"
_DIALER = "dialer"

#: The times and limits of the queue, none of which may be negative.
KEYS = (
    "CALLBACK_CLAIM_SECONDS",
    "CALLBACK_RETRY_SECONDS",
    "CALLBACK_MAX_ATTEMPTS",
    "CALLBACK_CLOSE_GRACE_MINUTES",
    "CALLBACK_CALLS_PER_MINUTE",
    "CALLBACK_DEFAULT_CALL_SECONDS",
    "CALLBACK_UNKNOWN_SETTLE_SECONDS",
    "CALLBACK_PRIOR_CALLS",
    "CALLBACK_PICKUP_SECONDS",
    "CALLBACK_PRESENCE_SECONDS",
    "TWILIO_TIMEOUT_SECONDS",
)


@dataclass(frozen=True)
class Settings:
    caller_ids: tuple[str, ...] = tuple(WHITELISTED_CALLER_IDS.split(","))
    public_url: str = "http://127.0.0.1:5000"
    #: Signs Twilio's webhooks (empty: every webhook is refused).
    twilio_auth_token: str = field(default="", repr=False)
    claim_seconds: int = 90
    retry_seconds: int = 60
    max_attempts: int = 3
    close_grace_minutes: int = 30
    calls_per_minute: int = 30
    default_call_seconds: int = 180
    unknown_settle_seconds: int = 120
    #: How many calls the prior call length counts for (shrinkage weight).
    prior_calls: int = 20
    #: From an agent becoming free to their call starting (claim, read, dial).
    pickup_seconds: int = 30
    #: A console not seen for this long is off duty.
    presence_seconds: int = 45
    #: What the unreachable SMS may name (notify owns the rule).
    sms: sms_settings.Settings = field(default_factory=sms_settings.Settings)

    @property
    def caller_ids_display(self) -> list[str]:
        return [phones.display(n) for n in self.caller_ids]

    def line_for(self, attempt_number: int) -> str:
        """The caller ID of a request's next call: the lines rotate by attempt."""
        return self.caller_ids[attempt_number % len(self.caller_ids)]


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


def check(config: Any) -> None:
    """Refuse negative times and limits, and any caller ID outside the whitelist."""
    for key in KEYS:
        if int(config[key]) < 0:
            raise ConfigError(f"HELPDESK_{key} must not be negative")
    parse_caller_ids(str(config.get("CALLER_IDS", WHITELISTED_CALLER_IDS)))


def from_config(config: Any) -> Settings:
    return Settings(
        caller_ids=parse_caller_ids(str(config.get("CALLER_IDS", WHITELISTED_CALLER_IDS))),
        public_url=str(config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/"),
        twilio_auth_token=str(config.get("TWILIO_AUTH_TOKEN") or ""),
        claim_seconds=int(config.get("CALLBACK_CLAIM_SECONDS", 90)),
        retry_seconds=int(config.get("CALLBACK_RETRY_SECONDS", 60)),
        max_attempts=max(1, int(config.get("CALLBACK_MAX_ATTEMPTS", 3))),
        close_grace_minutes=int(config.get("CALLBACK_CLOSE_GRACE_MINUTES", 30)),
        calls_per_minute=int(config.get("CALLBACK_CALLS_PER_MINUTE", 30)),
        default_call_seconds=max(1, int(config.get("CALLBACK_DEFAULT_CALL_SECONDS", 180))),
        unknown_settle_seconds=int(config.get("CALLBACK_UNKNOWN_SETTLE_SECONDS", 120)),
        prior_calls=max(1, int(config.get("CALLBACK_PRIOR_CALLS", 20))),
        pickup_seconds=int(config.get("CALLBACK_PICKUP_SECONDS", 30)),
        presence_seconds=max(5, int(config.get("CALLBACK_PRESENCE_SECONDS", 45))),
        sms=sms_settings.from_config(config),
    )


def init_app(app: Flask) -> None:
    """Check the settings, then build them and the dialer HELPDESK_TELEPHONY names."""
    check(app.config)
    app.extensions[_SETTINGS] = from_config(app.config)
    app.extensions[_DIALER] = dialers.from_config(app.config)


def current() -> Settings:
    """The running app's settings (views, API and jobs; services take them as arguments)."""
    settings: Settings = current_app.extensions[_SETTINGS]
    return settings


def dialer() -> dialers.Dialer:
    """The running app's dialer (HELPDESK_TELEPHONY)."""
    dialer: dialers.Dialer = current_app.extensions[_DIALER]
    return dialer
