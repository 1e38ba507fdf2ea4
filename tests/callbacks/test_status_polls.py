"""A candidate's status poll (the API's GET and the status page's fragment) counts the queue
ahead of them once, however many figures it shows from that position."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from helpdesk.db import database

URL = "/api/v1/help-requests"


@pytest.fixture
def position_queries(app):
    """The statements that count the waiting requests ahead of one, as the engine runs them."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement.lower() and "(help_requests.priority, " in statement:
            seen.append(statement)

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def waiting(client, make_candidate, formal, api_token, in_exam):
    """Two candidates waiting; the second one's bearer headers and request id."""
    for n in range(2):
        identity = make_candidate(sessions=[formal])
        headers = {"Authorization": f"Bearer {api_token(identity)}"}
        response = client.post(
            URL,
            json={"exam_session": formal.code},
            headers={**headers, "Idempotency-Key": f"poll-key-000{n}"},
        )
    return identity, headers, response.json["id"]


def test_an_api_poll_counts_the_queue_ahead_once(
    client, waiting, position_queries, on_duty, in_exam
):
    on_duty(1, now=in_exam)
    _identity, headers, request_id = waiting
    position_queries.clear()

    response = client.get(f"{URL}/{request_id}", headers=headers)

    assert response.json["position"] == 2
    assert response.json["estimated_wait_seconds"] > 0
    assert len(position_queries) == 1


def test_a_status_page_poll_counts_the_queue_ahead_once(
    client, waiting, sign_in_candidate, position_queries
):
    identity, _headers, request_id = waiting
    sign_in_candidate(identity)
    position_queries.clear()

    fragment = client.get(f"/help/{request_id}/fragment")

    assert fragment.status_code == 200
    assert len(position_queries) == 1
