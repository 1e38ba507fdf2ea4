"""The web help page, the status page, the queue console and the wallboard."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk.callbacks.models import HelpRequest, HelpStatus


def press_on_the_web(client, key="web-key-0001", **extra):
    return client.post(
        "/help",
        data={
            "exam_session": "FORMAL-T",
            "category": "login",
            "phone": "",
            "note": "",
            "key": key,
            **extra,
        },
    )


def test_the_help_page_shows_a_big_help_button_and_the_two_numbers(
    client, make_candidate, sign_in_candidate, formal, in_exam
):
    sign_in_candidate(make_candidate(sessions=[formal]))

    page = client.get("/help")

    assert page.status_code == 200
    assert 'id="help-button"' in page.text
    assert "求助" in page.text
    assert "028-63201710" in page.text
    assert "028-62093080" in page.text


def test_pressing_twice_on_the_web_queues_one_request_and_shows_its_status(
    client, make_candidate, sign_in_candidate, formal, in_exam, db_session
):
    sign_in_candidate(make_candidate(sessions=[formal]))

    first = press_on_the_web(client)
    second = press_on_the_web(client)
    status = client.get(first.headers["Location"])

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db_session.scalars(select(HelpRequest)).all()) == 1
    assert "切勿回拨" in status.text
    assert 'data-poll="' in status.text


def test_a_bad_phone_on_the_web_form_is_a_specific_422(
    client, make_candidate, sign_in_candidate, formal, in_exam
):
    sign_in_candidate(make_candidate(sessions=[formal]))

    response = press_on_the_web(client, phone="12345")

    assert response.status_code == 422
    assert 'class="error"' in response.text


def test_another_candidates_status_page_is_a_404(
    client, make_candidate, sign_in_candidate, formal, in_exam, press
):
    theirs = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_candidate(make_candidate(sessions=[formal]))

    response = client.get(f"/help/{theirs.public_id}/fragment")
    missing = client.get("/help/doesnotexist/fragment")

    assert response.status_code == missing.status_code == 404


def test_the_console_lists_waiting_requests_and_claim_next_opens_the_call_panel(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press
):
    request = press(make_candidate(name="李四", sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())

    fragment = client.get("/staff/callbacks/queue")
    claimed = client.post("/staff/callbacks/claim")
    panel = client.get(claimed.headers["Location"])

    assert "李四" in fragment.text
    assert claimed.headers["Location"].endswith(f"/staff/callbacks/r/{request.public_id}")
    assert 'href="tel:+8613800138000"' in panel.text
    assert "028-63201710" in panel.text


def test_recording_no_answer_on_the_console_puts_the_request_back_for_a_retry(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press, db_session
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/outcome",
        data={"outcome": "no_answer", "note": "无人接听"},
    )
    db_session.refresh(request)

    assert response.status_code == 302
    assert request.status == HelpStatus.WAITING
    assert request.attempts == 1
    assert request.calls[0].note == "无人接听"


def test_an_unknown_outcome_is_refused_with_a_422(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/outcome", data={"outcome": "vanished"}
    )

    assert response.status_code == 422


def test_the_console_escalates_a_call_into_a_ticket(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press, db_session
):
    request = press(make_candidate(sessions=[formal]).candidate, formal, category="login")
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/escalate",
        data={"category": "login", "description": "需要更换电脑后重新登录"},
    )
    db_session.refresh(request)

    assert response.status_code == 302
    assert request.status == HelpStatus.COMPLETED
    assert request.ticket_number


def test_the_wallboard_shows_the_queue_and_a_staffing_estimate(
    client, make_staff, sign_in_staff, make_candidate, make_exam, press, formal, now
):
    press(make_candidate(sessions=[formal]).candidate, formal, now=now)
    sign_in_staff(make_staff("supervisor"))

    page = client.get("/staff/callbacks/wallboard")

    assert page.status_code == 200
    assert "Erlang C" in page.text


def test_a_note_added_on_the_call_panel_is_shown_there(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/note", data={"note": "<b>考生说网络断了</b>"}
    )
    page = client.get(response.headers["Location"])

    assert "&lt;b&gt;考生说网络断了&lt;/b&gt;" in page.text


def test_an_escalation_without_a_description_comes_back_with_the_reason_and_the_request_open(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press, db_session
):
    request = press(make_candidate(sessions=[formal]).candidate, formal, category="login")
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")
    client.post(f"/staff/callbacks/r/{request.public_id}/call")  # on the phone with them
    db_session.refresh(request)
    before = request.status

    refused = [
        client.post(
            f"/staff/callbacks/r/{request.public_id}/escalate",
            data={"category": "login", "description": description},
            headers={"Accept-Language": "zh-CN"},
        )
        for description in ("", "   ")  # refused by the form, and by the ticket's own rule
    ]
    db_session.refresh(request)

    for answer, reason in zip(refused, ("请简单描述问题。", "此项不能为空。"), strict=True):
        assert answer.status_code == 422
        assert f'<p class="error" role="alert">{reason}</p>' in answer.text  # by the field
        assert "<details open>" in answer.text  # the escalation shown open, not folded away
        assert f"/staff/callbacks/r/{request.public_id}/escalate" in answer.text  # the panel
    assert request.status == before == HelpStatus.CALLING
    assert request.ticket_number is None


def test_a_note_too_long_comes_back_in_its_form_to_shorten(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    long_note = "考生说网络断了" * 300  # 2,100 characters

    refused = client.post(f"/staff/callbacks/r/{request.public_id}/note", data={"note": long_note})
    page = client.get(f"/staff/callbacks/r/{request.public_id}")

    assert refused.status_code == 422
    assert long_note in refused.text  # nothing typed is lost
    assert long_note not in page.text  # and nothing was saved


def test_a_refused_outcome_gives_its_reason_in_words_and_leads_back_to_the_panel_and_the_desk(
    client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")
    panel = f"http://localhost/staff/callbacks/r/{request.public_id}"

    response = client.post(
        f"/staff/callbacks/r/{request.public_id}/outcome",
        data={"outcome": "vanished"},
        headers={"Referer": panel, "Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert "<code>" not in response.text  # no field named by its code
    assert f'href="{panel}">返回填写页面</a>' in response.text
    assert 'href="/staff/">返回工作台</a>' in response.text


def test_a_ticket_escalated_from_a_call_is_owed_an_answer_under_the_desks_own_sla(
    app, client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press, db_session,
    monkeypatch,
):  # fmt: skip
    from datetime import timedelta

    from helpdesk.tickets import settings as tickets_settings
    from helpdesk.tickets.models import Ticket
    from helpdesk.tickets.sla import SlaPolicy

    desk = tickets_settings.Settings(sla=SlaPolicy(urgent=timedelta(minutes=5)))
    monkeypatch.setitem(app.extensions, tickets_settings.EXTENSION, desk)
    request = press(make_candidate(sessions=[formal]).candidate, formal, category="login")
    sign_in_staff(make_staff())
    client.post("/staff/callbacks/claim")

    client.post(
        f"/staff/callbacks/r/{request.public_id}/escalate",
        data={"category": "login", "description": "需要更换电脑后重新登录"},
    )
    db_session.refresh(request)
    ticket = db_session.scalar(select(Ticket).where(Ticket.number == request.ticket_number))

    assert ticket.due_at == in_exam + timedelta(minutes=5)  # the desk's 5, not the default 15


def test_each_queued_row_claims_its_own_request(
    app, client, make_candidate, make_staff, sign_in_staff, formal, in_exam, press, monkeypatch
):
    """The row's form is built once per fragment and filled in per row: each one still
    posts to its own request's claim with the CSRF token, and claims that request."""
    pressed = [
        press(make_candidate(name=name, sessions=[formal]).candidate, formal)
        for name in ("李四", "王五", "赵六")
    ]
    sign_in_staff(make_staff())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    fragment = client.get("/staff/callbacks/queue").text
    row = re.compile(r'<tr data-request="(\w+)">.*?action="([^"]+)".*?value="([^"]+)"', re.S)
    rows = row.findall(fragment)
    _id, action, token = rows[1]
    claimed = client.post(action, data={"csrf_token": token})

    assert [request_id for request_id, _action, _token in rows] == [r.public_id for r in pressed]
    assert [action for _id, action, _token in rows] == [
        f"/staff/callbacks/r/{r.public_id}/claim" for r in pressed
    ]
    assert claimed.headers["Location"].endswith(f"/staff/callbacks/r/{pressed[1].public_id}")
