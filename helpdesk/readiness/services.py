"""Device reports: judge what the agent or the phone page sent, keep it once, and sum up an
exam session's readiness for staff.

The rules an upload meets wherever it comes from (the agent through the API, the phone
page) live here: the facts' size limit, the fingerprint a retry is recognised by, and the
Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diagnostics.rules import judge
from helpdesk import csvexport, idempotency
from helpdesk.errors import DomainError, ValidationFailed
from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phone_numbers
from helpdesk.identity.models import Candidate
from helpdesk.readiness.models import Device, DeviceReport
from helpdesk.readiness.phone import PHONE_PROFILE, judge_phone
from helpdesk.readiness.profiles import profile_for

#: No 0/O, 1/I/L, so a code read out on the phone is not misheard or mistyped.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = {Device.PC: "D", Device.PHONE: "P"}
#: The facts of a real PC are a few KB; anything much larger is not from our agent.
FACTS_LIMIT = 64 * 1024


def report_key(header: str | None) -> str | None:
    """The Idempotency-Key a client sent with a report, checked by the desk's one rule."""
    return idempotency.optional_key(header)


def check_size(size: int) -> None:
    """Refuse (413) a report whose facts, or whose whole body, pass FACTS_LIMIT bytes."""
    if size > FACTS_LIMIT:
        raise DomainError(
            str(_l("The report's facts are too large (at most 64 KB).")),
            code="too_large",
            status=413,
        )


def fingerprint(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical upload, so a retry is told from a different report.

    Facts over the size limit are 413; NaN and Infinity (which Python's JSON reader accepts
    but the database's JSON does not) are 422.
    """
    try:
        canonical = json.dumps(
            payload, sort_keys=True, ensure_ascii=False, default=str, allow_nan=False
        )
    except ValueError:
        message = str(_l("Numbers must be finite (no NaN or Infinity)."))
        raise ValidationFailed(message, fields={"facts": message}) from None
    facts = json.dumps(payload.get("facts"), ensure_ascii=False, default=str)
    check_size(len(facts.encode("utf-8")))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_report_code(session: Session, device: Device) -> str:
    """A short, unguessable code to quote, e.g. D-4F7K-2M9Q (31^8 possibilities)."""
    while True:
        body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"{CODE_PREFIX[device]}-{body[:4]}-{body[4:]}"
        if session.scalar(select(DeviceReport.id).where(DeviceReport.code == code)) is None:
            return code


def normalise_code(text: str) -> str:
    """Accept a code typed with spaces, lower case or without dashes."""
    raw = "".join(c for c in text.upper() if c.isalnum())
    return f"{raw[0]}-{raw[1:5]}-{raw[5:9]}" if len(raw) == 9 else text.strip().upper()


def exam_for_report(
    session: Session, *, candidate: Candidate, code: str | None, now: datetime
) -> ExamSession | None:
    """The candidate's exam session a report belongs to: the one named, else the next one
    not yet over, else the latest one; None if not on any roster."""
    sessions = sorted((e.exam_session for e in candidate.enrollments), key=lambda s: s.starts)
    if code:
        for exam in sessions:
            if exam.code == code:
                return exam
        message = str(_l("You are not on the roster of this exam session."))
        raise ValidationFailed(message, fields={"exam_session": message})
    upcoming = [s for s in sessions if s.ends > now]
    return upcoming[0] if upcoming else (sessions[-1] if sessions else None)


@dataclass
class Upload:
    """What a client sent, as the API or the phone page parsed it."""

    facts: dict[str, Any]
    body_sha256: str
    agent_version: str | None = None
    client_profile_version: str | None = None
    platform: str | None = None
    collected_at: datetime | None = None
    idempotency_key: str | None = None


def submit_report(
    session: Session,
    *,
    candidate: Candidate,
    device: Device,
    upload: Upload,
    exam: ExamSession | None,
    locale: str,
    now: datetime,
) -> tuple[DeviceReport, bool]:
    """Judge and keep a report; a retry with the same key returns the first (created False).

    Any verdict the client computed is ignored: the facts are judged here, with the exam
    session's profile for a PC and the phone profile for a phone.
    """
    if upload.idempotency_key:
        existing = _by_key(session, candidate, upload.idempotency_key)
        if existing is not None:
            return _replayed(existing, upload), False
    if device == Device.PC:
        profile = profile_for(session, exam)
        judged = judge(upload.facts, profile, locale)
    else:
        profile = PHONE_PROFILE
        judged = judge_phone(upload.facts)
    report = DeviceReport(
        code=new_report_code(session, device),
        candidate_id=candidate.id,
        exam_session_id=exam.id if exam is not None else None,
        device=device,
        verdict=judged["verdict"],
        checks=judged["checks"],
        facts=upload.facts,
        profile_version=str(profile.get("version", ""))[:80],
        client_profile_version=upload.client_profile_version,
        agent_version=upload.agent_version,
        platform=upload.platform,
        collected_at=upload.collected_at,
        received_at=now,
        idempotency_key=upload.idempotency_key,
        body_sha256=upload.body_sha256,
    )
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        # The same upload arrived twice at once: the other request stored it first.
        existing = _by_key(session, candidate, upload.idempotency_key or "")
        if existing is None:
            raise
        return _replayed(existing, upload), False
    return report, True


def _by_key(session: Session, candidate: Candidate, key: str) -> DeviceReport | None:
    return session.scalar(
        select(DeviceReport).where(
            DeviceReport.candidate_id == candidate.id, DeviceReport.idempotency_key == key
        )
    )


def _replayed(existing: DeviceReport, upload: Upload) -> DeviceReport:
    if existing.body_sha256 != upload.body_sha256:
        raise idempotency.key_reused()
    return existing


def latest_reports(session: Session, candidate: Candidate) -> dict[Device, DeviceReport]:
    """The candidate's most recent report of each device."""
    latest: dict[Device, DeviceReport] = {}
    for device in Device:
        report = session.scalar(
            select(DeviceReport)
            .where(DeviceReport.candidate_id == candidate.id, DeviceReport.device == device)
            .order_by(DeviceReport.id.desc())
            .limit(1)
        )
        if report is not None:
            latest[device] = report
    return latest


def recent_reports(
    session: Session, candidate: Candidate, *, limit: int = 10
) -> list[DeviceReport]:
    return list(
        session.scalars(
            select(DeviceReport)
            .where(DeviceReport.candidate_id == candidate.id)
            .order_by(DeviceReport.id.desc())
            .limit(limit)
        )
    )


def find_report(session: Session, *, candidate: Candidate, code: str) -> DeviceReport | None:
    """One of the candidate's own reports by code (another's is as good as missing)."""
    return session.scalar(
        select(DeviceReport).where(
            DeviceReport.candidate_id == candidate.id, DeviceReport.code == normalise_code(code)
        )
    )


@dataclass
class CandidateReadiness:
    candidate: Candidate
    pc: DeviceReport | None
    phone: DeviceReport | None

    @property
    def needs_attention(self) -> bool:
        return (
            self.pc is None
            or self.pc.verdict == "fail"
            or (self.phone is not None and self.phone.verdict == "fail")
        )

    def problems(self) -> list[str]:
        found = []
        for report in (self.pc, self.phone):
            for check in report.checks if report is not None else []:
                if check.get("status") == "fail":
                    found.append(str(check.get("title") or check.get("id")))
        return found


@dataclass
class Readiness:
    """An exam session's readiness: who ran the checks, and how each check went."""

    exam: ExamSession
    candidates: list[CandidateReadiness]
    verdicts: Counter[str] = field(default_factory=Counter)
    phone_verdicts: Counter[str] = field(default_factory=Counter)
    #: check id -> (title, Counter of statuses), in the order the checks first appear.
    checks: dict[str, tuple[str, Counter[str]]] = field(default_factory=dict)

    @property
    def enrolled(self) -> int:
        return len(self.candidates)

    @property
    def ran_agent(self) -> int:
        return sum(1 for c in self.candidates if c.pc is not None)

    @property
    def ran_phone(self) -> int:
        return sum(1 for c in self.candidates if c.phone is not None)

    @property
    def attention(self) -> list[CandidateReadiness]:
        return [c for c in self.candidates if c.needs_attention]


def readiness_of(session: Session, exam: ExamSession) -> Readiness:
    """Sum up the latest PC and phone report of every candidate on the exam's roster."""
    enrolled = select(Enrollment.candidate_id).where(Enrollment.exam_session_id == exam.id)
    candidates = list(
        session.scalars(
            select(Candidate).where(Candidate.id.in_(enrolled)).order_by(Candidate.admission_number)
        )
    )
    latest_ids = (
        select(func.max(DeviceReport.id))
        .where(DeviceReport.candidate_id.in_(enrolled))
        .group_by(DeviceReport.candidate_id, DeviceReport.device)
    )
    latest: dict[tuple[int, str], DeviceReport] = {
        (r.candidate_id, r.device): r
        for r in session.scalars(select(DeviceReport).where(DeviceReport.id.in_(latest_ids)))
    }
    result = Readiness(
        exam,
        [
            CandidateReadiness(c, latest.get((c.id, Device.PC)), latest.get((c.id, Device.PHONE)))
            for c in candidates
        ],
    )
    for row in result.candidates:
        if row.phone is not None:
            result.phone_verdicts[row.phone.verdict] += 1
        if row.pc is None:
            continue
        result.verdicts[row.pc.verdict] += 1
        for check in row.pc.checks:
            _title, counts = result.checks.setdefault(
                str(check.get("id")), (str(check.get("title") or check.get("id")), Counter())
            )
            counts[str(check.get("status"))] += 1
    return result


def attention_csv(
    readiness: Readiness, *, header: list[str], local_time: Any, verdict_label: Any = str
) -> str:
    """The candidates who failed or never ran the agent, personal data masked; UTF-8 BOM so
    spreadsheets on Chinese Windows open it correctly."""
    rows = (
        (
            row.candidate.admission_number,
            csvexport.mask_name(row.candidate.name),
            row.candidate.id_number_masked,
            phone_numbers.mask(row.candidate.phone),
            verdict_label(row.pc.verdict if row.pc else None),
            row.pc.code if row.pc else "",
            local_time(row.pc.received_at) if row.pc else "",
            verdict_label(row.phone.verdict if row.phone else None),
            row.phone.code if row.phone else "",
            "; ".join(row.problems()),
        )
        for row in readiness.attention
    )
    return csvexport.text(header, rows)
