"""The one statement behind a press's answer (estimate.desk_and_ahead) says what the separate
queries say: the agents on duty, how many hold a request, the learned call length from a
mixed history (a test click, real calls, a forgotten outcome), and the place in the queue."""

from __future__ import annotations

import math

import pytest

from helpdesk.callbacks import calls, estimate, queue, services, standing
from helpdesk.callbacks.models import Outcome
from tests.callbacks.conftest import IN_EXAM, later


def test_the_one_statement_agrees_with_the_queries_it_replaces(
    db_session, make_candidate, formal, press, settings, on_duty
):
    agents = on_duty(3)
    seconds = [3, 200, 5000]  # clamped to 5 and 3600 as call_length() does
    for agent, length in zip(agents, seconds, strict=True):
        request = press(make_candidate(sessions=[formal]).candidate, formal)
        queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
        calls.start_call(
            db_session, request=request, staff=agent, adapter="desk", settings=settings, now=IN_EXAM
        )
        calls.record_outcome(
            db_session,
            request=request,
            staff=agent,
            outcome=Outcome.RESOLVED,
            settings=settings,
            now=later(IN_EXAM, length),
        )
    busy = press(make_candidate(sessions=[formal]).candidate, formal)
    queue.claim_next(db_session, staff=agents[0], settings=settings, now=later(IN_EXAM, 10))
    waiting = [press(make_candidate(sessions=[formal]).candidate, formal) for _ in range(3)]
    now = later(IN_EXAM, 20)

    desk, ahead = estimate.desk_and_ahead(
        db_session, settings=settings, now=now, behind=waiting[-1]
    )

    ids = estimate.on_duty_ids(db_session, settings=settings, now=now)
    learned = estimate.learned_length(db_session, settings=settings, now=now)
    assert busy.claimed_by_id == agents[0].id
    assert desk.agents == len(ids) == 3
    assert desk.busy == estimate.busy_count(db_session, ids) == 1
    assert desk.length.calls == learned.calls == 3
    assert desk.length.mean == pytest.approx(learned.mean)
    assert desk.length.sd == pytest.approx(learned.sd)
    assert ahead + 1 == standing.position(db_session, waiting[-1]) == 3


def test_sums_and_lists_give_the_same_call_length():
    lengths = [3.0, 200.0, 95.5, 5000.0, 0.0, 61.0]
    seen = [min(estimate.LONGEST, max(estimate.SHORTEST, x)) for x in lengths if x > 0]

    from_list = estimate.call_length(lengths, prior=180.0, prior_calls=20)
    from_sums = estimate.call_length_of_sums(
        len(seen), sum(seen), sum(x * x for x in seen), prior=180.0, prior_calls=20
    )

    assert from_sums.mean == pytest.approx(from_list.mean)
    assert math.isclose(from_sums.sd, from_list.sd, rel_tol=1e-9)


def test_what_the_insert_reads_beside_a_new_request_agrees_with_the_desk_statement(
    db_session, make_candidate, formal, press, settings, on_duty
):
    """On PostgreSQL a press's INSERT also reads the desk and its place in the queue; the
    answer must be what desk_and_ahead reads afterwards (three wait at the same moment,
    one earlier, one agent holds a request)."""
    agents = on_duty(2)
    earlier = press(make_candidate(sessions=[formal]).candidate, formal, now=later(IN_EXAM, -30))
    queue.claim_next(db_session, staff=agents[0], settings=settings, now=IN_EXAM)
    for _ in range(3):
        press(make_candidate(sessions=[formal]).candidate, formal)
    candidate = make_candidate(sessions=[formal]).candidate

    request, created = services.request_help(
        db_session,
        candidate=candidate,
        data=services.HelpInput(exam_session=formal.code),
        idempotency_key="read-with-the-insert",
        source="api",
        now=IN_EXAM,
        settings=settings,
    )
    first = estimate.desk_and_ahead(db_session, settings=settings, now=IN_EXAM, behind=request)
    again = estimate.desk_and_ahead(db_session, settings=settings, now=IN_EXAM, behind=request)

    assert created
    assert earlier.claimed_by_id == agents[0].id
    assert first == again
    assert (first[0].agents, first[0].busy, first[1]) == (2, 1, 3)
    assert standing.position(db_session, request) == 4


def test_every_place_in_the_queue_is_the_order_technicians_are_given_requests(
    db_session, make_candidate, formal, press
):
    # Mixed priorities, and pairs pressed in the same microsecond (the id decides).
    moments = [0, 5, 5, 9, 2, 2, 7]
    priorities = [1, 0, 1, 1, 0, 1, 2]
    requests = [press(make_candidate(sessions=[formal]).candidate, formal) for _ in moments]
    for request, seconds, priority in zip(requests, moments, priorities, strict=True):
        request.created_at, request.priority = later(IN_EXAM, seconds), priority
    db_session.flush()
    # The order claim_next hands them out in.
    served = sorted(requests, key=lambda r: (r.priority, r.created_at, r.id))

    places = [standing.position(db_session, request) for request in served]

    assert places == list(range(1, len(served) + 1))
