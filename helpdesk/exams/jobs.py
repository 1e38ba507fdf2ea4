"""The scheduler's side of roster imports: apply the uploaded files, chunk by chunk."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.db import is_postgres
from helpdesk.exams import roster_imports

#: Seconds between two chunks, outside any transaction. On SQLite every transaction takes
#: the write lock first, and a job that began its next chunk the moment it committed the
#: last would starve the web requests waiting for it (they poll the lock; it never seemed
#: free): the import's own progress page stood still until the end. PostgreSQL's readers
#: never wait for a writer, and no request writes the rows a chunk holds: no pause there.
PAUSE = 0.1


def apply_roster_imports(session: Session, now: datetime) -> int:
    """Claim each waiting import in turn and work through it, one commit per chunk (so no
    transaction holds the database longer than CHUNK rows take); returns imports finished
    or given up by this run."""
    del now  # each chunk reads the clock: a long import's heartbeat must move
    token = roster_imports.new_token()
    handled = 0
    while True:
        import_id = roster_imports.claim_next(session, token=token, now=clock.utcnow())
        session.commit()
        if import_id is None:
            return handled
        while roster_imports.process_chunk(session, import_id, token=token, now=clock.utcnow()):
            session.commit()
            session.expunge_all()  # the chunk's rows: memory and flushes stay one chunk big
            if not is_postgres(session):
                time.sleep(PAUSE)
        session.commit()
        handled += 1
