"""The Dialer port and its adapters: the desk phone (default) and a Twilio agent-first bridge.

Twilio stopped placing outbound calls to mainland China on 30 November 2023 and prohibits
Chinese caller IDs on calls into China: a mainland deployment uses the desk adapter, and
the Twilio adapter serves deployments elsewhere (README.md, docs/callbacks.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from twilio.twiml.voice_response import VoiceResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DialResult:
    """What placing a call gave: manual (the agent dials), queued (with the provider's id),
    or unknown (no answer in time: the call may or may not exist)."""

    state: str
    sid: str | None = None


@dataclass(frozen=True)
class ProviderCall:
    sid: str
    status: str


class DialerRefused(Exception):
    """The provider answered and refused the call: it was not placed."""


class Dialer(Protocol):
    kind: str

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        """Start a call to `to` from `caller_id` (both E.164, already checked)."""
        ...

    def lookup(
        self, *, sid: str | None, agent_phone: str | None, caller_id: str, since: datetime
    ) -> ProviderCall | None:
        """The provider's record of a call whose outcome we lost, if it exists."""
        ...


class DeskDialer:
    """The agent dials from a desk phone on the line the console shows."""

    kind = "desk"
    needs_agent_phone = False

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        return DialResult("manual")

    def lookup(
        self, *, sid: str | None, agent_phone: str | None, caller_id: str, since: datetime
    ) -> ProviderCall | None:
        return None


class TwilioDialer:
    """Agent first: Twilio rings the agent's phone; when they answer, the TwiML from
    `/telephony/twilio/voice/<attempt>` dials the candidate with a whitelisted caller ID."""

    kind = "twilio"
    needs_agent_phone = True

    def __init__(
        self, account_sid: str, auth_token: str, public_url: str, http_client: Any = None
    ) -> None:
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.public_url = public_url.rstrip("/")

    def urls(self, attempt_id: str) -> dict[str, str]:
        base = f"{self.public_url}/telephony/twilio"
        return {
            "voice": f"{base}/voice/{attempt_id}",
            "status": f"{base}/status/{attempt_id}",
            "dial": f"{base}/dial/{attempt_id}",
        }

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        from twilio.base.exceptions import TwilioRestException

        if not agent_phone:
            raise DialerRefused("the agent has no phone number")
        urls = self.urls(attempt_id)
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
            return DialResult("unknown")
        return DialResult("queued", str(call.sid))

    def lookup(
        self, *, sid: str | None, agent_phone: str | None, caller_id: str, since: datetime
    ) -> ProviderCall | None:
        if sid:
            call = self.client.calls(sid).fetch()
            return ProviderCall(str(call.sid), str(call.status))
        if not agent_phone:
            return None
        calls = self.client.calls.list(
            to=agent_phone, from_=caller_id, start_time_after=since, limit=5
        )
        return ProviderCall(str(calls[0].sid), str(calls[0].status)) if calls else None


def bridge_twiml(*, to: str, caller_id: str, dial_url: str) -> str:
    """What Twilio plays the agent once they answer: dial the candidate from caller_id."""
    response = VoiceResponse()
    response.say("正在接通考生，请稍候。", language="zh-CN")
    dial = response.dial(
        caller_id=caller_id, action=dial_url, method="POST", timeout=30, answer_on_bridge=True
    )
    dial.number(to)
    return str(response)


def hangup_twiml(message: str | None = None) -> str:
    response = VoiceResponse()
    if message:
        response.say(message, language="zh-CN")
    response.hangup()
    return str(response)


def from_config(config: Any) -> Dialer:
    """The adapter HELPDESK_TELEPHONY names; refuse to start without its settings."""
    from config import ConfigError
    from helpdesk.notify.adapters import RebasedHttpClient

    kind = str(config.get("TELEPHONY", "desk"))
    if kind == "desk":
        return DeskDialer()
    if kind == "twilio":
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_URL"):
            if not config.get(key):
                raise ConfigError(f"HELPDESK_TELEPHONY=twilio needs HELPDESK_{key}")
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
    raise ConfigError(f"unknown HELPDESK_TELEPHONY {kind!r} (desk, twilio)")
