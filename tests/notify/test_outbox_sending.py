"""Sending the outbox while the desk goes on: no transaction is open while the SMS provider
answers (on SQLite that would be the write lock every press of 求助 waits for), a message
taken by one sender is not sent by another, and a sender that dies while the provider
answers leaves a message the next try first asks the provider about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from helpdesk.db import Database
from helpdesk.notify.adapters import MemoryNotifier
from helpdesk.notify.jobs import check_receipts, send_pending
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.port import Receipt, Sms
from helpdesk.notify.services import IN_FLIGHT, UNSURE, queue_sms, take

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)
REPLY = {"number": "T230110-0001", "hotline": "400-088-0028"}


def queue(session, key: str) -> OutboundSms:
    return queue_sms(
        session,
        to="13800138000",
        kind="ticket_reply",
        params=REPLY,
        dedupe_key=key,
        now=NOW,
        allowed_numbers=["400-088-0028"],
    )


class ProbingNotifier(MemoryNotifier):
    """While it 'sends', a request of the desk's writes and commits on its own connection."""

    def __init__(self, sender, db: Database) -> None:
        super().__init__()
        self.sender, self.db = sender, db
        self.open_while_sending: list[bool] = []

    def send(self, sms: Sms) -> str:
        in_transaction = self.sender.in_transaction()
        self.open_while_sending.append(in_transaction)
        if not in_transaction:  # else the write below would wait for the lock
            with self.db.sessionmaker() as request:
                queue(request, f"during-{len(self.sent)}")
                request.commit()
        return super().send(sms)


def test_no_transaction_is_open_while_the_provider_answers_so_the_desk_keeps_writing(
    fresh_database,
):
    db = Database(fresh_database("outbox"), pool_size=3)
    try:
        with db.sessionmaker() as session:
            queue(session, "a")
            queue(session, "b")
            session.commit()
        with db.sessionmaker() as sender:
            notifier = ProbingNotifier(sender, db)
            sent = send_pending(sender, NOW, notifier=notifier)
        with db.sessionmaker() as session:
            statuses = dict(
                session.execute(
                    select(OutboundSms.status, func.count()).group_by(OutboundSms.status)
                ).all()
            )
    finally:
        db.engine.dispose()

    assert notifier.open_while_sending == [False, False]
    assert sent == 2
    # The two sent, and the two a request queued while the provider answered, kept.
    assert statuses == {SmsStatus.SENT: 2, SmsStatus.PENDING: 2}


def test_a_message_another_sender_took_is_not_sent_twice(db_session):
    message = queue(db_session, "a")
    taken = take(db_session, message.id, now=NOW)
    db_session.commit()
    other = MemoryNotifier()

    assert taken is not None
    assert send_pending(db_session, NOW, notifier=other) == 0
    assert other.sent == []
    assert take(db_session, message.id, now=NOW) is None


class RememberingNotifier(MemoryNotifier):
    """A provider that can say whether a message went out (as Aliyun's QuerySendDetails)."""

    def __init__(self, went_out: set[str]) -> None:
        super().__init__()
        self.went_out, self.asked = went_out, 0

    def find_sent(self, sms: Sms, *, since: datetime) -> str | None:
        self.asked += 1
        return f"found-{sms.ref}" if sms.ref in self.went_out else None


def test_a_sender_that_died_while_the_provider_answered_leaves_a_message_asked_about_first(
    db_session,
):
    message = queue(db_session, "a")
    assert take(db_session, message.id, now=NOW) is not None
    db_session.commit()  # ... and the sender dies before the provider answers
    provider = RememberingNotifier(went_out={str(message.id)})

    too_soon = send_pending(db_session, NOW + IN_FLIGHT - timedelta(seconds=1), notifier=provider)
    later = send_pending(db_session, NOW + IN_FLIGHT, notifier=provider)

    assert (too_soon, later) == (0, 1)
    assert provider.asked == 1
    assert provider.sent == []  # it had gone out: not sent twice
    assert (message.status, message.provider_id) == (SmsStatus.SENT, f"found-{message.id}")
    assert (message.attempts, message.last_error) == (2, UNSURE)


def test_a_message_that_never_went_out_is_sent_on_the_next_try_after_the_sender_died(db_session):
    message = queue(db_session, "a")
    assert take(db_session, message.id, now=NOW) is not None
    provider = RememberingNotifier(went_out=set())

    assert send_pending(db_session, NOW + IN_FLIGHT, notifier=provider) == 1
    assert provider.asked == 1
    assert [sms.ref for sms in provider.sent] == [str(message.id)]


class ProbingReceipts(MemoryNotifier):
    """A provider with receipts that notes whether the asker held a transaction."""

    def __init__(self, asker) -> None:
        super().__init__()
        self.asker = asker
        self.open_while_asking: list[bool] = []

    def receipt(self, *, provider_id: str, to: str, sent_at: datetime) -> Receipt | None:
        self.open_while_asking.append(self.asker.in_transaction())
        return Receipt(delivered=True, code="DELIVERED", at=sent_at + timedelta(seconds=5))


def test_no_transaction_is_open_while_the_provider_is_asked_for_receipts(fresh_database):
    db = Database(fresh_database("receipts"), pool_size=2)
    try:
        with db.sessionmaker() as session:
            queue(session, "a")
            session.commit()
            send_pending(session, NOW, notifier=MemoryNotifier())
        with db.sessionmaker() as asker:
            provider = ProbingReceipts(asker)
            changed = check_receipts(asker, NOW + timedelta(minutes=1), notifier=provider)
        with db.sessionmaker() as session:
            (message,) = session.scalars(select(OutboundSms)).all()
    finally:
        db.engine.dispose()

    assert provider.open_while_asking == [False]
    assert changed == 1
    assert (message.status, message.checked_at is not None) == (SmsStatus.DELIVERED, True)


class SlowProvider(MemoryNotifier):
    """Each send takes as long as `seconds` on the run's monotonic clock."""

    def __init__(self, clock_box: list[float], seconds: float) -> None:
        super().__init__()
        self.clock_box, self.seconds = clock_box, seconds

    def send(self, sms: Sms) -> str:
        self.clock_box[0] += self.seconds
        return super().send(sms)


def test_a_slow_provider_ends_a_run_before_the_lease_of_a_taken_message_could_run_out(
    db_session, monkeypatch
):
    import helpdesk.notify.jobs as notify_jobs

    for n in range(4):
        queue(db_session, f"slow-{n}")
    ticks = [1000.0]
    monkeypatch.setattr(notify_jobs, "monotonic", lambda: ticks[0])
    provider = SlowProvider(ticks, seconds=IN_FLIGHT.total_seconds() / 4 + 1)

    first = send_pending(db_session, NOW, notifier=provider)
    rest = send_pending(db_session, NOW, notifier=provider)

    assert (first, rest) == (2, 2)  # the first run stopped at half the lease; none twice
    assert len(provider.sent) == 4
