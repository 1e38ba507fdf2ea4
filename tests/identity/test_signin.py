"""Candidate sign-in with name, ID number and admission number: one answer for any mismatch,
throttling per identity and address."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete

from helpdesk import clock
from helpdesk.identity.models import AuthSession, SessionKind
from helpdesk.identity.services import open_session


@pytest.fixture
def identity(make_candidate, make_exam):
    return make_candidate(name="李四", sessions=[make_exam("FORMAL")])


def test_a_candidate_signs_in_with_the_three_identifiers_and_sees_their_exam(client, identity, now):
    response = client.post("/signin", data=dict(identity))

    assert response.status_code == 302
    home = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert "李四" in home.text
    assert identity.candidate.id_number_masked in home.text
    assert identity["id_number"] not in home.text


@pytest.mark.parametrize(
    ("field", "wrong"), [("name", "王五"), ("admission_number", "T0000000"), ("id_number", None)]
)
def test_any_wrong_identifier_gets_the_same_answer(
    client, api_token, identity, field, wrong, make_candidate
):
    other = make_candidate(name="赵六")
    typed = dict(identity, **{field: wrong or other["id_number"]})

    web = client.post("/signin", data=typed)
    api = client.post("/api/v1/candidate-tokens", json=typed)

    assert web.status_code == 401
    assert "do not match" in web.text or "不一致" in web.text
    assert api.status_code == 401
    assert api.json["error"]["code"] == "identity_mismatch"
    assert "fields" not in api.json["error"]


def test_the_mismatch_message_is_identical_whichever_field_is_wrong(
    client, identity, make_candidate
):
    other = make_candidate(name="赵六")
    bodies = set()
    for field, value in (
        ("name", "王五"),
        ("admission_number", "TNOPE"),
        ("id_number", other["id_number"]),
    ):
        response = client.post("/api/v1/candidate-tokens", json=dict(identity, **{field: value}))
        bodies.add(response.get_data())

    assert len(bodies) == 1


def test_names_match_despite_spaces_and_full_width_characters(client, make_candidate):
    identity = make_candidate(name="阿依古丽·买买提")

    response = client.post(
        "/api/v1/candidate-tokens", json=dict(identity, name=" 阿依古丽•买买提 ")
    )

    assert response.status_code == 201


def test_a_malformed_id_number_names_the_field(client, identity):
    response = client.post(
        "/api/v1/candidate-tokens", json=dict(identity, id_number=identity["id_number"][:17])
    )

    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"id_number"}


def test_a_malformed_id_number_on_the_web_form_is_shown_beside_the_field(client, identity):
    response = client.post("/signin", data=dict(identity, id_number="abc"))

    assert response.status_code == 422
    assert 'class="field has-error"' in response.text


def test_the_sixth_wrong_attempt_for_one_admission_number_is_throttled(client, identity):
    wrong = dict(identity, name="王五")
    statuses = [client.post("/api/v1/candidate-tokens", json=wrong).status_code for _ in range(5)]

    sixth = client.post("/api/v1/candidate-tokens", json=wrong)
    right = client.post("/api/v1/candidate-tokens", json=dict(identity))

    assert statuses == [401] * 5
    assert sixth.status_code == 429
    assert 0 < int(sixth.headers["Retry-After"]) <= 15 * 60
    assert right.status_code == 429  # the identity is locked for the window, not the guesser


def test_one_candidate_locked_out_does_not_lock_out_classmates_behind_the_same_nat(
    client, identity, make_candidate
):
    classmate = make_candidate(name="周七")
    for _ in range(6):
        client.post("/signin", data=dict(identity, name="王五"))

    response = client.post("/signin", data=dict(classmate))

    assert response.status_code == 302


def test_the_web_form_answers_429_with_retry_after(client, identity):
    for _ in range(5):
        client.post("/signin", data=dict(identity, name="王五"))

    response = client.post("/signin", data=dict(identity, name="王五"))

    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_a_candidate_token_shows_only_the_masked_id_number(client, identity):
    response = client.post("/api/v1/candidate-tokens", json=dict(identity))

    assert response.status_code == 201
    body = response.json
    assert body["candidate"]["id_number_masked"] == identity.candidate.id_number_masked
    assert identity["id_number"] not in response.text
    assert body["expires_at"]


def test_staff_sign_in_with_a_wrong_password_is_refused(client, make_staff):
    staff = make_staff("agent")

    response = client.post(
        "/staff/signin", data={"username": staff.username, "password": "wrong password"}
    )

    assert response.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_a_deactivated_staff_account_loses_its_session(
    client, make_staff, sign_in_staff, db_session
):
    staff = make_staff("agent")
    sign_in_staff(staff)
    assert client.get("/staff/").status_code == 200

    staff.active = False
    db_session.flush()

    assert client.get("/staff/").status_code == 302


def test_mass_guessing_against_one_exam_session_trips_its_ceiling(
    app, client, make_exam, make_candidate
):
    exam = make_exam("FORMAL")
    victims = [make_candidate(name=f"考生{n}", sessions=[exam]) for n in range(3)]
    app.extensions["signin_throttle"].exam.item.amount = 4  # a small ceiling for the test
    try:
        for victim in victims[:2]:
            for _ in range(2):
                client.post("/api/v1/candidate-tokens", json=dict(victim, name="王五"))

        response = client.post("/api/v1/candidate-tokens", json=dict(victims[2]))
    finally:
        app.extensions["signin_throttle"].exam.item.amount = app.config[
            "SIGNIN_FAILURES_PER_SESSION"
        ]

    assert response.status_code == 429


def test_a_candidate_token_works_until_it_expires_and_is_then_refused_in_words(
    client, identity, now
):
    answer = client.post("/api/v1/candidate-tokens", json=dict(identity))
    token = answer.json["token"]
    expires = datetime.fromisoformat(answer.json["expires_at"].replace("Z", "+00:00"))

    def follow() -> object:
        return client.get(
            "/api/v1/help-requests/no-such-request",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"},
        )

    assert follow().status_code == 404  # signed in: that request just does not exist
    clock.freeze(expires + timedelta(seconds=1))
    refused = follow()

    assert refused.status_code == 401
    assert refused.json["error"] == {"code": "token_invalid", "message": "登录已过期，请重新登录。"}


def test_a_revoked_or_unknown_candidate_token_is_refused(client, identity, api_token, db_session):
    token = api_token(identity)
    db_session.execute(delete(AuthSession))
    db_session.flush()

    for sent in (token, token + "x", "x" * 300):
        refused = client.get(
            "/api/v1/help-requests/no-such-request", headers={"Authorization": f"Bearer {sent}"}
        )
        assert refused.status_code == 401
        assert refused.json["error"]["code"] == "token_invalid"


def test_a_staff_session_cannot_stand_in_for_a_candidate_token(client, make_staff, db_session):
    staff = make_staff("agent")
    token, _row = open_session(
        db_session,
        kind=SessionKind.STAFF_WEB,
        now=clock.utcnow(),
        ttl=timedelta(hours=1),
        staff=staff,
    )
    db_session.flush()

    refused = client.get(
        "/api/v1/help-requests/no-such-request", headers={"Authorization": f"Bearer {token}"}
    )

    assert refused.status_code == 401
