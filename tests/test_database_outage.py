"""A database outage seen from a request: 503 and Retry-After, never the server's bare 500
(both found by the exam-day rehearsal, bench/examday.py --fault-pg-kill)."""

from __future__ import annotations

from flask import g
from sqlalchemy.exc import OperationalError

from helpdesk.db import _close_session
from helpdesk.identity import services as identity_services


def _database_unreachable(*_args, **_kwargs):
    raise OperationalError("SELECT auth_sessions", {}, ConnectionError("database down"))


def test_a_staff_page_during_a_database_outage_answers_503_with_retry_after(
    client, make_staff, sign_in_staff, monkeypatch
):
    sign_in_staff(make_staff("agent"))
    monkeypatch.setattr(identity_services, "resolve_session", _database_unreachable)

    response = client.get("/staff/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.text
    assert "database down" not in response.text


class _SessionOnAKilledConnection:
    invalidated = False

    def close(self):
        raise OperationalError("ROLLBACK", {}, ConnectionError("terminating connection"))

    def invalidate(self):
        self.invalidated = True


def test_a_request_whose_connection_was_killed_ends_without_an_error(app):
    session = _SessionOnAKilledConnection()
    with app.test_request_context("/"):
        g.db_session = session

        _close_session(None)

        assert "db_session" not in g
    assert session.invalidated
