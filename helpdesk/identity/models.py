"""Candidates on the roster, staff accounts, and sign-in sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, one_of

if TYPE_CHECKING:  # identity sits below exams: enrollments are named, never imported
    from helpdesk.exams.models import Enrollment


class Candidate(Base):
    """A person on the roster. The resident ID number is never stored in full."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Indexed, as is the phone: the staff inbox's search looks both up on every query.
    name: Mapped[str] = mapped_column(String(100), index=True)
    #: HMAC-SHA256 of the canonical ID number under HELPDESK_ID_HASH_KEY.
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: For display only, e.g. 110101********1234.
    id_number_masked: Mapped[str] = mapped_column(String(18))
    #: The written exam's admission number (准考证号), the same in mock and formal exams.
    admission_number: Mapped[str] = mapped_column(String(32), unique=True)
    #: E.164, +86...
    phone: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]

    #: The exam sessions whose roster holds this candidate (helpdesk.exams owns them).
    enrollments: Mapped[list[Enrollment]] = relationship(
        "Enrollment", back_populates="candidate", cascade="all, delete-orphan"
    )


class Role(enum.StrEnum):
    """Staff roles; each includes what the ones before it may do."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {role: rank for rank, role in enumerate(Role)}


class Staff(Base):
    """A technician, supervisor or admin of the desk."""

    __tablename__ = "staff"
    __table_args__ = (one_of("role", Role, name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: argon2id, with its parameters inside the string.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    #: Takes new work (tickets, callbacks) when automatic assignment is on.
    available: Mapped[bool] = mapped_column(default=False)
    #: The agent's own phone, for telephony adapters that ring the agent first.
    phone: Mapped[str | None] = mapped_column(String(20))
    #: What the cloud contact center rings first for this agent (HELPDESK_TELEPHONY=aliyun):
    #: their seat's number on the instance; empty: their phone.
    seat: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    #: Set when an admin handed out a temporary password: every page leads to the
    #: password change until a new one is chosen.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: A temporary password stops working at this moment (None: a chosen password).
    password_expires_at: Mapped[datetime | None]
    #: The TOTP seed, encrypted (Fernet) under HELPDESK_TOTP_KEY; None: no second factor.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: A seed shown on the enrolment page and not yet confirmed with a code.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255))
    #: The last 30-second time step whose code was accepted: a code works only once.
    totp_last_step: Mapped[int | None]
    totp_enrolled_at: Mapped[datetime | None]

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app; stored as argon2 only."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SecurityPolicy(Base):
    """Desk-wide sign-in rules an admin sets: one row (id 1), absent until first changed."""

    __tablename__ = "security_policies"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Agents too must use two-factor sign-in (supervisors and admins always must).
    two_factor_for_everyone: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class SessionKind(enum.StrEnum):
    STAFF_WEB = "staff_web"
    CANDIDATE_WEB = "candidate_web"
    CANDIDATE_API = "candidate_api"


class AuthSession(Base):
    """A signed-in browser or API client; deleting the row ends it everywhere."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        CheckConstraint("(staff_id IS NULL) <> (candidate_id IS NULL)", name="one_owner"),
        Index("ix_auth_sessions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the bearer token or cookie value: a database leak reveals no live token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[SessionKind] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    #: The absolute end: staff sign in again after HELPDESK_STAFF_SESSION_MAX_HOURS.
    expires_at: Mapped[datetime]
    #: Staff sessions only: the last request, for the idle timeout (updated once a minute).
    last_seen_at: Mapped[datetime | None]
    #: Staff sessions only, for the list of one's own sessions.
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    staff: Mapped[Staff | None] = relationship()
    candidate: Mapped[Candidate | None] = relationship()
