"""How often a candidate's status page asks for news: every 3 s near the call, less often the
further off it is, never slower than every 15 s; the fragment tells the page (data-next-poll)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from helpdesk.callbacks import services
from helpdesk.callbacks.estimate import WaitRange
from helpdesk.callbacks.models import HelpStatus
from helpdesk.callbacks.standing import refresh_seconds


def wait(low: int) -> WaitRange:
    return WaitRange(low=low, high=low * 2, point=low + low // 2)


@pytest.mark.parametrize(
    ("status", "place", "estimate", "seconds"),
    [
        # a technician has it, or is calling: the page shows it within 3 s
        (HelpStatus.CLAIMED, 0, None, 3),
        (HelpStatus.CALLING, 0, None, 3),
        # the first three in the queue, whatever the estimate says
        (HelpStatus.WAITING, 1, wait(900), 3),
        (HelpStatus.WAITING, 3, None, 3),
        # the call may come within half a minute, wherever the place
        (HelpStatus.WAITING, 40, wait(20), 3),
        # a tenth of the soonest wait, or the place in seconds, whichever is sooner
        (HelpStatus.WAITING, 40, wait(60), 6),
        (HelpStatus.WAITING, 8, wait(600), 8),
        # far off: every 15 s, no slower
        (HelpStatus.WAITING, 200, wait(3_000), 15),
        # nobody on duty yet (no estimate): the place alone
        (HelpStatus.WAITING, 40, None, 15),
    ],
)
def test_the_pace_follows_how_near_the_call_is(status, place, estimate, seconds):
    assert refresh_seconds(status, place=place, wait=estimate) == seconds


def next_poll(html: str) -> int | None:
    found = re.search(r'data-next-poll="(\d+)"', html)
    return int(found.group(1)) if found else None


@pytest.fixture
def queue(db_session, make_candidate, formal, press, in_exam):
    """n candidates waiting, pressed a second apart before the one a test signs in as."""

    def make(n: int) -> None:
        for k in range(n):
            ahead = make_candidate(sessions=[formal])
            press(ahead.candidate, formal, now=in_exam - timedelta(seconds=n - k))
        db_session.commit()

    return make


def test_the_first_in_the_queue_is_asked_about_every_3_seconds(
    client, db_session, make_candidate, formal, press, sign_in_candidate, in_exam
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    db_session.commit()
    sign_in_candidate(identity)

    page = client.get(f"/help/{request.public_id}")
    fragment = client.get(f"/help/{request.public_id}/fragment")

    assert "data-pause-hidden" in page.text
    assert next_poll(page.text) == 3_000
    assert next_poll(fragment.text) == 3_000


def test_far_back_in_the_queue_the_page_asks_every_15_seconds(
    client, db_session, make_candidate, formal, press, queue, sign_in_candidate, in_exam
):
    queue(30)
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    db_session.commit()
    sign_in_candidate(identity)

    fragment = client.get(f"/help/{request.public_id}/fragment")

    assert 'class="position">31<' in fragment.text
    assert next_poll(fragment.text) == 15_000


def test_a_closed_request_stops_asking(
    client, db_session, make_candidate, formal, press, sign_in_candidate, in_exam
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    services.cancel(db_session, request=request, now=in_exam)
    db_session.commit()
    sign_in_candidate(identity)

    fragment = client.get(f"/help/{request.public_id}/fragment")

    assert 'data-final="1"' in fragment.text
    assert next_poll(fragment.text) is None


URL = "/api/v1/help-requests"


def api_press(client, identity, api_token, exam) -> tuple[dict[str, str], object]:
    headers = {"Authorization": f"Bearer {api_token(identity)}"}
    answer = client.post(
        URL,
        json={"exam_session": exam.code},
        headers={**headers, "Idempotency-Key": f"pace-{identity['admission_number']}"},
    )
    return headers, answer


def test_the_api_tells_an_exam_client_the_same_pace(
    client, make_candidate, formal, api_token, queue, in_exam
):
    front = make_candidate(sessions=[formal])
    _headers, pressed = api_press(client, front, api_token, formal)
    assert pressed.status_code == 201
    assert pressed.headers["X-Poll-Interval"] == "3"

    queue(30)
    back = make_candidate(sessions=[formal])
    headers, pressed = api_press(client, back, api_token, formal)
    polled = client.get(f"{URL}/{pressed.json['id']}", headers=headers)

    assert pressed.json["position"] == 32
    assert pressed.headers["X-Poll-Interval"] == "15"
    assert polled.headers["X-Poll-Interval"] == "15"


def test_a_closed_request_gives_no_pace(client, make_candidate, formal, api_token, in_exam):
    identity = make_candidate(sessions=[formal])
    headers, pressed = api_press(client, identity, api_token, formal)
    cancelled = client.post(f"{URL}/{pressed.json['id']}/cancel", headers=headers)
    polled = client.get(f"{URL}/{pressed.json['id']}", headers=headers)

    assert cancelled.json["status"] == polled.json["status"] == "cancelled"
    assert "X-Poll-Interval" not in cancelled.headers
    assert "X-Poll-Interval" not in polled.headers


def test_the_openapi_document_names_the_pace_header(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    poll = paths["/api/v1/help-requests/{request_id}"]["get"]["responses"]["200"]
    press = paths["/api/v1/help-requests"]["post"]["responses"]
    assert "X-Poll-Interval" in poll["headers"]
    assert "X-Poll-Interval" in press["201"]["headers"]
    assert "X-Poll-Interval" in press["200"]["headers"]
