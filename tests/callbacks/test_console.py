"""A console that never blocks: the agent's click records the call and returns at once while a
provider that hangs is asked by the place_calls job after commit; the panel shows the call's
state in words, a claim countdown, outcome buttons only once the call has started, and a
confirmation after an outcome; the queue shows elapsed waits and the candidate's note; desk
mode asks for no provider fields, and on the contact center an agent sets their own seat
(audited, refused in words when it cannot be one)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from helpdesk.callbacks import jobs, queue
from helpdesk.callbacks.models import HelpStatus
from helpdesk.telephony.dialer import TwilioDialer
from helpdesk.telephony.states import CallState
from tests.callbacks.conftest import IN_EXAM
from tests.twilio_http import PUBLIC, SID, TOKEN, RecordingHttpClient


class HangingHttpClient(RecordingHttpClient):
    """Twilio's HTTP layer, made to hang until released (or its timeout), then raise."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def request(self, *args, **kwargs):
        self.entered.set()
        self.release.wait(timeout=3)
        raise requests.exceptions.ReadTimeout("the provider hung")


@pytest.fixture
def hanging(twilio_app):
    client = HangingHttpClient()
    twilio_app.extensions["dialer"] = TwilioDialer(SID, TOKEN, PUBLIC, http_client=client)
    yield client
    client.release.set()


def test_the_agents_click_answers_within_200_ms_while_the_provider_hangs(
    tclient, hanging, db_session, make_candidate, make_staff, sign_in_staff, formal, press, in_exam
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()
    agent.phone = "+8613800000001"
    sign_in_staff(agent, test_client=tclient)
    tclient.post(f"/staff/callbacks/r/{request.public_id}/claim")
    tclient.get(f"/staff/callbacks/r/{request.public_id}")  # warm: templates compiled

    started = time.perf_counter()
    response = tclient.post(f"/staff/callbacks/r/{request.public_id}/call")
    took = time.perf_counter() - started

    assert response.status_code == 302
    assert took < 0.2
    assert not hanging.entered.is_set()  # the provider was not asked inside the request
    (attempt,) = request.calls
    assert attempt.state == CallState.QUEUED

    hanging.release.set()  # the job asks the provider; its timeout leaves the call unknown
    with tclient.application.app_context():
        placed = jobs.place_calls(db_session, IN_EXAM)
    db_session.refresh(attempt)

    assert placed == 1
    assert hanging.entered.is_set()
    assert attempt.state == CallState.UNKNOWN
    panel = tclient.get(f"/staff/callbacks/r/{request.public_id}/fragment").text
    assert "正在发起呼叫" in panel
    assert "：unknown" not in panel


def test_the_job_places_a_call_once_and_the_panel_shows_the_providers_id(
    tclient, http, db_session, make_candidate, make_staff, sign_in_staff, formal, press, in_exam
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()
    agent.phone = "+8613800000001"
    sign_in_staff(agent, test_client=tclient)
    tclient.post(f"/staff/callbacks/r/{request.public_id}/claim")
    tclient.post(f"/staff/callbacks/r/{request.public_id}/call")
    http.answers.append((201, {"sid": "CA0077", "status": "queued"}))

    with tclient.application.app_context():
        first = jobs.place_calls(db_session, IN_EXAM)
        again = jobs.place_calls(db_session, IN_EXAM)
    (attempt,) = request.calls
    db_session.refresh(attempt)

    assert (first, again) == (1, 0)
    assert len(http.requests) == 1
    assert attempt.provider_sid == "CA0077"
    assert attempt.state == CallState.QUEUED


def test_outcome_buttons_appear_only_once_the_call_has_started(
    client, make_candidate, make_staff, sign_in_staff, formal, press, in_exam
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    client.post(f"/staff/callbacks/r/{request.public_id}/claim")

    claimed = client.get(f"/staff/callbacks/r/{request.public_id}").text
    client.post(f"/staff/callbacks/r/{request.public_id}/call")
    calling = client.get(f"/staff/callbacks/r/{request.public_id}/fragment").text

    assert "data-outcome" not in claimed
    assert 'id="claim-countdown"' in claimed
    assert "90 秒内开始拨打" in claimed
    assert 'data-outcome="no_answer"' in calling
    assert "用座机手动拨打" in calling
    assert "：manual" not in calling


def test_an_outcome_is_confirmed_in_words_with_what_happens_next(
    client, db_session, make_candidate, make_staff, sign_in_staff, formal, press, in_exam
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    client.post(f"/staff/callbacks/r/{request.public_id}/claim")
    client.post(f"/staff/callbacks/r/{request.public_id}/call")

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/outcome", data={"outcome": "no_answer"}
    )
    console = client.get(response.headers["Location"]).text

    db_session.refresh(request)
    assert request.status == HelpStatus.WAITING
    assert "已记录：无人接听" in console
    assert "11:06:00" in console  # called again from the retry time
    assert "第 2 次" in console


def test_the_queue_shows_elapsed_waits_and_the_candidates_note(
    client, db_session, make_candidate, make_staff, sign_in_staff, formal, in_exam
):
    from helpdesk.callbacks import services
    from helpdesk.clock import freeze
    from tests.callbacks.conftest import later

    candidate = make_candidate(sessions=[formal]).candidate
    services.request_help(
        db_session,
        candidate=candidate,
        now=IN_EXAM,
        source="web",
        idempotency_key="queue-note-key-1",
        data=services.HelpInput(exam_session=formal.code, note="摄像头打不开"),
    )
    sign_in_staff(make_staff())
    freeze(later(IN_EXAM, 200))

    page = client.get("/staff/callbacks/queue").text

    assert "摄像头打不开" in page
    assert "3 分 20 秒" in page


def test_the_desk_console_asks_for_no_provider_fields(client, make_staff, sign_in_staff, in_exam):
    sign_in_staff(make_staff())

    page = client.get("/staff/callbacks").text

    assert 'id="duty-form"' in page
    assert 'name="phone"' not in page
    assert "Twilio" not in page


def test_pausing_takes_the_agent_off_duty(
    client, db_session, make_staff, sign_in_staff, settings, in_exam
):
    from helpdesk.callbacks import estimate

    agent = make_staff()
    sign_in_staff(agent)
    client.get("/staff/callbacks")
    assert estimate.on_duty_ids(db_session, settings=settings, now=IN_EXAM) == [agent.id]

    client.post("/staff/callbacks/me", data={})

    assert estimate.on_duty_ids(db_session, settings=settings, now=IN_EXAM) == []
    assert queue.current_claim(db_session, staff=agent) is None


@pytest.fixture
def contact_center(app, monkeypatch):
    """The desk calling through Aliyun's contact center, which rings an agent's seat."""
    from helpdesk.telephony import dialer as dialers

    ccc = dialers.from_config(
        {
            "TELEPHONY": "aliyun",
            "ALIYUN_ACCESS_KEY_ID": "LTAI-test",
            "ALIYUN_ACCESS_KEY_SECRET": "secret",
            "ALIYUN_CCC_INSTANCE_ID": "ccc-exam",
        }
    )
    monkeypatch.setitem(app.extensions, "dialer", ccc)
    return ccc


def _telephony_changes(db_session, agent) -> int:
    from helpdesk.audit import services as audit

    return len(
        audit.search(
            db_session, audit.Filters(action="staff.telephony", target=("staff", str(agent.id)))
        )
    )


def test_an_agent_sets_their_own_seat_and_phone_on_the_console_and_the_change_is_audited(
    client, db_session, make_staff, sign_in_staff, contact_center, in_exam
):
    agent = make_staff()
    sign_in_staff(agent)

    page = client.get("/staff/callbacks", headers={"Accept-Language": "zh-CN"}).text
    saved = client.post(
        "/staff/callbacks/me",
        data={"available": "y", "phone": "138 0000 0001", "seat": "8001"},
    )
    again = client.post(
        "/staff/callbacks/me",
        data={"available": "y", "phone": "+8613800000001", "seat": "8001"},
    )
    db_session.refresh(agent)

    assert "我的呼叫中心坐席" in page
    assert 'name="seat"' in page
    assert (saved.status_code, again.status_code) == (302, 302)
    assert (agent.phone, agent.seat) == ("+8613800000001", "8001")
    assert contact_center.agent_of(agent) == "8001"  # what the contact center rings first
    assert _telephony_changes(db_session, agent) == 1  # saving the same again is no change


def test_a_seat_that_cannot_be_one_is_refused_in_words_and_nothing_changes(
    client, db_session, make_staff, sign_in_staff, contact_center, in_exam
):
    agent = make_staff()
    sign_in_staff(agent)

    refused = client.post(
        "/staff/callbacks/me",
        data={"available": "y", "phone": "", "seat": "80 01"},
        headers={"Accept-Language": "zh-CN"},
    )
    db_session.refresh(agent)

    too_long = client.post(
        "/staff/callbacks/me",
        data={"available": "y", "phone": "", "seat": "8" * 65},
        headers={"Accept-Language": "zh-CN"},
    )

    assert (refused.status_code, too_long.status_code) == (422, 422)
    assert 'id="duty-form"' in too_long.text  # the console again, not an error page
    assert "64" in too_long.text
    assert "坐席号为 1 到 64 个字母、数字" in refused.text
    assert 'value="80 01"' in refused.text  # what the agent typed, to correct
    assert (agent.phone, agent.seat) == (None, None)
    assert _telephony_changes(db_session, agent) == 0


def test_the_twilio_console_asks_for_the_phone_but_no_seat(
    tclient, make_staff, sign_in_staff, in_exam
):
    sign_in_staff(make_staff(), test_client=tclient)

    page = tclient.get("/staff/callbacks").text

    assert 'name="phone"' in page
    assert 'name="seat"' not in page
