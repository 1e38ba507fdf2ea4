"""Test fixtures: a real database (SQLite, or PostgreSQL when HELPDESK_TEST_DATABASE_URL is
set), migrated once per run; each test runs in a transaction that is rolled back.

Every run creates its own database (a temporary SQLite file, or a fresh PostgreSQL
database next to the one named), so parallel runs never see each other's rows.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from helpdesk import clock, create_app
from helpdesk.cli import upgrade
from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber, twofactor
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.identity.services import create_staff

TEST_ID_HASH_KEY = "test-id-hash-key"
#: The authenticator app of every test staff member who signs in with two factors; tests
#: compute its codes (pyotp) as a phone would.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _postgres_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[Callable[[str], str]]:
    """A factory of empty, migrated databases; all are dropped at the end of the run."""
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
    created: list[str] = []
    tmp_files: list[str] = []

    def make(label: str) -> str:
        name = f"helpdesk_{label}_{uuid.uuid4().hex[:10]}"
        if base.startswith("postgresql"):
            admin = create_engine(
                base.replace("postgresql://", "postgresql+psycopg://", 1),
                isolation_level="AUTOCOMMIT",
            )
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            created.append(name)
            url = _postgres_url(base, name)
        else:
            path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"{name}.db")
            tmp_files.append(path)
            url = f"sqlite:///{path}"
        upgrade(url)
        return url

    yield make
    if created:
        admin = create_engine(
            base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    for path in tmp_files:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


def app_config(url: str, tmp: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "ID_HASH_KEY": TEST_ID_HASH_KEY,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_DIR": tmp,
        "SERVER_NAME": None,
        "DATABASE_POOL_SIZE": 5,
    }


@pytest.fixture(scope="session")
def app(fresh_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory):
    url = fresh_database("unit")
    application = create_app(app_config(url, str(tmp_path_factory.mktemp("uploads"))))
    yield application
    database(application).engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's: a request context held open for the whole test would make
    every test-client request share one `g` (one database session, one signed-in user)."""


@pytest.fixture(autouse=True)
def _clean_slate(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reset the clock and the sign-in counters around every test."""
    clock.freeze(None)
    yield
    clock.freeze(None)
    if "app" in request.fixturenames:
        application = request.getfixturevalue("app")
        application.extensions["signin_throttle"].reset()
        limiter = application.extensions.get("limiter")
        if limiter:
            for item in limiter if isinstance(limiter, set) else [limiter]:
                item.reset()


@pytest.fixture
def db_session(app) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Requests made through the test client join the same transaction (savepoints), so
    what a view commits is visible to the test and gone afterwards.
    """
    db = database(app)
    connection = db.engine.connect()
    transaction = connection.begin()
    db.bind_to(connection)
    session = db.sessionmaker()
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        db.sessionmaker.configure(bind=db.engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    """A fixed moment, frozen for the test: 2023-01-04 12:00 Beijing time (mock day 1)."""
    moment = datetime(2023, 1, 4, 4, 0, tzinfo=UTC)
    clock.freeze(moment)
    return moment


@pytest.fixture
def make_exam(db_session: Session) -> Callable[..., ExamSession]:
    """Create an exam session; times default to the notice's formal exam (2023-01-10)."""

    def make(
        code: str | None = None,
        *,
        kind: str = "formal",
        login_opens: datetime | None = None,
        starts: datetime | None = None,
        login_closes: datetime | None = None,
        ends: datetime | None = None,
        download_opens: datetime | None = None,
        download_closes: datetime | None = None,
    ) -> ExamSession:
        starts = starts or datetime(2023, 1, 10, 3, 0, tzinfo=UTC)
        exam = ExamSession(
            code=code or f"EX-{uuid.uuid4().hex[:6].upper()}",
            name=f"{kind} exam",
            kind=ExamKind(kind),
            download_opens=download_opens or datetime(2023, 1, 4, 2, 0, tzinfo=UTC),
            download_closes=download_closes or datetime(2023, 1, 5, 15, 0, tzinfo=UTC),
            login_opens=login_opens or starts - timedelta(minutes=50),
            starts=starts,
            login_closes=login_closes or starts,
            ends=ends or starts + timedelta(minutes=10),
        )
        db_session.add(exam)
        db_session.flush()
        return exam

    return make


class Identity(dict):
    """The three identifiers a candidate types (the full ID number exists only here)."""

    candidate: Candidate


@pytest.fixture
def make_candidate(db_session: Session) -> Callable[..., Identity]:
    """Create a roster candidate; returns their typed identity with .candidate attached."""
    rng = random.Random()
    counter = iter(range(1, 10_000))

    def make(
        *,
        name: str = "张三",
        sessions: list[ExamSession] | None = None,
        phone: str = "+8613800138000",
        id_number: str | None = None,
    ) -> Identity:
        number = id_number or fake_id_number(rng)
        admission = f"T{uuid.uuid4().hex[:8].upper()}{next(counter)}"
        candidate = Candidate(
            name=name,
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=admission,
            phone=phone,
            created_at=clock.utcnow(),
        )
        for exam in sessions or []:
            candidate.enrollments.append(Enrollment(exam_session=exam, created_at=clock.utcnow()))
        db_session.add(candidate)
        db_session.flush()
        identity = Identity(name=name, id_number=number, admission_number=admission)
        identity.candidate = candidate
        return identity

    return make


def enrol_test_app(staff: Staff, totp_key: str) -> None:
    """Give staff two-factor sign-in with TEST_TOTP_SECRET, as if they had enrolled."""
    staff.totp_secret = twofactor.seal(TEST_TOTP_SECRET, totp_key)
    staff.totp_enrolled_at = clock.utcnow()


def totp_now(secret: str = TEST_TOTP_SECRET) -> str:
    """The code the test authenticator app shows at the desk's current time."""
    return pyotp.TOTP(secret).at(clock.utcnow())


@pytest.fixture
def make_staff(app, db_session: Session) -> Callable[..., Staff]:
    """Create a staff account; supervisors and admins (whom the desk requires to use two
    factors) come enrolled with TEST_TOTP_SECRET unless two_factor=False."""

    def make(
        role: str = "agent",
        *,
        username: str | None = None,
        password: str = "correct horse battery",
        two_factor: bool | None = None,
    ) -> Staff:
        staff = create_staff(
            db_session,
            username=username or f"{role}-{uuid.uuid4().hex[:6]}",
            password=password,
            role=Role(role),
            now=clock.utcnow(),
        )
        staff.available = True
        if two_factor or (two_factor is None and role != "agent"):
            enrol_test_app(staff, str(app.config["TOTP_KEY"]))
        db_session.flush()
        return staff

    return make


_CHEAP_DUMMY: list[str] = []


def use_cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheapest argon2 parameters, for tests that hash or verify hundreds of passwords
    and codes (the rules they test do not depend on the cost)."""
    from argon2 import PasswordHasher

    from helpdesk.identity import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if not _CHEAP_DUMMY:
        _CHEAP_DUMMY.append(cheap.hash("not a real password"))
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY[0])


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def sign_in_candidate(client) -> Callable[[Identity], Any]:
    def sign_in(identity: Identity, test_client=None):
        response = (test_client or client).post("/signin", data=dict(identity))
        assert response.status_code == 302, response.text
        return response

    return sign_in


@pytest.fixture
def sign_in_staff(client, db_session) -> Callable[[Staff], Any]:
    """Sign staff in through the pages: the password, then (when enrolled) the code of the
    test authenticator app. The code's time step is made unused first, so a test may sign
    the same account in twice within one frozen moment."""

    def sign_in(staff: Staff, password: str = "correct horse battery", test_client=None):
        browser = test_client or client
        response = browser.post(
            "/staff/signin", data={"username": staff.username, "password": password}
        )
        assert response.status_code == 302, response.text
        if response.headers["Location"].startswith("/staff/signin/code"):
            db_session.execute(
                update(Staff).where(Staff.id == staff.id).values(totp_last_step=None)
            )
            response = browser.post("/staff/signin/code", data={"code": totp_now()})
            assert response.status_code == 302, response.text
        return response

    return sign_in


@pytest.fixture
def api_token(client) -> Callable[[Identity], str]:
    def token(identity: Identity) -> str:
        response = client.post("/api/v1/candidate-tokens", json=dict(identity))
        assert response.status_code == 201, response.text
        return str(response.json["token"])

    return token
