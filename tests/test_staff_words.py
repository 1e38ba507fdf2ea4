"""Staff pages speak in words: spans of time as minutes and seconds, due times as the time
left, session names headed as such, in the staff member's language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from helpdesk import web


@pytest.mark.parametrize(
    ("seconds", "chinese", "english"),
    [
        (715, "11 分 55 秒", "11 min 55 s"),
        (42.4, "42 秒", "42 s"),
        (7500, "2 小时 5 分", "2 h 5 min"),
        (None, "—", "—"),
    ],
)
def test_a_span_of_time_reads_as_minutes_and_seconds(app, seconds, chinese, english):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert web.duration(seconds) == chinese
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert web.duration(seconds) == english


def test_a_due_time_reads_as_the_time_left_or_how_late_it_is(app, now):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert web.time_left(now + timedelta(minutes=12, seconds=30), now) == "还剩 12 分钟"
        assert web.time_left(now - timedelta(minutes=5), now) == "已超时 5 分钟"
        assert web.time_left(now + timedelta(hours=3), now) == "还剩 3 小时 0 分"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert web.time_left(now + timedelta(minutes=12), now) == "12 min left"


def test_the_inbox_shows_each_due_time_as_time_left(
    client, make_candidate, make_exam, make_staff, sign_in_staff, db_session, now
):
    from helpdesk.tickets import services

    candidate = make_candidate(sessions=[make_exam("MOCK-D1", kind="mock")])
    services.open_ticket(
        db_session,
        candidate=candidate.candidate,
        exam_session=None,
        category="login",
        description="登录失败",
        now=now,
    )
    sign_in_staff(make_staff())

    page = client.get("/staff/tickets").text

    due = r'<span title="2023-01-0\d \d\d:\d\d">还剩 \d+ (小时 \d+ 分|分钟)</span>'
    assert re.search(due, page)


def test_the_session_list_heads_session_names_as_such(client, make_exam, make_staff, sign_in_staff):
    make_exam("MOCK-D1", kind="mock")
    sign_in_staff(make_staff("admin"))

    page = client.get("/admin/exams").text

    assert "<th>场次名称</th>" in page
