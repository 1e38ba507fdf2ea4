"""The retention job: erase what is due, commit, then remove the files left without a row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.exams import roster_imports
from helpdesk.privacy import services
from helpdesk.privacy import settings as privacy_settings


def erase_due(session: Session, now: datetime) -> int:
    """Erase every session past its retention period; returns sessions erased plus roster
    imports purged plus files removed (0 when nothing was due)."""
    settings = privacy_settings.current()
    erased = services.erase_due(session, now=now, retention=settings.retention)
    # A roster import's rows (names, masked ID numbers) are a working copy: a week after
    # the import finished its page goes, and they with it.
    purged = roster_imports.purge_finished(session, now=now)
    # Files go only once the rows that pointed at them are gone for good.
    session.commit()
    orphans = services.orphan_files(
        session, upload_dir=settings.upload_dir, now=now, grace=settings.orphan_grace
    )
    return len(erased) + purged + services.remove_files(orphans)
