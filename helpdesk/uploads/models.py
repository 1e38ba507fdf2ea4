"""Upload events, each artifact's current state, guidance text, retry flows, follow-ups."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, one_of


class ArtifactKind(enum.StrEnum):
    #: The phone's side-view recording (佐证视频), uploaded by 智考通 after the exam.
    EVIDENCE_VIDEO = "evidence_video"
    #: The PC's answers, uploaded by 智考云 after 交卷.
    ANSWER_DATA = "answer_data"


class UploadState(enum.StrEnum):
    STARTED = "started"
    PROGRESS = "progress"
    FAILED = "failed"
    COMPLETED = "completed"

    @property
    def rank(self) -> int:
        """Breaks ties between events of the same moment: completed wins."""
        return list(UploadState).index(self)


class UploadEvent(Base):
    """One status report from an exam client, kept as received (the timeline)."""

    __tablename__ = "upload_events"
    __table_args__ = (
        # A resent or concurrently duplicated event is stored once; per candidate, so one
        # candidate's client cannot shadow another's events by reusing their ids.
        UniqueConstraint("candidate_id", "event_id"),
        one_of("artifact", ArtifactKind, name="artifact_known"),
        one_of("state", UploadState, name="state_known"),
        Index("ix_upload_events_session_candidate", "exam_session_id", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The client's id for the event (a UUID), unique per candidate.
    event_id: Mapped[str] = mapped_column(String(64))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    artifact: Mapped[ArtifactKind] = mapped_column(String(20))
    #: The client's id of the file (one per evidence video; answer data usually one).
    artifact_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[UploadState] = mapped_column(String(10))
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(40))
    #: When the client says it happened (its clock); orders the events of an artifact.
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]


class UploadArtifact(Base):
    """The current state of one file a candidate must upload for one exam session."""

    __tablename__ = "upload_artifacts"
    __table_args__ = (
        UniqueConstraint(
            "exam_session_id",
            "candidate_id",
            "artifact",
            "artifact_id",
            name="uq_upload_artifacts_identity",
        ),
        one_of("artifact", ArtifactKind, name="artifact_known"),
        one_of("state", UploadState, name="state_known"),
        Index("ix_upload_artifacts_candidate_id", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    artifact: Mapped[ArtifactKind] = mapped_column(String(20))
    artifact_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[UploadState] = mapped_column(String(10))
    #: occurred_at of the event that set state: an older event never overrides it.
    state_at: Mapped[datetime]
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger)
    #: The `started` events received (see `tries` for what people are shown).
    attempts: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    #: occurred_at of the newest failed event (last_error_code comes from it).
    last_error_at: Mapped[datetime | None]
    events: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]

    @property
    def tries(self) -> int:
        """Upload attempts: each `started` event, and at least one once anything arrived."""
        return max(self.attempts, 1 if self.events else 0)


class GuidanceKind(enum.StrEnum):
    #: What a failure code (or "something else") on the client's screen means.
    FAILURE = "failure"
    #: One step of the retry flow, asked in `position` order.
    STEP = "step"
    #: A warning shown beside every step (never uninstall, never clear data).
    NOTE = "note"


class GuidanceEntry(Base):
    """A piece of guidance text, in Chinese and English, editable by supervisors."""

    __tablename__ = "upload_guidance"
    __table_args__ = (
        UniqueConstraint("artifact", "kind", "code"),
        one_of("artifact", ArtifactKind, name="artifact_known"),
        one_of("kind", GuidanceKind, name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    artifact: Mapped[ArtifactKind] = mapped_column(String(20))
    kind: Mapped[GuidanceKind] = mapped_column(String(10))
    #: The failure code the client shows (e.g. E_NETWORK; "OTHER" for a plain description),
    #: or the step's key (keep_open, network, storage, retry, restart).
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    #: A step that is a retry of the upload: three failed retries offer a ticket.
    is_retry: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class FlowStatus(enum.StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


class HelpFlow(Base):
    """Where one browser (or one signed-in candidate) stands in the retry flow."""

    __tablename__ = "upload_help_flows"
    __table_args__ = (
        UniqueConstraint("owner_key", "artifact"),
        one_of("artifact", ArtifactKind, name="artifact_known"),
        one_of("status", FlowStatus, name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "candidate:<id>" when signed in, else "browser:<hash of a random cookie value>".
    owner_key: Mapped[str] = mapped_column(String(80))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE")
    )
    exam_session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"))
    artifact: Mapped[ArtifactKind] = mapped_column(String(20))
    artifact_id: Mapped[str | None] = mapped_column(String(64))
    #: What the screen showed: a failure code, or OTHER.
    error_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[FlowStatus] = mapped_column(String(10))
    #: The step being asked (a step code).
    step: Mapped[str] = mapped_column(String(40))
    #: "No, it did not work" answers so far; also guards against a resent answer.
    answers: Mapped[int] = mapped_column(default=0)
    failed_retries: Mapped[int] = mapped_column(default=0)
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FollowUp(Base):
    """The one reminder a candidate gets after an exam whose uploads are incomplete."""

    __tablename__ = "upload_followups"
    __table_args__ = (UniqueConstraint("candidate_id", "exam_session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    #: What was missing, e.g. "answer_data:never_reported evidence_video:failed".
    missing: Mapped[str] = mapped_column(String(400))
    sms_dedupe_key: Mapped[str] = mapped_column(String(120))
    #: Set once the callback queue accepted the entry (retried by later runs until then).
    callback_queued_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
