"""The benches' fictitious data: rosters with distinct ID numbers, formal exams whose login
closes at the start, and both stored through the desk's migrations and services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.harness import database, seed


def test_a_fictitious_roster_has_the_count_asked_for_with_distinct_id_numbers():
    rows = seed.fictitious_roster(500, "BENCH-1", seed=3)

    assert len(rows) == 500
    assert len({r.id_number for r in rows}) == 500
    assert {r.exam_session for r in rows} == {"BENCH-1"}


def test_the_same_seed_gives_the_same_people():
    first = seed.fictitious_roster(20, "BENCH-1", seed=9)

    assert seed.fictitious_roster(20, "BENCH-1", seed=9) == first
    assert seed.fictitious_roster(40, "BENCH-1", seed=9)[:20] == first


def test_a_formal_exam_closes_login_when_it_starts():
    now = datetime(2023, 1, 10, 2, 10, tzinfo=UTC)

    exam = seed.formal_exam(
        "BENCH-1",
        login_opens=now,
        starts=now + timedelta(minutes=50),
        ends=now + timedelta(hours=1),
    )

    assert exam["kind"] == "formal"
    assert exam["login_closes"] == exam["starts"] == "2023-01-10T03:00:00+00:00"


def test_an_exam_and_its_roster_are_stored_through_the_services():
    now = datetime.now(UTC)
    exam = seed.formal_exam(
        "BENCH-1",
        login_opens=now,
        starts=now + timedelta(minutes=50),
        ends=now + timedelta(hours=1),
    )
    rows = seed.fictitious_roster(5, "BENCH-1", seed=1)

    with database.throwaway("sqlite", label="seed") as url:
        with seed.seeding(url) as session:
            report = seed.exam_with_roster(session, exam, rows, id_hash_key="k", now=now)
        stored = database.counts(
            url,
            "SELECT count(*) FROM candidates",
            "SELECT count(*) FROM enrollments",
            "SELECT count(*) FROM exam_sessions WHERE code = 'BENCH-1'",
        )
        engine = database.engine(url)
        with engine.connect() as connection:
            masked = connection.execute(text("SELECT id_number_masked FROM candidates")).scalars()
            assert all("*" in value for value in masked)
        engine.dispose()

    assert {r.status for r in report.rows} == {"new"}
    assert stored == [5, 5, 1]
