"""Admins create and edit exam sessions in the desk, in Beijing time, checked by the same
rules as `flask exams import` and told what to fix in words; others cannot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from helpdesk.exams.models import ExamSession

FORMAL = {
    "code": "FORMAL-2",
    "name": "正式面试（补考）",
    "kind": "formal",
    "download_opens": "2023-01-04T10:00",
    "download_closes": "2023-01-05T23:00",
    "login_opens": "2023-01-10T10:10",
    "starts": "2023-01-10T11:00",
    "login_closes": "2023-01-10T11:00",
    "ends": "2023-01-10T11:10",
}


@pytest.fixture
def admin(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff("admin"))
    return client


def test_an_admin_creates_a_session_in_beijing_time(admin, db_session):
    response = admin.post("/admin/exams/new", data=FORMAL)

    assert response.status_code == 302
    exam = db_session.scalar(select(ExamSession).where(ExamSession.code == "FORMAL-2"))
    assert exam.name == "正式面试（补考）"
    assert exam.starts == datetime(2023, 1, 10, 3, 0, tzinfo=UTC)
    assert exam.download_closes == datetime(2023, 1, 5, 15, 0, tzinfo=UTC)


def test_an_admin_edits_a_session_and_its_code_stays(admin, db_session, make_exam):
    exam = make_exam("MOCK-D1", kind="mock")

    form = admin.get("/admin/exams/MOCK-D1/edit").text
    response = admin.post(
        "/admin/exams/MOCK-D1/edit", data=dict(FORMAL, code="OTHER", name="模拟考试第一天")
    )

    assert 'value="2023-01-10T11:00"' in form
    assert response.status_code == 302
    db_session.refresh(exam)
    assert exam.code == "MOCK-D1"
    assert exam.name == "模拟考试第一天"


@pytest.mark.parametrize(
    ("change", "field_words"),
    [
        ({"starts": "2023-01-10T10:00"}, "开考时间须在开放登录之后"),
        ({"login_closes": "2023-01-10T12:00"}, "截止登录须在开放登录之后"),
        ({"download_closes": ""}, "下载时段的开始和结束须同时填写"),
        ({"download_closes": "2023-01-03T10:00"}, "下载时段的结束须晚于开始"),
        ({"code": "模拟 一"}, "只能用字母、数字"),
        ({"name": ""}, "1 到 200 个字"),
        ({"ends": ""}, "请填写日期和时间"),
        ({"starts": "tomorrow"}, "starts"),
    ],
)
def test_a_session_that_breaks_the_import_rules_is_refused_in_words(
    admin, db_session, change, field_words
):
    response = admin.post("/admin/exams/new", data=dict(FORMAL, **change))

    assert response.status_code == 422
    if field_words != "starts":
        assert field_words in response.text
    assert db_session.scalar(select(ExamSession).where(ExamSession.code == "FORMAL-2")) is None


def test_a_second_session_with_the_same_code_is_refused(admin, make_exam):
    make_exam("FORMAL-2")

    response = admin.post("/admin/exams/new", data=FORMAL)

    assert response.status_code == 409
    assert "已有使用此代码的考试场次" in response.text


def test_supervisors_see_the_sessions_but_cannot_edit_them(
    client, make_staff, sign_in_staff, make_exam
):
    make_exam("MOCK-D1", kind="mock")
    sign_in_staff(make_staff("supervisor"))

    listing = client.get("/admin/exams").text

    assert "/admin/exams/new" not in listing
    assert client.get("/admin/exams/MOCK-D1/edit").status_code == 403
    assert client.post("/admin/exams/new", data=FORMAL).status_code == 403
