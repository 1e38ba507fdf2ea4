"""The Twilio adapter: exact API requests, TwiML, and webhooks that must be signed on
HELPDESK_PUBLIC_URL, are applied once, and only move a call forward. Only the twilio
library's HTTP client is replaced."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from helpdesk import create_app
from helpdesk.callbacks import queue
from helpdesk.callbacks.models import CallState, HelpStatus, Outcome
from helpdesk.db import database
from helpdesk.telephony import services as telephony
from helpdesk.telephony.dialer import TwilioDialer
from tests.callbacks.conftest import IN_EXAM, later
from tests.conftest import app_config
from tests.twilio_http import RecordingHttpClient as _Recording

PUBLIC = "https://desk.example.cn"
TOKEN = "twilio-test-token"
SID = "AC00000000000000000000000000000001"


def RecordingHttpClient() -> _Recording:
    return _Recording(default=(201, {"sid": "CA1", "status": "queued"}))


@pytest.fixture(scope="module")
def twilio_app(app, tmp_path_factory):
    config = {
        **app_config(str(app.config["DATABASE_URL"]), str(tmp_path_factory.mktemp("t"))),
        "TELEPHONY": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_URL": PUBLIC,
    }
    application = create_app(config)
    yield application
    database(application).engine.dispose()


@pytest.fixture
def http(twilio_app):
    client = RecordingHttpClient()
    twilio_app.extensions["dialer"] = TwilioDialer(SID, TOKEN, PUBLIC, http_client=client)
    return client


@pytest.fixture
def tclient(twilio_app, db_session):
    db = database(twilio_app)
    db.bind_to(db_session.bind)
    yield twilio_app.test_client()
    db.sessionmaker.configure(bind=db.engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture
def calling(db_session, make_candidate, make_staff, formal, press, settings, in_exam):
    """A request claimed by an agent whose phone Twilio rings first; attempt recorded."""
    request = press(make_candidate(sessions=[formal], phone="+8613912345678").candidate, formal)
    agent = make_staff()
    agent.phone = "+8613800000001"
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    attempt = queue.start_call(
        db_session, request=request, staff=agent, adapter="twilio", settings=settings, now=IN_EXAM
    )
    return request, agent, attempt


def signed(url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def webhook(tclient, kind: str, attempt, params: dict[str, str], headers=None):
    path = f"/telephony/twilio/{kind}/{attempt.public_id}"
    headers = signed(PUBLIC + path, params) if headers is None else headers
    return tclient.post(
        path,
        data=urlencode(params),
        headers=headers,
        content_type="application/x-www-form-urlencoded",
    )


def test_placing_a_call_rings_the_agent_first_from_a_whitelisted_number(
    db_session, calling, http, settings
):
    _request, agent, attempt = calling
    http.answers.append((201, {"sid": "CA0001", "status": "queued"}))
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    telephony.dispatch(
        db_session,
        attempt=attempt,
        dialer=dialer,
        agent_phone=agent.phone,
        settings=settings,
        now=IN_EXAM,
    )

    (sent,) = http.requests
    assert sent["method"] == "POST"
    assert sent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
    base = f"{PUBLIC}/telephony/twilio"
    assert sent["data"] == {
        "To": "+8613800000001",
        "From": "+862863201710",
        "Url": f"{base}/voice/{attempt.public_id}",
        "Method": "POST",
        "StatusCallback": f"{base}/status/{attempt.public_id}",
        "StatusCallbackMethod": "POST",
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "Timeout": 20,
    }
    assert attempt.provider_sid == "CA0001"
    assert attempt.state == CallState.QUEUED


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

    queue.record_outcome(
        db_session,
        request=request,
        staff=agent,
        outcome=Outcome.RESOLVED,
        settings=settings,
        now=later(IN_EXAM, 120),
    )

    assert status_after_call == HelpStatus.CALLING
    assert request.status == HelpStatus.COMPLETED


def test_a_timed_out_call_is_unknown_and_never_placed_again_blindly(
    db_session, calling, http, settings
):
    request, agent, attempt = calling
    http.answers.append(requests.exceptions.ReadTimeout("read timed out"))
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    telephony.dispatch(
        db_session,
        attempt=attempt,
        dialer=dialer,
        agent_phone=agent.phone,
        settings=settings,
        now=IN_EXAM,
    )
    again = queue.start_call(
        db_session,
        request=request,
        staff=agent,
        adapter="twilio",
        settings=settings,
        now=later(IN_EXAM, 5),
    )
    telephony.dispatch(
        db_session,
        attempt=again,
        dialer=dialer,
        agent_phone=agent.phone,
        settings=settings,
        now=later(IN_EXAM, 5),
    )

    assert attempt.state == CallState.UNKNOWN
    assert again.id == attempt.id
    assert len(http.requests) == 1


def test_an_unknown_call_is_settled_from_a_status_lookup(db_session, calling, http, settings):
    request, _agent, attempt = calling
    attempt.state = CallState.UNKNOWN
    http.answers.append(
        (
            200,
            {
                "calls": [{"sid": "CA0009", "status": "no-answer"}],
                "next_page_uri": None,
                "page": 0,
                "page_size": 5,
            },
        )
    )
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    settled = telephony.settle_unknown(
        db_session, dialer=dialer, settings=settings, now=later(IN_EXAM, 30)
    )

    (lookup,) = http.requests
    assert lookup["method"] == "GET"
    assert lookup["uri"].endswith(f"/Accounts/{SID}/Calls.json")
    assert lookup["params"]["To"] == "+8613800000001"
    assert lookup["params"]["From"] == "+862863201710"
    assert settled == 1
    assert attempt.provider_sid == "CA0009"
    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING
    assert request.attempts == 1


def test_an_unknown_call_the_provider_never_saw_fails_after_the_settle_time(
    db_session, calling, http, settings
):
    request, _agent, attempt = calling
    attempt.state = CallState.UNKNOWN
    empty = (200, {"calls": [], "next_page_uri": None, "page": 0, "page_size": 5})
    http.answers.extend([empty, empty])
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    soon = telephony.settle_unknown(
        db_session, dialer=dialer, settings=settings, now=later(IN_EXAM, 30)
    )
    late = telephony.settle_unknown(
        db_session,
        dialer=dialer,
        settings=settings,
        now=later(IN_EXAM, settings.unknown_settle_seconds),
    )

    assert (soon, late) == (0, 1)
    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING


def test_the_twilio_adapter_needs_its_credentials_to_start(app):
    from config import ConfigError

    with pytest.raises(ConfigError):
        create_app({**app_config("sqlite://", "/tmp"), "TELEPHONY": "twilio"})


def test_a_callback_settles_an_unknown_call_and_names_its_sid(tclient, calling, http, db_session):
    _request, _agent, attempt = calling
    attempt.state = CallState.UNKNOWN
    db_session.flush()

    response = webhook(tclient, "status", attempt, {"CallSid": "CA0042", "CallStatus": "ringing"})
    db_session.refresh(attempt)

    assert response.status_code == 204
    assert attempt.state == CallState.RINGING
    assert attempt.provider_sid == "CA0042"
