"""One reminder sent to a segment of an exam session, and who it reached."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, one_of


class Segment(enum.StrEnum):
    """Who a reminder goes to, among an exam session's roster."""

    #: No PC report yet.
    NEVER_RAN_AGENT = "never_ran_agent"
    #: The latest PC report is "not ready" (optionally: failing one named check).
    AGENT_FAILED = "agent_failed"
    #: No phone report yet.
    NEVER_RAN_PHONE = "never_ran_phone"
    #: After the exam: answer data or evidence videos not all uploaded.
    UPLOADS_INCOMPLETE = "uploads_incomplete"


class Origin(enum.StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class Reminder(Base):
    """A supervisor's (or the scheduler's) reminder to one segment of one exam session."""

    __tablename__ = "reminders"
    __table_args__ = (
        one_of("segment", Segment, name="segment_known"),
        one_of("origin", Origin, name="origin_known"),
        #: An automatic reminder runs once per session and calendar moment, however many
        #: schedulers run (NULL for manual ones, which never collide).
        UniqueConstraint("exam_session_id", "trigger"),
        Index("ix_reminders_exam_created", "exam_session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"))
    segment: Mapped[Segment] = mapped_column(String(20))
    #: AGENT_FAILED only: the one check the segment is narrowed to (None: any failure).
    check_id: Mapped[str | None] = mapped_column(String(40))
    #: The SMS kind (helpdesk.notify.registry) the recipients received.
    kind: Mapped[str] = mapped_column(String(40))
    origin: Mapped[Origin] = mapped_column(String(10))
    #: Automatic only: the calendar moment, e.g. "download_closes-24h:never_ran_agent".
    trigger: Mapped[str | None] = mapped_column(String(80))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    #: When the messages go: created_at, or the end of the quiet hours it was sent in.
    send_at: Mapped[datetime]
    #: Candidates texted; and those in the segment skipped (reminded of this kind that day).
    recipients: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)


class ReminderRecipient(Base):
    """One candidate one reminder texted. At most one of a kind per candidate per day."""

    __tablename__ = "reminder_recipients"
    __table_args__ = (
        UniqueConstraint("candidate_id", "kind", "day"),
        Index("ix_reminder_recipients_reminder", "reminder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    #: The Beijing date the message goes on (the once-a-day rule counts these days).
    day: Mapped[date]
