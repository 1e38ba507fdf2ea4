"""The audit log as an admin reads it: in words, filtered by staff member, action and day,
and exported as formula-escaped CSV."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.audit import labels
from helpdesk.audit.models import AuditEntry
from helpdesk.audit.services import record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client(app, make_staff, sign_in_staff):
    browser = app.test_client()
    sign_in_staff(make_staff("admin", username="admin.wang"), test_client=browser)
    return browser


@pytest.fixture
def logged(db_session, make_staff):
    """Entries by two staff members on two days (Beijing time)."""
    li, zhao = make_staff("agent", username="li.agent"), make_staff("agent", username="zhao.agent")
    record(
        db_session,
        staff=li,
        action="staff.sign_in",
        now=datetime(2023, 1, 4, 1, 0, tzinfo=UTC),
        detail={"second_factor": "totp"},
    )
    record(
        db_session,
        staff=li,
        action="ticket.reply",
        now=datetime(2023, 1, 4, 2, 0, tzinfo=UTC),
        target_type="ticket",
        target_id="T230104-0001",
        detail={"message_id": 7, "status": "waiting_candidate"},
    )
    record(
        db_session,
        staff=zhao,
        action="roster.import",
        now=datetime(2023, 1, 5, 1, 0, tzinfo=UTC),
        detail={"file": '=HYPERLINK("http://evil")', "rows": 120, "invalid": 2},
    )
    db_session.flush()
    return li, zhao


def _rows(page: str) -> list[str]:
    body = page.split('id="entries"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_actions_and_details_are_shown_in_chinese_words(admin_client, logged):
    page = admin_client.get("/admin/audit")

    assert page.status_code == 200
    rows = _rows(page.text)
    text = " ".join(rows)
    assert "导入考生名单" in text
    assert "回复工单" in text
    assert "登录" in text
    assert "等待考生回复" in text  # a ticket status in words
    assert "身份验证器应用中的验证码" in text
    assert "工单 T230104-0001" in text
    assert "ticket.reply" not in re.sub(r'title="[^"]*"', "", text)


def test_the_log_filters_by_staff_member_action_and_day(admin_client, logged):
    _li, zhao = logged

    by_staff = _rows(admin_client.get(f"/admin/audit?staff={zhao.id}").text)
    by_action = _rows(admin_client.get("/admin/audit?action=ticket.reply").text)
    by_day = _rows(admin_client.get("/admin/audit?since=2023-01-04&until=2023-01-04").text)
    next_day = _rows(admin_client.get("/admin/audit?since=2023-01-05&until=2023-01-05").text)

    assert len(by_staff) == 1
    assert "zhao.agent" in by_staff[0]
    assert len(by_action) == 1
    assert "T230104-0001" in by_action[0]
    assert {("li.agent" in r) for r in by_day} == {True}
    assert len(by_day) == 2
    assert len(next_day) == 1
    assert "zhao.agent" in next_day[0]


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2023-02-30",
        "staff=999999",
        "action=drop.tables",
        "since=2023-01-06&until=2023-01-04",
        "staff=abc",
    ],
)
def test_bad_filters_are_refused_with_a_message(admin_client, logged, query):
    response = admin_client.get(f"/admin/audit?{query}")

    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_the_csv_export_is_in_words_filtered_formula_escaped_and_itself_audited(
    admin_client, logged, db_session
):
    response = admin_client.get("/admin/audit.csv?staff=" + str(logged[1].id))

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["时间", "用户名", "姓名", "操作"]
    assert len(rows) == 2
    assert rows[1][3] == "导入考生名单"
    assert rows[1][4] == "roster.import"
    assert "文件: =HYPERLINK" in rows[1][6]  # inside the cell, not at its start
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    exported = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "audit.export")
    ).one()
    assert exported.detail == {"filters": {"staff": str(logged[1].id)}}


def test_a_cell_that_starts_like_a_formula_gets_a_quote(admin_client, db_session, make_staff):
    record(
        db_session,
        staff=make_staff("agent", username="li.agent"),
        action="=cmd|' /C calc'!A0",
        now=datetime(2023, 1, 4, 1, 0, tzinfo=UTC),
    )
    db_session.flush()

    text = admin_client.get("/admin/audit.csv").get_data(as_text=True)

    assert "'=cmd|" in text


def test_agents_and_supervisors_cannot_read_the_log(app, make_staff, sign_in_staff):
    for role in ("agent", "supervisor"):
        browser = app.test_client()
        sign_in_staff(make_staff(role), test_client=browser)
        assert browser.get("/admin/audit").status_code == 403
        assert browser.get("/admin/audit.csv").status_code == 403


def _recorded_actions() -> set[str]:
    """Every action code the desk's source passes to a record() call."""
    found = set()
    for path in (ROOT / "helpdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if not name.endswith("record"):
                continue
            arguments = [*node.args, *(k.value for k in node.keywords if k.arg == "action")]
            for value in (v for a in arguments for v in ast.walk(a)):  # "a" if x else "b" too
                if isinstance(value, ast.Constant) and re.fullmatch(
                    r"[a-z_]+\.[a-z_]+", str(value.value)
                ):
                    found.add(str(value.value))
    return found


def test_every_action_the_desk_records_has_words():
    recorded = _recorded_actions()

    assert {"roster.import", "ticket.reply", "staff.sign_in", "staff.disable"} <= recorded
    assert sorted(recorded - set(labels.ACTION_LABELS)) == []
