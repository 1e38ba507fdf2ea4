"""Who is in a segment of an exam session's roster, now or at an earlier moment.

The readiness segments follow the readiness view: a candidate "ran the agent" once any PC
report of theirs arrived, and their verdict is that of their latest PC report. "Before a
moment" means received strictly before it, so the effect figures can ask who was still in
a segment when a reminder went.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from diagnostics import messages
from diagnostics.profile import DEFAULT_PROFILE
from helpdesk.errors import ValidationFailed
from helpdesk.exams.models import Enrollment, ExamSession, Phase
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.readiness.models import Device, DeviceReport, Verdict
from helpdesk.reminders.models import Segment
from helpdesk.uploads import services as uploads

#: The segments the scheduler reminds before the download window closes / the mock day ends.
READINESS_SEGMENTS = (Segment.NEVER_RAN_AGENT, Segment.AGENT_FAILED, Segment.NEVER_RAN_PHONE)


def parse(raw: str, check: str = "") -> tuple[Segment, str | None]:
    """A segment (and its check) from a form or query; a translated 422 if unknown."""
    if raw not in set(Segment):
        message = str(_l("Choose who to remind."))
        raise ValidationFailed(message, fields={"segment": message})
    segment = Segment(raw)
    check = check.strip()[:40]
    if segment != Segment.AGENT_FAILED or not check:
        return segment, None
    if check not in check_ids():
        message = str(_l("There is no such check."))
        raise ValidationFailed(message, fields={"check": message})
    return segment, check


def check_ids() -> list[str]:
    """The checks of the built-in requirements profile, in its order."""
    return [str(c["id"]) for c in DEFAULT_PROFILE["checks"]]


def check_title(check_id: str, locale: str = "zh_CN") -> str:
    """A check in words, as the candidate's agent names it."""
    return messages.title(check_id, {}, messages.normalize_locale(locale))


def _enrolled(exam: ExamSession) -> Select[Any]:
    return select(Enrollment.candidate_id).where(Enrollment.exam_session_id == exam.id)


def _reported(device: Device, before: datetime | None) -> Select[Any]:
    query = select(DeviceReport.candidate_id).where(DeviceReport.device == device)
    if before is not None:
        query = query.where(DeviceReport.received_at < before)
    return query


def members(
    session: Session,
    *,
    exam: ExamSession,
    segment: Segment,
    check_id: str | None = None,
    now: datetime,
    before: datetime | None = None,
) -> list[int]:
    """The candidate ids in segment, by admission number; as of `before` when given.

    The uploads segment exists only once the session has ended (a translated 422 before).
    """
    if segment == Segment.UPLOADS_INCOMPLETE:
        if exam.phase_at(now) != Phase.ENDED:
            message = str(_l("Uploads can be reminded only after the exam has ended."))
            raise ValidationFailed(message, fields={"segment": message})
        lines = uploads.roster_completeness(session, exam_session_id=exam.id)
        return [line.candidate.id for line in lines if not line.result.complete]
    enrolled = _enrolled(exam)
    ordered = select(Candidate.id).where(Candidate.id.in_(enrolled))
    if segment == Segment.NEVER_RAN_AGENT:
        query = ordered.where(Candidate.id.not_in(_reported(Device.PC, before)))
    elif segment == Segment.NEVER_RAN_PHONE:
        query = ordered.where(Candidate.id.not_in(_reported(Device.PHONE, before)))
    else:
        return _failed(session, enrolled, check_id, before)
    return list(session.scalars(query.order_by(Candidate.admission_number)))


def _failed(
    session: Session, enrolled: Select[Any], check_id: str | None, before: datetime | None
) -> list[int]:
    latest = (
        select(func.max(DeviceReport.id))
        .where(DeviceReport.device == Device.PC, DeviceReport.candidate_id.in_(enrolled))
        .group_by(DeviceReport.candidate_id)
    )
    if before is not None:
        latest = latest.where(DeviceReport.received_at < before)
    rows = session.execute(
        select(DeviceReport.candidate_id, DeviceReport.checks)
        .join(Candidate, Candidate.id == DeviceReport.candidate_id)
        .where(DeviceReport.id.in_(latest), DeviceReport.verdict == Verdict.FAIL)
        .order_by(Candidate.admission_number)
    ).all()
    if check_id is None:
        return [candidate_id for candidate_id, _checks in rows]
    return [cid for cid, checks in rows if check_id in failed_checks(checks)]


def failed_checks(checks: list[dict[str, object]] | None) -> list[str]:
    """The ids of the failed checks of one report, in the report's order."""
    return [str(c.get("id")) for c in checks or [] if c.get("status") == "fail"]


def first_failed_check(session: Session, candidate_ids: list[int]) -> dict[int, str]:
    """Each candidate's first failed check on their latest PC report (for the message)."""
    latest = (
        select(func.max(DeviceReport.id))
        .where(DeviceReport.device == Device.PC, DeviceReport.candidate_id.in_(candidate_ids))
        .group_by(DeviceReport.candidate_id)
    )
    found: dict[int, str] = {}
    for candidate_id, checks in session.execute(
        select(DeviceReport.candidate_id, DeviceReport.checks).where(DeviceReport.id.in_(latest))
    ):
        failed = failed_checks(checks)
        if failed:
            found[candidate_id] = failed[0]
    return found
