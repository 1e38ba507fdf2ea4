"""The call jobs ask the provider with no transaction open: placing a call, reading its
record (Aliyun's contact center) and looking up a call whose placing timed out. A
transaction held while the provider answers (up to its 10 s timeout, for each of up to 50
calls) would make an agent's click on the same attempt wait, and on SQLite every write.
Calls of several agents are placed at once: one slow answer holds up no other agent."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.callbacks import jobs
from helpdesk.callbacks.models import HelpStatus, Outcome
from helpdesk.identity.models import Staff
from helpdesk.telephony.dialer import CallRecord, DialResult, ProviderCall
from helpdesk.telephony.states import CallState, DialOutcome, LegStatus
from tests.callbacks.conftest import IN_EXAM


class ProbingDialer:
    """A provider that notes, each time it is asked, whether the asker held a transaction."""

    kind = "twilio"  # the adapter of the `calling` fixture's attempt

    def __init__(self, session, placed: DialResult) -> None:
        self.session, self.placed = session, placed
        self.asked: list[tuple[str, bool]] = []

    def _note(self, what: str) -> None:
        self.asked.append((what, self.session.in_transaction()))

    def agent_of(self, staff: Staff) -> str | None:
        return staff.phone

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        self._note("place")
        return self.placed

    def lookup(
        self,
        *,
        sid: str | None,
        agent_phone: str | None,
        caller_id: str,
        since: datetime,
        to: str | None = None,
    ) -> ProviderCall | None:
        self._note("lookup")
        return ProviderCall("CALL-1", LegStatus(CallState.RINGING))

    def record(self, sid: str) -> CallRecord | None:
        self._note("record")
        return CallRecord(
            sid, LegStatus(CallState.ENDED), DialOutcome.NO_ANSWER, provider_status="NoAnswer"
        )


def committed_and_forgotten(session):
    """Commit what the fixtures made and forget it, as a scheduler's own session starts
    (nothing of it loaded); returns how to read a row of it again afterwards."""
    session.commit()
    session.expunge_all()
    return lambda row: session.get(type(row), row.id, populate_existing=True)


def test_placing_a_call_and_reading_its_record_hold_no_transaction(db_session, calling, settings):
    request, _agent, attempt = calling
    read_again = committed_and_forgotten(db_session)
    provider = ProbingDialer(db_session, DialResult(CallState.QUEUED, "CALL-1"))

    placed = jobs.place_calls(db_session, IN_EXAM, dialer=provider, settings=settings)
    followed = jobs.follow_provider_calls(
        db_session, IN_EXAM + timedelta(minutes=1), dialer=provider, settings=settings
    )

    assert provider.asked == [("place", False), ("record", False)]
    assert (placed, followed) == (1, 1)
    attempt, request = read_again(attempt), read_again(request)
    assert (attempt.provider_sid, attempt.outcome) == ("CALL-1", Outcome.NO_ANSWER)
    assert (request.status, request.attempts) == (HelpStatus.WAITING, 1)


def test_looking_up_a_call_whose_placing_timed_out_holds_no_transaction(
    db_session, calling, settings
):
    _request, _agent, attempt = calling
    read_again = committed_and_forgotten(db_session)
    provider = ProbingDialer(db_session, DialResult(CallState.UNKNOWN))
    jobs.place_calls(db_session, IN_EXAM, dialer=provider, settings=settings)

    settled = jobs.settle_unknown_calls(
        db_session, IN_EXAM + timedelta(seconds=30), dialer=provider, settings=settings
    )

    assert provider.asked == [("place", False), ("lookup", False)]
    assert settled == 1
    attempt = read_again(attempt)
    assert (attempt.provider_sid, attempt.state) == ("CALL-1", CallState.RINGING)


class MeetingDialer(ProbingDialer):
    """A provider that answers each call only once a second call is being placed too: the
    job must be placing them at once (one at a time, the first waits in vain)."""

    def __init__(self) -> None:
        self.both = threading.Barrier(2, timeout=10)
        self.asked = []

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        self.both.wait()
        self.asked.append(("place", attempt_id))
        return DialResult(CallState.QUEUED, f"CALL-{attempt_id}")


def test_two_agents_calls_are_placed_at_once_so_a_slow_answer_holds_up_no_one(
    fresh_database, tmp_path
):
    from helpdesk import clock, create_app
    from helpdesk.callbacks import calls, queue, services
    from helpdesk.callbacks import settings as callbacks_settings
    from helpdesk.callbacks.models import CallAttempt
    from helpdesk.db import database
    from helpdesk.demo import fake_id_number
    from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
    from helpdesk.identity import idnumber
    from helpdesk.identity.models import Candidate, Role
    from helpdesk.identity.services import create_staff
    from tests.conftest import TEST_ID_HASH_KEY, app_config

    app = create_app(app_config(fresh_database("placing"), str(tmp_path)))
    now = clock.utcnow()
    try:
        with app.app_context(), database(app).sessionmaker() as session:
            settings = callbacks_settings.current()
            exam = ExamSession(
                code="FORMAL",
                name="在线正式面试",
                kind=ExamKind.FORMAL,
                login_opens=now - timedelta(minutes=55),
                starts=now - timedelta(minutes=5),
                login_closes=now - timedelta(minutes=5),
                ends=now + timedelta(minutes=60),
            )
            session.add(exam)
            for n in range(2):
                number = fake_id_number(random.Random(n))
                candidate = Candidate(
                    name=f"考生{n}",
                    id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
                    id_number_masked=idnumber.mask(number),
                    admission_number=f"ZK2023000{n}",
                    phone=f"+861391234567{n}",
                    created_at=now,
                )
                candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
                session.add(candidate)
                session.flush()
                services.request_help(
                    session,
                    candidate=candidate,
                    data=services.HelpInput(exam_session="FORMAL"),
                    idempotency_key=f"placing-key-{n}",
                    source="web",
                    now=now,
                )
                agent = create_staff(
                    session,
                    username=f"agent{n}",
                    password="agent password 1",
                    role=Role.AGENT,
                    now=now,
                )
                agent.phone = f"+861380000000{n}"
                request = queue.claim_next(session, staff=agent, settings=settings, now=now)
                assert request is not None
                calls.start_call(
                    session, request=request, staff=agent, adapter="twilio", settings=settings,
                    now=now,
                )  # fmt: skip
            session.commit()

            provider = MeetingDialer()
            placed = jobs.place_calls(session, now, dialer=provider, settings=settings)
            session.expire_all()  # as each thread left them
            attempts = session.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()
    finally:
        database(app).engine.dispose()

    assert placed == 2
    assert len(provider.asked) == 2
    assert [(a.state, a.provider_sid) for a in attempts] == [
        (CallState.QUEUED, f"CALL-{a.public_id}") for a in attempts
    ]
