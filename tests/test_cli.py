"""The operator commands: exams import, roster import, staff create, as an operator runs them."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import func, select

from helpdesk.demo import fake_id_number
from helpdesk.exams.models import ExamSession
from helpdesk.identity.models import Candidate, Staff


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def exams_file(tmp_path, items) -> str:
    path = tmp_path / "exams.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return str(path)


FORMAL = {
    "code": "2023-FORMAL",
    "name": "正式面试",
    "kind": "formal",
    "download_opens": "2023-01-04T10:00:00+08:00",
    "download_closes": "2023-01-05T23:00:00+08:00",
    "login_opens": "2023-01-10T10:10:00+08:00",
    "starts": "2023-01-10T11:00:00+08:00",
    "login_closes": "2023-01-10T11:00:00+08:00",
    "ends": "2023-01-10T11:10:00+08:00",
}


def test_exams_import_creates_then_updates_sessions(runner, tmp_path, db_session):
    first = runner.invoke(args=["exams", "import", exams_file(tmp_path, [FORMAL])])
    second = runner.invoke(
        args=["exams", "import", exams_file(tmp_path, [dict(FORMAL, name="正式面试（改）")])]
    )

    assert "2023-FORMAL: created" in first.output
    assert "2023-FORMAL: updated" in second.output
    exam = db_session.scalar(select(ExamSession).where(ExamSession.code == "2023-FORMAL"))
    assert exam.name == "正式面试（改）"
    assert exam.starts.isoformat() == "2023-01-10T03:00:00+00:00"


@pytest.mark.parametrize(
    "bad",
    [
        dict(FORMAL, starts="2023-01-10T09:00:00+08:00"),
        dict(FORMAL, kind="final"),
        dict(FORMAL, ends="yesterday"),
        dict(FORMAL, starts="2023-01-10T11:00:00"),
    ],
)
def test_exams_import_refuses_an_impossible_timetable(runner, tmp_path, db_session, bad):
    result = runner.invoke(args=["exams", "import", exams_file(tmp_path, [bad])])

    assert result.exit_code == 1
    assert "nothing was imported" in result.output or "未导入" in result.output
    assert db_session.scalar(select(func.count()).select_from(ExamSession)) == 0


def test_roster_import_prints_a_line_per_row_and_refuses_bad_files(
    runner, tmp_path, make_exam, db_session
):
    make_exam("FORMAL")
    rng = random.Random(9)
    good, bad = fake_id_number(rng), fake_id_number(rng)[:16] + "00"
    path = tmp_path / "roster.csv"
    path.write_text(
        "exam_session,name,id_number,admission_number,phone\n"
        f"FORMAL,甲,{good},ZK0001,13800138001\n"
        f"FORMAL,乙,{bad},ZK0002,13800138002\n",
        encoding="utf-8",
    )

    refused = runner.invoke(args=["roster", "import", str(path)])
    skipped = runner.invoke(args=["roster", "import", str(path), "--skip-invalid"])

    assert refused.exit_code == 1
    assert "line 2: new" in refused.output
    assert "line 3: invalid" in refused.output
    assert skipped.exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(Candidate)) == 1
    assert good not in refused.output + skipped.output


def test_staff_create_reads_the_password_from_stdin(runner, db_session):
    result = runner.invoke(
        args=["staff", "create", "li.lei", "--role", "supervisor", "--password-stdin"],
        input="a long enough secret\n",
    )

    assert result.exit_code == 0, result.output
    staff = db_session.scalar(select(Staff).where(Staff.username == "li.lei"))
    assert staff.role == "supervisor"
    assert "a long enough secret" not in staff.password_hash
    assert staff.password_hash.startswith("$argon2id$")


def test_staff_create_refuses_a_short_password(runner, db_session):
    result = runner.invoke(
        args=["staff", "create", "li.lei", "--role", "agent", "--password-stdin"], input="short\n"
    )

    assert result.exit_code == 1


def test_staff_telephony_sets_the_phone_and_the_seat_the_contact_center_rings(
    runner, db_session, make_staff
):
    agent = make_staff(username="wang.agent")

    result = runner.invoke(
        args=["staff", "telephony", "wang.agent", "--phone", "138 0000 0001", "--seat", "8001"]
    )
    refused = runner.invoke(args=["staff", "telephony", "wang.agent", "--seat", "80 01"])
    db_session.refresh(agent)

    assert result.exit_code == 0, result.output
    assert "seat 8001" in result.output
    assert (agent.phone, agent.seat) == ("+8613800000001", "8001")
    assert refused.exit_code == 1


def test_demo_seed_creates_the_notice_sessions_roster_and_staff(
    runner, db_session, tmp_path, app, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))

    result = runner.invoke(args=["demo", "seed", "--candidates", "20"])

    assert result.exit_code == 0, result.output
    codes = set(db_session.scalars(select(ExamSession.code)))
    assert codes == {"MOCK-D1", "MOCK-D2", "FORMAL"}
    assert db_session.scalar(select(func.count()).select_from(Candidate)) == 20
    assert {s.role for s in db_session.scalars(select(Staff))} == {"agent", "supervisor", "admin"}
    again = runner.invoke(args=["demo", "seed", "--candidates", "20"])
    assert again.exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(Candidate)) == 20
