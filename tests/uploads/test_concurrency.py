"""Two copies of one event arriving at the same moment (two app workers) make one row."""

# These tests commit for real (each request in its own transaction, as in production), so
# they arrange and clean up their own rows instead of using the rolled-back db_session.

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from helpdesk import clock
from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import AuthSession, Candidate
from helpdesk.uploads import services
from helpdesk.uploads.models import ArtifactKind, UploadArtifact, UploadEvent, UploadState
from tests.conftest import TEST_ID_HASH_KEY

STARTS = datetime(2023, 1, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def committed(app):
    """An exam and an enrolled candidate, committed; removed with their events afterwards."""
    maker = sessionmaker(bind=database(app).engine, expire_on_commit=False)
    number = fake_id_number(random.Random())
    with maker() as session:
        exam = ExamSession(
            code=f"RACE-{uuid.uuid4().hex[:6]}",
            name="race",
            kind=ExamKind.FORMAL,
            login_opens=STARTS - timedelta(minutes=50),
            starts=STARTS,
            login_closes=STARTS,
            ends=STARTS + timedelta(minutes=10),
        )
        candidate = Candidate(
            name="并发",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=f"R{uuid.uuid4().hex[:10].upper()}",
            phone="+8613800138000",
            created_at=STARTS,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=STARTS))
        session.add_all([exam, candidate])
        session.commit()
        identity = {
            "name": candidate.name,
            "id_number": number,
            "admission_number": candidate.admission_number,
        }
    yield maker, exam, candidate, identity
    with maker() as session:
        for model in (UploadEvent, UploadArtifact):
            session.execute(delete(model).where(model.candidate_id == candidate.id))
        session.execute(delete(AuthSession).where(AuthSession.candidate_id == candidate.id))
        session.execute(delete(Enrollment).where(Enrollment.candidate_id == candidate.id))
        session.execute(delete(Candidate).where(Candidate.id == candidate.id))
        session.execute(delete(ExamSession).where(ExamSession.id == exam.id))
        session.commit()


def _race(workers: list) -> list:
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = workers[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_the_same_event_posted_twice_at_once_is_stored_once(app, committed):
    maker, exam, candidate, identity = committed
    clock.freeze(STARTS + timedelta(minutes=20))
    token = app.test_client().post("/api/v1/candidate-tokens", json=identity).json["token"]
    bodies = [
        {
            "event_id": str(uuid.uuid4()),
            "exam_session": exam.code,
            "artifact": "evidence_video",
            "artifact_id": f"v{n % 3}",
            "state": "progress",
            "bytes_total": 10,
            "bytes_sent": n % 10,
            "occurred_at": (STARTS + timedelta(minutes=12, seconds=n)).isoformat(),
        }
        for n in range(8)
    ]

    statuses = []
    for body in bodies:
        clients = [app.test_client(), app.test_client()]
        responses = _race(
            [
                lambda c=c, b=body: c.post(
                    "/api/v1/upload-events", json=b, headers={"Authorization": f"Bearer {token}"}
                )
                for c in clients
            ]
        )
        statuses.append(sorted(r.status_code for r in responses))

    assert statuses == [[200, 201]] * len(bodies)
    with maker() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(UploadEvent)
            .where(UploadEvent.candidate_id == candidate.id)
        )
        counted = session.scalar(
            select(func.sum(UploadArtifact.events)).where(
                UploadArtifact.candidate_id == candidate.id
            )
        )
    assert stored == len(bodies)
    assert counted == len(bodies)


def test_a_copy_blocked_behind_an_uncommitted_original_answers_duplicate(app, committed):
    maker, exam, candidate, _identity = committed
    now = STARTS + timedelta(minutes=20)
    first = services.EventIn(
        event_id="same-event-0001",
        exam_session=exam.code,
        artifact=ArtifactKind.ANSWER_DATA,
        artifact_id="answers",
        state=UploadState.COMPLETED,
        occurred_at=now,
    )
    holder: Session = maker()
    holder_candidate = holder.get(Candidate, candidate.id)
    assert (
        services.record_event(holder, candidate=holder_candidate, event=first, now=now)
        == services.Outcome.RECORDED
    )
    outcome: list = []

    def copy() -> None:
        with maker() as session:
            result = services.record_event(
                session, candidate=session.get(Candidate, candidate.id), event=first, now=now
            )
            session.commit()
            outcome.append(result)

    thread = threading.Thread(target=copy)
    thread.start()
    thread.join(0.5)  # the copy now waits on the original's row (or write lock)
    holder.commit()
    holder.close()
    thread.join(30)

    assert outcome == [services.Outcome.DUPLICATE]
    with maker() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(UploadEvent)
                .where(UploadEvent.candidate_id == candidate.id)
            )
            == 1
        )
