"""Automatic reminders on the exam calendar, with an injected clock: the configured offsets
before the download window closes and before the last mock day ends, nothing early, nothing
twice, nothing long after a missed moment, and two schedulers at once send once."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from helpdesk import clock, jobs
from helpdesk.audit.models import AuditEntry
from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate
from helpdesk.notify.models import OutboundSms
from helpdesk.reminders import auto
from helpdesk.reminders.models import Reminder, ReminderRecipient
from tests.conftest import TEST_ID_HASH_KEY
from tests.reminders.conftest import ALLOWED, SETTINGS

#: 23:00 Beijing time on 2023-01-05.
CLOSES = datetime(2023, 1, 5, 15, 0, tzinfo=UTC)


def _run(db_session, now):
    return auto.send_automatic(db_session, now=now, settings=SETTINGS, allowed_numbers=ALLOWED)


def _triggers(db_session):
    return sorted(db_session.scalars(select(Reminder.trigger)))


def test_reminders_go_at_each_offset_before_the_download_window_closes(
    db_session, make_exam, make_candidate
):
    exam = make_exam(download_closes=CLOSES)
    make_candidate(sessions=[exam])
    three_hours = CLOSES - timedelta(hours=3)

    early = _run(db_session, three_hours - timedelta(seconds=1))
    on_time = _run(db_session, three_hours)
    again = _run(db_session, three_hours + timedelta(minutes=1))

    assert early == 0
    assert on_time == 3
    assert again == 0
    assert _triggers(db_session) == [
        "download-3h:agent_failed",
        "download-3h:never_ran_agent",
        "download-3h:never_ran_phone",
    ]
    reminder = db_session.scalar(
        select(Reminder).where(Reminder.trigger == "download-3h:never_ran_agent")
    )
    assert reminder.origin == "automatic"
    assert reminder.recipients == 1
    kinds = sorted(db_session.scalars(select(OutboundSms.kind)))
    assert kinds == ["reminder_phone_check", "reminder_run_agent"]
    sms = db_session.scalar(select(OutboundSms).where(OutboundSms.kind == "reminder_run_agent"))
    assert sms.params["deadline"] == "1月5日23:00"


def test_the_24_hour_reminder_at_night_is_held_until_morning(db_session, make_exam, make_candidate):
    exam = make_exam(download_closes=CLOSES)
    make_candidate(sessions=[exam])

    _run(db_session, CLOSES - timedelta(hours=24))  # 23:00 Beijing time
    held = set(db_session.scalars(select(OutboundSms.next_attempt_at)))

    assert held == {datetime(2023, 1, 5, 0, 0, tzinfo=UTC)}  # 08:00


def test_a_moment_missed_by_more_than_the_catch_up_window_is_not_sent_late(
    db_session, make_exam, make_candidate
):
    exam = make_exam(download_closes=CLOSES)
    make_candidate(sessions=[exam])

    late = _run(db_session, CLOSES - timedelta(hours=3) + SETTINGS.catch_up)

    assert late == 0


def test_only_the_last_mock_day_gets_the_mock_reminders(db_session, make_exam, make_candidate):
    day1_starts = datetime(2023, 1, 4, 1, 0, tzinfo=UTC)
    day2_starts = datetime(2023, 1, 6, 1, 0, tzinfo=UTC)
    day1 = make_exam(kind="mock", starts=day1_starts, ends=day1_starts + timedelta(hours=8))
    day2 = make_exam(kind="mock", starts=day2_starts, ends=day2_starts + timedelta(hours=8))
    for exam in (day1, day2):
        exam.download_closes = None
        make_candidate(sessions=[exam])
    db_session.flush()

    day1_moment = _run(db_session, day1.ends - timedelta(hours=3))
    day2_moment = _run(db_session, day2.ends - timedelta(hours=3))

    assert day1_moment == 0
    assert day2_moment == 3
    assert set(db_session.scalars(select(Reminder.exam_session_id))) == {day2.id}


def test_two_schedulers_at_once_send_each_reminder_once(app):
    maker = sessionmaker(bind=database(app).engine, expire_on_commit=False)
    number = fake_id_number(random.Random())
    with maker() as session:
        exam = ExamSession(
            code=f"AUTO-{uuid.uuid4().hex[:6]}",
            name="two schedulers",
            kind=ExamKind.FORMAL,
            download_opens=CLOSES - timedelta(days=2),
            download_closes=CLOSES,
            login_opens=CLOSES + timedelta(days=4),
            starts=CLOSES + timedelta(days=4, hours=1),
            login_closes=CLOSES + timedelta(days=4, hours=1),
            ends=CLOSES + timedelta(days=4, hours=2),
        )
        candidate = Candidate(
            name="并发",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=f"A{uuid.uuid4().hex[:10].upper()}",
            phone="+8613800138000",
            created_at=CLOSES,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=CLOSES))
        session.add_all([exam, candidate])
        session.commit()
    job = jobs.find("reminders.send_automatic")
    clock.freeze(CLOSES - timedelta(hours=3))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler() -> None:
        barrier.wait()
        try:
            jobs.run_job(app, job)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with maker() as session:
            reminders = session.scalar(
                select(func.count()).where(Reminder.exam_session_id == exam.id)
            )
            messages = session.scalar(
                select(func.count()).where(OutboundSms.to == "+8613800138000")
            )
    finally:
        with maker() as session:
            ids = select(Reminder.id).where(Reminder.exam_session_id == exam.id)
            session.execute(delete(ReminderRecipient).where(ReminderRecipient.reminder_id.in_(ids)))
            session.execute(delete(Reminder).where(Reminder.exam_session_id == exam.id))
            session.execute(delete(OutboundSms).where(OutboundSms.dedupe_key.like("reminder:%")))
            session.execute(delete(AuditEntry).where(AuditEntry.action == "reminder.send"))
            session.execute(delete(Enrollment).where(Enrollment.candidate_id == candidate.id))
            session.execute(delete(Candidate).where(Candidate.id == candidate.id))
            session.execute(delete(ExamSession).where(ExamSession.id == exam.id))
            session.commit()

    assert errors == []
    assert reminders == 3
    assert messages == 2  # never ran the agent, never checked the phone: one each
