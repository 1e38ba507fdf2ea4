"""Help requests and the call attempts made to answer them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, one_of
from helpdesk.exams.models import ExamSession
from helpdesk.identity.models import Candidate, Staff
from helpdesk.telephony.states import CallState


class HelpStatus(enum.StrEnum):
    """The statuses of API.md; the first three are 'open'."""

    WAITING = "waiting"
    CLAIMED = "claimed"
    CALLING = "calling"
    COMPLETED = "completed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


OPEN_STATUSES = (HelpStatus.WAITING, HelpStatus.CLAIMED, HelpStatus.CALLING)


class Outcome(enum.StrEnum):
    """How one call attempt ended."""

    RESOLVED = "resolved"  # connected and resolved
    ESCALATED = "escalated"  # connected, escalated to a ticket
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    FAILED = "failed"


#: Outcomes after which the desk tries again (until the attempts run out).
RETRY_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED)


#: Lowest urgency: after everything exam-related (Urgency.OTHER is 3).
FOLLOWUP_PRIORITY = 9

_OPEN_SQL = "status IN ('waiting', 'claimed', 'calling') AND reason IS NULL"


class HelpRequest(Base):
    """A candidate asking to be phoned back (the 求助 button), or a follow-up call the desk
    owes a candidate (e.g. incomplete uploads after the exam)."""

    __tablename__ = "help_requests"
    __table_args__ = (
        one_of("status", HelpStatus, name="status_known"),
        UniqueConstraint("candidate_id", "idempotency_key"),
        UniqueConstraint("candidate_id", "exam_session_id", "reason"),
        # One open request per candidate and exam session: a second press returns the first.
        Index(
            "uq_help_requests_one_open",
            "candidate_id",
            "exam_session_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        # The queue's order: claimable rows by urgency, then first come first served.
        Index("ix_help_requests_queue", "status", "priority", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id shown to clients and in URLs: random, so ids reveal nothing about volume.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    #: The client's Idempotency-Key (null for follow-ups the desk creates itself).
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the request body, to tell a replay from a reused key.
    body_hash: Mapped[str | None] = mapped_column(String(64))
    #: Set only for follow-ups the desk queues itself, e.g. upload_incomplete.
    reason: Mapped[str | None] = mapped_column(String(40))
    #: api, web or followup.
    source: Mapped[str] = mapped_column(String(20))
    #: E.164 number to call: the one the candidate gave, else the roster's.
    phone: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[HelpStatus] = mapped_column(String(20), default=HelpStatus.WAITING)
    #: Lower runs first: exams.models.Urgency at the press, FOLLOWUP_PRIORITY for follow-ups.
    priority: Mapped[int]
    #: Not claimable before this moment: pushed back after an unanswered attempt.
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    claimed_at: Mapped[datetime | None]
    #: A claim not turned into a call by then goes back to the queue.
    claim_expires_at: Mapped[datetime | None]
    #: Call attempts made so far (retries stop at CALLBACK_MAX_ATTEMPTS).
    attempts: Mapped[int] = mapped_column(default=0)
    first_call_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: The last attempt's outcome, or session_ended / cancelled for closed requests.
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: The ticket it became (escalation or end-of-session close-out); no FK across capabilities.
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    staff_notes: Mapped[str | None] = mapped_column(Text)

    candidate: Mapped[Candidate] = relationship()
    exam_session: Mapped[ExamSession] = relationship()
    claimed_by: Mapped[Staff | None] = relationship()
    calls: Mapped[list[CallAttempt]] = relationship(
        back_populates="help_request", order_by="CallAttempt.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CallAttempt(Base):
    """One call placed to answer a help request, from a whitelisted caller ID."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        one_of("state", CallState, name="state_known"),
        Index("ix_call_attempts_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque id used in webhook URLs.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    help_request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    #: desk or twilio.
    adapter: Mapped[str] = mapped_column(String(20))
    #: E.164; always one of HELPDESK_CALLER_IDS.
    caller_id: Mapped[str] = mapped_column(String(20))
    #: E.164 number dialled (mainland, the candidate's own).
    to_phone: Mapped[str] = mapped_column(String(20))
    #: The provider's call id (Twilio CallSid), once known.
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Where the call stands, in the telephony port's words (it only moves forward).
    state: Mapped[CallState] = mapped_column(String(20))
    #: The provider's last status of the candidate leg (e.g. no-answer), for the record.
    provider_status: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    help_request: Mapped[HelpRequest] = relationship(back_populates="calls")
    staff: Mapped[Staff] = relationship()


class AgentPresence(Base):
    """When an agent's console last showed itself (page or poll): an agent is on duty
    while it keeps doing so and they have not paused (Staff.available)."""

    __tablename__ = "agent_presence"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(index=True)
