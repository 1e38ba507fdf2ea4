"""Twilio's webhooks: TwiML when the agent answers, the candidate leg's result, and status
callbacks. Each is accepted only with a valid X-Twilio-Signature computed on
HELPDESK_PUBLIC_URL plus the path (never on forwarded headers), and applied once."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator

from helpdesk import clock
from helpdesk.callbacks import runtime
from helpdesk.callbacks.models import CallState
from helpdesk.db import get_session
from helpdesk.extensions import csrf
from helpdesk.telephony import services
from helpdesk.telephony.dialer import bridge_twiml, hangup_twiml

log = logging.getLogger(__name__)
bp = Blueprint("telephony", __name__, url_prefix="/telephony/twilio")
csrf.exempt(bp)


def _verified() -> tuple[str, dict[str, str]]:
    """The signed URL and parameters, or 403 (the same answer for every failure)."""
    config = current_app.config
    token = str(config.get("TWILIO_AUTH_TOKEN") or "")
    url = str(config["PUBLIC_URL"]).rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    params = request.form.to_dict()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        log.warning("twilio webhook refused: bad signature on %s", request.path)
        abort(403)
    return url, params


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _attempt(attempt_id: str):  # type: ignore[no-untyped-def]
    attempt = services.find_attempt(get_session(), attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.post("/voice/<attempt_id>")
def voice(attempt_id: str) -> ResponseReturnValue:
    _verified()
    attempt = _attempt(attempt_id)
    if attempt.outcome is not None or attempt.state == CallState.ENDED:
        return _xml(hangup_twiml("此求助已处理，无需再拨。"))
    urls = runtime.dialer().urls(attempt.public_id)  # type: ignore[attr-defined]
    # The number and caller ID come from the stored attempt, never from the request.
    return _xml(
        bridge_twiml(to=attempt.to_phone, caller_id=attempt.caller_id, dial_url=urls["dial"])
    )


@bp.post("/dial/<attempt_id>")
def dial(attempt_id: str) -> ResponseReturnValue:
    url, params = _verified()
    session, now = get_session(), clock.utcnow()
    attempt = _attempt(attempt_id)
    if services.remember_event(session, url=url, params=params, now=now):
        services.apply_dial_result(
            session,
            attempt=attempt,
            dial_status=params.get("DialCallStatus", ""),
            settings=runtime.settings(),
            now=now,
        )
        session.commit()
    return _xml(hangup_twiml())


@bp.post("/status/<attempt_id>")
def status(attempt_id: str) -> ResponseReturnValue:
    url, params = _verified()
    session, now = get_session(), clock.utcnow()
    attempt = _attempt(attempt_id)
    if services.remember_event(session, url=url, params=params, now=now):
        services.apply_call_status(
            session,
            attempt=attempt,
            call_sid=params.get("CallSid", ""),
            status=params.get("CallStatus", ""),
            settings=runtime.settings(),
            now=now,
        )
        session.commit()
    return Response(status=204)
