"""Two app servers filing the same retried ticket at once (found by the rehearsal)."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from helpdesk import clock
from helpdesk.categories import Category
from helpdesk.db import make_engine
from helpdesk.demo import fake_id_number
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate
from helpdesk.tickets import services
from helpdesk.tickets.models import Ticket, TicketMessage
from tests.conftest import TEST_ID_HASH_KEY


@pytest.fixture
def committed(app) -> Iterator[tuple[sessionmaker, int]]:
    """A committed candidate and a session factory with room for several threads."""
    engine = make_engine(str(app.config["DATABASE_URL"]), pool_size=4)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    number = fake_id_number(random.Random())
    with factory() as session:
        candidate = Candidate(
            name="甲",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=f"C{uuid.uuid4().hex[:10].upper()}",
            phone="+8613800138000",
            created_at=clock.utcnow(),
        )
        session.add(candidate)
        session.commit()
        candidate_id = candidate.id
    yield factory, candidate_id
    with factory() as session:
        ids = select(Ticket.id).where(Ticket.candidate_id == candidate_id)
        session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
        session.execute(delete(Ticket).where(Ticket.candidate_id == candidate_id))
        session.execute(delete(Candidate).where(Candidate.id == candidate_id))
        session.commit()
    engine.dispose()


def test_the_same_ticket_filed_twice_at_once_is_stored_once(committed):
    factory, candidate_id = committed
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def file() -> None:
        try:
            barrier.wait(timeout=10)
            with factory() as session:
                candidate = session.get(Candidate, candidate_id)
                ticket = services.open_ticket(
                    session,
                    candidate=candidate,
                    exam_session=None,
                    category=Category.LOGIN,
                    description="无法登录，提示账号错误",
                    now=clock.utcnow(),
                    idempotency_key="retry-key-0001",
                )
                session.commit()
                numbers.append(ticket.number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=file) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(numbers) == 2
    assert numbers[0] == numbers[1]
    with factory() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.candidate_id == candidate_id)
            )
            == 1
        )
