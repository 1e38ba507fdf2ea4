"""`make run` runs the whole desk: `flask serve` starts the scheduler beside the web server and
stops it with it, so a staff reply's SMS leaves the outbox with nothing else started; and two
schedulers at once (two hosts for high availability) send each SMS once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, insert, select

from helpdesk import clock, create_app
from helpdesk.categories import Category
from helpdesk.db import database, make_engine, session_scope
from helpdesk.identity.models import Candidate
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.tickets.services import open_ticket
from tests.conftest import TEST_ID_HASH_KEY, app_config

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(url: str, uploads: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(
        HELPDESK_DATABASE_URL=url,
        HELPDESK_UPLOAD_DIR=str(uploads),
        HELPDESK_NOTIFIER="log",
        HELPDESK_SECRET_KEY="make-run-test-secret",
        HELPDESK_ID_HASH_KEY=TEST_ID_HASH_KEY,
        HELPDESK_TOTP_KEY="make-run-test-totp",
    )
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"gave up waiting {seconds} s for {what}")


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/livez", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _csrf(page: requests.Response) -> str:
    match = _CSRF.search(page.text)
    assert match, page.text[:300]
    return match.group(1)


def _a_candidates_ticket(url: str, tmp_path: Path) -> str:
    """A ticket a demo candidate filed (the demo seeds none)."""
    app = create_app(app_config(url, str(tmp_path / "uploads")))
    with app.app_context(), session_scope(app) as session:
        candidate = session.scalars(select(Candidate).order_by(Candidate.id)).first()
        assert candidate is not None
        ticket = open_ticket(
            session,
            candidate=candidate,
            exam_session=None,
            category=Category.LOGIN,
            description="模拟考试登录不上，提示网络错误。",
            now=clock.utcnow(),
        )
        number = ticket.number
    database(app).engine.dispose()
    return number


def test_make_run_sends_a_staff_replys_sms_with_nothing_else_started(fresh_database, tmp_path):
    url = fresh_database("makerun")
    env = _env(url, tmp_path / "uploads")
    seeded = subprocess.run(
        _flask("demo", "seed", "--candidates", "5"), cwd=ROOT, env=env, capture_output=True
    )
    assert seeded.returncode == 0, seeded.stderr.decode()[-2000:]
    port = _free_port()
    desk = f"http://127.0.0.1:{port}"
    log = (tmp_path / "desk.log").open("wb")
    server = subprocess.Popen(
        _flask("serve", "--port", str(port)), cwd=ROOT, env=env, stdout=log, stderr=log
    )
    engine = make_engine(url)
    try:
        _wait_for(lambda: _up(desk), 30, "the desk to answer")
        number = _a_candidates_ticket(url, tmp_path)
        agent = requests.Session()
        form = agent.get(desk + "/staff/signin")
        signed_in = agent.post(
            desk + "/staff/signin",
            data={"username": "agent", "password": "agent-demo-pass", "csrf_token": _csrf(form)},
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        page = agent.get(f"{desk}/staff/tickets/{number}")

        replied = agent.post(
            f"{desk}/staff/tickets/{number}/reply",
            data={
                "body": "请重新登录后再试。",
                "status": "waiting_candidate",
                "csrf_token": _csrf(page),
            },
            allow_redirects=False,
        )

        assert replied.status_code == 302

        def sent():
            with engine.connect() as connection:
                return connection.execute(
                    select(OutboundSms.status, OutboundSms.sent_at).where(
                        OutboundSms.kind == "ticket_reply"
                    )
                ).all()

        rows = _wait_for(lambda: [r for r in sent() if r.status == SmsStatus.SENT], 40, "the SMS")
        assert len(rows) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
        engine.dispose()
    output = (tmp_path / "desk.log").read_text(errors="replace")
    assert "scheduler started beside the web server" in output
    assert "SMS to" in output
    assert "scheduler stopped" in output
    children = subprocess.run(["pgrep", "-f", f"--with-parent {server.pid}"], capture_output=True)
    assert children.stdout == b""


def test_two_schedulers_at_once_send_each_sms_once(fresh_database, tmp_path):
    url = fresh_database("twoschedulers")
    env = _env(url, tmp_path / "uploads")
    engine = make_engine(url)
    tag = uuid.uuid4().hex[:8]
    with engine.begin() as connection:
        connection.execute(
            insert(OutboundSms),
            [
                {
                    "to": "+8613800138000",
                    "body": f"【考试服务】{tag} 第{n}条",
                    "kind": "ticket_reply",
                    "dedupe_key": f"{tag}:{n}",
                    "status": SmsStatus.PENDING,
                    "attempts": 0,
                    "created_at": datetime.now(UTC),
                }
                for n in range(60)
            ],
        )
    logs = [(tmp_path / f"scheduler-{i}.log").open("wb") for i in range(2)]
    schedulers = [
        subprocess.Popen(_flask("jobs", "run"), cwd=ROOT, env=env, stdout=out, stderr=out)
        for out in logs
    ]
    try:

        def pending() -> int:
            with engine.connect() as connection:
                return int(
                    connection.scalar(
                        select(func.count()).where(OutboundSms.status != SmsStatus.SENT)
                    )
                    or 0
                )

        _wait_for(lambda: pending() == 0, 60, "every SMS to be sent")
        time.sleep(16)  # one more round of both schedulers: nothing is sent again
    finally:
        for scheduler in schedulers:
            scheduler.terminate()
            scheduler.wait(timeout=20)
        for out in logs:
            out.close()
        engine.dispose()
    output = "".join((tmp_path / f"scheduler-{i}.log").read_text() for i in range(2))
    counts = [output.count(f"{tag} 第{n}条") for n in range(60)]
    assert counts == [1] * 60
