"""Exam sessions (one sitting of a mock or formal exam, with the notice's timetable) and
their rosters: which candidates are enrolled in each."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, one_of
from helpdesk.identity.models import Candidate


class ExamKind(enum.StrEnum):
    MOCK = "mock"
    FORMAL = "formal"


class Phase(enum.StrEnum):
    """Where a session stands at a moment, in the order a candidate lives through them."""

    UPCOMING = "upcoming"  # before the download window opens
    DOWNLOAD = "download"  # download window open, login not yet
    BEFORE_LOGIN = "before_login"  # download closed (or not used), login not yet open
    WAITING = "waiting"  # login open, exam not started (待考)
    IN_PROGRESS = "in_progress"  # started, not ended
    ENDED = "ended"


class Urgency(enum.IntEnum):
    """Lower runs first: a formal exam in progress outranks everything else."""

    FORMAL_IN_PROGRESS = 0
    FORMAL_WAITING = 1
    MOCK_DAY = 2
    OTHER = 3


class ExamSession(Base):
    """One sitting: the mock exam of one day, or the formal exam."""

    __tablename__ = "exam_sessions"
    __table_args__ = (
        CheckConstraint("login_opens <= starts AND starts <= ends", name="timetable_order"),
        one_of("kind", ExamKind, name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used by the exam clients and the roster, e.g. 2023-FORMAL.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ExamKind] = mapped_column(String(10))
    download_opens: Mapped[datetime | None]
    download_closes: Mapped[datetime | None]
    login_opens: Mapped[datetime]
    starts: Mapped[datetime]
    #: No login after this moment (the formal exam allows no late entry).
    login_closes: Mapped[datetime]
    #: Submission time: the session is over.
    ends: Mapped[datetime]
    #: When the organiser published this session's results: the retention period of its
    #: candidates' personal data starts here (HELPDESK_RETENTION_DAYS).
    results_published_at: Mapped[datetime | None]
    #: When the retention job erased this session's personal data (None: not yet).
    personal_data_erased_at: Mapped[datetime | None]

    def phase_at(self, moment: datetime) -> Phase:
        """Which phase the session is in at moment (intervals are closed-open)."""
        if moment >= self.ends:
            return Phase.ENDED
        if moment >= self.starts:
            return Phase.IN_PROGRESS
        if moment >= self.login_opens:
            return Phase.WAITING
        if self.download_opens is not None and moment < self.download_opens:
            return Phase.UPCOMING
        if (
            self.download_opens is not None
            and self.download_closes is not None
            and moment < self.download_closes
        ):
            return Phase.DOWNLOAD
        if self.download_opens is None:
            return Phase.UPCOMING
        return Phase.BEFORE_LOGIN

    def can_log_in_at(self, moment: datetime) -> bool:
        return self.login_opens <= moment < self.login_closes

    def urgency_at(self, moment: datetime) -> Urgency:
        """How urgent a candidate's problem in this session is at moment."""
        phase = self.phase_at(moment)
        if self.kind == ExamKind.FORMAL:
            if phase == Phase.IN_PROGRESS:
                return Urgency.FORMAL_IN_PROGRESS
            if phase == Phase.WAITING:
                return Urgency.FORMAL_WAITING
            return Urgency.OTHER
        if phase in (Phase.WAITING, Phase.IN_PROGRESS):
            return Urgency.MOCK_DAY
        return Urgency.OTHER


class Enrollment(Base):
    """A candidate on the roster of one exam session."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("exam_session_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    created_at: Mapped[datetime]

    candidate: Mapped[Candidate] = relationship(back_populates="enrollments")
    exam_session: Mapped[ExamSession] = relationship()


class ImportStatus(enum.StrEnum):
    PENDING = "pending"  # stored by the upload, waiting for the scheduler
    RUNNING = "running"  # claimed by one scheduler (claim_token), rows being checked/applied
    APPLIED = "applied"  # done: the valid rows are on the roster
    REFUSED = "refused"  # done: invalid rows and no "skip invalid", nothing applied


class RosterImport(Base):
    """A roster file accepted by the upload page, applied by the scheduler in chunks.

    Its rows hold no full ID number: the keyed hash to match and the masked form to show.
    """

    __tablename__ = "roster_imports"
    __table_args__ = (
        one_of("status", ImportStatus, name="status_known"),
        Index("ix_roster_imports_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ImportStatus] = mapped_column(String(10), default=ImportStatus.PENDING)
    filename: Mapped[str] = mapped_column(String(200))
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    #: The uploader's language: the job words the row problems it finds in it.
    locale: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    #: Which scheduler run holds it; refreshed with every chunk (heartbeat_at): a claim whose
    #: heartbeat is older than the lease is taken over (its process died).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    total_rows: Mapped[int] = mapped_column(default=0)
    #: Rows checked against the roster so far (the first pass, when invalid rows refuse).
    checked_rows: Mapped[int] = mapped_column(default=0)
    #: Rows through the applying pass so far (applied, or found invalid and skipped).
    applied_rows: Mapped[int] = mapped_column(default=0)


class RosterImportRow(Base):
    """One line of an accepted roster file and what happened to it."""

    __tablename__ = "roster_import_rows"
    __table_args__ = (Index("ix_roster_import_rows_import_id_line", "import_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_imports.id", ondelete="CASCADE"))
    #: The line of the file (the header is line 1).
    line: Mapped[int]
    exam_session: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    admission_number: Mapped[str] = mapped_column(String(32))
    #: E.164, empty when the phone was invalid.
    phone: Mapped[str] = mapped_column(String(20))
    #: Keyed hash and masked form of the ID number (empty when it was invalid); never the number.
    id_number_hash: Mapped[str] = mapped_column(String(64))
    id_number_masked: Mapped[str] = mapped_column(String(20))
    #: pending until the job reaches it; then new | enrolled | updated | unchanged | invalid.
    status: Mapped[str] = mapped_column(String(10))
    #: Problems by column, in the uploader's language.
    errors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
