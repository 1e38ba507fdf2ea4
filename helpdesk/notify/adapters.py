"""Notifier adapters: log (default), memory (tests), Twilio Messages (testing only).

The port takes a templated message (kind, parameters, and the zh-CN text they make):
mainland providers send the kind's approved template code with the parameters, the others
send the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from helpdesk.identity.phone import mask
from helpdesk.twilio_client import RebasedHttpClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    """One message to send: the E.164 number, the kind, its parameters and its text."""

    to: str
    kind: str
    params: dict[str, str] = field(default_factory=dict)
    #: The zh-CN text the kind's template makes with params (what the candidate reads).
    text: str = ""


class NotifierError(Exception):
    """The provider refused or could not be reached.

    permanent: trying again cannot help (an invalid number, a template not approved); the
    message fails at once. Otherwise it is tried again later, with backoff.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Notifier(Protocol):
    def send(self, sms: Sms) -> str:
        """Send one message; return the provider's message id."""
        ...


class LogNotifier:
    """Writes messages to the log (number masked): development and the console mode."""

    def send(self, sms: Sms) -> str:
        log.info("SMS to %s: [%s] %s", mask(sms.to), sms.kind, sms.text)
        return "log"


class MemoryNotifier:
    """Keeps what would have been sent, for tests."""

    def __init__(self) -> None:
        self.sent: list[Sms] = []
        #: Errors the next sends raise, in order.
        self.errors: list[NotifierError] = []

    @property
    def fail_next(self) -> int:
        return len(self.errors)

    @fail_next.setter
    def fail_next(self, n: int) -> None:
        self.errors = [NotifierError("simulated failure") for _ in range(n)]

    def send(self, sms: Sms) -> str:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(sms)
        return f"mem-{len(self.sent)}"


class TwilioNotifier:
    """Twilio Messages, text only; `sender` is a phone number or a Messaging Service SID.

    For testing the desk's own flow: mainland carriers deliver only registered templates,
    so this cannot reach candidates in mainland China.
    """

    def __init__(
        self, account_sid: str, auth_token: str, sender: str, http_client: Any = None
    ) -> None:
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.sender = sender

    def send(self, sms: Sms) -> str:
        from twilio.base.exceptions import TwilioException

        options = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        try:
            message = self.client.messages.create(to=sms.to, body=sms.text, **options)
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
