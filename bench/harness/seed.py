"""Fictitious people and exams for the benches, stored through the desk's own migrations
and services (so a bench measures the schema and rules the desk really has).

The desk's modules are imported inside the functions: a bench's --help needs none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from helpdesk.exams.roster import RosterReport, RosterRow

BENCH_EXAM_NAME = "基准测试正式面试"


def fictitious_roster(count: int, code: str, seed: int) -> list[RosterRow]:
    """`count` roster rows for exam session `code`, with distinct (fictitious, valid) ID
    numbers: the generator may repeat one, and a roster may not."""
    from helpdesk.demo import fake_roster

    rows: list[RosterRow] = []
    seen: set[str] = set()
    for row in fake_roster(count + count // 10 + 20, [code], seed=seed):
        if row.id_number not in seen and len(rows) < count:
            seen.add(row.id_number)
            rows.append(row)
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} distinct fictitious ID numbers for {count}")
    return rows


def formal_exam(
    code: str, *, login_opens: datetime, starts: datetime, ends: datetime
) -> dict[str, Any]:
    """One exam session as `flask exams import` and import_sessions take it; login closes
    when the exam starts, as in the notice."""
    return {
        "code": code,
        "name": BENCH_EXAM_NAME,
        "kind": "formal",
        "login_opens": login_opens.isoformat(),
        "starts": starts.isoformat(),
        "login_closes": starts.isoformat(),
        "ends": ends.isoformat(),
    }


@contextmanager
def seeding(url: str) -> Iterator[Session]:
    """Migrate the database at url, then a session committed when the block ends."""
    from helpdesk.cli import upgrade
    from helpdesk.db import Database

    upgrade(url)
    db = Database(url, pool_size=2)
    try:
        with db.sessionmaker() as session:
            yield session
            session.commit()
    finally:
        db.engine.dispose()


def exam_with_roster(
    session: Session,
    exam: dict[str, Any],
    rows: list[RosterRow],
    *,
    id_hash_key: str,
    now: datetime,
) -> RosterReport:
    """Import the exam session and its roster (refused rows are left out and reported)."""
    from helpdesk.exams import roster
    from helpdesk.exams import services as exams

    exams.import_sessions(session, [exam])
    return roster.import_roster(session, rows, id_hash_key=id_hash_key, now=now, skip_invalid=True)
