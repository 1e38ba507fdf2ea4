"""Help requests from the candidate's side: press 求助, follow it, cancel it; follow-ups.

The caller owns the transaction: these functions add and flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.callbacks.models import FOLLOWUP_PRIORITY, OPEN_STATUSES, HelpRequest, HelpStatus
from helpdesk.callbacks.settings import Settings
from helpdesk.callbacks.storing import stored_request
from helpdesk.categories import Category
from helpdesk.db import in_fixed
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.exams import services as exams
from helpdesk.exams.models import Enrollment, ExamSession, Phase
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.idempotency import key_reused, required_key
from helpdesk.identity import phone as phones
from helpdesk.identity import services as identity_services
from helpdesk.identity.models import AuthSession, Candidate, SessionKind

NOTE_LIMIT = 500
#: All the notes of one request together (each press adds at most NOTE_LIMIT).
NOTES_LIMIT = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def new_public_id() -> str:
    """An opaque id: random, so it reveals neither order nor volume."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class HelpInput:
    """What the candidate sent (API body or web form), before checking."""

    exam_session: str
    phone: str | None = None
    category: str | None = None
    note: str | None = None

    def fingerprint(self) -> str:
        canonical = json.dumps(
            [self.exam_session, self.phone or None, self.category or None, self.note or None],
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _checked(data: HelpInput, candidate: Candidate) -> tuple[str, str | None, str | None]:
    errors: dict[str, str] = {}
    number = candidate.phone
    if data.phone:
        try:
            number = phones.normalise(data.phone)
        except phones.InvalidPhone as exc:
            errors["phone"] = str(exc.message)
    category = data.category or None
    if category is not None and category not in {c.value for c in Category}:
        errors["category"] = str(_l("Choose one of the listed problems."))
    note = _CONTROL.sub("", data.note or "").strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        errors["note"] = str(_l("At most %(n)s characters.", n=NOTE_LIMIT))
    if errors:
        raise ValidationFailed(str(_l("Some fields need correcting.")), fields=errors)
    return number, category, note


def _by_key(session: Session, candidate: Candidate, key: str) -> HelpRequest | None:
    return session.scalar(
        select(HelpRequest).where(
            HelpRequest.candidate_id == candidate.id, HelpRequest.idempotency_key == key
        )
    )


def _open_for(session: Session, candidate: Candidate, exam: ExamSession) -> HelpRequest | None:
    return session.scalar(
        select(HelpRequest).where(
            HelpRequest.candidate_id == candidate.id,
            HelpRequest.exam_session_id == exam.id,
            HelpRequest.reason.is_(None),
            HelpRequest.status.in_([HelpStatus.WAITING, HelpStatus.CLAIMED, HelpStatus.CALLING]),
        )
    )


def _existing(
    session: Session, candidate: Candidate, key: str, fingerprint: str, exam: ExamSession | None
) -> HelpRequest | None:
    same_key = _by_key(session, candidate, key)
    if same_key is not None:
        if same_key.body_hash != fingerprint:
            raise key_reused()
        return same_key
    return _open_for(session, candidate, exam) if exam is not None else None


@cache
def _lookup_statement(signed_in: bool) -> Any:
    """The lookup of a press, built once per process: the exam session the bound `code`
    names, the roster row, the request with the bound `key` and the open request. For the
    candidate whose id is bound, or (signed_in) for the candidate of the live API token
    whose identity_services.token_params() are bound, who then comes first in each row."""
    candidate_id = Candidate.id if signed_in else bindparam("candidate_id")
    on_roster = and_(
        Enrollment.exam_session_id == ExamSession.id, Enrollment.candidate_id == candidate_id
    )
    theirs = and_(
        HelpRequest.candidate_id == candidate_id,
        or_(
            HelpRequest.idempotency_key == bindparam("key"),
            and_(
                Enrollment.id.is_not(None),
                HelpRequest.exam_session_id == ExamSession.id,
                HelpRequest.reason.is_(None),
                in_fixed(HelpRequest.status, OPEN_STATUSES),
            ),
        ),
    )
    statement: Any
    if signed_in:
        statement = (
            select(Candidate, ExamSession, Enrollment.id, HelpRequest)
            .select_from(AuthSession)
            .join(Candidate, AuthSession.candidate_id == Candidate.id)
            .outerjoin(ExamSession, ExamSession.code == bindparam("code"))
            .where(identity_services.live_token(SessionKind.CANDIDATE_API))
        )
    else:
        statement = select(ExamSession, Enrollment.id, HelpRequest).where(
            ExamSession.code == bindparam("code")
        )
    return statement.outerjoin(Enrollment, on_roster).outerjoin(HelpRequest, theirs)


def request_help(
    session: Session,
    *,
    candidate: Candidate,
    data: HelpInput,
    idempotency_key: str,
    source: str,
    now: datetime,
    settings: Settings | None = None,
) -> tuple[HelpRequest, bool]:
    """Queue a help request; returns (request, created).

    A replay of the same key returns the first request; a key reused with another body
    is refused; while the candidate has an open request for the session, that one is
    returned (a database constraint keeps it to one, even under concurrent presses).
    Two statements when the press is new: the lookup and the INSERT. Given the desk's
    settings, on PostgreSQL the INSERT also reads the desk and the new request's place in
    the queue (estimate.remember), so describing it needs no third.
    """
    key = required_key(idempotency_key)
    params = {"candidate_id": candidate.id, "key": key, "code": data.exam_session}
    rows = session.execute(_lookup_statement(False), params).all()
    return _queue(session, candidate, rows, data, key, source=source, now=now, settings=settings)


def request_help_signed_in(
    session: Session,
    *,
    token: str,
    data: HelpInput,
    idempotency_key: str,
    source: str,
    now: datetime,
    settings: Settings | None = None,
) -> tuple[HelpRequest, bool] | None:
    """request_help for the candidate of a live API token, who is signed in by the same
    statement as the lookup (one round trip less); None when the token is not live."""
    params = identity_services.token_params(token, now)
    if params is None:
        return None
    params |= {"key": (idempotency_key or "").strip(), "code": data.exam_session}
    rows = session.execute(_lookup_statement(True), params).all()
    if not rows:
        return None
    key = required_key(idempotency_key)  # after the sign-in: a stranger is told only that
    candidate: Candidate = rows[0][0]
    found = [row[1:] for row in rows]
    return _queue(session, candidate, found, data, key, source=source, now=now, settings=settings)


def _queue(
    session: Session,
    candidate: Candidate,
    rows: Sequence[Any],
    data: HelpInput,
    key: str,
    *,
    source: str,
    now: datetime,
    settings: Settings | None,
) -> tuple[HelpRequest, bool]:
    """The press once looked up: rows are (exam session, roster row id, request) for the
    exam session `data` names, the request with this key and the open request."""
    fingerprint = data.fingerprint()
    exam: ExamSession | None = rows[0][0] if rows else None
    enrolled = bool(rows) and rows[0][1] is not None
    requests = [r for _e, _n, r in rows if r is not None]
    same_key = next((r for r in requests if r.idempotency_key == key), None)
    open_one = next((r for r in requests if r.idempotency_key != key), None)
    if not rows:
        # The code names no exam session, so the lookup matched no key either: a replay of
        # another request still wins. (With a row, the key was matched whatever the roster.)
        same_key = _by_key(session, candidate, key)
    if same_key is not None:
        if same_key.body_hash != fingerprint:
            raise key_reused()
        return same_key, False
    if exam is None or not enrolled:
        exam = exams.enrolled_session(session, candidate=candidate, code=data.exam_session)
    number, category, note = _checked(data, candidate)
    if open_one is not None:
        _add_to(open_one, category=category, note=note, now=now)
        return open_one, False
    if exam.phase_at(now) == Phase.ENDED:
        raise ValidationFailed(
            str(_l("This exam session has ended. File a problem on the support platform instead.")),
            code="session_ended",
            fields={"exam_session": str(_l("This exam session has ended."))},
        )
    values = {
        "public_id": new_public_id(),
        "candidate_id": candidate.id,
        "exam_session_id": exam.id,
        "idempotency_key": key,
        "body_hash": fingerprint,
        "source": source,
        "phone": number,
        "category": category,
        "note": note,
        "status": HelpStatus.WAITING,
        "priority": int(exam.urgency_at(now)),
        "due_at": now,
        "created_at": now,
        "attempts": 0,
    }
    # ON CONFLICT DO NOTHING: when another press won the race (same key, or the one open
    # request the unique index allows), nothing is stored and that press's row is returned.
    created = stored_request(session, values, settings=settings, now=now)
    if created is not None:
        return created, True
    existing = _existing(session, candidate, key, fingerprint, exam)
    if existing is None:
        raise IntegrityError("help request not stored", None, ValueError(values["public_id"]))
    return existing, False


def _add_to(request: HelpRequest, *, category: str | None, note: str | None, now: datetime) -> None:
    """A second press while the first is open: its note joins the request (timed), and a
    category is kept if the first press gave none."""
    if category and not request.category:
        request.category = category
    if note and note not in (request.note or ""):
        line = f"[{now:%H:%M}Z] {note}"
        request.note = f"{request.note}\n{line}"[-NOTES_LIMIT:] if request.note else note


def change_phone(
    session: Session, *, request: HelpRequest, phone: str, now: datetime
) -> HelpRequest:
    """The candidate corrects the number to call, while nobody is calling it yet."""
    if request.status != HelpStatus.WAITING:
        raise Conflict(
            str(_l("The number can be changed only while you wait in the queue.")),
            code="not_waiting",
        )
    try:
        request.phone = phones.normalise(phone)
    except phones.InvalidPhone as exc:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")), fields={"phone": str(exc.message)}
        ) from None
    session.flush()
    return request


def queue_followup(
    session: Session,
    *,
    candidate: Candidate,
    exam_session: ExamSession,
    reason: str,
    note: str | None,
    now: datetime,
) -> HelpRequest:
    """Queue a call the desk owes candidate, after everything exam-related.

    Idempotent per (candidate, exam_session, reason): a second call returns the first
    request, whatever became of it.
    """
    reason = reason.strip()[:40]
    if not reason:
        raise ValueError("queue_followup needs a reason")

    def find() -> HelpRequest | None:
        return session.scalar(
            select(HelpRequest).where(
                HelpRequest.candidate_id == candidate.id,
                HelpRequest.exam_session_id == exam_session.id,
                HelpRequest.reason == reason,
            )
        )

    existing = find()
    if existing is not None:
        return existing
    request = HelpRequest(
        public_id=new_public_id(),
        candidate_id=candidate.id,
        exam_session_id=exam_session.id,
        reason=reason,
        source="followup",
        phone=candidate.phone,
        note=(note or "")[:2000] or None,
        status=HelpStatus.WAITING,
        priority=FOLLOWUP_PRIORITY,
        due_at=now,
        created_at=now,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing
    return request


def get_for_candidate(session: Session, *, candidate: Candidate, public_id: str) -> HelpRequest:
    """The candidate's own request; anyone else's answers exactly like a missing one."""
    request = session.scalar(
        select(HelpRequest).where(
            HelpRequest.public_id == str(public_id)[:32], HelpRequest.candidate_id == candidate.id
        )
    )
    if request is None:
        raise NotFound(str(_l("No such help request.")))
    return request


def cancel(session: Session, *, request: HelpRequest, now: datetime) -> HelpRequest:
    """Cancel a request nobody is calling yet; cancelling twice is harmless."""
    if request.status == HelpStatus.CANCELLED:
        return request
    if request.status == HelpStatus.CALLING:
        raise Conflict(
            str(_l("A technician is calling you now; it can no longer be cancelled.")),
            code="already_calling",
        )
    if not request.is_open:
        raise Conflict(str(_l("This help request is already closed.")), code="already_closed")
    request.status, request.outcome, request.closed_at = HelpStatus.CANCELLED, "cancelled", now
    request.claimed_by_id, request.claim_expires_at = None, None
    session.flush()
    return request


def list_for_candidate(session: Session, candidate: Candidate) -> list[HelpRequest]:
    return list(
        session.scalars(
            select(HelpRequest)
            .where(HelpRequest.candidate_id == candidate.id)
            .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
            .limit(50)
        )
    )
