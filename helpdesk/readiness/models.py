"""Requirements profiles per exam session, device reports, and published agent builds."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, one_of
from helpdesk.exams.models import ExamSession
from helpdesk.identity.models import Candidate


class Device(enum.StrEnum):
    PC = "pc"
    PHONE = "phone"


class Verdict(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"


class BuildPlatform(enum.StrEnum):
    """What a published agent build runs on."""

    WINDOWS = "windows"  # the one-file .exe, no Python needed
    ZIPAPP = "zipapp"  # the .pyz, for PCs that have Python 3.8+


class ReadinessProfile(Base):
    """The requirements an exam session's PCs are judged against (else the built-in ones)."""

    __tablename__ = "readiness_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_session_id: Mapped[int] = mapped_column(
        ForeignKey("exam_sessions.id", ondelete="CASCADE"), unique=True
    )
    version: Mapped[str] = mapped_column(String(80))
    #: {"version", "checks": [{"id", "severity", "params"}]}, as served to the agent.
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    exam_session: Mapped[ExamSession] = relationship()


class DeviceReport(Base):
    """One run of the agent on a PC, or of the self-check page on a phone, as judged here."""

    __tablename__ = "device_reports"
    __table_args__ = (
        one_of("device", Device, name="device_known"),
        one_of("verdict", Verdict, name="verdict_known"),
        UniqueConstraint("candidate_id", "idempotency_key"),
        Index("ix_device_reports_candidate_device", "candidate_id", "device", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the candidate quotes in a ticket, e.g. D-4F7K-2M9Q (P- for a phone).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    #: The session whose profile judged it (None: the built-in profile, no session known).
    exam_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("exam_sessions.id", ondelete="SET NULL"), index=True
    )
    device: Mapped[Device] = mapped_column(String(10))
    verdict: Mapped[Verdict] = mapped_column(String(10))
    #: [{"id", "status", "title", "message", "fix"}] in the language of the upload.
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile_version: Mapped[str] = mapped_column(String(80))
    #: The version the agent said it judged against (may differ from ours).
    client_profile_version: Mapped[str | None] = mapped_column(String(80))
    agent_version: Mapped[str | None] = mapped_column(String(40))
    platform: Mapped[str | None] = mapped_column(String(40))
    collected_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    #: The client's Idempotency-Key: a retried upload returns the first report.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the upload, to tell a replay from a key reused for another body.
    body_sha256: Mapped[str] = mapped_column(String(64))

    candidate: Mapped[Candidate] = relationship()
    exam_session: Mapped[ExamSession | None] = relationship()


class AgentBuild(Base):
    """A published build of the agent that candidates download."""

    __tablename__ = "agent_builds"
    __table_args__ = (one_of("platform", BuildPlatform, name="platform_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(10))
    version: Mapped[str] = mapped_column(String(40))
    #: The name the browser saves it under, e.g. helpdesk-agent-1.0.0.exe.
    filename: Mapped[str] = mapped_column(String(120))
    #: The file's name in the published-builds folder.
    stored_name: Mapped[str] = mapped_column(String(160), unique=True)
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]


class PhoneLink(Base):
    """A single-use link, shown as a QR code on the PC, that signs the phone in as its owner.

    Only the token's SHA-256 is kept: the link itself is shown once and never stored.
    """

    __tablename__ = "phone_links"
    __table_args__ = (Index("ix_phone_links_candidate_created", "candidate_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: When a phone signed in with it; a link works once.
    used_at: Mapped[datetime | None]

    candidate: Mapped[Candidate] = relationship()
