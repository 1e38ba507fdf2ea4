"""Twilio's webhooks for a call attempt: TwiML when the agent answers, the candidate leg's
result, and status callbacks. Each is accepted only with a valid X-Twilio-Signature computed
on HELPDESK_PUBLIC_URL plus the path (never on forwarded headers), and applied once."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from helpdesk import clock
from helpdesk.callbacks import calls
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.models import CallAttempt
from helpdesk.db import get_session
from helpdesk.extensions import csrf
from helpdesk.telephony.dialer import WEBHOOK_PATH, webhook_urls
from helpdesk.telephony.services import remember_event
from helpdesk.telephony.states import CallState, twilio_call_status, twilio_dial_outcome
from helpdesk.telephony.twiml import bridge_twiml, hangup_twiml, signature_valid

log = logging.getLogger(__name__)
bp = Blueprint("callbacks_webhooks", __name__, url_prefix=WEBHOOK_PATH)
csrf.exempt(bp)


def _verified() -> tuple[str, dict[str, str]]:
    """The signed URL and parameters, or 403 (the same answer for every failure)."""
    settings = callbacks_settings.current()
    url = settings.public_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    params = request.form.to_dict()
    if not signature_valid(
        auth_token=settings.twilio_auth_token,
        url=url,
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        log.warning("twilio webhook refused: bad signature on %s", request.path)
        abort(403)
    return url, params


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _attempt(attempt_id: str) -> CallAttempt:
    attempt = calls.find_attempt(get_session(), attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.post("/voice/<attempt_id>")
def voice(attempt_id: str) -> ResponseReturnValue:
    _verified()
    attempt = _attempt(attempt_id)
    if attempt.outcome is not None or attempt.state == CallState.ENDED:
        return _xml(hangup_twiml("此求助已处理，无需再拨。"))
    dial_url = webhook_urls(callbacks_settings.current().public_url, attempt.public_id)["dial"]
    # The number and caller ID come from the stored attempt, never from the request.
    return _xml(bridge_twiml(to=attempt.to_phone, caller_id=attempt.caller_id, dial_url=dial_url))


@bp.post("/dial/<attempt_id>")
def dial(attempt_id: str) -> ResponseReturnValue:
    url, params = _verified()
    session, now = get_session(), clock.utcnow()
    attempt = _attempt(attempt_id)
    if remember_event(session, url=url, params=params, now=now):
        dial_status = params.get("DialCallStatus", "")
        calls.apply_dial_result(
            session,
            attempt=attempt,
            outcome=twilio_dial_outcome(dial_status),
            provider_status=dial_status,
            settings=callbacks_settings.current(),
            now=now,
        )
        session.commit()
    return _xml(hangup_twiml())


@bp.post("/status/<attempt_id>")
def status(attempt_id: str) -> ResponseReturnValue:
    url, params = _verified()
    session, now = get_session(), clock.utcnow()
    attempt = _attempt(attempt_id)
    if remember_event(session, url=url, params=params, now=now):
        calls.apply_call_status(
            session,
            attempt=attempt,
            call_sid=params.get("CallSid", ""),
            status=twilio_call_status(params.get("CallStatus", "")),
            settings=callbacks_settings.current(),
            now=now,
        )
        session.commit()
    return Response(status=204)
