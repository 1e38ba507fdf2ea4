"""Reports and the CSV export: masked personal data, cells a spreadsheet will not execute."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from helpdesk import csvexport
from helpdesk.tickets import handling, reports
from helpdesk.tickets.models import TicketStatus


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("登录失败", "登录失败"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_cells_that_start_like_a_formula_are_escaped(value, expected):
    assert csvexport.safe_cell(value) == expected


def test_the_export_masks_personal_data_and_escapes_formulas(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    ticket = open_ticket(owner, description="=cmd|' /C calc'!A0")
    sign_in_staff(make_staff("supervisor"))

    response = client.get("/staff/ticket-reports/tickets.csv")

    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "工单号"
    assert row["工单号"] == ticket.number
    assert row["标题"] == "'=cmd|' /C calc'!A0"
    assert row["考生姓名"] == "王**"
    assert row["电话"] == "138****8000"
    assert row["身份证号"] == owner.candidate.id_number_masked
    assert owner["id_number"] not in response.text
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_the_export_is_in_words_and_beijing_time_in_the_staff_members_language(
    client, db_session, owner, mock_exam, open_ticket, make_staff, sign_in_staff, now
):
    ticket = open_ticket(owner, exam=mock_exam, category="evidence_upload")
    ticket.breached_at = now
    db_session.flush()
    sign_in_staff(make_staff("supervisor"))

    chinese = client.get("/staff/ticket-reports/tickets.csv").text.lstrip("\ufeff")
    client.set_cookie("lang", "en")
    english = client.get("/staff/ticket-reports/tickets.csv").text.lstrip("\ufeff")

    zh = dict(zip(*list(csv.reader(io.StringIO(chinese)))[:2], strict=True))
    en = dict(zip(*list(csv.reader(io.StringIO(english)))[:2], strict=True))
    assert zh["问题"] == "佐证视频上传失败"
    assert zh["状态"] == "新工单"
    assert zh["考试场次"] == mock_exam.name
    assert zh["提交时间"] == "2023-01-04 12:00:00"  # `now` is noon, Beijing time
    assert zh["回复超时"] == "是"
    assert en["Problem"] == "Evidence video upload fails"
    assert en["Submitted at"] == "2023-01-04 12:00:00"
    assert en["Answer overdue"] == "Yes"
    for text in (chinese, english):
        assert "evidence_upload" not in text
        assert "+00:00" not in text


def test_agents_cannot_export(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff("agent"))

    assert client.get("/staff/ticket-reports/tickets.csv").status_code == 403


def test_the_report_gives_response_times_and_volumes(
    db_session, owner, open_ticket, make_staff, now
):
    agent = make_staff()
    for minutes in (10, 20, 30):
        ticket = open_ticket(owner, category="login")
        handling.reply(
            db_session,
            ticket=ticket,
            staff=agent,
            body="ok",
            now=now + timedelta(minutes=minutes),
            status=TicketStatus.RESOLVED,
        )
    open_ticket(owner, category="install")

    result = reports.report(db_session)

    assert result.total == 4
    assert {(c, s): n for c, s, n in result.by_category_session} == {
        ("install", ""): 1,
        ("login", ""): 3,
    }
    assert (
        result.first_response.count,
        result.first_response.median_minutes,
        result.first_response.p90_minutes,
    ) == (3, 20.0, 30.0)
    assert result.resolution.median_minutes == 20.0


def test_the_reports_page_shows_the_figures(client, owner, open_ticket, make_staff, sign_in_staff):
    open_ticket(owner)
    sign_in_staff(make_staff("supervisor"))

    page = client.get("/staff/ticket-reports")

    assert page.status_code == 200
    assert "共 1 个工单" in page.text
