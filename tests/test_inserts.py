"""helpdesk.inserts.insert_returning_or_nothing: one INSERT, the stored row a persistent entity
that reads its defaults without another statement, a conflicting row not stored."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from helpdesk import clock
from helpdesk.callbacks.models import HelpRequest, HelpStatus
from helpdesk.inserts import insert_returning_or_nothing
from tests.statements import recorded


def _values(candidate_id: int, exam_id: int, key: str) -> dict[str, object]:
    now = clock.utcnow()
    return {
        "public_id": f"p-{key}",
        "candidate_id": candidate_id,
        "exam_session_id": exam_id,
        "idempotency_key": key,
        "source": "api",
        "phone": "+8613800138000",
        "priority": 1,
        "due_at": now,
        "created_at": now,
        "attempts": 0,
    }


def test_the_stored_row_is_a_persistent_entity_with_its_defaults_in_one_statement(
    db_session, make_candidate, make_exam
):
    exam = make_exam()
    candidate = make_candidate(sessions=[exam]).candidate

    with recorded(db_session.get_bind().engine) as seen:
        stored = insert_returning_or_nothing(
            db_session, HelpRequest, _values(candidate.id, exam.id, "key-00001")
        )
        # Columns the caller left out come back from the INSERT itself.
        read = (stored.id, stored.status, stored.claimed_by_id, stored.reason, stored.note)

    assert len(seen) == 1
    assert seen[0].lstrip().upper().startswith("INSERT")
    assert read[0] is not None
    assert read[1:] == (HelpStatus.WAITING, None, None, None)
    assert inspect(stored).persistent
    assert db_session.get(HelpRequest, stored.id) is stored
    stored.note = "changed later"
    db_session.flush()  # an UPDATE of the stored row, not a second INSERT
    assert db_session.scalar(select(HelpRequest.note).where(HelpRequest.id == stored.id)) == (
        "changed later"
    )


def test_a_row_that_breaks_a_unique_constraint_is_not_stored(db_session, make_candidate, make_exam):
    exam = make_exam()
    candidate = make_candidate(sessions=[exam]).candidate
    first = insert_returning_or_nothing(
        db_session, HelpRequest, _values(candidate.id, exam.id, "key-00002")
    )
    again = _values(candidate.id, exam.id, "key-00002") | {"public_id": "p-other"}

    assert insert_returning_or_nothing(db_session, HelpRequest, again) is None
    assert first is not None
    count = (
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.candidate_id == candidate.id)
    )
    assert db_session.scalar(count) == 1
