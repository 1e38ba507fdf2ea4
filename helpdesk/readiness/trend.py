"""How an exam session's readiness moved: the share of its roster whose latest PC check,
at the end of each day, was ready (passed, or passed with warnings)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.readiness.models import Device, DeviceReport, Verdict

READY = (Verdict.PASS, Verdict.WARN)


def share_ready_by_day(
    session: Session, exam: ExamSession, *, now: datetime, zone: tzinfo, days: int = 7
) -> tuple[list[str], list[float | None]]:
    """Day labels (MM-dd) and the percentage of the roster ready at the end of each day."""
    enrolled = select(Enrollment.candidate_id).where(Enrollment.exam_session_id == exam.id)
    roster = len(session.scalars(enrolled).all())
    reports = session.execute(
        select(DeviceReport.candidate_id, DeviceReport.verdict, DeviceReport.received_at)
        .where(DeviceReport.candidate_id.in_(enrolled), DeviceReport.device == Device.PC)
        .order_by(DeviceReport.received_at, DeviceReport.id)
    ).all()
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    labels, shares = [], []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end = min(now, day + timedelta(days=1))
        latest: dict[int, str] = {}
        for candidate_id, verdict, received in reports:
            if received <= end:
                latest[candidate_id] = verdict
        ready = sum(1 for v in latest.values() if v in READY)
        labels.append(day.strftime("%m-%d"))
        shares.append(round(100 * ready / roster, 1) if roster else None)
    return labels, shares
