"""The ticket endpoints of the JSON API, and their OpenAPI entries."""

from __future__ import annotations

import pytest


@pytest.fixture
def bearer(api_token, owner):
    return {"Authorization": f"Bearer {api_token(owner)}"}


def test_an_exam_client_files_a_ticket_and_reads_it_back(client, bearer, owner):
    created = client.post(
        "/api/v1/tickets",
        headers=bearer,
        json={
            "category": "face_verification",
            "exam_session": "MOCK-D1",
            "description": "人脸验证失败",
            "details": {"client_message": "请正对摄像头"},
        },
    )
    number = created.json["number"]

    listed = client.get("/api/v1/tickets", headers=bearer).json
    one = client.get(f"/api/v1/tickets/{number}", headers=bearer).json

    assert created.status_code == 201
    assert created.json["status"] == "new"
    assert created.json["status_label"] == "已提交"
    assert [t["number"] for t in listed["tickets"]] == [number]
    assert one["messages"][0]["body"] == "人脸验证失败"
    assert one["exam_session"] == "MOCK-D1"


def test_a_replayed_idempotency_key_returns_the_first_ticket_with_200(client, bearer):
    body = {"category": "login", "description": "无法登录"}

    first = client.post(
        "/api/v1/tickets", headers={**bearer, "Idempotency-Key": "abc-12345"}, json=body
    )
    again = client.post(
        "/api/v1/tickets", headers={**bearer, "Idempotency-Key": "abc-12345"}, json=body
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["number"] == again.json["number"]


def test_a_candidate_adds_a_message_through_the_api(client, bearer, owner, open_ticket):
    ticket = open_ticket(owner)

    response = client.post(
        f"/api/v1/tickets/{ticket.number}/messages",
        headers=bearer,
        json={"body": "补充：换了网络也不行"},
    )

    assert response.status_code == 201
    assert response.json["author"] == "candidate"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "weather", "description": "x"}, "category"),
        ({"category": "login", "description": ""}, "description"),
        ({"category": "login"}, "description"),
        ({"category": "login", "description": "x", "exam_session": "NOT-MINE"}, "exam_session"),
        ({"category": "login", "description": "x", "phone": "12345"}, "phone"),
        ({"category": "login", "description": "x" * 5001}, "description"),
    ],
)
def test_invalid_fields_are_a_422_naming_the_field(client, bearer, body, field):
    response = client.post("/api/v1/tickets", headers=bearer, json=body)

    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_malformed_json_and_wrong_content_type_are_refused(client, bearer):
    malformed = client.post(
        "/api/v1/tickets", headers=bearer, data="{", content_type="application/json"
    )
    form = client.post("/api/v1/tickets", headers=bearer, data={"category": "login"})

    assert malformed.status_code == 400
    assert form.status_code == 415


def test_someone_elses_ticket_is_the_same_404_as_a_missing_one(
    client, make_candidate, api_token, owner, open_ticket
):
    ticket = open_ticket(owner)
    stranger = {"Authorization": f"Bearer {api_token(make_candidate(name='李雷'))}"}

    theirs = client.get(f"/api/v1/tickets/{ticket.number}", headers=stranger)
    missing = client.get("/api/v1/tickets/T-0000-0000", headers=stranger)
    message = client.post(
        f"/api/v1/tickets/{ticket.number}/messages", headers=stranger, json={"body": "x"}
    )

    assert theirs.status_code == missing.status_code == message.status_code == 404
    assert theirs.json == missing.json == message.json


def test_ticket_endpoints_need_a_token(client):
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.post("/api/v1/tickets", json={}).status_code == 401


def test_a_message_to_a_closed_ticket_is_a_conflict(
    client, db_session, bearer, owner, open_ticket, now
):
    from helpdesk.tickets.services import close_ticket

    ticket = close_ticket(db_session, ticket=open_ticket(owner), now=now)

    response = client.post(
        f"/api/v1/tickets/{ticket.number}/messages", headers=bearer, json={"body": "x"}
    )

    assert response.status_code == 409
    assert response.json["error"]["code"] == "ticket_closed"


def test_the_openapi_document_describes_every_ticket_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    assert set(paths["/api/v1/tickets"]) == {"get", "post"}
    assert set(paths["/api/v1/tickets/{number}"]) == {"get"}
    assert set(paths["/api/v1/tickets/{number}/messages"]) == {"post"}
    post = paths["/api/v1/tickets"]["post"]
    assert {"200", "201", "401", "415", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "404" in paths["/api/v1/tickets/{number}"]["get"]["responses"]
