"""SMS settings and the notifier, built once when the app is created (`init_app`).

The numbers an SMS may name have one owner, here: the hotline and the caller IDs the desk
phones from. Every service that texts a candidate receives them from these Settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from config import WHITELISTED_CALLER_IDS, ConfigError
from helpdesk.notify import adapters, registry
from helpdesk.notify.text import UnsafeSms

_SETTINGS = "notify.settings"
_NOTIFIER = "notifier"


@dataclass(frozen=True)
class Settings:
    hotline: str = "400-088-0028"
    #: The lines the desk calls from, as configured (callbacks refuses any outside the
    #: whitelist before the desk starts).
    caller_ids: tuple[str, ...] = tuple(WHITELISTED_CALLER_IDS.split(","))

    @property
    def allowed_numbers(self) -> list[str]:
        """Numbers an SMS may name: the hotline and the caller IDs."""
        return [self.hotline, *self.caller_ids]


def from_config(config: Any) -> Settings:
    raw = str(config.get("CALLER_IDS", WHITELISTED_CALLER_IDS))
    return Settings(
        hotline=str(config.get("HOTLINE", "400-088-0028")),
        caller_ids=tuple(n.strip() for n in raw.split(",") if n.strip()),
    )


def check(config: Any, settings: Settings) -> None:
    """Refuse to start when the desk's own address or hotline breaks a carrier rule: every
    unreachable or reply SMS would be refused when it is queued."""
    fixed = {
        registry.SmsKind.UNREACHABLE: {
            "count": "3",
            "numbers": "028-63201710、028-62093080",
            "url": str(config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/"),
        },
        registry.SmsKind.TICKET_REPLY: {"number": "T230104-0001", "hotline": settings.hotline},
    }
    for kind, params in fixed.items():
        try:
            registry.check_params(kind, params, allowed_numbers=settings.allowed_numbers)
        except UnsafeSms as exc:
            raise ConfigError(f"HELPDESK_PUBLIC_URL or HELPDESK_HOTLINE: {exc}") from exc


def init_app(app: Flask) -> None:
    """Build the settings and the notifier HELPDESK_NOTIFIER names."""
    settings = from_config(app.config)
    check(app.config, settings)
    app.extensions[_SETTINGS] = settings
    app.extensions[_NOTIFIER] = adapters.from_config(app.config, kinds=registry.kinds())


def current() -> Settings:
    """The running app's SMS settings."""
    settings: Settings = current_app.extensions[_SETTINGS]
    return settings


def notifier() -> adapters.Notifier:
    """The running app's notifier (HELPDESK_NOTIFIER)."""
    notifier: adapters.Notifier = current_app.extensions[_NOTIFIER]
    return notifier


def allowed_numbers() -> list[str]:
    """The numbers an SMS may name, for views and jobs that queue one."""
    return current().allowed_numbers
