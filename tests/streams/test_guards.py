"""The rules that keep a streamed body from holding a transaction: the request's session is
closed before the body, the body cannot open another, a session that outlived its request
refuses to begin a new transaction, and only helpdesk/streaming.py streams with a context."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InvalidRequestError

from helpdesk import streaming
from helpdesk.db import SessionWhileStreaming, _close_session, get_session

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_streamed_response_closes_the_request_session_before_its_body(app, db_session):
    with app.test_request_context("/"):
        session = get_session()
        session.execute(text("SELECT 1"))
        assert session.in_transaction()

        streaming.response(iter(["a"]), mimetype="text/plain")

        assert not session.in_transaction()


def test_a_streamed_body_that_asks_for_the_request_session_fails_loudly(app, db_session):
    def body():
        get_session().execute(text("SELECT 1"))
        yield "never"

    with app.test_request_context("/"):
        response = streaming.response(body(), mimetype="text/plain", in_request_context=True)

        with pytest.raises(SessionWhileStreaming):
            b"".join(response.response)


def test_a_session_used_after_its_request_ended_refuses_instead_of_beginning_again(app, db_session):
    with app.test_request_context("/"):
        session = get_session()
        session.execute(text("SELECT 1"))
        _close_session(None)

    with pytest.raises(InvalidRequestError):
        session.execute(text("SELECT 1"))


def test_batches_read_every_row_in_key_order_each_page_in_a_session_of_its_own(app, db_session):
    sessions = []

    def fetch(session, after, limit):
        sessions.append(session)
        start = 0 if after is None else after + 1
        return [(n, f"row {n}") for n in range(start, min(start + limit, 7))]

    with app.test_request_context("/"):
        rows = list(streaming.batches(fetch, size=3))

    assert rows == [f"row {n}" for n in range(7)]
    assert len(set(map(id, sessions))) == 3
    assert not any(s.in_transaction() for s in sessions)


def test_only_the_streaming_module_streams_with_a_request_context():
    users = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "helpdesk").rglob("*.py"))
        if "stream_with_context" in path.read_text(encoding="utf-8")
    ]

    assert users == ["helpdesk/streaming.py"]
