"""Acceptance, for real: the agent runs as its own process against the desk served on a real
port, collects this machine's (Linux) facts, measures bandwidth over loopback, uploads, and
the report appears for staff."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from helpdesk import clock, create_app
from helpdesk.db import database, session_scope
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from helpdesk.readiness.models import DeviceReport
from tests.conftest import TEST_ID_HASH_KEY, app_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def desk(fresh_database, tmp_path_factory) -> Iterator[Any]:
    app = create_app(app_config(fresh_database("agent"), str(tmp_path_factory.mktemp("up"))))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    database(app).engine.dispose()


def enrol(app) -> dict[str, str]:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    admission = f"ZK{random.randrange(10**8):08d}"
    with session_scope(app) as session:
        exam = session.scalar(select(ExamSession).where(ExamSession.code == "MOCK-D1"))
        if exam is None:
            exam = ExamSession(
                code="MOCK-D1",
                name="模拟考试",
                kind=ExamKind.MOCK,
                login_opens=now,
                starts=now,
                login_closes=now,
                ends=now.replace(year=now.year + 1),
            )
        candidate = Candidate(
            name="张三",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=admission,
            phone="+8613800138000",
            created_at=now,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
        session.add(candidate)
    return {"name": "张三", "id_number": number, "admission_number": admission}


def run_agent(url: str, identity: dict[str, str], tmp_path: Path, *extra: str):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "diagnostics",
            "--server",
            url,
            "--exam-session",
            "MOCK-D1",
            "--name",
            identity["name"],
            "--id-number",
            identity["id_number"],
            "--admission-number",
            identity["admission_number"],
            "--json",
            "--save-dir",
            str(tmp_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=str(tmp_path),
    )


def test_the_agent_measures_uploads_and_staff_see_the_report(desk, tmp_path):
    identity = enrol(desk)

    result = run_agent(desk.url, identity, tmp_path, "--bandwidth-seconds", "2")

    report = json.loads(result.stdout)
    assert result.returncode in (0, 1, 2), result.stderr
    assert report["facts"]["os"]["family"] == "linux"
    assert report["facts"]["bandwidth"]["download_mbps_p10"] > 4
    assert report["facts"]["bandwidth"]["upload_mbps_p10"] > 4
    assert report["verdict"] == "fail"  # Linux is not Windows 7/10, judged by the desk
    staff = desk.test_client()
    with session_scope(desk) as session:
        stored = session.scalar(
            select(DeviceReport).where(DeviceReport.code == report["report_code"])
        )
        assert stored is not None
        assert stored.verdict == "fail"
        assert stored.platform == "linux"
        create_staff(
            session,
            username=f"s{stored.id}",
            password="correct horse battery",
            role=Role.AGENT,
            now=clock.utcnow(),
        )
    staff.post(
        "/staff/signin", data={"username": f"s{stored.id}", "password": "correct horse battery"}
    )
    page = staff.get("/staff/readiness/MOCK-D1")
    assert report["report_code"] in page.text
    assert identity["id_number"] not in result.stdout + result.stderr


def test_a_forged_pass_uploaded_by_hand_is_judged_again(desk):
    identity = enrol(desk)
    client = desk.test_client()
    token = client.post("/api/v1/candidate-tokens", json=identity).json["token"]

    answer = client.post(
        "/api/v1/diagnostics/reports",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "agent_version": "1.0.0",
            "profile_version": "notice-2023-01",
            "platform": "linux",
            "collected_at": "2023-01-04T12:00:00+08:00",
            "verdict": "pass",
            "facts": {"os": {"family": "linux", "version": "6", "build": None, "name": "Linux"}},
        },
    )

    assert answer.status_code == 201
    assert answer.json["verdict"] == "fail"


def test_a_zipapp_built_for_the_desk_reports_there_without_being_told(desk, tmp_path):
    identity = enrol(desk)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "diagnostics" / "build.py"),
            str(tmp_path),
            "--server",
            desk.url,
        ],
        check=True,
        capture_output=True,
    )

    result = subprocess.run(
        [
            sys.executable,
            str(tmp_path / "helpdesk-agent.pyz"),
            "--name",
            identity["name"],
            "--id-number",
            identity["id_number"],
            "--admission-number",
            identity["admission_number"],
            "--json",
            "--no-bandwidth",
            "--save-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(tmp_path),
    )

    report = json.loads(result.stdout)
    assert report["report_code"], result.stderr
    with session_scope(desk) as session:
        assert (
            session.scalar(
                select(DeviceReport.id).where(DeviceReport.code == report["report_code"])
            )
            is not None
        )
