"""Demo rows: a few candidates of today's mock exam waiting for a callback."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.callbacks import services
from helpdesk.errors import ValidationFailed
from helpdesk.exams.models import Enrollment, ExamSession

_PROBLEMS = [
    ("login", "登录时提示网络异常"),
    ("face_verification", "人脸核验一直失败"),
    ("cannot_answer", "答题页面空白"),
]


def seed(session: Session, now: datetime) -> str:
    """Queue three help requests on MOCK-D1 (again: the same three, thanks to their keys)."""
    exam = session.scalar(select(ExamSession).where(ExamSession.code == "MOCK-D1"))
    if exam is None:
        return "no MOCK-D1 session"
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.exam_session_id == exam.id)
        .order_by(Enrollment.id)
        .limit(3)
    ).all()
    queued = 0
    for n, (enrollment, (category, note)) in enumerate(zip(enrollments, _PROBLEMS, strict=False)):
        try:
            services.request_help(
                session,
                candidate=enrollment.candidate,
                data=services.HelpInput(exam_session=exam.code, category=category, note=note),
                idempotency_key=f"demo-help-{exam.id}-{enrollment.id}",
                source="web",
                now=now - timedelta(minutes=3 - n),
            )
        except ValidationFailed:
            continue  # the session has ended (seeded on another day)
        queued += 1
    return f"{queued} help requests waiting"
