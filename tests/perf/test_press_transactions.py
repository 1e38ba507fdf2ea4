"""A press of 求助 on PostgreSQL runs each statement as its own transaction (no BEGIN and
COMMIT round trips), and nothing it promises loosens: presses of one candidate racing each
other from many threads still store one request, and a replay still returns the first."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from helpdesk.callbacks.models import HelpRequest
from helpdesk.db import database, session_scope
from helpdesk.identity.models import Candidate
from tests.perf.test_statement_counts import press

postgres_only = pytest.mark.skipif(
    not os.environ.get("HELPDESK_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite takes its write lock with BEGIN IMMEDIATE: a press keeps its transaction",
)


@postgres_only
def test_every_statement_of_a_press_runs_in_autocommit_on_postgresql(
    perf_app, api_token, formal_exam, autocommit_modes
):
    client = perf_app.test_client()
    token = api_token()
    with autocommit_modes() as modes:
        answer = press(client, token, formal_exam)

    assert answer.status_code == 201, answer.text
    assert modes
    assert all(modes), modes
    # the connection goes back to the pool in its usual mode for the next request
    with database(perf_app).engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False


def test_racing_presses_of_one_candidate_store_one_request(perf_app, api_token, formal_exam):
    token = api_token()

    def one_press(_n: int) -> tuple[int, str]:
        answer = press(perf_app.test_client(), token, formal_exam)
        return answer.status_code, str(answer.json.get("id"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one_press, range(16)))

    assert {status for status, _ in answers} <= {200, 201}, answers
    assert len({public_id for _, public_id in answers}) == 1, answers
    with perf_app.app_context(), session_scope(perf_app) as session:
        candidate_id = session.scalar(
            select(HelpRequest.candidate_id).where(HelpRequest.public_id == answers[0][1])
        )
        stored = session.scalar(
            select(func.count())
            .select_from(HelpRequest)
            .where(HelpRequest.candidate_id == candidate_id)
        )
        assert session.get(Candidate, candidate_id) is not None
    assert stored == 1


def test_a_replayed_press_returns_the_first_request(perf_app, api_token, formal_exam):
    client, token, key = perf_app.test_client(), api_token(), uuid.uuid4().hex
    body = {"exam_session": formal_exam, "category": "login", "note": "登录不了"}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}

    first = client.post("/api/v1/help-requests", json=body, headers=headers)
    again = client.post("/api/v1/help-requests", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]


@postgres_only
def test_the_inbox_reads_in_autocommit_and_a_page_that_writes_does_not(
    agent_client, autocommit_modes
):
    """The inbox only reads: its statements (the sign-in's too) are their own transactions,
    no BEGIN or ROLLBACK around them; any page not marked keeps its transaction."""
    with autocommit_modes() as inbox:
        assert agent_client.get("/staff/tickets?status=all").status_code == 200
    with autocommit_modes() as live:
        assert agent_client.get("/staff/tickets/live").status_code == 200
    with autocommit_modes() as home:
        assert agent_client.get("/staff/").status_code == 200

    assert inbox
    assert all(inbox), inbox
    assert all(live), live
    assert not any(home), home
