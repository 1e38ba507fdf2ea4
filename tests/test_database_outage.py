"""A database outage seen from a signed-in person's page: 503 and Retry-After, never the
server's bare 500 (found by the exam-day rehearsal, bench/examday.py --fault-pg-kill)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from helpdesk.identity import services as identity_services


def _database_unreachable(*_args, **_kwargs):
    raise OperationalError("SELECT auth_sessions", {}, ConnectionError("database down"))


def test_a_staff_page_during_a_database_outage_answers_503_with_retry_after(
        client, make_staff, sign_in_staff, monkeypatch):
    sign_in_staff(make_staff("agent"))
    monkeypatch.setattr(identity_services, "resolve_session", _database_unreachable)

    response = client.get("/staff/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.text
    assert "database down" not in response.text

