"""Two phones opening the same QR code's link at the same moment: only one is signed in."""

# Committed for real (two requests, two transactions), so the test arranges and removes its
# own rows instead of using the rolled-back db_session.

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from helpdesk.db import database
from helpdesk.demo import fake_id_number
from helpdesk.identity import idnumber
from helpdesk.identity.models import AuthSession, Candidate
from helpdesk.readiness import links
from helpdesk.readiness.models import PhoneLink
from tests.conftest import TEST_ID_HASH_KEY

NOW = datetime(2023, 1, 4, 4, 0, tzinfo=UTC)


def test_two_phones_racing_with_one_link_sign_in_only_one(app):
    maker = sessionmaker(bind=database(app).engine, expire_on_commit=False)
    number = fake_id_number(random.Random())
    with maker() as session:
        candidate = Candidate(
            name="并发",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number=f"Q{uuid.uuid4().hex[:10].upper()}",
            phone="+8613800138000",
            created_at=NOW,
        )
        session.add(candidate)
        session.flush()
        issued = links.issue_link(
            session, candidate=candidate, now=NOW, ttl=timedelta(minutes=10), per_hour=30
        )
        session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def open_link() -> None:
        with maker() as session:
            barrier.wait()
            try:
                links.redeem_link(session, token=issued.token, now=NOW + timedelta(seconds=5))
                session.commit()
                outcomes.append("signed in")
            except links.LinkRefused as exc:
                session.rollback()
                outcomes.append(exc.reason)

    threads = [threading.Thread(target=open_link) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert sorted(outcomes) == ["signed in", links.Refusal.USED]
        with maker() as session:
            row = session.scalar(select(PhoneLink).where(PhoneLink.candidate_id == candidate.id))
            assert row is not None
            assert row.used_at is not None
    finally:
        with maker() as session:
            session.execute(delete(PhoneLink).where(PhoneLink.candidate_id == candidate.id))
            session.execute(delete(AuthSession).where(AuthSession.candidate_id == candidate.id))
            session.execute(delete(Candidate).where(Candidate.id == candidate.id))
            session.commit()
