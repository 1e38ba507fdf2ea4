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
    queue left from earlier rounds made each round costlier than the one before."""
    db = database.engine(url)
    try:
        with db.begin() as connection:
            connection.execute(
                text(
                    "UPDATE help_requests SET status = 'cancelled', outcome = 'cancelled', "
                    "closed_at = CURRENT_TIMESTAMP WHERE status = 'waiting'"
                )
            )
    finally:
        db.dispose()
