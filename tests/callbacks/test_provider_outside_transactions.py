"""The call jobs ask the provider with no transaction open: placing a call, reading its
record (Aliyun's contact center) and looking up a call whose placing timed out. A
transaction held while the provider answers (up to its 10 s timeout, for each of up to 50
calls) would make an agent's click on the same attempt wait, and on SQLite every write."""

from __future__ import annotations

from datetime import datetime, timedelta

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
