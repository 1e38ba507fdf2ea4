"""Escalating an upload problem to a ticket: the retry flow gave up, a technician takes over.

The ticket is opened through helpdesk.tickets.services, pre-filled with what the flow knows
(the artifact, the error codes, the retries), under a key so a double submit files one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.categories import Category
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Candidate
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.uploads import guidance
from helpdesk.uploads.labels import ARTIFACT_LABELS
from helpdesk.uploads.models import ArtifactKind, HelpFlow


def suggested_description(session: Session, flow: HelpFlow) -> str:
    """The ticket text the candidate is offered: what fails, after how many retries, codes."""
    codes = guidance.error_codes(session, flow)
    lines = [
        str(
            _l(
                "The upload of my %(what)s keeps failing after %(n)d retries.",
                what=ARTIFACT_LABELS[ArtifactKind(flow.artifact)],
                n=flow.failed_retries,
            )
        )
    ]
    if codes:
        lines.append(str(_l("Error codes on the screen: %(codes)s", codes=", ".join(codes))))
    if flow.artifact_id:
        lines.append(str(_l("File: %(id)s", id=flow.artifact_id)))
    return "\n".join(lines)


def escalate(
    session: Session, *, flow: HelpFlow, candidate: Candidate, description: str, now: datetime
) -> Ticket:
    """File the flow's problem as a ticket and remember its number on the flow."""
    kind = ArtifactKind(flow.artifact)
    exam = session.get(ExamSession, flow.exam_session_id) if flow.exam_session_id else None
    ticket = tickets.open_ticket(
        session,
        candidate=candidate,
        exam_session=exam,
        category=Category(guidance.CATEGORY[kind]),
        description=description,
        now=now,
        source="upload",
        details={
            "artifact": kind.value,
            "artifact_id": flow.artifact_id or "",
            "error_codes": ",".join(guidance.error_codes(session, flow)),
            "failed_retries": flow.failed_retries,
        },
        idempotency_key=f"upload-flow-{flow.id}-{int(flow.updated_at.timestamp())}",
    )
    flow.ticket_number = ticket.number
    session.flush()
    return ticket
