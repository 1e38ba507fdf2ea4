"""Sending a reminder: one templated SMS per candidate in the outbox in words, at most one of
a kind per candidate per Beijing day, held through the quiet hours, an audit row saying who
sent what to how many; the pages that preview and send it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from helpdesk.audit.models import AuditEntry
from helpdesk.identity.models import Role
from helpdesk.notify.models import OutboundSms
from helpdesk.reminders import services
from helpdesk.reminders.models import Reminder, ReminderRecipient, Segment
from tests.reminders.conftest import ALLOWED, SETTINGS

#: 12:00 Beijing time.
NOON = datetime(2023, 1, 4, 4, 0, tzinfo=UTC)


def _send(db_session, exam, segment, now, check_id=None, staff=None):
    preview = services.preview(
        db_session,
        exam=exam,
        segment=segment,
        check_id=check_id,
        now=now,
        settings=SETTINGS,
        allowed_numbers=ALLOWED,
    )
    return preview, services.send(
        db_session,
        preview=preview,
        staff=staff,
        now=now,
        settings=SETTINGS,
        allowed_numbers=ALLOWED,
    )


def _outbox(db_session):
    return list(db_session.scalars(select(OutboundSms).order_by(OutboundSms.id)))


def test_a_reminder_puts_one_message_per_candidate_in_words_in_the_outbox(
    db_session, make_exam, make_candidate, make_staff
):
    exam = make_exam()
    phones = ["+8613800138001", "+8613800138002"]
    for phone in phones:
        make_candidate(sessions=[exam], phone=phone, name="王小明")
    supervisor = make_staff(role=Role.SUPERVISOR)

    preview, reminder = _send(db_session, exam, Segment.NEVER_RAN_AGENT, NOON, staff=supervisor)
    rows = _outbox(db_session)

    assert preview.count == 2
    assert preview.sample == ["王**", "王**"]
    assert sorted(r.to for r in rows) == phones
    assert {r.kind for r in rows} == {"reminder_run_agent"}
    assert rows[0].params == {
        "deadline": "1月5日23:00",
        "url": "https://ks.example.cn/readiness",
        "hotline": "400-088-0028",
    }
    assert "1月5日23:00" in rows[0].body
    assert rows[0].body.startswith("您还未检测考试用电脑")
    assert "https://ks.example.cn/readiness" in rows[0].body
    assert rows[0].next_attempt_at == NOON
    assert rows[0].status == "pending"
    assert reminder is not None
    assert reminder.recipients == 2
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "reminder.send"))
    assert entry.staff_id == supervisor.id
    assert entry.target_id == exam.code
    assert entry.detail["recipients"] == 2
    assert entry.detail["kind"] == "reminder_run_agent"


def test_the_link_in_the_message_carries_no_personal_data(db_session, make_exam, make_candidate):
    exam = make_exam()
    identity = make_candidate(sessions=[exam])

    _send(db_session, exam, Segment.NEVER_RAN_AGENT, NOON)
    (row,) = _outbox(db_session)

    assert row.params["url"] == SETTINGS.check_url
    for personal in (
        identity.candidate.admission_number,
        identity["name"],
        str(identity.candidate.id),
    ):
        assert personal not in row.params["url"]


def test_a_candidate_gets_one_reminder_of_a_kind_per_beijing_day(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    first = make_candidate(sessions=[exam]).candidate
    _send(db_session, exam, Segment.NEVER_RAN_AGENT, NOON)
    second = make_candidate(sessions=[exam]).candidate

    preview, again = _send(db_session, exam, Segment.NEVER_RAN_AGENT, NOON + timedelta(hours=8))
    phone_kind, _ = _send(db_session, exam, Segment.NEVER_RAN_PHONE, NOON + timedelta(hours=8))
    # 00:30 Beijing time the next day: quiet, held to 08:00, a new day.
    _, next_day = _send(
        db_session, exam, Segment.NEVER_RAN_AGENT, NOON + timedelta(hours=12, minutes=30)
    )

    assert (preview.count, preview.skipped) == (1, 1)
    assert again is not None
    assert (again.recipients, again.skipped) == (1, 1)
    recipients = db_session.scalars(
        select(ReminderRecipient.candidate_id).where(ReminderRecipient.reminder_id == again.id)
    ).all()
    assert recipients == [second.id]
    assert phone_kind.count == 2
    assert next_day is not None
    assert next_day.recipients == 2
    assert first.id != second.id


@pytest.mark.parametrize(
    ("beijing", "goes_at"),
    [
        ((20, 59), (20, 59)),
        ((21, 0), (8, 0)),  # quiet from 21:00 ...
        ((23, 30), (8, 0)),
        ((7, 59), (8, 0)),  # ... to 08:00
        ((8, 0), (8, 0)),
    ],
)
def test_no_message_goes_in_the_quiet_hours_it_is_held_until_they_end(
    db_session, make_exam, make_candidate, beijing, goes_at
):
    exam = make_exam()
    make_candidate(sessions=[exam])
    hour, minute = beijing
    now = datetime(2023, 1, 4, hour, minute, tzinfo=UTC) - timedelta(hours=8)

    preview, _ = _send(db_session, exam, Segment.NEVER_RAN_AGENT, now)
    (row,) = _outbox(db_session)

    local = row.next_attempt_at.astimezone(services.ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == goes_at
    assert row.next_attempt_at >= now
    assert row.next_attempt_at - now <= timedelta(hours=11)
    assert preview.send_at == row.next_attempt_at


def test_a_failed_pc_reminder_names_each_candidates_failed_check_in_words(
    db_session, make_exam, make_candidate, report
):
    exam = make_exam()
    memory = make_candidate(sessions=[exam], phone="+8613800138001").candidate
    updates = make_candidate(sessions=[exam], phone="+8613800138002").candidate
    report(memory, at=NOON - timedelta(hours=1), verdict="fail", failed=("memory",))
    report(updates, at=NOON - timedelta(hours=1), verdict="fail", failed=("auto_updates",))

    _send(db_session, exam, Segment.AGENT_FAILED, NOON)
    rows = {r.to: r for r in _outbox(db_session)}

    assert rows["+8613800138001"].params["check"] == "内存"
    assert rows["+8613800138002"].params["check"] == "系统自动更新"
    assert "系统自动更新" in rows["+8613800138002"].body


def test_the_supervisor_previews_then_sends_from_the_page(
    client, db_session, make_exam, make_candidate, make_staff, sign_in_staff, now
):
    exam = make_exam()
    make_candidate(sessions=[exam], name="李雷")
    sign_in_staff(make_staff(role=Role.SUPERVISOR))

    page = client.get(f"/staff/reminders/{exam.code}/new?segment=never_ran_agent")
    sent = client.post(f"/staff/reminders/{exam.code}", data={"segment": "never_ran_agent"})
    readiness = client.get(sent.headers["Location"])

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李*" in html
    assert "李雷" not in html
    assert "1月5日23:00" in html
    assert sent.status_code == 302
    assert db_session.scalar(select(Reminder)).recipients == 1
    assert "reminder-effects" in readiness.get_data(as_text=True)


def test_bad_input_is_a_translated_422_and_agents_cannot_send(
    client, db_session, make_exam, make_staff, sign_in_staff, now
):
    exam = make_exam()
    sign_in_staff(make_staff(role=Role.SUPERVISOR))

    unknown = client.get(f"/staff/reminders/{exam.code}/new?segment=everyone")
    early = client.get(f"/staff/reminders/{exam.code}/new?segment=uploads_incomplete")
    check = client.get(f"/staff/reminders/{exam.code}/new?segment=agent_failed&check=x")
    missing = client.get("/staff/reminders/NO-SUCH/new?segment=never_ran_agent")
    client.post("/staff/sign-out")
    sign_in_staff(make_staff(role=Role.AGENT))
    as_agent = client.post(f"/staff/reminders/{exam.code}", data={"segment": "never_ran_agent"})

    assert (unknown.status_code, early.status_code, check.status_code) == (422, 422, 422)
    assert missing.status_code == 404
    assert as_agent.status_code == 403
    assert db_session.scalar(select(Reminder)) is None
