"""The call lifecycle: retries, the unreachable SMS, wrong numbers, resolved calls, the
dialing guards, and placing and settling calls through the Twilio adapter (only the twilio
library's HTTP client replaced)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from sqlalchemy import select

from helpdesk.callbacks import calls, placing, queue, standing
from helpdesk.callbacks import jobs as callback_jobs
from helpdesk.callbacks.models import CallState, HelpStatus, Outcome
from helpdesk.errors import Conflict, TooManyRequests
from helpdesk.notify.models import OutboundSms
from helpdesk.telephony.dialer import TwilioDialer
from tests.callbacks.conftest import IN_EXAM, later
from tests.twilio_http import PUBLIC, SID, TOKEN


def call_and_record(db_session, request, staff, outcome, settings, now):
    calls.start_call(
        db_session, request=request, staff=staff, adapter="desk", settings=settings, now=now
    )
    calls.record_outcome(
        db_session, request=request, staff=staff, outcome=outcome, settings=settings, now=now
    )


def test_no_answer_is_retried_after_60_seconds(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)

    call_and_record(db_session, request, agent, Outcome.NO_ANSWER, settings, later(IN_EXAM, 30))
    too_soon = queue.claim_next(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 89))
    due = queue.claim_next(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 90))

    assert too_soon is None
    assert due.id == request.id
    assert due.attempts == 1


def test_three_unanswered_calls_make_the_request_unreachable_and_text_the_candidate(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal], phone="+8613912345678").candidate, formal)
    agent = make_staff()
    moment = IN_EXAM
    for outcome in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.NO_ANSWER):
        assert queue.claim_next(db_session, staff=agent, settings=settings, now=moment)
        call_and_record(db_session, request, agent, outcome, settings, moment)
        moment = later(moment, 60)

    sms = db_session.scalars(select(OutboundSms)).all()

    assert request.status == HelpStatus.UNREACHABLE
    assert request.attempts == 3
    assert [c.caller_id for c in request.calls] == [
        "+862863201710",
        "+862862093080",
        "+862863201710",
    ]
    (message,) = sms
    assert message.to == "+8613912345678"
    assert "028-63201710" in message.body
    assert "028-62093080" in message.body
    assert "请勿回拨" in message.body
    assert "客服平台" in message.body


def test_a_wrong_number_typed_by_the_candidate_is_retried_on_the_roster_number(
    db_session, make_candidate, make_staff, formal, press, settings
):
    candidate = make_candidate(sessions=[formal], phone="+8613800138000").candidate
    request = press(candidate, formal, phone="13700000000")
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)

    call_and_record(db_session, request, agent, Outcome.WRONG_NUMBER, settings, IN_EXAM)

    assert request.status == HelpStatus.WAITING
    assert request.phone == "+8613800138000"
    assert request.due_at == IN_EXAM


def test_a_resolved_call_completes_the_request(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)

    call_and_record(db_session, request, agent, Outcome.RESOLVED, settings, later(IN_EXAM, 40))

    assert request.status == HelpStatus.COMPLETED
    assert "放回原录制位置" in standing.status_message(request, settings=settings, place=0)


def test_the_desk_dials_no_more_calls_per_minute_than_configured(
    db_session, make_candidate, make_staff, press, formal, settings
):
    tight = replace(settings, calls_per_minute=2)
    agents = [make_staff() for _ in range(3)]
    for agent in agents:
        request = press(make_candidate(sessions=[formal]).candidate, formal)
        queue.claim_next(db_session, staff=agent, settings=tight, now=IN_EXAM)
    requests = [queue.current_claim(db_session, staff=a) for a in agents]

    for agent, request in zip(agents[:2], requests[:2], strict=True):
        calls.start_call(
            db_session, request=request, staff=agent, adapter="desk", settings=tight, now=IN_EXAM
        )

    with pytest.raises(TooManyRequests):
        calls.start_call(
            db_session,
            request=requests[2],
            staff=agents[2],
            adapter="desk",
            settings=tight,
            now=later(IN_EXAM, 30),
        )
    assert calls.start_call(
        db_session,
        request=requests[2],
        staff=agents[2],
        adapter="desk",
        settings=tight,
        now=later(IN_EXAM, 61),
    )


def test_the_desk_dials_only_the_candidates_own_mainland_number(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    request.phone = "+14155550100"  # not mainland, e.g. tampered with

    with pytest.raises(Conflict):
        calls.start_call(
            db_session, request=request, staff=agent, adapter="desk", settings=settings, now=IN_EXAM
        )


def place(db_session, attempt, agent, http, settings, now=IN_EXAM):
    """Place the attempt's call as the place_calls job does, through the Twilio adapter on
    the recording HTTP client."""
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)
    taken = placing.take(db_session, attempt.id)
    if taken is not None:
        placing.place(db_session, attempt=taken, dialer=dialer, settings=settings, now=now)
    db_session.refresh(attempt)


def test_a_placed_call_keeps_the_providers_id_until_the_provider_reports(
    db_session, calling, http, settings
):
    _request, agent, attempt = calling
    http.answers.append((201, {"sid": "CA0001", "status": "queued"}))

    place(db_session, attempt, agent, http, settings)

    (sent,) = http.requests
    assert sent["data"]["To"] == agent.phone
    assert sent["data"]["From"] == attempt.caller_id
    assert attempt.provider_sid == "CA0001"
    assert attempt.state == CallState.QUEUED


def test_a_call_the_provider_refuses_fails_and_is_retried(db_session, calling, http, settings):
    request, agent, attempt = calling
    http.answers.append((400, {"code": 21211, "message": "Invalid 'To'", "status": 400}))

    place(db_session, attempt, agent, http, settings)

    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING
    assert request.due_at == later(IN_EXAM, settings.retry_seconds)
    assert request.attempts == 1


def test_a_timed_out_call_is_unknown_and_never_placed_again_blindly(
    db_session, calling, http, settings
):
    request, agent, attempt = calling
    http.answers.append(requests.exceptions.ReadTimeout("read timed out"))

    place(db_session, attempt, agent, http, settings)
    again = calls.start_call(
        db_session,
        request=request,
        staff=agent,
        adapter="twilio",
        settings=settings,
        now=later(IN_EXAM, 5),
    )
    place(db_session, again, agent, http, settings, now=later(IN_EXAM, 5))

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

    settled = callback_jobs.settle_unknown_calls(
        db_session, later(IN_EXAM, 30), dialer=dialer, settings=settings
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

    soon = callback_jobs.settle_unknown_calls(
        db_session, later(IN_EXAM, 30), dialer=dialer, settings=settings
    )
    late = callback_jobs.settle_unknown_calls(
        db_session,
        later(IN_EXAM, settings.unknown_settle_seconds),
        dialer=dialer,
        settings=settings,
    )

    assert (soon, late) == (0, 1)
    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING
