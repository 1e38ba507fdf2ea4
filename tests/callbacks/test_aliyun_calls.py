"""The Aliyun cloud-contact-center dialer through its official SDK, only the HTTP layer
faked: the exact StartBack2BackCall (agent's seat first, then the candidate, from a
whitelisted 028 line), refusals, timeouts that leave the attempt unknown until the
call-record query settles it, call records applied once and forward only, and a retry
schedule that refuses to call one candidate more often than carriers allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from config import ConfigError
from helpdesk.callbacks import calls, placing, queue
from helpdesk.callbacks import jobs as callback_jobs
from helpdesk.callbacks.models import HelpStatus, Outcome
from helpdesk.callbacks.settings import Settings
from helpdesk.telephony import dialer as dialers
from helpdesk.telephony.aliyun import AliyunCccDialer, check_retry
from helpdesk.telephony.models import TelephonyEvent
from helpdesk.telephony.states import CallState
from tests.aliyun_http import RecordingTransport, install, timeout

IN_EXAM = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)  # 11:05 Beijing time, formal exam on
SETTINGS = Settings(public_url="https://desk.example.cn")


def dialer(endpoint: str = "") -> AliyunCccDialer:
    return AliyunCccDialer(
        access_key_id="LTAI-test",
        access_key_secret="secret",
        instance_id="ccc-exam",
        endpoint=endpoint or "ccc.cn-shanghai.aliyuncs.com",
    )


def placed(job="job-7001"):
    return (
        200,
        {
            "Code": "OK",
            "HttpStatusCode": 200,
            "RequestId": "R1",
            "Data": {"CallContext": {"JobId": job, "InstanceId": "ccc-exam", "CallType": "OB"}},
        },
    )


def records(*rows):
    data = {"PageNumber": 1, "PageSize": 10, "TotalCount": len(rows), "List": list(rows)}
    return (200, {"Code": "OK", "HttpStatusCode": 200, "RequestId": "R2", "Data": data})


def cdr(job="job-7001", *, early="", disposition="", established=None, broker="02863201710"):
    return {
        "ContactId": job,
        "CallingNumber": "8001",
        "CalledNumber": "13912345678",
        "Broker": broker,
        "EarlyMediaState": early,
        "ContactDisposition": disposition,
        "EstablishedTime": established,
        "StartTime": 1673319900000,
        "ReleaseTime": 1673319960000,
    }


@pytest.fixture
def aliyun_http(monkeypatch: pytest.MonkeyPatch) -> RecordingTransport:
    return install(monkeypatch)


@pytest.fixture
def calling(db_session, make_candidate, make_staff, make_exam, press, in_exam):
    """A request claimed by an agent with seat 8001; its attempt is recorded, not placed."""
    formal = make_exam("FORMAL-CCC", kind="formal")
    request = press(make_candidate(sessions=[formal], phone="+8613912345678").candidate, formal)
    agent = make_staff()
    agent.phone, agent.seat = "+8613800000001", "8001"
    queue.claim_next(db_session, staff=agent, settings=SETTINGS, now=IN_EXAM)
    attempt = calls.start_call(
        db_session, request=request, staff=agent, adapter="aliyun", settings=SETTINGS, now=IN_EXAM
    )
    return request, agent, attempt


def dispatch(db_session, attempt, agent, ccc, now=IN_EXAM):
    """What the callbacks.place_calls job does with a recorded attempt."""
    taken = placing.take(db_session, attempt.id)
    if taken is not None:
        placing.place(db_session, attempt=taken, dialer=ccc, settings=SETTINGS, now=now)
    db_session.refresh(attempt)


def follow(db_session, ccc, seconds):
    return callback_jobs.follow_provider_calls(
        db_session, IN_EXAM + timedelta(seconds=seconds), dialer=ccc, settings=SETTINGS
    )


def test_a_call_rings_the_agents_seat_first_then_the_candidate_from_a_whitelisted_line(
    db_session, calling, aliyun_http
):
    _request, agent, attempt = calling
    aliyun_http.answers = [placed()]

    dispatch(db_session, attempt, agent, dialer())

    (sent,) = aliyun_http.requests
    assert (sent["method"], sent["url"]) == ("POST", "https://ccc.cn-shanghai.aliyuncs.com/")
    assert (sent["action"], sent["version"]) == ("StartBack2BackCall", "2020-07-01")
    assert sent["signed"]
    assert aliyun_http.params() == {
        "InstanceId": "ccc-exam",
        "Caller": "8001",
        "Callee": "13912345678",
        "Broker": "02863201710",
        "TimeoutSeconds": "30",
    }
    assert (attempt.state, attempt.provider_sid) == (CallState.QUEUED, "job-7001")


def test_the_next_attempt_shows_the_other_whitelisted_line(db_session, calling, aliyun_http):
    request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr(early="NoAnswer")), placed("job-7002")]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)
    follow(db_session, ccc, 60)
    queue.claim_next(db_session, staff=agent, settings=SETTINGS, now=IN_EXAM + timedelta(minutes=2))

    second = calls.start_call(
        db_session,
        request=request,
        staff=agent,
        adapter="aliyun",
        settings=SETTINGS,
        now=IN_EXAM + timedelta(minutes=2),
    )
    dispatch(db_session, second, agent, ccc, now=IN_EXAM + timedelta(minutes=2))

    assert aliyun_http.params(-1)["Broker"] == "02862093080"
    assert {aliyun_http.params(n)["Broker"] for n in (0, 2)} == {"02863201710", "02862093080"}


def test_without_a_seat_the_agents_phone_is_rung_first(make_staff):
    agent = make_staff()
    agent.phone = "+8613800000001"

    assert dialer().agent_of(agent) == "+8613800000001"


def test_an_agent_with_neither_seat_nor_phone_is_refused_before_aliyun_hears_of_it(
    db_session, calling, aliyun_http
):
    request, agent, attempt = calling
    agent.seat = agent.phone = None

    dispatch(db_session, attempt, agent, dialer())

    assert aliyun_http.requests == []
    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"Code": "Forbidden.NumberNotAvailable", "HttpStatusCode": 403, "RequestId": "R"}),
        (404, {"Code": "NotExists.InstanceId", "Message": "instance", "RequestId": "R"}),
    ],
)
def test_a_call_the_contact_center_refuses_fails_and_is_retried(
    db_session, calling, aliyun_http, answer
):
    request, agent, attempt = calling
    aliyun_http.answers = [answer]

    dispatch(db_session, attempt, agent, dialer())

    assert attempt.outcome == Outcome.FAILED
    assert (request.status, request.attempts) == (HelpStatus.WAITING, 1)
    assert request.due_at == IN_EXAM + timedelta(seconds=SETTINGS.retry_seconds)


def test_a_timed_out_call_is_unknown_and_never_placed_again_blindly(
    db_session, calling, aliyun_http
):
    request, agent, attempt = calling
    aliyun_http.answers = [timeout()]
    ccc = dialer()

    dispatch(db_session, attempt, agent, ccc)
    again = calls.start_call(
        db_session,
        request=request,
        staff=agent,
        adapter="aliyun",
        settings=SETTINGS,
        now=IN_EXAM + timedelta(seconds=5),
    )
    dispatch(db_session, again, agent, ccc, now=IN_EXAM + timedelta(seconds=5))

    assert attempt.state == CallState.UNKNOWN
    assert again.id == attempt.id
    assert len(aliyun_http.requests) == 1  # neither the SDK nor the desk sent it twice


def test_an_unknown_call_is_settled_from_the_call_record_query(db_session, calling, aliyun_http):
    request, agent, attempt = calling
    aliyun_http.answers = [timeout(), records(cdr(early="Busy")), records(cdr(early="Busy"))]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    settled = callback_jobs.settle_unknown_calls(
        db_session, IN_EXAM + timedelta(seconds=30), dialer=ccc, settings=SETTINGS
    )
    follow(db_session, ccc, 45)

    lookup = aliyun_http.requests[1]
    assert lookup["action"] == "ListCallDetailRecords"
    assert aliyun_http.params(1) == {
        "InstanceId": "ccc-exam",
        "CallingNumber": "8001",
        "CalledNumber": "13912345678",
        "StartTime": str(int((IN_EXAM - timedelta(seconds=5)).timestamp() * 1000)),
        "EndTime": str(int((IN_EXAM + timedelta(days=1, seconds=-5)).timestamp() * 1000)),
        "PageNumber": "1",
        "PageSize": "10",
    }
    assert settled == 1
    assert attempt.provider_sid == "job-7001"
    assert (attempt.outcome, attempt.provider_status) == (Outcome.BUSY, "Busy")
    assert (request.status, request.attempts) == (HelpStatus.WAITING, 1)


def test_an_unknown_call_the_contact_center_never_saw_fails_after_the_settle_time(
    db_session, calling, aliyun_http
):
    request, agent, attempt = calling
    aliyun_http.answers = [timeout(), records(), records()]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    soon = callback_jobs.settle_unknown_calls(
        db_session, IN_EXAM + timedelta(seconds=30), dialer=ccc, settings=SETTINGS
    )
    late = callback_jobs.settle_unknown_calls(
        db_session,
        IN_EXAM + timedelta(seconds=SETTINGS.unknown_settle_seconds),
        dialer=ccc,
        settings=SETTINGS,
    )

    assert (soon, late) == (0, 1)
    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING


def test_a_call_still_going_on_has_no_record_and_is_left_alone(db_session, calling, aliyun_http):
    _request, agent, attempt = calling
    aliyun_http.answers = [placed(), records()]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    assert follow(db_session, ccc, 5) == 0  # too soon to ask
    assert follow(db_session, ccc, 20) == 0

    assert aliyun_http.params(1)["ContactId"] == "job-7001"
    assert (attempt.state, attempt.outcome) == (CallState.QUEUED, None)


def test_a_record_read_twice_is_applied_once(db_session, calling, aliyun_http):
    request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr(early="NoAnswer")), records(cdr(early="NoAnswer"))]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    first = follow(db_session, ccc, 60)
    attempt.outcome = None  # as if a second job had read the record before the first wrote
    attempt.state = CallState.QUEUED
    second = follow(db_session, ccc, 75)

    assert (first, second) == (1, 0)
    assert request.attempts == 1
    assert db_session.scalar(select(func.count()).select_from(TelephonyEvent)) == 1


def test_a_record_arriving_after_the_agent_settled_the_call_changes_nothing(
    db_session, calling, aliyun_http
):
    request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr(early="NoAnswer"))]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)
    calls.record_outcome(
        db_session,
        request=request,
        outcome=Outcome.RESOLVED,
        settings=SETTINGS,
        now=IN_EXAM + timedelta(seconds=40),
        staff=agent,
    )

    follow(db_session, ccc, 60)

    assert (attempt.outcome, request.status) == (Outcome.RESOLVED, HelpStatus.COMPLETED)
    assert request.attempts == 1
    assert len(aliyun_http.requests) == 1  # a settled call is not asked about


def test_an_answered_call_is_left_for_the_agent_to_close(db_session, calling, aliyun_http):
    request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr(established=1673319910000, disposition="Success"))]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    follow(db_session, ccc, 60)
    follow(db_session, ccc, 120)

    assert attempt.answered_at is not None
    assert (attempt.state, attempt.outcome) == (CallState.ENDED, None)
    assert request.status == HelpStatus.CALLING
    assert len(aliyun_http.requests) == 2  # not asked again


def test_a_call_whose_agent_never_answered_fails_without_ringing_the_candidate(
    db_session, calling, aliyun_http
):
    request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr())]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    follow(db_session, ccc, 60)

    assert attempt.outcome == Outcome.FAILED
    assert request.status == HelpStatus.WAITING


@pytest.mark.parametrize(
    ("early", "outcome"),
    [("Busy", Outcome.BUSY), ("PowerOff", Outcome.NO_ANSWER), ("NotExist", Outcome.FAILED)],
)
def test_the_candidates_leg_is_read_from_the_early_media_state(
    db_session, calling, aliyun_http, early, outcome
):
    _request, agent, attempt = calling
    aliyun_http.answers = [placed(), records(cdr(early=early))]
    ccc = dialer()
    dispatch(db_session, attempt, agent, ccc)

    follow(db_session, ccc, 60)

    assert (attempt.outcome, attempt.provider_status) == (outcome, early)


BASE = {
    "TELEPHONY": "aliyun",
    "ALIYUN_ACCESS_KEY_ID": "LTAI-test",
    "ALIYUN_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_CCC_INSTANCE_ID": "ccc-exam",
    "CALLBACK_RETRY_SECONDS": 60,
    "CALLBACK_UNKNOWN_SETTLE_SECONDS": 120,
}


def test_a_retry_schedule_that_calls_a_candidate_sooner_than_carriers_allow_is_refused():
    with pytest.raises(ConfigError, match="CALLBACK_RETRY_SECONDS=30"):
        check_retry({**BASE, "CALLBACK_RETRY_SECONDS": 30})
    with pytest.raises(ConfigError, match="CALLBACK_RETRY_SECONDS=90"):
        check_retry({**BASE, "CALLBACK_RETRY_SECONDS": 90, "ALIYUN_CCC_CALLEE_GAP_SECONDS": 120})
    with pytest.raises(ConfigError, match="UNKNOWN_SETTLE_SECONDS=60"):
        check_retry({**BASE, "CALLBACK_UNKNOWN_SETTLE_SECONDS": 60})
    check_retry(BASE)


def test_the_contact_center_dialer_needs_its_instance_and_may_point_at_a_local_server(
    aliyun_http,
):
    with pytest.raises(ConfigError, match="ALIYUN_CCC_INSTANCE_ID"):
        dialers.from_config({**BASE, "ALIYUN_CCC_INSTANCE_ID": ""})
    built = dialers.from_config({**BASE, "ALIYUN_CCC_ENDPOINT": "http://127.0.0.1:8092"})
    aliyun_http.answers = [placed()]

    built.place_call(
        attempt_id="a1", agent_phone="8001", to="+8613912345678", caller_id="+862863201710"
    )

    assert aliyun_http.requests[0]["url"] == "http://127.0.0.1:8092/"
