"""The candidate sees every call: when the desk called, from which line, how it ended and when
the next call comes; the number to be called (masked, correctable while waiting); a second
press adds its note to the open request; cancelling asks first; a closed request offers
重新求助."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk import clock
from helpdesk.callbacks import calls, presence, queue
from helpdesk.callbacks.models import HelpRequest, HelpStatus, Outcome
from tests.callbacks.conftest import IN_EXAM, later

URL = "/api/v1/help-requests"


def no_answer(db_session, request, agent, settings, at):
    queue.claim_next(db_session, staff=agent, settings=settings, now=at)
    calls.start_call(
        db_session, request=request, staff=agent, adapter="desk", settings=settings, now=at
    )
    calls.record_outcome(
        db_session,
        request=request,
        staff=agent,
        outcome=Outcome.NO_ANSWER,
        settings=settings,
        now=later(at, 40),
    )


def test_after_a_missed_call_the_api_says_when_from_where_and_when_next(
    client, db_session, make_candidate, formal, api_token, on_duty, settings, in_exam
):
    (agent,) = on_duty(1)
    identity = make_candidate(sessions=[formal])
    headers = {"Authorization": f"Bearer {api_token(identity)}"}
    created = client.post(
        URL, json={"exam_session": formal.code}, headers={**headers, "Idempotency-Key": "k-miss-1"}
    )
    request = db_session.scalar(
        select(HelpRequest).where(HelpRequest.public_id == created.json["id"])
    )
    no_answer(db_session, request, agent, settings, IN_EXAM)
    clock.freeze(later(IN_EXAM, 50))
    presence.heartbeat(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 50))

    body = client.get(f"{URL}/{request.public_id}", headers=headers).json

    assert set(body) == {
        "id",
        "status",
        "position",
        "estimated_wait_seconds",
        "caller_ids",
        "message",
    }
    assert body["status"] == "waiting"
    # 11:05 Beijing time, from the first line, nobody answered; next from the other line.
    assert "我们于 11:05 使用 028-63201710 给您打过电话：无人接听" in body["message"]
    assert "使用 028-62093080 再次给您打电话" in body["message"]
    assert "11:06" in body["message"]  # the retry is due 60 s after the outcome
    assert body["estimated_wait_seconds"] >= 50


def test_the_status_page_lists_each_call_and_the_next_one(
    client, db_session, make_candidate, sign_in_candidate, formal, press, on_duty, settings, in_exam
):
    (agent,) = on_duty(1)
    identity = make_candidate(sessions=[formal], phone="+8613112349878")
    request = press(identity.candidate, formal)
    no_answer(db_session, request, agent, settings, IN_EXAM)
    sign_in_candidate(identity)
    clock.freeze(later(IN_EXAM, 50))
    presence.heartbeat(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 50))

    page = client.get(f"/help/{request.public_id}/fragment").text

    assert 'id="call-history"' in page
    assert "028-63201710" in page
    assert "无人接听" in page
    assert 'id="next-call"' in page
    assert "131****9878" in page
    assert "13112349878" not in page


def test_the_last_missed_call_says_what_happens_next(
    client, db_session, make_candidate, sign_in_candidate, formal, press, on_duty, settings, in_exam
):
    (agent,) = on_duty(1)
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    for n in range(settings.max_attempts):
        no_answer(db_session, request, agent, settings, later(IN_EXAM, 120 * n))
    sign_in_candidate(identity)

    page = client.get(f"/help/{request.public_id}").text

    assert request.status == HelpStatus.UNREACHABLE
    assert "不会再拨打" in page
    assert "已给您发送短信" in page
    assert 'id="ask-again"' in page
    assert "重新求助" in page


def test_the_candidate_corrects_the_number_while_waiting(
    client, db_session, make_candidate, sign_in_candidate, formal, press, in_exam
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    sign_in_candidate(identity)

    bad = client.post(f"/help/{request.public_id}/phone", data={"phone": "12345"})
    good = client.post(f"/help/{request.public_id}/phone", data={"phone": "131 1234 9878"})
    page = client.get(good.headers["Location"]).text
    db_session.refresh(request)

    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert good.status_code == 302
    assert request.phone == "+8613112349878"
    assert "131****9878" in page


def test_the_number_cannot_change_once_a_technician_calls(
    client,
    db_session,
    make_candidate,
    sign_in_candidate,
    formal,
    press,
    make_staff,
    settings,
    in_exam,
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    sign_in_candidate(identity)

    response = client.post(f"/help/{request.public_id}/phone", data={"phone": "13112349878"})

    assert response.status_code == 409
    assert "只有在排队等待时" in response.text


def test_a_second_press_with_a_note_adds_it_to_the_open_request(
    client, db_session, make_candidate, sign_in_candidate, formal, press, in_exam
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    sign_in_candidate(identity)

    help_page = client.get("/help").text
    again = client.post(
        "/help",
        data={
            "exam_session": formal.code,
            "category": "cannot_answer",
            "phone": "",
            "note": "摄像头黑屏",
            "key": "web-key-again-1",
        },
    )

    db_session.refresh(request)
    assert "您已在排队" in help_page
    assert again.status_code == 302
    assert again.headers["Location"].endswith(request.public_id)
    assert "摄像头黑屏" in (request.note or "")
    assert request.category == "cannot_answer"
    assert "您已在排队" in client.get(again.headers["Location"]).text


def test_cancelling_asks_for_confirmation_first(
    client, db_session, make_candidate, sign_in_candidate, formal, press, in_exam
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    sign_in_candidate(identity)

    page = client.get(f"/help/{request.public_id}").text
    cancelled = client.post(f"/help/{request.public_id}/cancel")
    after = client.get(cancelled.headers["Location"]).text
    db_session.refresh(request)

    assert '<details id="cancel-request">' in page
    assert 'id="confirm-cancel"' in page
    assert request.status == HelpStatus.CANCELLED
    assert "不会再为此给您打电话" in after
    assert 'id="ask-again"' in after
