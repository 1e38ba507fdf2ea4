"""Roster imports run by the scheduler: the upload stores the checked rows (keyed hash and
masked ID number only), a job applies them in short transactions of CHUNK rows, and the
upload page follows its progress.

The rules are roster.py's: check_rows in the request (every field, duplicates within the
file), check_against_roster and apply_rows in the job. Without "skip invalid rows" the job
first checks every row against the roster (nothing applied) and refuses the file if any row
is invalid; then it checks and applies chunk by chunk. One scheduler holds an import at a
time (claim_token); a claim whose heartbeat is older than LEASE is taken over, and the new
holder goes on from the counters, which are committed with each chunk's rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.audit import services as audit
from helpdesk.exams import roster
from helpdesk.exams.models import ImportStatus, RosterImport, RosterImportRow
from helpdesk.identity.models import Staff

#: Rows per transaction of the job.
CHUNK = 500
#: A running import whose heartbeat is older than this has lost its scheduler.
LEASE = timedelta(minutes=2)
#: Finished imports (and their rows) are deleted this long after they finish.
KEEP = timedelta(days=7)
#: How long an import may wait for the scheduler before its page says so.
WAIT_NOTICE = timedelta(seconds=10)
OUTCOMES = ("new", "enrolled", "updated", "unchanged", "invalid")
FINISHED = (ImportStatus.APPLIED, ImportStatus.REFUSED)


def stage(
    session: Session,
    rows: list[roster.RosterRow],
    *,
    filename: str,
    skip_invalid: bool,
    staff: Staff | None,
    locale: str,
    id_hash_key: str,
    now: datetime,
) -> RosterImport:
    """Check the file's rows on their own and store them for the job, pending."""
    codes = set(roster.exam_sessions(session))
    results = roster.check_rows(rows, exam_codes=codes, id_hash_key=id_hash_key)
    job = RosterImport(
        status=ImportStatus.PENDING,
        filename=filename[:200],
        skip_invalid=skip_invalid,
        locale=locale[:10],
        staff_id=staff.id if staff else None,
        created_at=now,
        total_rows=len(results),
        checked_rows=0,
        applied_rows=0,
    )
    session.add(job)
    session.flush()
    for start in range(0, len(results), CHUNK):
        session.execute(
            insert(RosterImportRow),
            [_row_values(job.id, r) for r in results[start : start + CHUNK]],
        )
    return job


def _row_values(import_id: int, result: roster.RowResult) -> dict[str, object]:
    return {
        "import_id": import_id,
        "line": result.line,
        "exam_session": result.exam_session,
        "name": result.name,
        "admission_number": result.admission_number,
        "phone": result.phone,
        "id_number_hash": result.id_number_hash,
        "id_number_masked": result.id_number_masked,
        "status": result.status,
        "errors": result.errors,
    }


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        RosterImport.status == ImportStatus.PENDING,
        and_(RosterImport.status == ImportStatus.RUNNING, RosterImport.heartbeat_at < now - LEASE),
    )


def claim_next(session: Session, *, token: str, now: datetime) -> int | None:
    """Take the oldest import waiting (or abandoned) for this runner; None when there is
    none. One UPDATE with the condition in its WHERE: of two runners, one wins."""
    waiting = session.scalars(
        select(RosterImport.id)
        .where(_claimable(now))
        .order_by(RosterImport.created_at, RosterImport.id)
        .limit(5)
    ).all()
    for import_id in waiting:
        taken = session.execute(
            update(RosterImport)
            .where(RosterImport.id == import_id, _claimable(now))
            .values(status=ImportStatus.RUNNING, claim_token=token, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return import_id
    return None


def new_token() -> str:
    return uuid.uuid4().hex


def process_chunk(session: Session, import_id: int, *, token: str, now: datetime) -> bool:
    """Check or apply the next CHUNK rows of an import this runner holds; True while rows
    remain. False too when the claim was lost (another runner took it over)."""
    beat = session.execute(
        update(RosterImport)
        .where(
            RosterImport.id == import_id,
            RosterImport.claim_token == token,
            RosterImport.status == ImportStatus.RUNNING,
        )
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    if beat.rowcount != 1:  # type: ignore[attr-defined]
        return False
    job = session.get(RosterImport, import_id, populate_existing=True)
    if job is None:  # deleted under us (the retention job): nothing left to do
        return False
    checking = not job.skip_invalid and job.checked_rows < job.total_rows
    done = job.checked_rows if checking else job.applied_rows
    rows = session.scalars(
        select(RosterImportRow)
        .where(RosterImportRow.import_id == import_id)
        .order_by(RosterImportRow.line)
        .offset(done)
        .limit(CHUNK)
    ).all()
    results = [_result(r) for r in rows]
    with force_locale(job.locale):
        known = roster.check_against_roster(session, results)
        if not checking:
            roster.apply_rows(
                session, results, known=known, sessions=roster.exam_sessions(session), now=now
            )
    for row, result in zip(rows, results, strict=True):
        if checking and result.status == "pending":
            continue  # stays pending until the applying pass
        row.status, row.errors = result.status, dict(result.errors)
    if checking:
        job.checked_rows += len(rows)
    else:
        job.applied_rows += len(rows)
    session.flush()
    if not rows or (not checking and job.applied_rows >= job.total_rows):
        _finish(session, job, ImportStatus.APPLIED, now)
        return False
    if checking and job.checked_rows >= job.total_rows and counts(session, job)["invalid"]:
        _finish(session, job, ImportStatus.REFUSED, now)
        return False
    return True


def _result(row: RosterImportRow) -> roster.RowResult:
    return roster.RowResult(
        row.line,
        row.status,
        row.name,
        row.admission_number,
        row.id_number_masked,
        dict(row.errors or {}),
        exam_session=row.exam_session,
        id_number_hash=row.id_number_hash,
        phone=row.phone,
    )


def _finish(session: Session, job: RosterImport, status: ImportStatus, now: datetime) -> None:
    job.status, job.finished_at, job.claim_token = status, now, None
    tally = counts(session, job)
    if status == ImportStatus.APPLIED:
        audit.record(
            session,
            staff=session.get(Staff, job.staff_id) if job.staff_id else None,
            action="roster.import",
            now=now,
            target_type="roster_import",
            target_id=job.id,
            detail={"file": job.filename, "rows": job.total_rows, "invalid": tally["invalid"]},
        )
    session.flush()


def counts(session: Session, job: RosterImport) -> dict[str, int]:
    """How many rows have each outcome so far (pending: not applied, or not yet reached)."""
    found = dict(
        session.execute(
            select(RosterImportRow.status, func.count())
            .where(RosterImportRow.import_id == job.id)
            .group_by(RosterImportRow.status)
        ).all()
    )
    return {status: int(found.get(status, 0)) for status in (*OUTCOMES, "pending")}


@dataclass(frozen=True)
class Progress:
    """Where an import stands, for its page."""

    job: RosterImport
    done: int
    total: int
    counts: dict[str, int]
    #: Pending for longer than the scheduler takes to start it: is `flask jobs run` up?
    waiting_too_long: bool
    #: Running, but no chunk for a while: its scheduler stopped; another takes over after LEASE.
    stalled: bool

    @property
    def finished(self) -> bool:
        return self.job.status in FINISHED

    @property
    def checking(self) -> bool:
        return not self.job.skip_invalid and self.job.checked_rows < self.job.total_rows


def progress(session: Session, job: RosterImport, *, now: datetime) -> Progress:
    passes = 1 if job.skip_invalid else 2
    done = job.applied_rows + (0 if job.skip_invalid else job.checked_rows)
    total = max(1, job.total_rows * passes)
    if job.status in FINISHED:
        done = total
    waiting = job.status == ImportStatus.PENDING and now - job.created_at > WAIT_NOTICE
    stalled = (
        job.status == ImportStatus.RUNNING
        and job.heartbeat_at is not None
        and now - job.heartbeat_at > WAIT_NOTICE * 3
    )
    return Progress(job, done, total, counts(session, job), waiting, stalled)


def rows_page(
    session: Session, job: RosterImport, *, problems_only: bool, page: int, size: int
) -> tuple[list[RosterImportRow], int]:
    """One page of the import's rows in line order, and how many there are."""
    query = select(RosterImportRow).where(RosterImportRow.import_id == job.id)
    if problems_only:
        query = query.where(RosterImportRow.status == "invalid")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(RosterImportRow.line).limit(size).offset((page - 1) * size)
    ).all()
    return list(rows), int(total)


def recent(session: Session, *, limit: int = 10) -> list[RosterImport]:
    return list(
        session.scalars(select(RosterImport).order_by(RosterImport.created_at.desc()).limit(limit))
    )


def purge_finished(session: Session, *, now: datetime, keep: timedelta = KEEP) -> int:
    """Delete the imports (their rows go with them) that finished more than keep ago."""
    old = select(RosterImport.id).where(
        RosterImport.status.in_(FINISHED), RosterImport.finished_at < now - keep
    )
    session.execute(delete(RosterImportRow).where(RosterImportRow.import_id.in_(old)))
    result = session.execute(delete(RosterImport).where(RosterImport.id.in_(old)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
