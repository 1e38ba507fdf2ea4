"""What the desk answers Twilio's voice webhooks, and how it knows a webhook is Twilio's.

The twilio library (with its XML writer) loads with the first webhook answered, as the
adapters load theirs with the first call placed: a desk that dials through another provider
never receives one, and a web worker does not carry it.
"""

from __future__ import annotations

from collections.abc import Mapping


def bridge_twiml(*, to: str, caller_id: str, dial_url: str) -> str:
    """What Twilio plays the agent once they answer: dial the candidate from caller_id."""
    from twilio.twiml.voice_response import VoiceResponse  # first use: see the docstring

    response = VoiceResponse()
    response.say("正在接通考生，请稍候。", language="zh-CN")
    dial = response.dial(
        caller_id=caller_id, action=dial_url, method="POST", timeout=30, answer_on_bridge=True
    )
    dial.number(to)
    return str(response)


def hangup_twiml(message: str | None = None) -> str:
    """Say message (if any) and hang up."""
    from twilio.twiml.voice_response import VoiceResponse  # first use: see the docstring

    response = VoiceResponse()
    if message:
        response.say(message, language="zh-CN")
    response.hangup()
    return str(response)


def signature_valid(
    *, auth_token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    """True when X-Twilio-Signature signs url and params with the account's token."""
    if not auth_token or not signature:
        return False
    from twilio.request_validator import RequestValidator  # first use: see the docstring

    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
