"""Sign-in of candidates and staff, sessions that can be revoked, staff accounts."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import Conflict, Unauthorized, ValidationFailed
from helpdesk.identity import idnumber
from helpdesk.identity.models import AuthSession, Candidate, Role, SessionKind, Staff

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password")
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·"})
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class IdentityMismatch(Unauthorized):
    """The three identifiers do not match one roster entry (never says which part)."""

    code = "identity_mismatch"

    def __init__(self) -> None:
        super().__init__(
            str(
                _l(
                    "The name, ID number and admission number do not match our "
                    "roster. Check all three against your admission ticket."
                )
            )
        )


def normalise_name(raw: str) -> str:
    """Compare names as people type them: width, spaces and middle-dot variants folded."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_NAME_DOTS)
    return re.sub(r"\s+", "", text).casefold()


def normalise_admission(raw: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()


def match_candidate(
    session: Session, *, name: str, id_number: str, admission_number: str, id_hash_key: str
) -> Candidate:
    """Return the roster candidate for the three identifiers, or raise.

    A malformed ID number is a ValidationFailed naming the field; any mismatch is one
    IdentityMismatch whichever part is wrong.
    """
    try:
        canonical = idnumber.normalise(id_number)
    except idnumber.InvalidIdNumber as exc:
        raise ValidationFailed(
            str(_l("Check the highlighted field.")), fields={"id_number": str(exc.message)}
        ) from None
    candidate = session.scalar(
        select(Candidate).where(Candidate.admission_number == normalise_admission(admission_number))
    )
    expected = idnumber.keyed_hash(canonical, id_hash_key)
    if (
        candidate is None
        or not secrets.compare_digest(candidate.id_number_hash, expected)
        or normalise_name(candidate.name) != normalise_name(name)
    ):
        raise IdentityMismatch()
    return candidate


def exam_session_ids_of(session: Session, *, admission_number: str) -> list[int]:
    """Ids of the exam sessions whose roster holds this admission number."""
    candidate = session.scalar(
        select(Candidate)
        .where(Candidate.admission_number == admission_number)
        .options(selectinload(Candidate.enrollments))
    )
    return [] if candidate is None else [e.exam_session_id for e in candidate.enrollments]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(
    session: Session,
    *,
    kind: SessionKind,
    now: datetime,
    ttl: timedelta,
    candidate: Candidate | None = None,
    staff: Staff | None = None,
) -> tuple[str, AuthSession]:
    """Start a sign-in session; returns the secret token (shown once) and its row."""
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        token_hash=_token_hash(token),
        kind=kind,
        created_at=now,
        expires_at=now + ttl,
        candidate=candidate,
        staff=staff,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(
    session: Session, *, token: str, now: datetime, kinds: tuple[SessionKind, ...]
) -> AuthSession | None:
    """The live session for token, or None when unknown, expired, revoked or inactive."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
    if row is None or row.kind not in kinds or row.expires_at <= now:
        return None
    if row.staff is not None and not row.staff.active:
        return None
    return row


def end_session(session: Session, *, token: str) -> None:
    """Revoke token: every copy of the cookie or bearer token stops working."""
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def purge_expired_sessions(session: Session, *, now: datetime) -> int:
    """Delete sessions past their expiry; returns how many."""
    result = session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    display_name: str | None = None,
) -> Staff:
    """Create a staff account; usernames are lowercase and unique."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise ValidationFailed(
            str(_l("Use 2-64 lowercase letters, digits, dots, dashes or underscores.")),
            fields={"username": "invalid"},
        )
    if len(password) < 10:
        raise ValidationFailed(
            str(_l("A password needs at least 10 characters.")), fields={"password": "too_short"}
        )
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(str(_l("That username is taken.")))
    staff = Staff(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=Role(role),
        active=True,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    return staff


def authenticate_staff(session: Session, *, username: str, password: str) -> Staff:
    """Return the active staff account for the credentials, or raise Unauthorized."""
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    stored = staff.password_hash if staff is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        ok = staff is not None and staff.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or staff is None:
        raise Unauthorized(str(_l("Wrong username or password.")), code="bad_credentials")
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff
