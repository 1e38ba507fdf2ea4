"""The candidate panel names each call in words (no answer, dialled by hand), never by its
stored code."""

from __future__ import annotations

from helpdesk.callbacks import calls, queue
from helpdesk.callbacks.models import Outcome
from tests.callbacks.conftest import IN_EXAM, later


def test_the_panel_says_how_each_call_went_in_words(
    client, db_session, make_candidate, make_staff, sign_in_staff, press, formal, settings
):
    identity = make_candidate(sessions=[formal])
    request = press(identity.candidate, formal)
    agent = make_staff()
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    calls.start_call(
        db_session, request=request, staff=agent, adapter="desk", settings=settings, now=IN_EXAM
    )
    calls.record_outcome(
        db_session,
        request=request,
        staff=agent,
        outcome=Outcome.NO_ANSWER,
        settings=settings,
        now=later(IN_EXAM, 30),
    )
    queue.claim_next(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 120))
    calls.start_call(
        db_session,
        request=request,
        staff=agent,
        adapter="desk",
        settings=settings,
        now=later(IN_EXAM, 121),
    )
    sign_in_staff(agent)

    page = client.get(f"/staff/candidates/{identity.candidate.id}/panel").text

    assert "无人接听" in page
    assert "用座机手动拨打" in page
    assert "no_answer" not in page
    assert "→ manual" not in page
