"""Twilio's webhooks: signed on HELPDESK_PUBLIC_URL or refused, applied once however often
they are delivered, moving a call only forward; only the twilio library's HTTP client is
replaced."""

from __future__ import annotations

import pytest

from helpdesk.callbacks import calls
from helpdesk.callbacks.models import CallState, HelpStatus, Outcome
from tests.callbacks.conftest import IN_EXAM, later, signed, webhook
from tests.twilio_http import PUBLIC


def test_when_the_agent_answers_twiml_dials_the_candidate_with_the_line_as_caller_id(
    tclient, calling, http
):
    _request, _agent, attempt = calling

    response = webhook(
        tclient,
        "voice",
        attempt,
        {"CallSid": "CA0001", "CallStatus": "in-progress", "To": "+8613000000000"},
    )

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.text == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="zh-CN">正在接通考生，请稍候。</Say>'
        f'<Dial action="{PUBLIC}/telephony/twilio/dial/{attempt.public_id}" '
        'answerOnBridge="true" callerId="+862863201710" method="POST" timeout="30">'
        "<Number>+8613912345678</Number></Dial></Response>"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "other-url",
        "other-token",
    ],
    ids=["missing", "wrong", "signed-for-another-url", "signed-with-another-token"],
)
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(
    tclient, calling, http, headers
):
    request, _agent, attempt = calling
    params = {"CallSid": "CA0001", "DialCallStatus": "no-answer"}
    path = f"/telephony/twilio/dial/{attempt.public_id}"
    if headers == "other-url":  # what a forwarded Host header would make us check
        headers = signed("http://localhost" + path, params)
    elif headers == "other-token":
        headers = signed(PUBLIC + path, params, token="another-token")

    response = webhook(tclient, "dial", attempt, params, headers=headers)

    assert response.status_code == 403
    assert attempt.outcome is None
    assert request.attempts == 0


def test_no_answer_from_the_candidate_schedules_a_retry_once_however_often_it_is_delivered(
    tclient, calling, http, db_session
):
    request, _agent, attempt = calling
    params = {"CallSid": "CA0001", "DialCallStatus": "no-answer"}

    first = webhook(tclient, "dial", attempt, params)
    replay = webhook(tclient, "dial", attempt, params)
    db_session.refresh(request)
    db_session.refresh(attempt)

    assert first.status_code == replay.status_code == 200
    assert request.attempts == 1
    assert request.status == HelpStatus.WAITING
    assert request.due_at == later(IN_EXAM, 60)
    assert attempt.outcome == Outcome.NO_ANSWER


def test_status_callbacks_only_move_a_call_forward(tclient, calling, http, db_session):
    _request, _agent, attempt = calling
    for status in ("ringing", "in-progress", "completed", "ringing", "in-progress"):
        response = webhook(tclient, "status", attempt, {"CallSid": "CA0001", "CallStatus": status})
        assert response.status_code == 204
    db_session.refresh(attempt)

    assert attempt.state == CallState.ENDED
    assert attempt.provider_sid == "CA0001"


def test_a_connected_call_waits_for_the_agent_to_record_the_outcome(
    tclient, calling, http, db_session, settings
):
    request, agent, attempt = calling
    webhook(tclient, "dial", attempt, {"CallSid": "CA0001", "DialCallStatus": "completed"})
    db_session.refresh(request)
    status_after_call = request.status

    calls.record_outcome(
        db_session,
        request=request,
        staff=agent,
        outcome=Outcome.RESOLVED,
        settings=settings,
        now=later(IN_EXAM, 120),
    )

    assert status_after_call == HelpStatus.CALLING
    assert request.status == HelpStatus.COMPLETED


def test_a_callback_settles_an_unknown_call_and_names_its_sid(tclient, calling, http, db_session):
    _request, _agent, attempt = calling
    attempt.state = CallState.UNKNOWN
    db_session.flush()

    response = webhook(tclient, "status", attempt, {"CallSid": "CA0042", "CallStatus": "ringing"})
    db_session.refresh(attempt)

    assert response.status_code == 204
    assert attempt.state == CallState.RINGING
    assert attempt.provider_sid == "CA0042"
