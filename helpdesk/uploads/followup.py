"""After an exam: one follow-up for every rostered candidate whose uploads are incomplete.

Once a session has ended plus a grace period, every candidate on its roster whose answer
data or evidence videos are not all completed (including candidates whose clients never
reported anything) gets exactly one FollowUp row (UNIQUE per candidate and session): an SMS
queued in the outbox under a dedupe key, and an entry at the lowest urgency in the
callback queue. Running it twice, or two schedulers at once, creates nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.callbacks import services as callbacks
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity.models import Candidate
from helpdesk.notify.registry import SmsKind
from helpdesk.notify.services import queue_sms
from helpdesk.uploads import services
from helpdesk.uploads.models import ArtifactKind, FollowUp, UploadArtifact

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=30)
#: Sessions that ended longer ago than this are history: no reminders for them.
DEFAULT_HORIZON = timedelta(days=3)
REASON = "upload_incomplete"

_WHAT = {
    ArtifactKind.ANSWER_DATA: "智考云的答题数据",
    ArtifactKind.EVIDENCE_VIDEO: "智考通的佐证视频",
}


def sms_params(missing: Iterable[ArtifactKind], hotline: str) -> dict[str, str]:
    """The reminder's parameters (notify.registry SmsKind.UPLOAD_FOLLOWUP): what is missing
    and the hotline; the template says how to retry, not to uninstall, only the hotline."""
    return {"what": "和".join(_WHAT[k] for k in missing), "hotline": hotline}


def due_sessions(
    session: Session,
    *,
    now: datetime,
    grace: timedelta,
    horizon: timedelta = DEFAULT_HORIZON,
    kinds: Iterable[ExamKind] = (ExamKind.FORMAL,),
) -> list[ExamSession]:
    """Sessions that ended at least `grace` ago and less than `horizon` ago."""
    return list(
        session.scalars(
            select(ExamSession)
            .where(
                ExamSession.ends <= now - grace,
                ExamSession.ends > now - horizon,
                ExamSession.kind.in_([k.value for k in kinds]),
            )
            .order_by(ExamSession.ends)
        )
    )


def follow_up(
    session: Session,
    *,
    now: datetime,
    allowed_numbers: list[str],
    hotline: str,
    grace: timedelta = DEFAULT_GRACE,
    horizon: timedelta = DEFAULT_HORIZON,
    kinds: Iterable[ExamKind] = (ExamKind.FORMAL,),
) -> int:
    """Create the missing follow-ups of every due session; returns how many were created."""
    created = 0
    for exam in due_sessions(session, now=now, grace=grace, horizon=horizon, kinds=kinds):
        created += _follow_up_session(
            session, exam, now=now, allowed_numbers=allowed_numbers, hotline=hotline
        )
        _queue_callbacks(session, exam, now=now)
    return created


def _follow_up_session(
    session: Session, exam: ExamSession, *, now: datetime, allowed_numbers: list[str], hotline: str
) -> int:
    done = select(FollowUp.candidate_id).where(FollowUp.exam_session_id == exam.id)
    candidates = session.scalars(
        select(Candidate)
        .join(Enrollment)
        .where(Enrollment.exam_session_id == exam.id, Candidate.id.not_in(done))
        .order_by(Candidate.id)
    ).all()
    artifacts: dict[int, list[UploadArtifact]] = defaultdict(list)
    for artifact in session.scalars(
        select(UploadArtifact).where(UploadArtifact.exam_session_id == exam.id)
    ):
        artifacts[artifact.candidate_id].append(artifact)
    created = 0
    for candidate in candidates:
        verdict = services.completeness(artifacts.get(candidate.id, []))
        if verdict.complete:
            continue
        missing = verdict.missing()
        key = f"upload.followup:{exam.id}:{candidate.id}"
        row = FollowUp(
            candidate_id=candidate.id,
            exam_session_id=exam.id,
            missing=" ".join(f"{k.value}:{v.value}" for k, v in missing)[:400],
            sms_dedupe_key=key,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # another scheduler followed this candidate up a moment ago
        try:
            queue_sms(
                session,
                to=candidate.phone,
                kind=SmsKind.UPLOAD_FOLLOWUP,
                params=sms_params([k for k, _ in missing], hotline),
                dedupe_key=key,
                now=now,
                allowed_numbers=allowed_numbers,
            )
        except ValueError as exc:  # an unusable roster phone, or text the outbox refuses
            log.warning("follow-up %s: no SMS queued (%s)", key, type(exc).__name__)
        created += 1
    return created


def _queue_callbacks(session: Session, exam: ExamSession, *, now: datetime) -> None:
    pending = session.scalars(
        select(FollowUp).where(
            FollowUp.exam_session_id == exam.id, FollowUp.callback_queued_at.is_(None)
        )
    ).all()
    for followup in pending:
        candidate = session.get(Candidate, followup.candidate_id)
        if candidate is None:
            continue
        callbacks.queue_followup(
            session,
            candidate=candidate,
            exam_session=exam,
            reason=REASON,
            note=_callback_note(followup),
            now=now,
        )
        followup.callback_queued_at = now
    session.flush()


def _callback_note(followup: FollowUp) -> str:
    labels = {
        "answer_data": "答题数据",
        "evidence_video": "佐证视频",
        "never_reported": "未上报",
        "failed": "上传失败",
        "in_progress": "未传完",
    }
    parts = []
    for item in followup.missing.split():
        kind, _, verdict = item.partition(":")
        parts.append(f"{labels.get(kind, kind)}{labels.get(verdict, verdict)}")
    return "考后上传未完成：" + "，".join(parts) + "。请指导考生重试上传，提醒勿卸载客户端。"
