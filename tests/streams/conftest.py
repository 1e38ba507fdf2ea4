"""The desk on a real port with committed rows, for tests that read its streamed responses
slowly while candidates write (SQLite, or PostgreSQL when HELPDESK_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from helpdesk import clock, create_app
from helpdesk.audit.models import AuditEntry
from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from helpdesk.models import Base
from helpdesk.tickets.models import Ticket
from tests.conftest import TEST_ID_HASH_KEY, TEST_TOTP_SECRET, app_config, enrol_test_app, totp_now

#: Small socket buffers on both ends: the server's generator blocks after a few rows, as it
#: does for a slow download over a real network, instead of writing the whole export into
#: loopback buffers at once.
BUFFER = 8192


class _SmallBufferHandler(WSGIRequestHandler):
    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)


@dataclass
class Desk:
    app: Any
    url: str
    host: str
    port: int

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = database(self.app).sessionmaker()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def checked_out(self) -> int:
        """Connections the desk holds right now (each one an open transaction or more)."""
        return int(database(self.app).engine.pool.checkedout())

    def wipe(self) -> None:
        engine = database(self.app).engine
        if engine.dialect.name == "sqlite":
            # Deleting 20,000 tickets with foreign keys on scans tickets.merged_into_id
            # (unindexed) once per row: minutes. The rows go all together, so checks are off.
            raw = engine.raw_connection()
            try:
                raw.execute("PRAGMA foreign_keys=OFF")
                for table in reversed(Base.metadata.sorted_tables):
                    raw.execute(f"DELETE FROM {table.name}")  # noqa: S608 (our table names)
                raw.execute("PRAGMA foreign_keys=ON")
            finally:
                raw.close()
            return
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))


@pytest.fixture(scope="package")
def desk(fresh_database, tmp_path_factory) -> Iterator[Desk]:
    url = fresh_database("streams")
    app = create_app(app_config(url, str(tmp_path_factory.mktemp("streams-uploads"))))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_SmallBufferHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Desk(app, f"http://127.0.0.1:{server.server_port}", "127.0.0.1", server.server_port)
    server.shutdown()
    database(app).engine.dispose()


@pytest.fixture
def live_desk(desk: Desk) -> Iterator[Desk]:
    desk.wipe()
    desk.app.extensions["signin_throttle"].reset()
    yield desk
    desk.wipe()


@dataclass
class Roster:
    exam_code: str
    identities: list[dict[str, str]]


@pytest.fixture
def roster(live_desk: Desk) -> Callable[..., Roster]:
    """An exam with candidates (their typed identities) and, when asked, many tickets."""

    def make(candidates: int = 5, tickets: int = 0, audit_entries: int = 0) -> Roster:
        rng = random.Random()
        now = clock.utcnow()
        identities = []
        with live_desk.session() as session:
            starts = datetime(2023, 1, 10, 3, 0, tzinfo=UTC)
            exam = ExamSession(
                code=f"EX-{uuid.uuid4().hex[:6].upper()}",
                name="formal exam",
                kind=ExamKind.FORMAL,
                download_opens=starts - timedelta(days=6),
                download_closes=starts - timedelta(days=5),
                login_opens=starts - timedelta(minutes=50),
                starts=starts,
                login_closes=starts,
                ends=starts + timedelta(minutes=10),
            )
            session.add(exam)
            key = TEST_ID_HASH_KEY
            for i in range(candidates):
                number = fake_id_number(rng)
                candidate = Candidate(
                    name=f"考生{i}",
                    id_number_hash=idnumber.keyed_hash(number, key),
                    id_number_masked=idnumber.mask(number),
                    admission_number=f"A{i:06d}",
                    phone="+8613800138000",
                    created_at=now,
                )
                candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
                session.add(candidate)
                identities.append(
                    {"name": candidate.name, "id_number": number, "admission_number": f"A{i:06d}"}
                )
            session.flush()
            first = session.scalars(
                Candidate.__table__.select().with_only_columns(Candidate.id).limit(1)
            ).one()
            if tickets:
                session.execute(
                    insert(Ticket),
                    [
                        {
                            "number": f"T{n:08d}",
                            "candidate_id": first,
                            "exam_session_id": exam.id,
                            "category": "login",
                            "priority": 3,
                            "phone": "+8613800138000",
                            "subject": f"无法登录 {n}",
                            "created_at": now,
                            "updated_at": now,
                        }
                        for n in range(tickets)
                    ],
                )
            if audit_entries:
                session.execute(
                    insert(AuditEntry),
                    [
                        {"at": now, "action": "ticket.export", "detail": {"row": n}}
                        for n in range(audit_entries)
                    ],
                )
            code = exam.code
        return Roster(code, identities)

    return make


@pytest.fixture
def staff_browser(live_desk: Desk) -> Callable[[str], requests.Session]:
    """A signed-in staff member's HTTP client (password, then the authenticator code)."""

    def make(role: str = "supervisor") -> requests.Session:
        username = f"{role}-{uuid.uuid4().hex[:6]}"
        with live_desk.session() as session:
            staff = create_staff(
                session,
                username=username,
                password="correct horse battery",
                role=Role(role),
                now=clock.utcnow(),
            )
            staff.available = True
            if role != "agent":
                enrol_test_app(staff, str(live_desk.app.config["TOTP_KEY"]))
        browser = requests.Session()
        response = browser.post(
            live_desk.url + "/staff/signin",
            data={"username": username, "password": "correct horse battery"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        if "/staff/signin/code" in response.headers["Location"]:
            response = browser.post(
                live_desk.url + "/staff/signin/code",
                data={"code": totp_now(TEST_TOTP_SECRET)},
                allow_redirects=False,
            )
            assert response.status_code == 302, response.text
        return browser

    return make


class SlowDownload:
    """A GET read a few kilobytes at a time over a socket with a small receive buffer."""

    def __init__(self, desk: Desk, path: str, cookies: dict[str, str]) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        sock.connect((desk.host, desk.port))
        self.connection = http.client.HTTPConnection(desk.host, desk.port, timeout=30)
        self.connection.sock = self.sock = sock
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.connection.request("GET", path, headers={"Cookie": cookie})
        self.response = self.connection.getresponse()
        self.received = 0

    def read(self, size: int = 4096) -> bytes:
        data = self.response.read(size)
        self.received += len(data)
        return data

    def read_all(self) -> bytes:
        data = self.response.read()
        self.received += len(data)
        return data

    def abandon(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.response.close()
        self.connection.close()


@pytest.fixture
def slow_download(live_desk: Desk) -> Callable[..., SlowDownload]:
    opened: list[SlowDownload] = []

    def start(path: str, browser: requests.Session | None = None) -> SlowDownload:
        download = SlowDownload(live_desk, path, browser.cookies.get_dict() if browser else {})
        opened.append(download)
        return download

    yield start
    for download in opened:
        download.connection.close()


def timed_candidate_sign_in(desk: Desk, identity: dict[str, str]) -> tuple[int, float]:
    """A candidate's sign-in (it writes a session row): its status and seconds taken."""
    started = time.monotonic()
    response = requests.post(desk.url + "/signin", data=identity, allow_redirects=False, timeout=60)
    return response.status_code, time.monotonic() - started


def settled(desk, seconds: float = 2.0) -> int:
    """The connections the desk holds once the server thread has had a moment to finish."""
    deadline = time.monotonic() + seconds
    while desk.checked_out() and time.monotonic() < deadline:
        time.sleep(0.05)
    return desk.checked_out()
