"""Exam sessions: import from the organiser's timetable, look-ups, the candidate's stage,
and who is enrolled in which."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from helpdesk.audit import services as audit
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession, Phase
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate


class ExamSessionIn(BaseModel):
    """One entry of `flask exams import FILE.json`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: ExamKind
    download_opens: AwareDatetime | None = None
    download_closes: AwareDatetime | None = None
    login_opens: AwareDatetime
    starts: AwareDatetime
    login_closes: AwareDatetime
    ends: AwareDatetime

    @model_validator(mode="after")
    def _in_order(self) -> ExamSessionIn:
        # Each rule has its own error type, so the desk's form can name the field in words.
        if not self.login_opens <= self.starts <= self.ends:
            raise PydanticCustomError("starts_order", "login_opens <= starts <= ends is required")
        if not self.login_opens <= self.login_closes <= self.ends:
            raise PydanticCustomError(
                "login_closes_order", "login_opens <= login_closes <= ends is required"
            )
        if (self.download_opens is None) != (self.download_closes is None):
            raise PydanticCustomError(
                "download_pair", "download_opens and download_closes go together"
            )
        if (
            self.download_opens
            and self.download_closes
            and self.download_opens >= self.download_closes
        ):
            raise PydanticCustomError(
                "download_order", "download_opens must be before download_closes"
            )
        return self


def import_sessions(session: Session, items: Any) -> list[tuple[str, str]]:
    """Create or update sessions by code; all or nothing. Returns (code, created|updated)."""
    if not isinstance(items, list):
        raise ValidationFailed(str(_l("The file must hold a JSON list of exam sessions.")))
    parsed: list[ExamSessionIn] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        try:
            parsed.append(ExamSessionIn.model_validate(item))
        except ValidationError as exc:
            errors[f"[{index}]"] = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
    codes = [p.code for p in parsed]
    for code in {c for c in codes if codes.count(c) > 1}:
        errors[code] = "code appears more than once"
    if errors:
        raise ValidationFailed(
            str(_l("The exam sessions file has errors; nothing was imported.")), fields=errors
        )
    results = []
    for item in parsed:
        row = session.scalar(select(ExamSession).where(ExamSession.code == item.code))
        status = "updated"
        if row is None:
            row, status = ExamSession(code=item.code), "created"
            session.add(row)
        for field, value in item.model_dump(exclude={"code"}).items():
            setattr(row, field, value)
        results.append((item.code, status))
    session.flush()
    return results


def get_by_code(session: Session, code: str) -> ExamSession:
    row = session.scalar(select(ExamSession).where(ExamSession.code == code))
    if row is None:
        raise NotFound(str(_l("No exam session has this code.")), code="unknown_exam_session")
    return row


def list_sessions(session: Session) -> list[ExamSession]:
    return list(session.scalars(select(ExamSession).order_by(ExamSession.starts)))


@dataclass(frozen=True)
class Stage:
    """The session that matters most to a candidate now, and its phase."""

    session: ExamSession
    phase: Phase


def current_stage(sessions: Iterable[ExamSession], now: datetime) -> Stage | None:
    """Pick what the candidate should act on now.

    A session whose login is open or which is running comes first (the formal exam before
    a mock); otherwise the next one to start; otherwise the last one that ended.
    """
    ordered = sorted(sessions, key=lambda s: s.starts)
    if not ordered:
        return None
    live = [s for s in ordered if s.phase_at(now) in (Phase.WAITING, Phase.IN_PROGRESS)]
    if live:
        live.sort(key=lambda s: (s.kind != ExamKind.FORMAL, s.starts))
        return Stage(live[0], live[0].phase_at(now))
    upcoming = [s for s in ordered if s.phase_at(now) != Phase.ENDED]
    if upcoming:
        return Stage(upcoming[0], upcoming[0].phase_at(now))
    return Stage(ordered[-1], Phase.ENDED)


def enrolled_session(session: Session, *, candidate: Candidate, code: str) -> ExamSession:
    """The exam session code names, if the candidate is on its roster; else 422."""
    row = session.execute(
        select(ExamSession, Enrollment.id)
        .outerjoin(
            Enrollment,
            and_(
                Enrollment.exam_session_id == ExamSession.id,
                Enrollment.candidate_id == candidate.id,
            ),
        )
        .where(ExamSession.code == code)
    ).first()
    if row is None:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"exam_session": str(_l("No exam session has this code."))},
        )
    exam, enrolled = row
    if enrolled is None:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"exam_session": str(_l("You are not on the roster of this exam session."))},
        )
    return exam


def is_enrolled(session: Session, *, candidate: Candidate, exam: ExamSession) -> bool:
    """Whether the candidate is on the exam session's roster (no statement when this
    request already loaded their enrollments, as the sign-in lookup does)."""
    if "enrollments" in candidate.__dict__:
        return any(e.exam_session_id == exam.id for e in candidate.enrollments)
    enrollment = session.scalar(
        select(Enrollment.id).where(
            Enrollment.candidate_id == candidate.id, Enrollment.exam_session_id == exam.id
        )
    )
    return enrollment is not None


def record_results_published(
    session: Session, *, exam: ExamSession, at: datetime, now: datetime
) -> None:
    """Note when exam's results were published: its retention period starts there."""
    if at > now:
        raise ValidationFailed(
            str(_l("Results cannot be published in the future.")),
            fields={"at": str(_l("Give a time that has passed."))},
        )
    exam.results_published_at = at
    audit.record(
        session,
        staff=None,
        action="exam.results_published",
        now=now,
        target_type="exam_session",
        target_id=exam.code,
        detail={"at": at.isoformat()},
    )
    session.flush()
