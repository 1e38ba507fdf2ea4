"""The guided retry flow at /uploads/help: readable by anyone, one step at a time, kept on
the server, and a pre-filled ticket plus the hotline after the third failed retry."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpdesk.tickets.models import Ticket
from helpdesk.uploads import guidance
from helpdesk.uploads.models import ArtifactKind, GuidanceEntry, GuidanceKind, HelpFlow

EN = {"Accept-Language": "en"}


def _current(page: str) -> tuple[str, int]:
    step = re.search(r'name="step" value="([^"]+)"', page)
    seq = re.search(r'name="seq" value="(\d+)"', page)
    assert step, "the page asks no step"
    assert seq, "the page has no step number"
    return step.group(1), int(seq.group(1))


def _answer(client, worked: str, artifact: str = "evidence_video"):
    step, seq = _current(client.get(f"/uploads/help/{artifact}", headers=EN).text)
    return client.post(
        f"/uploads/help/{artifact}/answer", data={"step": step, "seq": seq, "worked": worked}
    )


def _start(client, code: str = "E_NETWORK", artifact: str = "evidence_video", **extra):
    return client.post(f"/uploads/help/{artifact}/start", data={"error_code": code, **extra})


def test_anyone_can_read_the_guidance_without_signing_in(client):
    start = client.get("/uploads/help", headers=EN)
    choose = client.get("/uploads/help/evidence_video", headers=EN)

    assert start.status_code == 200
    assert "Evidence video" in start.text
    assert choose.status_code == 200
    assert "E_NETWORK" in choose.text
    assert "Do not uninstall" in choose.text


def test_the_flow_starts_with_keeping_the_client_open_and_explains_the_code(client):
    _start(client, "E_STORAGE")

    page = client.get("/uploads/help/evidence_video", headers=EN).text

    assert _current(page) == ("keep_open", 0)
    assert "Not enough storage" in page
    assert "Step 1 of 5" in page


def test_each_no_moves_to_the_next_step_in_order(client):
    _start(client)
    seen = []

    for _ in range(4):
        seen.append(_current(client.get("/uploads/help/evidence_video").text)[0])
        _answer(client, "no")

    assert seen == ["keep_open", "network", "storage", "retry"]


def test_after_the_third_failed_retry_a_prefilled_ticket_and_the_hotline_are_offered(
    client, make_exam, make_candidate, sign_in_candidate, db_session
):
    exam = make_exam("FORMAL-FLOW")
    sign_in_candidate(make_candidate(sessions=[exam]))
    _start(client, "E_TIMEOUT")
    for _ in range(6):  # keep_open, network, storage, retry, restart, retry again
        _answer(client, "no")

    page = client.get("/uploads/help/evidence_video", headers=EN).text

    flow = db_session.scalar(select(HelpFlow))
    assert (flow.status, flow.failed_retries, flow.answers) == ("escalated", 3, 6)
    assert 'name="step"' not in page
    assert 'data-field="category">Evidence video upload fails<' in page
    assert 'data-field="exam_session">formal exam<' in page
    assert ">evidence_upload<" not in page
    assert "FORMAL-FLOW" not in page
    assert "E_TIMEOUT" in page
    assert "400-088-0028" in page
    assert "File this problem" in page


def test_two_failed_retries_do_not_offer_a_ticket_yet(client):
    _start(client)
    for _ in range(5):
        _answer(client, "no")

    page = client.get("/uploads/help/evidence_video", headers=EN).text

    assert _current(page) == ("retry", 5)
    assert "File this problem" not in page
    assert "Retries left before we offer more help: 1" in page


def test_a_resent_answer_is_counted_once(client, db_session):
    _start(client)
    step, seq = _current(client.get("/uploads/help/evidence_video").text)

    for _ in range(3):
        client.post(
            "/uploads/help/evidence_video/answer", data={"step": step, "seq": seq, "worked": "no"}
        )

    flow = db_session.scalar(select(HelpFlow))
    assert (flow.step, flow.answers) == ("network", 1)


def test_yes_ends_the_flow_as_resolved(client, db_session):
    _start(client)
    _answer(client, "no")

    _answer(client, "yes")

    page = client.get("/uploads/help/evidence_video", headers=EN).text
    assert "the upload is complete" in page
    assert db_session.scalar(select(HelpFlow)).status == "resolved"


def test_the_flow_survives_a_reload_in_the_same_browser_but_not_in_another(app, client):
    _start(client)
    _answer(client, "no")
    other_browser = app.test_client()

    mine = client.get("/uploads/help/evidence_video").text
    theirs = other_browser.get("/uploads/help/evidence_video").text

    assert _current(mine) == ("network", 1)
    assert 'name="step"' not in theirs
    assert 'name="error_code"' in theirs


def test_a_signed_in_candidate_finds_the_flow_on_another_device(
    app, client, make_exam, make_candidate, sign_in_candidate
):
    identity = make_candidate(sessions=[make_exam()])
    sign_in_candidate(identity)
    _start(client, artifact="answer_data")
    _answer(client, "no", "answer_data")
    phone = app.test_client()
    sign_in_candidate(identity, test_client=phone)

    page = phone.get("/uploads/help/answer_data").text

    assert _current(page) == ("network", 1)


def test_a_flow_started_before_signing_in_is_kept_after(
    client, make_exam, make_candidate, sign_in_candidate, db_session
):
    identity = make_candidate(sessions=[make_exam()])
    _start(client)
    _answer(client, "no")

    sign_in_candidate(identity)
    page = client.get("/uploads/help/evidence_video").text

    assert _current(page) == ("network", 1)
    assert db_session.scalar(select(HelpFlow)).candidate_id == identity.candidate.id


def test_an_unknown_artifact_or_code_is_refused(client):
    missing = client.get("/uploads/help/holiday_photos")
    bad_code = _start(client, "DROP TABLE")
    no_code = client.post("/uploads/help/evidence_video/start", data={})

    assert missing.status_code == 404
    assert bad_code.status_code == 422
    assert no_code.status_code == 422


def test_a_malformed_answer_is_refused_and_changes_nothing(client, db_session):
    _start(client)

    response = client.post(
        "/uploads/help/evidence_video/answer",
        data={"step": "keep_open", "seq": "many", "worked": "maybe"},
    )

    assert response.status_code == 422
    assert db_session.scalar(select(HelpFlow)).answers == 0


def test_the_candidate_files_the_prefilled_ticket_once(
    client, make_exam, make_candidate, sign_in_candidate, db_session, after_exam
):
    exam = make_exam("FORMAL-TKT")
    sign_in_candidate(make_candidate(sessions=[exam]))
    _start(client, "E_SERVER")
    for _ in range(6):
        _answer(client, "no")
    form = {"description": "视频一直传不上去"}

    first = client.post("/uploads/help/evidence_video/ticket", data=form)
    again = client.post("/uploads/help/evidence_video/ticket", data=form)

    tickets = db_session.scalars(select(Ticket)).all()
    assert first.status_code == 302
    assert again.status_code == 302
    assert len(tickets) == 1
    ticket = tickets[0]
    assert ticket.category == "evidence_upload"
    assert ticket.exam_session_id == exam.id
    assert ticket.source == "upload"
    details = ticket.messages[0].details
    assert details["artifact"] == "evidence_video"
    assert "E_SERVER" in details["error_codes"]
    page = client.get("/uploads/help/evidence_video", headers=EN).text
    assert ticket.number in page


def test_a_ticket_text_the_desk_refuses_is_answered_beside_the_field_and_files_nothing(
    client, make_exam, make_candidate, sign_in_candidate, db_session, after_exam
):
    sign_in_candidate(make_candidate(sessions=[make_exam("FORMAL-BAD")]))
    _start(client, "E_SERVER")
    for _ in range(6):
        _answer(client, "no")

    blank = client.post("/uploads/help/evidence_video/ticket", data={"description": ""}, headers=EN)
    unprintable = client.post(
        "/uploads/help/evidence_video/ticket", data={"description": "\x01\x02"}, headers=EN
    )

    assert (blank.status_code, unprintable.status_code) == (422, 422)
    assert "Describe what happened." in blank.text
    assert "Describe the problem in a few words." in unprintable.text
    assert "This field cannot be empty." in unprintable.text
    assert db_session.scalars(select(Ticket)).all() == []


def test_an_anonymous_visitor_is_asked_to_sign_in_to_file(client):
    _start(client)
    for _ in range(6):
        _answer(client, "no")

    page = client.get("/uploads/help/evidence_video", headers=EN).text
    refused = client.post("/uploads/help/evidence_video/ticket", data={"description": "x"})

    assert "Sign in to file this problem" in page
    assert "400-088-0028" in page
    assert refused.status_code == 302
    assert "/signin" in refused.headers["Location"]


def test_a_supervisors_edit_reaches_candidates_at_once(
    client, make_staff, sign_in_staff, app, db_session
):
    entry = db_session.scalar(
        select(GuidanceEntry).where(
            GuidanceEntry.artifact == "evidence_video",
            GuidanceEntry.kind == "step",
            GuidanceEntry.code == "network",
        )
    )
    sign_in_staff(make_staff("supervisor"))
    data = {
        "title_zh": "换一个网络",
        "title_en": "Try another network",
        "body_zh": "换网络。",
        "body_en": "Move to another network.",
        "position": entry.position,
        "active": "y",
    }

    saved = client.post(f"/staff/uploads/guidance/{entry.id}", data=data)
    visitor = app.test_client()
    _start(visitor)
    _answer(visitor, "no")

    assert saved.status_code == 302
    assert (
        "Move to another network." in visitor.get("/uploads/help/evidence_video", headers=EN).text
    )


def test_a_new_failure_code_is_offered_without_a_release(client, make_staff, sign_in_staff, app):
    sign_in_staff(make_staff("supervisor"))
    data = {
        "artifact": "answer_data",
        "code": "e_cert",
        "title_zh": "证书错误（E_CERT）",
        "title_en": "Certificate error (E_CERT)",
        "body_zh": "检查电脑日期。",
        "body_en": "Check the PC's date.",
        "position": 60,
        "active": "y",
    }

    created = client.post("/staff/uploads/guidance/new", data=data)
    duplicate = client.post("/staff/uploads/guidance/new", data=data)

    assert created.status_code == 302
    assert duplicate.status_code == 422
    page = app.test_client().get("/uploads/help/answer_data", headers=EN).text
    assert "Certificate error (E_CERT)" in page


def test_the_last_retry_step_cannot_be_switched_off(client, make_staff, sign_in_staff, db_session):
    retries = [
        e
        for e in guidance.entries(db_session, ArtifactKind.EVIDENCE_VIDEO, GuidanceKind.STEP)
        if e.is_retry
    ]
    sign_in_staff(make_staff("supervisor"))
    base = {"title_zh": "t", "title_en": "t", "body_zh": "b", "body_en": "b", "position": 1}

    first = client.post(f"/staff/uploads/guidance/{retries[0].id}", data={**base, "is_retry": "y"})
    last = client.post(f"/staff/uploads/guidance/{retries[1].id}", data={**base, "is_retry": "y"})

    assert first.status_code == 302
    assert last.status_code == 422


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("supervisor", 200)])
def test_only_supervisors_edit_guidance(client, make_staff, sign_in_staff, role, status):
    sign_in_staff(make_staff(role))

    response = client.get("/staff/uploads/guidance")

    assert response.status_code == status
