"""Roster imports run by the scheduler: chunks and progress, one runner per import, a dead
runner's import taken over where it stopped, a file refused whole or its valid rows applied,
and no full ID number anywhere in the staging tables."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from helpdesk import clock, jobs
from helpdesk.audit.models import AuditEntry
from helpdesk.demo import fake_id_number
from helpdesk.exams import roster, roster_imports
from helpdesk.exams.jobs import apply_roster_imports
from helpdesk.exams.models import (
    Enrollment,
    ExamSession,
    ImportStatus,
    RosterImport,
    RosterImportRow,
)
from helpdesk.identity.models import Candidate
from tests.conftest import TEST_ID_HASH_KEY


@pytest.fixture
def rng():
    return random.Random(16)


def file_rows(rng, n: int, *, code: str = "FORMAL", start: int = 0) -> tuple[list, list[str]]:
    numbers = [fake_id_number(rng) for _ in range(n)]
    rows = [
        roster.RosterRow(
            i + 2, code, f"考生{start + i}", numbers[i], f"ZK{start + i:06d}", "13800138000"
        )
        for i in range(n)
    ]
    return rows, numbers


def stage(db_session, rows, *, skip_invalid=False, now, staff=None) -> RosterImport:
    job = roster_imports.stage(
        db_session,
        rows,
        filename="名单.csv",
        skip_invalid=skip_invalid,
        staff=staff,
        locale="zh_CN",
        id_hash_key=TEST_ID_HASH_KEY,
        now=now,
    )
    db_session.flush()
    return job


def candidates(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Candidate))


def test_the_job_checks_then_applies_in_chunks_and_the_counters_follow(
    db_session, make_exam, rng, now, monkeypatch
):
    monkeypatch.setattr(roster_imports, "CHUNK", 100)
    make_exam("FORMAL")
    rows, _ = file_rows(rng, 250)
    job = stage(db_session, rows, now=now)
    token = roster_imports.new_token()

    assert roster_imports.claim_next(db_session, token=token, now=now) == job.id
    seen = []
    while roster_imports.process_chunk(db_session, job.id, token=token, now=now):
        state = roster_imports.progress(db_session, job, now=now)
        seen.append((job.checked_rows, job.applied_rows, state.done, candidates(db_session)))

    # Without "skip invalid", every row is checked (nothing applied) before any is applied.
    assert seen == [
        (100, 0, 100, 0),
        (200, 0, 200, 0),
        (250, 0, 250, 0),
        (250, 100, 350, 100),
        (250, 200, 450, 200),
    ]
    assert job.status == ImportStatus.APPLIED
    assert roster_imports.counts(db_session, job)["new"] == 250
    assert candidates(db_session) == 250
    state = roster_imports.progress(db_session, job, now=now)
    assert state.finished
    assert state.done == state.total == 500
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.import"))
    assert entry.detail == {"file": "名单.csv", "rows": 250, "invalid": 0}


def test_two_runners_never_hold_the_same_import(db_session, make_exam, rng, now):
    make_exam("FORMAL")
    job = stage(db_session, file_rows(rng, 3)[0], now=now)

    first = roster_imports.claim_next(db_session, token="a" * 32, now=now)
    second = roster_imports.claim_next(db_session, token="b" * 32, now=now)

    assert (first, second) == (job.id, None)
    assert roster_imports.process_chunk(db_session, job.id, token="b" * 32, now=now) is False
    assert candidates(db_session) == 0


def test_a_dead_runners_import_is_taken_over_where_it_stopped(
    db_session, make_exam, rng, now, monkeypatch
):
    monkeypatch.setattr(roster_imports, "CHUNK", 10)
    make_exam("FORMAL")
    job = stage(db_session, file_rows(rng, 35)[0], skip_invalid=True, now=now)
    assert roster_imports.claim_next(db_session, token="a" * 32, now=now) == job.id
    assert roster_imports.process_chunk(db_session, job.id, token="a" * 32, now=now)
    # Runner a dies here. Within the lease nobody takes its import over; after it, b does.
    soon = now + timedelta(minutes=1)
    assert roster_imports.claim_next(db_session, token="b" * 32, now=soon) is None
    later = now + roster_imports.LEASE + timedelta(seconds=1)
    assert roster_imports.claim_next(db_session, token="b" * 32, now=later) == job.id

    while roster_imports.process_chunk(db_session, job.id, token="b" * 32, now=later):
        pass
    # a wakes up: its claim is gone, it does nothing.
    assert roster_imports.process_chunk(db_session, job.id, token="a" * 32, now=later) is False

    assert job.status == ImportStatus.APPLIED
    assert candidates(db_session) == 35
    assert db_session.scalar(select(func.count()).select_from(Enrollment)) == 35


def test_an_invalid_row_refuses_the_whole_file_and_nothing_is_applied(
    app, db_session, make_exam, make_candidate, rng, now, monkeypatch
):
    monkeypatch.setattr(roster_imports, "CHUNK", 10)
    exam = make_exam("FORMAL")
    known = make_candidate(name="甲", sessions=[exam])
    rows, _ = file_rows(rng, 25)
    # The last row has a stored candidate's ID number under another admission number: only
    # the job (which reads the roster) can tell.
    rows.append(roster.RosterRow(27, "FORMAL", "甲", known["id_number"], "ZK999999", "13800138000"))
    job = stage(db_session, rows, now=now)

    with app.app_context():  # as the scheduler runs it: the app's catalogues
        assert apply_roster_imports(db_session, now) == 1

    job = db_session.get(RosterImport, job.id, populate_existing=True)
    assert job.status == ImportStatus.REFUSED
    assert job.applied_rows == 0
    assert candidates(db_session) == 1
    tally = roster_imports.counts(db_session, job)
    assert (tally["invalid"], tally["pending"], tally["new"]) == (1, 25, 0)
    bad = db_session.scalar(select(RosterImportRow).where(RosterImportRow.line == 27))
    assert set(bad.errors) == {"id_number"}
    assert "准考证号" in bad.errors["id_number"]  # worded in the uploader's language
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_skip_invalid_applies_the_valid_rows_and_reports_the_others(
    db_session, make_exam, rng, now
):
    make_exam("FORMAL")
    rows, _ = file_rows(rng, 4)
    rows[1].phone = "not a phone"
    rows[2].exam_session = "NOPE"
    job = stage(db_session, rows, skip_invalid=True, now=now)

    apply_roster_imports(db_session, now)

    job = db_session.get(RosterImport, job.id, populate_existing=True)
    assert job.status == ImportStatus.APPLIED
    tally = roster_imports.counts(db_session, job)
    assert (tally["new"], tally["invalid"]) == (2, 2)
    page, total = roster_imports.rows_page(db_session, job, problems_only=True, page=1, size=50)
    assert total == 2
    assert [sorted(r.errors) for r in page] == [["phone"], ["exam_session"]]


def test_the_staging_tables_hold_no_full_id_number(db_session, make_exam, rng, now):
    make_exam("FORMAL")
    rows, numbers = file_rows(rng, 30)
    rows[0].phone = "bad"  # an invalid row keeps its masked number too, never the number
    job = stage(db_session, rows, skip_invalid=True, now=now)
    apply_roster_imports(db_session, now)

    dump = " ".join(
        str(value)
        for table in ("roster_imports", "roster_import_rows", "audit_entries", "candidates")
        for row in db_session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608 - names above
        for value in row
    )
    assert not [n for n in numbers if n in dump or n[:17] in dump]
    stored = db_session.scalars(
        select(RosterImportRow).where(RosterImportRow.import_id == job.id)
    ).all()
    assert {r.id_number_masked for r in stored} == {n[:6] + "********" + n[-4:] for n in numbers}


def test_the_scheduler_job_runs_an_upload_to_the_end(app, db_session, make_exam, rng, now):
    make_exam("FORMAL")
    job = stage(db_session, file_rows(rng, 3)[0], now=now)
    db_session.commit()

    jobs.run_job(app, jobs.find("exams.apply_roster_imports"))

    job = db_session.get(RosterImport, job.id, populate_existing=True)
    assert job.status == ImportStatus.APPLIED
    assert candidates(db_session) == 3


def test_finished_imports_are_purged_a_week_later_with_their_rows(db_session, make_exam, rng, now):
    make_exam("FORMAL")
    old = stage(db_session, file_rows(rng, 3)[0], now=now - timedelta(days=9))
    apply_roster_imports(db_session, now - timedelta(days=9))
    old = db_session.get(RosterImport, old.id)
    old.finished_at = now - timedelta(days=8)
    waiting = stage(db_session, file_rows(rng, 2, start=100)[0], now=now - timedelta(days=9))
    db_session.flush()

    assert roster_imports.purge_finished(db_session, now=now) == 1

    assert db_session.get(RosterImport, waiting.id) is not None
    left = db_session.scalars(select(RosterImportRow.import_id).distinct()).all()
    assert left == [waiting.id]


def test_two_schedulers_at_once_apply_each_import_once(fresh_database, tmp_path, rng):
    """Two job runs in two threads, each with its own connections, on committed rows (on
    PostgreSQL they really run at once; SQLite makes them take turns)."""
    import threading

    from helpdesk import create_app
    from helpdesk.db import database, session_scope
    from tests.conftest import app_config

    app = create_app(app_config(fresh_database("claims"), str(tmp_path)))
    with session_scope(app) as session:
        make_session = ExamSession(
            code="FORMAL",
            name="formal",
            kind="formal",
            login_opens=clock.utcnow(),
            starts=clock.utcnow(),
            login_closes=clock.utcnow(),
            ends=clock.utcnow() + timedelta(hours=1),
        )
        session.add(make_session)
        session.flush()
        for n in range(3):
            stage(session, file_rows(rng, 120, start=1000 * n)[0], now=clock.utcnow())
    handled: list[int] = []

    def runner() -> None:
        with app.app_context(), session_scope(app) as session:
            handled.append(apply_roster_imports(session, clock.utcnow()))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with session_scope(app) as session:
        statuses = session.scalars(select(RosterImport.status)).all()
        made = session.scalar(select(func.count()).select_from(Candidate))
        enrolled = session.scalar(select(func.count()).select_from(Enrollment))
    database(app).engine.dispose()
    assert sum(handled) == 3
    assert statuses == [ImportStatus.APPLIED] * 3
    assert (made, enrolled) == (360, 360)
