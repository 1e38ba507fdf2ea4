"""The service-level clock follows the exam calendar, pauses for the candidate, and breaches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.jobs import find
from helpdesk.tickets import handling, services, sla
from helpdesk.tickets import settings as tickets_settings
from helpdesk.tickets.models import Ticket, TicketStatus

POLICY = sla.SlaPolicy(urgent=timedelta(minutes=15), other=timedelta(hours=24))


@pytest.mark.parametrize(
    ("kind", "offset", "target"),
    [
        ("mock", timedelta(hours=1), timedelta(minutes=15)),  # mock exam day, running
        ("formal", timedelta(minutes=-20), timedelta(minutes=15)),  # formal: waiting to start
        ("formal", timedelta(minutes=5), timedelta(minutes=15)),  # formal: in progress
        ("formal", timedelta(hours=3), timedelta(hours=24)),  # after the formal exam
        ("formal", timedelta(days=-3), timedelta(hours=24)),  # days before it
    ],
)
def test_the_first_answer_is_due_in_minutes_on_exam_days_and_hours_otherwise(
    db_session, make_exam, make_candidate, now, kind, offset, target
):
    exam = make_exam(
        kind=kind,
        starts=now - offset,
        ends=now
        - offset
        + timedelta(hours=12 if kind == "mock" else 0, minutes=0 if kind == "mock" else 10),
    )
    identity = make_candidate(sessions=[exam])

    ticket = services.open_ticket(
        db_session,
        candidate=identity.candidate,
        exam_session=exam,
        category="login",
        description="x",
        now=now,
        sla_policy=POLICY,
    )

    assert ticket.due_at - now == target


def test_a_ticket_without_an_exam_session_gets_the_hours_target(owner, open_ticket, now):
    ticket = open_ticket(owner, sla_policy=POLICY)

    assert ticket.due_at - now == timedelta(hours=24)


def test_the_clock_pauses_while_waiting_for_the_candidate_and_resumes_on_their_reply(
    db_session, owner, mock_exam, open_ticket, make_staff, now
):
    agent = make_staff()
    ticket = open_ticket(owner, exam=mock_exam, sla_policy=POLICY)

    handling.set_status(
        db_session,
        ticket=ticket,
        status=TicketStatus.WAITING_CANDIDATE,
        staff=agent,
        now=now + timedelta(minutes=5),
        policy=POLICY,
    )
    paused = (ticket.due_at, ticket.sla_paused_seconds)
    services.reply_as_candidate(
        db_session,
        ticket=ticket,
        body="截图在这里",
        now=now + timedelta(hours=2),
        sla_policy=POLICY,
    )

    assert paused == (None, 600)
    assert ticket.due_at == now + timedelta(hours=2, minutes=10)
    assert ticket.status == TicketStatus.OPEN


def test_a_staff_answer_stops_the_clock_and_a_new_question_starts_it_again(
    db_session, owner, mock_exam, open_ticket, make_staff, now
):
    agent = make_staff()
    ticket = open_ticket(owner, exam=mock_exam, sla_policy=POLICY)

    handling.reply(
        db_session, ticket=ticket, staff=agent, body="请重启客户端", now=now + timedelta(minutes=3)
    )
    stopped = ticket.due_at
    services.reply_as_candidate(
        db_session,
        ticket=ticket,
        body="还是不行",
        now=now + timedelta(minutes=30),
        sla_policy=POLICY,
    )

    assert stopped is None
    assert ticket.first_response_at == now + timedelta(minutes=3)
    assert ticket.due_at == now + timedelta(minutes=45)


def test_the_breach_job_marks_overdue_tickets_once_even_when_run_twice(
    app, db_session, owner, mock_exam, open_ticket, now
):
    late = open_ticket(owner, exam=mock_exam, sla_policy=POLICY)
    on_time = open_ticket(owner, exam=mock_exam, sla_policy=POLICY)
    on_time.due_at = now + timedelta(hours=1)
    db_session.flush()
    later = now + timedelta(minutes=20)

    first = sla.mark_breaches(db_session, now=later)
    second = sla.mark_breaches(db_session, now=later + timedelta(minutes=1))

    db_session.expire_all()
    assert (first, second) == (1, 0)
    assert db_session.get(Ticket, late.id).breached_at == later
    assert db_session.get(Ticket, on_time.id).breached_at is None


def test_the_scheduler_table_runs_the_breach_job(
    app, db_session, owner, mock_exam, open_ticket, now
):
    open_ticket(owner, exam=mock_exam, sla_policy=POLICY)
    job = find("tickets.mark_breaches")

    with app.app_context():
        marked = job.run(db_session, now + timedelta(minutes=20))

    assert (job.trigger, marked) == ("interval", 1)


def test_a_breached_ticket_is_raised_in_the_inbox(
    client, db_session, owner, mock_exam, open_ticket, make_staff, sign_in_staff, now
):
    ticket = open_ticket(owner, exam=mock_exam, sla_policy=POLICY)
    sla.mark_breaches(db_session, now=now + timedelta(minutes=16))
    sign_in_staff(make_staff())

    page = client.get("/staff/tickets?sla=breached")

    assert ticket.number in page.text
    assert "超出服务时限" in page.text
    assert db_session.scalar(select(Ticket.breached_at).where(Ticket.id == ticket.id))


def test_the_targets_come_from_the_environment():
    import config

    settings = config.from_env(
        {
            "HELPDESK_SECRET_KEY": "s",
            "HELPDESK_ID_HASH_KEY": "k",
            "HELPDESK_TICKET_SLA_URGENT_MINUTES": "5",
            "HELPDESK_TICKET_SLA_OTHER_HOURS": "48",
        }
    )

    assert tickets_settings.from_config(settings).sla == sla.SlaPolicy(
        urgent=timedelta(minutes=5), other=timedelta(hours=48)
    )


def test_a_new_ticket_uses_the_configured_target(
    client, app, owner, sign_in_candidate, now, db_session, monkeypatch
):
    configured = tickets_settings.from_config({**app.config, "TICKET_SLA_URGENT_MINUTES": 5})
    monkeypatch.setitem(app.extensions, tickets_settings.EXTENSION, configured)
    sign_in_candidate(owner)

    client.post(
        "/tickets/new",
        data={
            "category": "login",
            "exam_session": "MOCK-D1",
            "description": "登录失败",
            "phone": "",
        },
    )

    ticket = db_session.scalar(select(Ticket).where(Ticket.candidate_id == owner.candidate.id))
    assert ticket.due_at - ticket.created_at == timedelta(minutes=5)
