"""Notifier adapters: log (default), memory (tests), Aliyun SMS (notify/aliyun.py), Twilio
Messages (testing only).

The port takes a templated message (kind, parameters, and the zh-CN text they make):
mainland providers send the kind's approved template code with the parameters, the others
send the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from helpdesk.identity.phone import mask
from helpdesk.notify.aliyun import DEFAULT_ENDPOINT, AliyunSmsNotifier
from helpdesk.notify.port import Notifier, NotifierError, Receipt, Sms

__all__ = ["Notifier", "NotifierError", "Receipt", "Sms", "from_config", "template_codes"]

log = logging.getLogger(__name__)


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


def template_codes(raw: str) -> dict[str, str]:
    """ "unreachable=SMS_1,ticket_reply=SMS_2" -> {"unreachable": "SMS_1", ...}."""
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    return {kind.strip(): code.strip() for kind, code in pairs if kind.strip() and code.strip()}


def _aliyun(config: Mapping[str, Any], kinds: list[str]) -> AliyunSmsNotifier:
    for key in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME"):
        if not config.get(key):
            raise RuntimeError(f"HELPDESK_NOTIFIER=aliyun needs HELPDESK_{key}")
    codes = template_codes(str(config.get("SMS_TEMPLATE_CODES", "")))
    missing = [k for k in kinds if k not in codes]
    if missing:
        raise RuntimeError(
            "HELPDESK_SMS_TEMPLATE_CODES has no approved template code for "
            + ", ".join(missing)
            + " (kind=SMS_code,...)"
        )
    return AliyunSmsNotifier(
        access_key_id=str(config["ALIYUN_ACCESS_KEY_ID"]),
        access_key_secret=str(config["ALIYUN_ACCESS_KEY_SECRET"]),
        sign_name=str(config["ALIYUN_SMS_SIGN_NAME"]),
        template_codes=codes,
        endpoint=str(config.get("ALIYUN_SMS_ENDPOINT") or DEFAULT_ENDPOINT),
        timeout_seconds=float(config.get("ALIYUN_TIMEOUT_SECONDS", 10)),
    )


def from_config(config: Mapping[str, Any], *, kinds: list[str] | None = None) -> Notifier:
    """The notifier HELPDESK_NOTIFIER names; aliyun needs a template code for every kind."""
    kind = str(config.get("NOTIFIER", "log"))
    if kind == "log":
        return LogNotifier()
    if kind == "memory":
        return MemoryNotifier()
    if kind == "aliyun":
        return _aliyun(config, kinds or [])
    if kind == "twilio":
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMS_FROM"):
            if not config.get(key):
                raise RuntimeError(f"HELPDESK_NOTIFIER=twilio needs HELPDESK_{key}")
        from helpdesk.twilio_client import RebasedHttpClient  # requests: only where it sends

        return TwilioNotifier(
            str(config["TWILIO_ACCOUNT_SID"]),
            str(config["TWILIO_AUTH_TOKEN"]),
            str(config["SMS_FROM"]),
            RebasedHttpClient(str(config.get("TWILIO_API_BASE", ""))),
        )
    raise RuntimeError(f"unknown HELPDESK_NOTIFIER {kind!r} (log, aliyun, twilio)")
