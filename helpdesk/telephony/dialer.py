"""The Dialer port's adapters: the desk phone (default), Aliyun's cloud contact center
(telephony/aliyun.py: the organizer's own 028 numbers) and a Twilio agent-first bridge.

Twilio stopped placing outbound calls to mainland China on 30 November 2023 and prohibits
Chinese caller IDs on calls into China, so it cannot make any call this desk makes: it is
kept for testing the desk's flow only (README.md, docs/callbacks.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from config import ConfigError
from helpdesk.identity.models import Staff
from helpdesk.telephony import aliyun
from helpdesk.telephony.port import (
    CallRecord,
    CallRecords,
    Dialer,
    DialerRefused,
    DialResult,
    ProviderCall,
)
from helpdesk.telephony.states import CallState, twilio_call_status

__all__ = [
    "CallRecord",
    "CallRecords",
    "DialResult",
    "Dialer",
    "DialerRefused",
    "ProviderCall",
    "from_config",
    "webhook_urls",
]

log = logging.getLogger(__name__)
#: Where Twilio's webhooks for one call attempt arrive, below HELPDESK_PUBLIC_URL.
WEBHOOK_PATH = "/telephony/twilio"


class DeskDialer:
    """The agent dials from a desk phone on the line the console shows."""

    kind = "desk"
    needs_agent_phone = False

    def agent_of(self, staff: Staff) -> str | None:
        return None

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        return DialResult(CallState.MANUAL)

    def lookup(
        self,
        *,
        sid: str | None,
        agent_phone: str | None,
        caller_id: str,
        since: datetime,
        to: str | None = None,
    ) -> ProviderCall | None:
        return None


class TwilioDialer:
    """Agent first: Twilio rings the agent's phone; when they answer, the TwiML from
    `/telephony/twilio/voice/<attempt>` dials the candidate with a whitelisted caller ID."""

    kind = "twilio"
    needs_agent_phone = True

    def agent_of(self, staff: Staff) -> str | None:
        return staff.phone

    def __init__(
        self, account_sid: str, auth_token: str, public_url: str, http_client: Any = None
    ) -> None:
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.public_url = public_url.rstrip("/")

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        from twilio.base.exceptions import TwilioRestException

        if not agent_phone:
            raise DialerRefused("the agent has no phone number")
        urls = webhook_urls(self.public_url, attempt_id)
        try:
            call = self.client.calls.create(
                to=agent_phone,
                from_=caller_id,
                url=urls["voice"],
                method="POST",
                status_callback=urls["status"],
                status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                timeout=20,
            )
        except TwilioRestException as exc:
            raise DialerRefused(f"twilio refused: {exc.code}") from exc
        except OSError as exc:  # timeouts and lost connections: the call may exist
            log.warning("twilio call for attempt %s unknown: %s", attempt_id, type(exc).__name__)
            return DialResult(CallState.UNKNOWN)
        return DialResult(CallState.QUEUED, str(call.sid))

    def lookup(
        self,
        *,
        sid: str | None,
        agent_phone: str | None,
        caller_id: str,
        since: datetime,
        to: str | None = None,
    ) -> ProviderCall | None:
        if sid:
            call = self.client.calls(sid).fetch()
            return ProviderCall(str(call.sid), twilio_call_status(str(call.status)))
        if not agent_phone:
            return None
        calls = self.client.calls.list(
            to=agent_phone, from_=caller_id, start_time_after=since, limit=5
        )
        if not calls:
            return None
        return ProviderCall(str(calls[0].sid), twilio_call_status(str(calls[0].status)))


def webhook_urls(public_url: str, attempt_id: str) -> dict[str, str]:
    """The addresses Twilio calls back for one attempt: voice (TwiML), status, dial."""
    base = public_url.rstrip("/") + WEBHOOK_PATH
    return {kind: f"{base}/{kind}/{attempt_id}" for kind in ("voice", "status", "dial")}


def from_config(config: Any) -> Dialer:
    """The adapter HELPDESK_TELEPHONY names; refuse to start without its settings."""
    kind = str(config.get("TELEPHONY", "desk"))
    if kind == "desk":
        return DeskDialer()
    if kind == "twilio":
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_URL"):
            if not config.get(key):
                raise ConfigError(f"HELPDESK_TELEPHONY=twilio needs HELPDESK_{key}")
        from helpdesk.twilio_client import RebasedHttpClient  # requests: only where it calls

        client = RebasedHttpClient(
            str(config.get("TWILIO_API_BASE", "")),
            timeout=float(config.get("TWILIO_TIMEOUT_SECONDS", 10)),
        )
        return TwilioDialer(
            str(config["TWILIO_ACCOUNT_SID"]),
            str(config["TWILIO_AUTH_TOKEN"]),
            str(config["PUBLIC_URL"]),
            client,
        )
    if kind == "aliyun":
        return aliyun.from_config(config)
    raise ConfigError(f"unknown HELPDESK_TELEPHONY {kind!r} (desk, aliyun, twilio)")
