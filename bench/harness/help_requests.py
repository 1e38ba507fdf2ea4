"""The benches' reads and writes of a throwaway desk's help requests, in plain SQL."""

from __future__ import annotations

from sqlalchemy import text

from bench.harness import database

#: (help requests stored, candidates holding one), for database.counts().
HELD = (
    "SELECT count(*) FROM help_requests",
    "SELECT count(DISTINCT candidate_id) FROM help_requests",
)


def cancel_waiting(url: str) -> None:
    """End a round's queue as candidates who cancel would, so that every round's cohort
    presses into an empty queue: a press counts the requests waiting ahead of it, and a
    queue left from earlier rounds made each round costlier than the one before. On
    PostgreSQL the table is then vacuumed, as autovacuum does within a minute with the
    queue's storage parameters (migration i17_queue_vacuum): until then the count reads
    through the cancelled requests' dead entries too."""
    db = database.engine(url)
    try:
        with db.begin() as connection:
            connection.execute(
                text(
                    "UPDATE help_requests SET status = 'cancelled', outcome = 'cancelled', "
                    "closed_at = CURRENT_TIMESTAMP WHERE status = 'waiting'"
                )
            )
        if db.dialect.name == "postgresql":
            with db.connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.execute(text("VACUUM help_requests"))
    finally:
        db.dispose()
