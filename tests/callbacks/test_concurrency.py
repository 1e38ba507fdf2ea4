"""Concurrent presses and claims on committed rows, as the app servers meet them, and calls
of several agents placed at once by the scheduler."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from helpdesk.callbacks import calls, jobs, queue, services
from helpdesk.callbacks.models import CallAttempt, HelpRequest, HelpStatus, Outcome
from helpdesk.callbacks.settings import Settings
from helpdesk.db import database, make_engine
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.identity.services import create_staff
from helpdesk.telephony.dialer import DialResult
from helpdesk.telephony.states import CallState
from tests.callbacks.conftest import IN_EXAM

SETTINGS = replace(Settings(), calls_per_minute=100_000)


@pytest.fixture
def committed(app) -> Iterator[tuple[sessionmaker, ExamSession]]:
    """A session factory on its own engine (room for every thread) and a formal exam,
    all committed; every row made here is deleted afterwards."""
    engine = make_engine(str(app.config["DATABASE_URL"]), pool_size=20)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    code = f"CONC-{uuid.uuid4().hex[:6]}"
    with factory() as session:
        exam = ExamSession(
            code=code,
            name="formal",
            kind=ExamKind.FORMAL,
            login_opens=IN_EXAM - timedelta(minutes=55),
            starts=IN_EXAM - timedelta(minutes=5),
            login_closes=IN_EXAM - timedelta(minutes=5),
            ends=IN_EXAM + timedelta(minutes=5),
        )
        session.add(exam)
        session.commit()
    yield factory, exam
    with factory() as session:
        request_ids = select(HelpRequest.id).where(HelpRequest.exam_session_id == exam.id)
        candidate_ids = select(Enrollment.candidate_id).where(Enrollment.exam_session_id == exam.id)
        session.execute(delete(CallAttempt).where(CallAttempt.help_request_id.in_(request_ids)))
        session.execute(delete(HelpRequest).where(HelpRequest.exam_session_id == exam.id))
        ids = list(session.scalars(candidate_ids))
        session.execute(delete(Enrollment).where(Enrollment.exam_session_id == exam.id))
        session.execute(delete(Candidate).where(Candidate.id.in_(ids)))
        session.execute(delete(Staff).where(Staff.username.like(f"{code}-%")))
        session.execute(delete(ExamSession).where(ExamSession.id == exam.id))
        session.commit()
    engine.dispose()
    assert database(app).engine is not engine


def _candidates(factory, exam, count: int) -> list[int]:
    with factory() as session:
        people = [
            Candidate(
                name=f"考生{i}",
                id_number_hash=uuid.uuid4().hex,
                id_number_masked="510104********0000",
                admission_number=f"C{uuid.uuid4().hex[:12]}",
                phone="+8613800138000",
                created_at=IN_EXAM,
            )
            for i in range(count)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            [
                Enrollment(exam_session_id=exam.id, candidate_id=p.id, created_at=IN_EXAM)
                for p in people
            ]
        )
        session.commit()
        return [p.id for p in people]


def test_fifty_concurrent_presses_leave_one_open_request(committed):
    factory, exam = committed
    (candidate_id,) = _candidates(factory, exam, 1)
    start = threading.Barrier(50, timeout=60)

    def press(i: int) -> str:
        start.wait()
        with factory() as session:
            candidate = session.get(Candidate, candidate_id)
            request, _created = services.request_help(
                session,
                candidate=candidate,
                idempotency_key=f"press-key-{i:04d}",
                data=services.HelpInput(exam_session=exam.code),
                source="api",
                now=IN_EXAM,
            )
            session.commit()
            return request.public_id

    with ThreadPoolExecutor(max_workers=50) as pool:
        ids = list(pool.map(press, range(50)))

    with factory() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(HelpRequest)
            .where(HelpRequest.exam_session_id == exam.id)
        )
    assert stored == 1
    assert len(set(ids)) == 1


def test_sixteen_agents_claim_500_requests_each_exactly_once(committed):
    factory, exam = committed
    people = _candidates(factory, exam, 500)
    with factory() as session:
        for i, candidate_id in enumerate(people):
            session.add(
                HelpRequest(
                    public_id=services.new_public_id(),
                    candidate_id=candidate_id,
                    exam_session_id=exam.id,
                    source="api",
                    phone="+8613800138000",
                    status=HelpStatus.WAITING,
                    priority=0,
                    due_at=IN_EXAM,
                    created_at=IN_EXAM + timedelta(microseconds=i),
                    attempts=0,
                )
            )
        agents = [
            Staff(
                username=f"{exam.code}-{i}",
                display_name=f"agent {i}",
                password_hash="x",
                role=Role.AGENT,
                created_at=IN_EXAM,
            )
            for i in range(16)
        ]
        session.add_all(agents)
        session.commit()
        agent_ids = [a.id for a in agents]
    start = threading.Barrier(16, timeout=60)

    def work(agent_id: int) -> list[int]:
        mine: list[int] = []
        start.wait()
        with factory() as session:
            staff = session.get(Staff, agent_id)
            while True:
                request = queue.claim_next(session, staff=staff, settings=SETTINGS, now=IN_EXAM)
                if request is None:
                    session.commit()
                    return mine
                mine.append(request.id)
                calls.start_call(
                    session,
                    request=request,
                    staff=staff,
                    adapter="desk",
                    settings=SETTINGS,
                    now=IN_EXAM,
                )
                calls.record_outcome(
                    session,
                    request=request,
                    staff=staff,
                    outcome=Outcome.RESOLVED,
                    settings=SETTINGS,
                    now=IN_EXAM,
                )
                session.commit()

    with ThreadPoolExecutor(max_workers=16) as pool:
        claims = [c for batch in pool.map(work, agent_ids) for c in batch]

    counts = Counter(claims)
    with factory() as session:
        left = session.scalar(
            select(func.count())
            .select_from(HelpRequest)
            .where(
                HelpRequest.exam_session_id == exam.id, HelpRequest.status != HelpStatus.COMPLETED
            )
        )
    assert len(counts) == 500
    assert max(counts.values()) == 1
    assert left == 0


class MeetingDialer:
    """A provider that answers each call only once a second call is being placed too: the
    job must be placing them at once (one at a time, the first waits in vain)."""

    kind = "twilio"

    def __init__(self) -> None:
        self.both = threading.Barrier(2, timeout=10)
        self.placed: list[str] = []

    def agent_of(self, staff: Staff) -> str | None:
        return staff.phone

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        self.both.wait()
        self.placed.append(attempt_id)
        return DialResult(CallState.QUEUED, f"CALL-{attempt_id}")


def test_two_agents_calls_are_placed_at_once_so_a_slow_answer_holds_up_no_one(committed):
    factory, exam = committed
    with factory() as session:
        for n, candidate_id in enumerate(_candidates(factory, exam, 2)):
            services.request_help(
                session,
                candidate=session.get(Candidate, candidate_id),
                data=services.HelpInput(exam_session=exam.code),
                idempotency_key=f"placing-key-{n}",
                source="web",
                now=IN_EXAM,
            )
            agent = create_staff(
                session,
                username=f"{exam.code}-agent{n}",
                password="agent password 1",
                role=Role.AGENT,
                now=IN_EXAM,
            )
            agent.phone = f"+861380000000{n}"
            request = queue.claim_next(session, staff=agent, settings=SETTINGS, now=IN_EXAM)
            assert request is not None
            calls.start_call(
                session, request=request, staff=agent, adapter="twilio", settings=SETTINGS,
                now=IN_EXAM,
            )  # fmt: skip
        session.commit()

        provider = MeetingDialer()
        placed = jobs.place_calls(session, IN_EXAM, dialer=provider, settings=SETTINGS)
        session.expire_all()  # as each thread left them
        attempts = session.scalars(
            select(CallAttempt)
            .join(HelpRequest)
            .where(HelpRequest.exam_session_id == exam.id)
            .order_by(CallAttempt.id)
        ).all()

    assert placed == 2
    assert sorted(provider.placed) == sorted(a.public_id for a in attempts)
    assert [(a.state, a.provider_sid) for a in attempts] == [
        (CallState.QUEUED, f"CALL-{a.public_id}") for a in attempts
    ]
