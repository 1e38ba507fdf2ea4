"""Queue rules: urgency, claims and their expiry, escalation, follow-ups, close-out, and the
caller IDs the desk may start with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from config import ConfigError
from helpdesk import create_app
from helpdesk.callbacks import calls, queue, services
from helpdesk.callbacks.models import HelpStatus, Outcome
from helpdesk.errors import Conflict
from helpdesk.tickets.models import Ticket
from tests.callbacks.conftest import IN_EXAM, later
from tests.conftest import app_config


def test_a_formal_exam_in_progress_is_called_before_a_mock_exam(
    db_session, make_exam, make_candidate, make_staff, press, formal, settings
):
    mock = make_exam(
        "MOCK-T",
        kind="mock",
        starts=IN_EXAM - timedelta(hours=1),
        ends=IN_EXAM + timedelta(hours=10),
    )
    mock_request = press(
        make_candidate(sessions=[mock]).candidate, mock, now=IN_EXAM - timedelta(minutes=5)
    )
    exam_request = press(make_candidate(sessions=[formal]).candidate, formal)

    claimed = queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)

    assert claimed.id == exam_request.id
    assert mock_request.priority > exam_request.priority


def test_within_a_level_the_first_to_press_is_called_first(
    db_session, make_candidate, make_staff, press, formal, settings
):
    first = press(make_candidate(sessions=[formal]).candidate, formal)
    press(make_candidate(sessions=[formal]).candidate, formal, now=later(IN_EXAM, 1))

    claimed = queue.claim_next(
        db_session, staff=make_staff(), settings=settings, now=later(IN_EXAM, 2)
    )

    assert claimed.id == first.id


def test_two_agents_never_claim_the_same_request(
    db_session, make_candidate, make_staff, press, formal, settings
):
    only = press(make_candidate(sessions=[formal]).candidate, formal)

    one = queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)
    two = queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)

    assert one.id == only.id
    assert two is None


def test_an_agent_holding_a_claim_gets_it_back_instead_of_another(
    db_session, make_candidate, make_staff, press, formal, settings
):
    press(make_candidate(sessions=[formal]).candidate, formal)
    press(make_candidate(sessions=[formal]).candidate, formal)
    agent = make_staff()

    first = queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    second = queue.claim_next(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 5))

    assert first.id == second.id


def test_a_claim_not_turned_into_a_call_in_90_seconds_returns_to_the_queue(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    slow, other = make_staff(), make_staff()
    queue.claim_next(db_session, staff=slow, settings=settings, now=IN_EXAM)

    early = queue.release_expired_claims(db_session, now=later(IN_EXAM, 89))
    released = queue.release_expired_claims(db_session, now=later(IN_EXAM, 90))
    db_session.refresh(request)
    status_after = request.status
    reclaimed = queue.claim_next(db_session, staff=other, settings=settings, now=later(IN_EXAM, 91))

    assert (early, released) == (0, 1)
    assert status_after == HelpStatus.WAITING
    assert reclaimed.claimed_by_id == other.id
    with pytest.raises(Conflict):
        calls.start_call(
            db_session,
            request=reclaimed,
            staff=slow,
            adapter="desk",
            settings=settings,
            now=later(IN_EXAM, 92),
        )


def test_an_expired_claim_can_be_taken_even_before_the_job_runs(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)

    taken = queue.claim_next(
        db_session, staff=make_staff(), settings=settings, now=later(IN_EXAM, 91)
    )

    assert taken.id == request.id


def test_escalating_opens_a_ticket_with_the_requests_context(
    db_session, make_candidate, make_staff, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal, category="login")
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)

    number = queue.escalate(
        db_session,
        request=request,
        staff=agent,
        category="login",
        description="考生无法登录，需要更换电脑",
        settings=settings,
        now=later(IN_EXAM, 60),
    )

    ticket = db_session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.candidate_id == request.candidate_id
    assert request.status == HelpStatus.COMPLETED
    assert request.ticket_number == number
    assert request.calls[-1].outcome == Outcome.ESCALATED


def test_a_request_still_open_after_its_session_ends_becomes_a_ticket_once(
    db_session, make_candidate, press, formal, settings
):
    request = press(make_candidate(sessions=[formal]).candidate, formal, category="cannot_answer")
    after_grace = formal.ends + timedelta(minutes=settings.close_grace_minutes)

    early = queue.close_ended_sessions(
        db_session, settings=settings, now=after_grace - timedelta(seconds=1)
    )
    closed = queue.close_ended_sessions(db_session, settings=settings, now=after_grace)
    again = queue.close_ended_sessions(db_session, settings=settings, now=after_grace)

    assert (early, closed, again) == (0, 1, 0)
    assert request.status == HelpStatus.CANCELLED
    assert request.ticket_number
    assert (
        db_session.scalar(select(Ticket).where(Ticket.number == request.ticket_number)).category
        == "cannot_answer"
    )


def test_a_follow_up_is_queued_once_and_after_everything_exam_related(
    db_session, make_candidate, make_staff, press, formal, settings
):
    candidate = make_candidate(sessions=[formal]).candidate
    followup = services.queue_followup(
        db_session,
        candidate=candidate,
        exam_session=formal,
        reason="upload_incomplete",
        note="2 videos missing",
        now=IN_EXAM - timedelta(minutes=1),
    )
    twice = services.queue_followup(
        db_session,
        candidate=candidate,
        exam_session=formal,
        reason="upload_incomplete",
        note="again",
        now=IN_EXAM,
    )
    pressed = press(candidate, formal)

    claimed = queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)

    assert twice.id == followup.id
    assert claimed.id == pressed.id  # a follow-up never blocks the candidate's own press
    assert followup.status == HelpStatus.WAITING


@pytest.mark.parametrize("numbers", ["+862863201710,+8613800138000", "+14155550100", "", "abc"])
def test_a_caller_id_outside_the_whitelist_refuses_to_start(numbers):
    with pytest.raises(ConfigError):
        create_app({**app_config("sqlite://", "/tmp"), "CALLER_IDS": numbers})


def test_the_whitelisted_caller_ids_start_in_any_order(tmp_path):
    app = create_app(
        {**app_config("sqlite://", str(tmp_path)), "CALLER_IDS": "028-62093080, +862863201710"}
    )

    assert app.extensions["callbacks.settings"].caller_ids == ("+862862093080", "+862863201710")


def test_a_session_that_has_ended_takes_no_new_press(db_session, make_candidate, formal, press):
    candidate = make_candidate(sessions=[formal]).candidate

    with pytest.raises(services.ValidationFailed):
        press(candidate, formal, now=datetime(2023, 1, 10, 3, 10, tzinfo=UTC))


def test_urgency_is_recomputed_when_the_formal_exam_starts(
    db_session, make_candidate, make_exam, make_staff, press, settings
):
    from helpdesk import jobs as desk_jobs
    from helpdesk.callbacks import jobs as callback_jobs

    assert desk_jobs.find("callbacks.refresh_urgency")
    formal = make_exam("FORMAL-U", kind="formal")  # waiting 10:10, exam 11:00 (Beijing)
    mock = make_exam(
        "MOCK-U",
        kind="mock",
        starts=datetime(2023, 1, 10, 2, 0, tzinfo=UTC),
        ends=datetime(2023, 1, 10, 16, 0, tzinfo=UTC),
    )
    at_1055 = datetime(2023, 1, 10, 2, 55, tzinfo=UTC)
    at_1101 = datetime(2023, 1, 10, 3, 1, tzinfo=UTC)
    early = press(make_candidate(sessions=[formal]).candidate, formal, now=at_1055)
    mock_day = press(make_candidate(sessions=[mock]).candidate, mock, now=at_1101)
    late = press(make_candidate(sessions=[formal]).candidate, formal, now=at_1101)
    assert (early.priority, late.priority, mock_day.priority) == (1, 0, 2)

    moved = callback_jobs.refresh_urgency(db_session, at_1101)
    again = callback_jobs.refresh_urgency(db_session, at_1101)
    db_session.expire_all()
    agent = make_staff()
    first = queue.claim_next(db_session, staff=agent, settings=settings, now=at_1101)

    assert (moved, again) == (1, 0)
    assert early.priority == 0
    assert mock_day.priority == 2
    assert first is not None
    assert first.id == early.id


def test_the_ticket_of_a_request_left_open_at_the_session_end_is_owed_the_desks_own_sla(
    app, db_session, make_candidate, press, formal, settings, monkeypatch
):
    from helpdesk.callbacks import jobs
    from helpdesk.tickets import settings as tickets_settings
    from helpdesk.tickets.sla import SlaPolicy

    desk = tickets_settings.Settings(sla=SlaPolicy(other=timedelta(hours=2)))
    monkeypatch.setitem(app.extensions, tickets_settings.EXTENSION, desk)
    request = press(make_candidate(sessions=[formal]).candidate, formal)
    after_grace = formal.ends + timedelta(minutes=settings.close_grace_minutes)

    assert jobs.close_ended_sessions(db_session, after_grace) == 1
    ticket = db_session.scalar(select(Ticket).where(Ticket.number == request.ticket_number))
    assert ticket.due_at == after_grace + timedelta(hours=2)  # the desk's 2 hours, not 24
