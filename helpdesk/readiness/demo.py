"""Demo device reports for `flask demo seed`: some candidates of the first mock day ran the
agent (ready, with warnings, not ready) and checked a phone, the rest never did."""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.samples import READY_PC
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity.models import Candidate
from helpdesk.readiness import services
from helpdesk.readiness.models import Device, DeviceReport

GIB = 1024**3
PROBLEMS: list[dict[str, Any]] = [
    {},
    {
        "security_software": {
            "matches": [{"product": "360安全卫士", "source": "uninstall", "detail": "360安全卫士"}],
            "sources": ["uninstall"],
        }
    },
    {"power": {"ac_sleep_seconds": 1800, "ac_display_seconds": 600}},
    {"displays": {"count": 2}},
    {"bandwidth": {"download_mbps_p10": 2.1, "upload_mbps_p10": 0.8}},
    {"network": {"type": "wifi", "hotspot": True, "hotspot_reason": "gateway 192.168.43.1"}},
]
PHONE = {
    "user_agent": "Mozilla/5.0 (Linux; Android 12; V2111A) AppleWebKit/537.36 Chrome/118 "
    "Mobile Safari/537.36",
    "camera": {"ok": True},
    "microphone": {"ok": True},
    "recording": {"supported": True, "bytes": 240_000, "seconds": 3.0},
    "storage": {"quota_bytes": 21 * GIB, "usage_bytes": 0},
    "battery": {"level": 0.45, "charging": False},
}


def seed(session: Session, now: datetime) -> str:
    """Reports for about two thirds of the first mock day's roster (once per session)."""
    exam = session.scalar(
        select(ExamSession)
        .where(ExamSession.kind == ExamKind.MOCK)
        .order_by(ExamSession.starts)
        .limit(1)
    )
    if exam is None:
        return "no mock exam session"
    if (
        session.scalar(
            select(DeviceReport.id).where(DeviceReport.exam_session_id == exam.id).limit(1)
        )
        is not None
    ):
        return f"device reports of {exam.code} already seeded"
    candidates = list(
        session.scalars(
            select(Candidate)
            .join(Enrollment)
            .where(Enrollment.exam_session_id == exam.id)
            .order_by(Candidate.admission_number)
        )
    )
    rng = random.Random(2023)  # noqa: S311 - demo data
    made = 0
    for candidate in candidates:
        if rng.random() > 0.66:
            continue
        facts = copy.deepcopy(READY_PC)
        facts.update(rng.choice(PROBLEMS))
        when = now - timedelta(minutes=rng.randrange(5, 600))
        _report(session, candidate, exam, Device.PC, facts, when)
        if rng.random() < 0.5:
            _report(session, candidate, exam, Device.PHONE, dict(PHONE), when)
        made += 1
    return f"device reports for {made} of {len(candidates)} candidates of {exam.code}"


def _report(
    session: Session,
    candidate: Candidate,
    exam: ExamSession,
    device: Device,
    facts: dict[str, Any],
    when: datetime,
) -> None:
    digest = hashlib.sha256(repr(sorted(facts.items())).encode()).hexdigest()
    services.submit_report(
        session,
        candidate=candidate,
        device=device,
        exam=exam,
        now=when,
        locale="zh-CN",
        upload=services.Upload(
            facts=facts,
            body_sha256=digest,
            agent_version="1.0.0",
            platform="windows" if device == Device.PC else "android 12",
            collected_at=when,
        ),
    )
