"""POST/GET /api/v1/help-requests as API.md describes them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from helpdesk.callbacks.models import HelpRequest

URL = "/api/v1/help-requests"


@pytest.fixture
def candidate_token(make_candidate, formal, api_token, in_exam):
    identity = make_candidate(sessions=[formal])
    return identity, {"Authorization": f"Bearer {api_token(identity)}"}


def post(client, headers, key="key-0001-abcd", **body):
    payload = {"exam_session": "FORMAL-T", **body}
    return client.post(URL, json=payload, headers={**headers, "Idempotency-Key": key})


def test_a_press_queues_a_request_and_names_the_only_numbers_that_will_call(
    client, candidate_token
):
    _identity, headers = candidate_token

    response = post(client, headers, category="login", note="登录不了")

    assert response.status_code == 201
    body = response.json
    assert set(body) == {
        "id",
        "status",
        "position",
        "estimated_wait_seconds",
        "caller_ids",
        "message",
    }
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert body["caller_ids"] == ["028-63201710", "028-62093080"]
    assert "028-63201710" in body["message"]
    assert "回拨" in body["message"]
    assert not body["id"].isdigit()
    assert len(body["id"]) >= 16


def test_a_retried_help_request_returns_the_first_one(client, candidate_token):
    _identity, headers = candidate_token
    first = post(client, headers)

    again = post(client, headers)

    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]


def test_a_second_press_with_a_new_key_returns_the_open_request(
    client, candidate_token, db_session
):
    _identity, headers = candidate_token
    first = post(client, headers, key="first-key-123")

    second = post(client, headers, key="second-key-456", note="还是不行")

    assert second.status_code == 200
    assert second.json["id"] == first.json["id"]
    assert db_session.scalar(select(func.count()).select_from(HelpRequest)) == 1


def test_a_key_reused_with_a_different_body_is_refused(client, candidate_token):
    _identity, headers = candidate_token
    post(client, headers, note="first")

    response = post(client, headers, note="something else")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "has space in it"])
def test_a_missing_or_malformed_idempotency_key_is_refused(client, candidate_token, key):
    _identity, headers = candidate_token

    response = post(client, headers, key=key)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exam_session": "NOT-MINE"}, "exam_session"),
        ({"exam_session": "FORMAL-T", "phone": "+1 415 555 0100"}, "phone"),
        ({"exam_session": "FORMAL-T", "category": "hacking"}, "category"),
        ({"exam_session": "FORMAL-T", "note": "长" * 501}, "note"),
        ({}, "exam_session"),
    ],
)
def test_invalid_fields_get_a_422_naming_the_field(client, candidate_token, body, field):
    _identity, headers = candidate_token

    response = client.post(URL, json=body, headers={**headers, "Idempotency-Key": "abcdefgh1"})

    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_malformed_json_is_a_400_and_stores_nothing(client, candidate_token, db_session):
    _identity, headers = candidate_token

    response = client.post(
        URL,
        data="{not json",
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "abcdefgh1"},
    )

    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(HelpRequest)) == 0


def test_without_a_token_the_press_is_refused(client, formal, in_exam):
    response = client.post(
        URL, json={"exam_session": "FORMAL-T"}, headers={"Idempotency-Key": "abcdefgh1"}
    )

    assert response.status_code == 401


BAD_TOKEN = {"Authorization": "Bearer not-a-live-token"}


@pytest.mark.parametrize(
    ("headers_of", "body", "key", "status", "code"),
    [
        ("stranger", {"exam_session": "FORMAL-T"}, "key-0001-abcd", 401, "token_invalid"),
        ("stranger", {"exam_session": ""}, "key-0001-abcd", 401, "token_invalid"),
        ("stranger", {"exam_session": "FORMAL-T"}, "bad", 401, "token_invalid"),
        ("stranger", {"exam_session": "NO-SUCH"}, "key-0001-abcd", 401, "token_invalid"),
        ("candidate", {"exam_session": ""}, "key-0001-abcd", 422, "validation_failed"),
        ("candidate", {"exam_session": "FORMAL-T"}, "bad", 422, "idempotency_key_invalid"),
    ],
)
def test_a_stranger_is_told_only_to_sign_in_whatever_the_body_or_key(
    client, candidate_token, db_session, headers_of, body, key, status, code
):
    """The press signs in with its lookup; a bad token still wins over a bad body or key."""
    _identity, headers = candidate_token
    sent = BAD_TOKEN if headers_of == "stranger" else headers

    response = client.post(URL, json=body, headers={**sent, "Idempotency-Key": key})

    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code
    assert db_session.scalar(select(func.count()).select_from(HelpRequest)) == 0


def test_another_candidates_request_answers_like_a_missing_one(
    client, candidate_token, make_candidate, formal, api_token
):
    _identity, headers = candidate_token
    created = post(client, headers).json["id"]
    other = {"Authorization": f"Bearer {api_token(make_candidate(sessions=[formal]))}"}

    theirs = client.get(f"{URL}/{created}", headers=other)
    missing = client.get(f"{URL}/nosuchrequest000", headers=other)

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json == missing.json


def test_the_candidate_follows_and_cancels_their_request(client, candidate_token):
    _identity, headers = candidate_token
    created = post(client, headers).json["id"]

    followed = client.get(f"{URL}/{created}", headers=headers)
    cancelled = client.post(f"{URL}/{created}/cancel", headers=headers)
    again = client.post(f"{URL}/{created}/cancel", headers=headers)

    assert followed.json["status"] == "waiting"
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert again.status_code == 200


def test_after_cancelling_a_new_press_opens_a_new_request(client, candidate_token):
    _identity, headers = candidate_token
    first = post(client, headers, key="first-key-123").json["id"]
    client.post(f"{URL}/{first}/cancel", headers=headers)

    second = post(client, headers, key="second-key-456")

    assert second.status_code == 201
    assert second.json["id"] != first


def test_the_position_counts_the_candidates_ahead(
    client, candidate_token, make_candidate, formal, api_token, on_duty, in_exam
):
    on_duty(1, now=in_exam)
    _identity, headers = candidate_token
    post(client, headers)
    other = {"Authorization": f"Bearer {api_token(make_candidate(sessions=[formal]))}"}

    response = post(client, other, key="other-key-1")

    assert response.json["position"] == 2
    assert response.json["estimated_wait_seconds"] > 0


def test_the_message_follows_accept_language(client, candidate_token):
    _identity, headers = candidate_token

    response = post(client, {**headers, "Accept-Language": "en"})

    assert re.search(r"never call back", response.json["message"])


def test_the_openapi_document_lists_the_help_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    assert {
        "/api/v1/help-requests",
        "/api/v1/help-requests/{request_id}",
        "/api/v1/help-requests/{request_id}/cancel",
    } <= set(paths)
