"""Guidance text (data in upload_guidance) and the guided retry flow.

The flow asks one step at a time "did it work?". Each "no" moves on; a "no" on a retry
step counts as a failed retry, and after the last step the flow asks for the retry again.
After RETRIES_BEFORE_TICKET failed retries it stops and offers a pre-filled ticket and
the hotline. A flow belongs to a signed-in candidate or to one browser, so a reload (or
another device, for a candidate) finds it where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate, Staff
from helpdesk.uploads import defaults
from helpdesk.uploads.models import (
    ArtifactKind,
    FlowStatus,
    GuidanceEntry,
    GuidanceKind,
    HelpFlow,
    UploadArtifact,
)

RETRIES_BEFORE_TICKET = 3
OTHER = "OTHER"
CATEGORY = {
    ArtifactKind.EVIDENCE_VIDEO: "evidence_upload",
    ArtifactKind.ANSWER_DATA: "answer_upload",
}


def seed_guidance(session: Session, now: datetime) -> int:
    """Insert the default entries that are missing; never overwrite a supervisor's edit."""
    have = {
        (a, k, c)
        for a, k, c in session.execute(
            select(GuidanceEntry.artifact, GuidanceEntry.kind, GuidanceEntry.code)
        )
    }
    added = 0
    for row in defaults.rows():
        if (row["artifact"], row["kind"], row["code"]) not in have:
            session.add(GuidanceEntry(**row, updated_at=now))
            added += 1
    session.flush()
    return added


def entries(
    session: Session, artifact: ArtifactKind, kind: GuidanceKind, *, include_inactive: bool = False
) -> list[GuidanceEntry]:
    stmt = select(GuidanceEntry).where(
        GuidanceEntry.artifact == artifact, GuidanceEntry.kind == kind
    )
    if not include_inactive:
        stmt = stmt.where(GuidanceEntry.active.is_(True))
    return list(session.scalars(stmt.order_by(GuidanceEntry.position, GuidanceEntry.id)))


def failure_entry(
    session: Session, artifact: ArtifactKind, code: str | None
) -> GuidanceEntry | None:
    """The entry for a failure code, else the one for a screen without a known code."""
    found = {e.code: e for e in entries(session, artifact, GuidanceKind.FAILURE)}
    return found.get((code or "").upper()) or found.get(OTHER)


def localised(entry: GuidanceEntry | None, locale: str) -> dict[str, str]:
    if entry is None:
        return {"code": "", "title": "", "body": ""}
    zh = locale.startswith("zh")
    return {
        "code": entry.code,
        "title": entry.title_zh if zh else entry.title_en,
        "body": entry.body_zh if zh else entry.body_en,
    }


def guidance_for(session: Session, artifact: UploadArtifact, locale: str) -> dict[str, Any]:
    """The guidance that applies to an artifact's current state (for the API and pages)."""
    kind = ArtifactKind(artifact.artifact)
    return {
        "failure": localised(failure_entry(session, kind, artifact.last_error_code), locale)
        if artifact.state != "completed"
        else None,
        "steps": [localised(e, locale)["title"] for e in entries(session, kind, GuidanceKind.STEP)],
        "notes": [localised(e, locale)["body"] for e in entries(session, kind, GuidanceKind.NOTE)],
    }


# --- supervisors edit the text -----------------------------------------------------------


@dataclass(frozen=True)
class EntryIn:
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    position: int
    is_retry: bool
    active: bool


def get_entry(session: Session, entry_id: int) -> GuidanceEntry:
    entry = session.get(GuidanceEntry, entry_id)
    if entry is None:
        raise NotFound(str(_l("This guidance entry does not exist.")))
    return entry


def update_entry(
    session: Session, *, entry: GuidanceEntry, data: EntryIn, staff: Staff, now: datetime
) -> GuidanceEntry:
    """Change an entry's text; the flow and the API use it from the next request on."""
    if (
        entry.kind == GuidanceKind.STEP
        and not (data.active and data.is_retry)
        and not [
            e
            for e in entries(session, ArtifactKind(entry.artifact), GuidanceKind.STEP)
            if e.is_retry and e.id != entry.id
        ]
    ):
        raise ValidationFailed(
            str(_l("The flow needs at least one active retry step.")),
            fields={"active": str(_l("Keep at least one retry step."))},
        )
    for name, value in vars(data).items():
        setattr(entry, name, value)
    entry.updated_at, entry.updated_by_id = now, staff.id
    session.flush()
    return entry


def add_failure_code(
    session: Session,
    *,
    artifact: ArtifactKind,
    code: str,
    data: EntryIn,
    staff: Staff,
    now: datetime,
) -> GuidanceEntry:
    """Add guidance for a failure code the clients started to show."""
    code = code.strip().upper()
    if (
        session.scalar(
            select(GuidanceEntry.id).where(
                GuidanceEntry.artifact == artifact,
                GuidanceEntry.kind == GuidanceKind.FAILURE,
                GuidanceEntry.code == code,
            )
        )
        is not None
    ):
        raise ValidationFailed(
            str(_l("Some fields need correcting.")),
            fields={"code": str(_l("This failure code already has guidance: edit that entry."))},
        )
    entry = GuidanceEntry(
        artifact=artifact,
        kind=GuidanceKind.FAILURE,
        code=code,
        updated_at=now,
        updated_by_id=staff.id,
        **vars(data),
    )
    entry.is_retry = False
    session.add(entry)
    session.flush()
    return entry


# --- the flow ----------------------------------------------------------------------------


def get_flow(session: Session, *, owner_key: str, artifact: ArtifactKind) -> HelpFlow | None:
    return session.scalar(
        select(HelpFlow).where(HelpFlow.owner_key == owner_key, HelpFlow.artifact == artifact)
    )


def adopt_flow(session: Session, *, browser_key: str, candidate: Candidate) -> None:
    """A visitor who signs in keeps the flows they started before signing in."""
    owner = candidate_key(candidate)
    for flow in session.scalars(select(HelpFlow).where(HelpFlow.owner_key == browser_key)):
        if get_flow(session, owner_key=owner, artifact=ArtifactKind(flow.artifact)) is None:
            flow.owner_key, flow.candidate_id = owner, candidate.id
    session.flush()


def candidate_key(candidate: Candidate) -> str:
    return f"candidate:{candidate.id}"


def start_flow(
    session: Session,
    *,
    owner_key: str,
    artifact: ArtifactKind,
    error_code: str,
    now: datetime,
    candidate: Candidate | None = None,
    exam: ExamSession | None = None,
    artifact_id: str | None = None,
) -> HelpFlow:
    """Begin (or begin again) the flow for artifact at its first step."""
    steps = entries(session, artifact, GuidanceKind.STEP)
    if not steps:
        raise NotFound(str(_l("There is no guidance for this upload yet. Call the hotline.")))
    flow = get_flow(session, owner_key=owner_key, artifact=artifact)
    if flow is None:
        flow = HelpFlow(owner_key=owner_key, artifact=artifact, created_at=now)
        session.add(flow)
    flow.candidate_id = candidate.id if candidate is not None else None
    flow.exam_session_id = exam.id if exam is not None else None
    flow.artifact_id, flow.error_code = artifact_id, error_code.upper()[:40] or OTHER
    flow.status, flow.step = FlowStatus.ACTIVE, steps[0].code
    flow.answers, flow.failed_retries, flow.ticket_number = 0, 0, None
    flow.updated_at = now
    session.flush()
    return flow


def answer(
    session: Session, *, flow: HelpFlow, step: str, seq: int, worked: bool, now: datetime
) -> HelpFlow:
    """Record "did it work?" for the step being asked.

    `step` and `seq` are what the page showed: a resent form (double tap, reload) for a
    step already answered changes nothing.
    """
    if flow.status != FlowStatus.ACTIVE or step != flow.step or seq != flow.answers:
        return flow
    if worked:
        flow.status = FlowStatus.RESOLVED
    else:
        steps = entries(session, ArtifactKind(flow.artifact), GuidanceKind.STEP)
        current = next((s for s in steps if s.code == flow.step), None)
        flow.answers += 1
        if current is None or current.is_retry:
            flow.failed_retries += 1
        if flow.failed_retries >= RETRIES_BEFORE_TICKET:
            flow.status = FlowStatus.ESCALATED
        else:
            flow.step = _next_step(steps, current)
    flow.updated_at = now
    session.flush()
    return flow


def _next_step(steps: list[GuidanceEntry], current: GuidanceEntry | None) -> str:
    if current is not None and current in steps:
        index = steps.index(current)
        if index + 1 < len(steps):
            return steps[index + 1].code
    # Past the last step: ask for the retry again (the notice: re-upload until it works).
    retries = [s for s in steps if s.is_retry]
    return (retries[0] if retries else steps[-1]).code


def error_codes(session: Session, flow: HelpFlow) -> list[str]:
    """The codes to put on a ticket: what the candidate chose plus what the client reported."""
    codes = [flow.error_code] if flow.error_code and flow.error_code != OTHER else []
    if flow.candidate_id is not None and flow.exam_session_id is not None:
        stmt = select(UploadArtifact.last_error_code).where(
            UploadArtifact.candidate_id == flow.candidate_id,
            UploadArtifact.exam_session_id == flow.exam_session_id,
            UploadArtifact.artifact == flow.artifact,
            UploadArtifact.last_error_code.is_not(None),
        )
        if flow.artifact_id:
            stmt = stmt.where(UploadArtifact.artifact_id == flow.artifact_id)
        for code in session.scalars(stmt):
            if code and code not in codes:
                codes.append(code)
    return codes
