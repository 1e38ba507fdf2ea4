"""Exam sessions (one sitting of a mock or formal exam, with the notice's timetable) and
their rosters: which candidates are enrolled in each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
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
