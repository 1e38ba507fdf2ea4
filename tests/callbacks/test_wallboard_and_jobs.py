"""The supervisor's figures, the staffing estimate, and the scheduler's callback jobs."""

from __future__ import annotations

from datetime import timedelta

from helpdesk import jobs
from helpdesk.callbacks import calls, queue, stats
from helpdesk.callbacks.models import HelpStatus, Outcome
from tests.callbacks.conftest import IN_EXAM, later


def test_a_bigger_roster_needs_more_technicians():
    small = stats.erlang_c_agents(calls_per_second=10 / 600, call_seconds=180)
    large = stats.erlang_c_agents(calls_per_second=100 / 600, call_seconds=180)

    assert 0 < small < large
    assert large > 100 / 600 * 180  # more agents than the offered load, or the queue grows


def test_the_wallboard_reports_how_fast_candidates_were_called(
    db_session, make_candidate, make_staff, press, formal, settings
):
    agent = make_staff()
    quick = press(make_candidate(sessions=[formal]).candidate, formal)
    slow = press(make_candidate(sessions=[formal]).candidate, formal)
    press(make_candidate(sessions=[formal]).candidate, formal)
    for request, delay in ((quick, 30), (slow, 200)):
        queue.claim_next(db_session, staff=agent, settings=settings, now=later(IN_EXAM, delay))
        calls.start_call(
            db_session,
            request=request,
            staff=agent,
            adapter="desk",
            settings=settings,
            now=later(IN_EXAM, delay),
        )
        calls.record_outcome(
            db_session,
            request=request,
            staff=agent,
            outcome=Outcome.RESOLVED,
            settings=settings,
            now=later(IN_EXAM, delay + 60),
        )

    board = stats.wallboard(db_session, settings=settings, now=later(IN_EXAM, 300))

    assert board["total_waiting"] == 1
    assert board["today_total"] == 3
    assert board["median_to_call"] == 30
    assert board["p90_to_call"] == 200
    assert round(board["within_two_minutes"], 2) == 0.33
    assert board["unreachable_share"] == 0
    assert board["oldest_wait"] == 300


def test_the_scheduler_returns_expired_claims_and_closes_out_ended_sessions(
    app, db_session, make_candidate, make_staff, press, formal, settings
):
    claimed = press(make_candidate(sessions=[formal]).candidate, formal)
    waiting = press(make_candidate(sessions=[formal]).candidate, formal)
    queue.claim_next(db_session, staff=make_staff(), settings=settings, now=IN_EXAM)
    db_session.commit()

    with app.app_context():
        from helpdesk import clock

        clock.freeze(later(IN_EXAM, 120))
        released = jobs.run_job(app, jobs.find("callbacks.release_expired_claims"))
        clock.freeze(formal.ends + timedelta(minutes=31))
        closed = jobs.run_job(app, jobs.find("callbacks.close_ended_sessions"))
        settled = jobs.run_job(app, jobs.find("telephony.settle_unknown_calls"))
    db_session.expire_all()

    assert (released, closed, settled) == (1, 2, 0)
    assert claimed.status == waiting.status == HelpStatus.CANCELLED
    assert claimed.ticket_number
    assert waiting.ticket_number
