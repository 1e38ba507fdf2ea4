"""Counting the SQL statements one request sends: an app on its own migrated database (no
test transaction around it, so every statement counted is the request's own), seeded with a
formal exam in progress, candidates and an agent, and a counter on the engine's
before_cursor_execute event."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from helpdesk import clock, create_app
from helpdesk.db import database, session_scope
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from tests.conftest import TEST_ID_HASH_KEY, app_config
from tests.statements import recorded

#: 2023-01-10 11:05 Beijing time: the formal exam is in progress.
IN_EXAM = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def perf_app(fresh_database, tmp_path_factory):
    url = fresh_database("perf")
    application = create_app(app_config(url, str(tmp_path_factory.mktemp("uploads"))))
    yield application
    database(application).engine.dispose()


@pytest.fixture(scope="module")
def formal_exam(perf_app) -> str:
    code = f"FORMAL-{uuid.uuid4().hex[:4].upper()}"
    starts = datetime(2023, 1, 10, 3, 0, tzinfo=UTC)
    with perf_app.app_context(), session_scope(perf_app) as session:
        session.add(
            ExamSession(
                code=code,
                name="正式考试",
                kind=ExamKind.FORMAL,
                download_opens=starts - timedelta(days=6),
                download_closes=starts - timedelta(days=5),
                login_opens=starts - timedelta(minutes=50),
                starts=starts,
                login_closes=starts,
                ends=starts + timedelta(minutes=10),
            )
        )
    return code


@pytest.fixture
def in_exam() -> Iterator[datetime]:
    clock.freeze(IN_EXAM)
    yield IN_EXAM
    clock.freeze(None)


@pytest.fixture
def new_candidate(perf_app, formal_exam) -> Callable[[], dict[str, str]]:
    """A candidate on the formal exam's roster; returns what they type to sign in."""

    def make() -> dict[str, str]:
        number = fake_id_number(random.Random())
        admission = f"P{uuid.uuid4().hex[:10].upper()}"
        with perf_app.app_context(), session_scope(perf_app) as session:
            exam = session.query(ExamSession).filter_by(code=formal_exam).one()
            candidate = Candidate(
                name="李四",
                id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
                id_number_masked=idnumber.mask(number),
                admission_number=admission,
                phone="+8613800138000",
                created_at=clock.utcnow(),
            )
            candidate.enrollments.append(Enrollment(exam_session=exam, created_at=clock.utcnow()))
            session.add(candidate)
        return {"name": "李四", "id_number": number, "admission_number": admission}

    return make


@pytest.fixture
def api_token(perf_app, new_candidate, in_exam):
    def token() -> str:
        answer = perf_app.test_client().post("/api/v1/candidate-tokens", json=new_candidate())
        assert answer.status_code == 201, answer.text
        return str(answer.json["token"])

    return token


@pytest.fixture
def candidate_client(perf_app, new_candidate, in_exam):
    """Makes a new candidate's browser, signed in."""

    def signed_in():
        browser = perf_app.test_client()
        answer = browser.post("/signin", data=new_candidate())
        assert answer.status_code == 302, answer.text
        return browser

    return signed_in


@pytest.fixture
def agent_client(perf_app, in_exam):
    """A test client signed in as an agent (no second factor)."""
    username = f"agent-{uuid.uuid4().hex[:6]}"
    with perf_app.app_context(), session_scope(perf_app) as session:
        staff = create_staff(
            session, username=username, password=PASSWORD, role=Role.AGENT, now=clock.utcnow()
        )
        staff.available = True
    browser = perf_app.test_client()
    answer = browser.post("/staff/signin", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.text
    return browser


@pytest.fixture
def count_statements(perf_app) -> Callable[[], Any]:
    """`with count_statements() as seen:` records every statement the app sends."""
    engine = database(perf_app).engine

    def counting() -> Any:
        return recorded(engine)

    return counting


@pytest.fixture
def autocommit_modes(perf_app) -> Callable[[], Any]:
    """`with autocommit_modes() as modes:` records, for every statement the app sends,
    whether it ran in autocommit (its own transaction: no BEGIN and COMMIT round trips)."""
    engine = database(perf_app).engine

    @contextmanager
    def recording() -> Iterator[list[bool]]:
        modes: list[bool] = []

        def record(conn: Any, *_args: Any) -> None:
            modes.append(bool(conn.connection.dbapi_connection.autocommit))

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield modes
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return recording
