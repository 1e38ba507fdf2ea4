"""Roster import on the admin page: every row is checked and reported, duplicates and conflicts
named, nothing dropped silently. The page hands the file to the scheduler's job (run here by
hand) and shows the report on the import's own page."""

from __future__ import annotations

import io
import random

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from helpdesk import jobs
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment
from helpdesk.identity.models import Candidate

HEADER = "exam_session,name,id_number,admission_number,phone\n"


@pytest.fixture
def rng():
    return random.Random(11)


@pytest.fixture
def admin_client(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff("admin"))
    return client


REFUSED = "未导入：请修改无效的行后重新提交文件"


def upload(client, text: str | bytes, skip_invalid: bool = False, filename: str = "roster.csv"):
    """Send the file; when it is accepted, run the import job and open the import's page."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    form = {"file": (io.BytesIO(data), filename)}
    if skip_invalid:
        form["skip_invalid"] = "y"
    response = client.post("/admin/roster/import", data=form, content_type="multipart/form-data")
    if response.status_code != 303:
        return response
    jobs.run_job(client.application, jobs.find("exams.apply_roster_imports"))
    return client.get(response.headers["Location"] + "?show=all")


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_valid_file_is_imported_and_reported_row_by_row(admin_client, make_exam, db_session, rng):
    make_exam("FORMAL")
    ids = [fake_id_number(rng) for _ in range(3)]
    text = HEADER + "".join(f"FORMAL,考生{n},{ids[n]},ZK{n:04d},1380013800{n}\n" for n in range(3))

    response = upload(admin_client, text)

    assert response.status_code == 200
    assert "New candidates: 3" in response.text or "新考生：3" in response.text
    assert count(db_session, Candidate) == 3
    assert count(db_session, Enrollment) == 3
    for number in ids:
        assert number not in response.text


def test_a_bad_check_digit_refuses_the_whole_file_and_names_the_line(
    admin_client, make_exam, db_session, rng
):
    make_exam("FORMAL")
    good = fake_id_number(rng)
    bad = fake_id_number(rng)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    text = HEADER + f"FORMAL,甲,{good},ZK0001,13800138001\nFORMAL,乙,{bad},ZK0002,13800138002\n"

    response = upload(admin_client, text)

    assert response.status_code == 200
    assert REFUSED in response.text
    assert count(db_session, Candidate) == 0
    assert '<tr class="invalid"><td>3</td>' in response.text
    assert "<strong>身份证号</strong> " in response.text
    assert "id_number 身份证" not in response.text
    assert "<code>id_number</code>" not in response.text


def test_skip_invalid_imports_the_valid_rows_and_still_reports_the_bad_ones(
    admin_client, make_exam, db_session, rng
):
    make_exam("FORMAL")
    text = HEADER + (
        f"FORMAL,甲,{fake_id_number(rng)},ZK0001,13800138001\n"
        f"FORMAL,乙,{fake_id_number(rng)},ZK0002,not-a-phone\n"
    )

    response = upload(admin_client, text, skip_invalid=True)

    assert response.status_code == 200
    assert count(db_session, Candidate) == 1
    assert '<tr class="invalid"><td>3</td>' in response.text


def test_duplicates_within_the_file_are_reported(admin_client, make_exam, db_session, rng):
    make_exam("FORMAL")
    one, two = fake_id_number(rng), fake_id_number(rng)
    text = HEADER + (
        f"FORMAL,甲,{one},ZK0001,13800138001\n"
        f"FORMAL,甲,{one},ZK0001,13800138001\n"
        f"FORMAL,乙,{two},ZK0001,13800138002\n"
        f"FORMAL,丙,{one},ZK0009,13800138003\n"
    )

    response = upload(admin_client, text)

    assert response.status_code == 200
    assert REFUSED in response.text
    assert response.text.count('class="invalid"') == 3
    assert "2" in response.text
    assert count(db_session, Candidate) == 0


def test_rows_conflicting_with_the_database_are_reported_and_repeats_are_unchanged(
    admin_client, make_exam, make_candidate, db_session, rng
):
    exam = make_exam("FORMAL")
    known = make_candidate(name="甲", sessions=[exam])
    text = HEADER + (
        f"FORMAL,甲,{known['id_number']},{known['admission_number']},13800138000\n"
        f"FORMAL,乙,{fake_id_number(rng)},{known['admission_number']},13800138001\n"
    )

    response = upload(admin_client, text, skip_invalid=True)

    assert response.status_code == 200
    assert "already on roster" in response.text or "已在名单中" in response.text
    assert response.text.count('class="invalid"') == 1
    assert count(db_session, Candidate) == 1


def test_an_xlsx_roster_is_read_like_a_csv(admin_client, make_exam, db_session, rng):
    make_exam("FORMAL")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["FORMAL", "甲", fake_id_number(rng), "ZK0001", 13800138001])
    data = io.BytesIO()
    book.save(data)

    response = upload(admin_client, data.getvalue(), filename="名单.xlsx")

    assert response.status_code == 200
    assert count(db_session, Candidate) == 1


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02binary", b"name,phone\nx,y\n", b"PK\x03\x04 not really a workbook"]
)
def test_a_file_that_is_not_a_roster_is_refused_with_a_message(admin_client, content):
    response = upload(admin_client, content)

    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_an_unknown_exam_session_is_a_row_error(admin_client, rng):
    response = upload(admin_client, HEADER + f"NOPE,甲,{fake_id_number(rng)},ZK1,13800138000\n")

    assert response.status_code == 200
    assert REFUSED in response.text
    assert "NOPE" in response.text


def test_a_supervisor_sees_the_roster_with_masked_id_numbers(
    client, make_staff, sign_in_staff, make_candidate, make_exam
):
    identity = make_candidate(name="甲", sessions=[make_exam("FORMAL")])
    sign_in_staff(make_staff("supervisor"))

    response = client.get("/admin/roster?exam_session=FORMAL")

    assert response.status_code == 200
    assert identity.candidate.id_number_masked in response.text
    assert identity["id_number"] not in response.text
