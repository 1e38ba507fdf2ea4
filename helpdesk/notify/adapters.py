"""Notifier adapters: log (default), memory (tests), Twilio Messages."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from helpdesk.identity.phone import mask
from helpdesk.twilio_client import RebasedHttpClient

log = logging.getLogger(__name__)


class NotifierError(Exception):
    """The provider refused or could not be reached; the message stays queued."""


class Notifier(Protocol):
    def send_sms(self, to: str, body: str) -> str:
        """Send body to the E.164 number to; return the provider's message id."""
        ...


class LogNotifier:
    """Writes messages to the log (number masked): development and the console mode."""

    def send_sms(self, to: str, body: str) -> str:
        log.info("SMS to %s: %s", mask(to), body)
        return "log"


class MemoryNotifier:
    """Keeps what would have been sent, for tests."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_next = 0

    def send_sms(self, to: str, body: str) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise NotifierError("simulated failure")
        self.sent.append((to, body))
        return f"mem-{len(self.sent)}"


class TwilioNotifier:
    """Twilio Messages; `sender` is a phone number or a Messaging Service SID (MG...)."""

    def __init__(
        self, account_sid: str, auth_token: str, sender: str, http_client: Any = None
    ) -> None:
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.sender = sender

    def send_sms(self, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioException

        options = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        try:
            message = self.client.messages.create(to=to, body=body, **options)
        except TwilioException as exc:
            raise NotifierError(type(exc).__name__) from exc
        except OSError as exc:  # timeouts and refused connections from requests
            raise NotifierError(type(exc).__name__) from exc
        return str(message.sid)


def from_config(config: dict[str, Any]) -> Notifier:
    kind = str(config.get("NOTIFIER", "log"))
    if kind == "log":
        return LogNotifier()
    if kind == "memory":
        return MemoryNotifier()
    if kind == "twilio":
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMS_FROM"):
            if not config.get(key):
                raise RuntimeError(f"HELPDESK_NOTIFIER=twilio needs HELPDESK_{key}")
        return TwilioNotifier(
            str(config["TWILIO_ACCOUNT_SID"]),
            str(config["TWILIO_AUTH_TOKEN"]),
            str(config["SMS_FROM"]),
            RebasedHttpClient(str(config.get("TWILIO_API_BASE", ""))),
        )
    raise RuntimeError(f"unknown HELPDESK_NOTIFIER {kind!r} (log, twilio)")
