"""Sign-in of candidates and staff, sessions that can be revoked, staff accounts."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.orm import Session, joinedload, selectinload

from helpdesk.errors import Conflict, Unauthorized, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import idnumber, passwords
from helpdesk.identity.models import (
    AuthSession,
    Candidate,
    Role,
    SecurityPolicy,
    SessionKind,
    Staff,
)

_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·"})
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
#: A staff session's last request is written at most this often (idle timeout).
TOUCH_EVERY = timedelta(minutes=1)
#: The one row of security_policies (accounts.current_policy).
POLICY_ID = 1
#: session.info key: True when this session found no policy row (the defaults apply).
POLICY_ABSENT = "security_policy_absent"


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
    ip_address: str | None = None,
    user_agent: str | None = None,
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
        last_seen_at=now if staff is not None else None,
        ip_address=(ip_address or "")[:45] or None,
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(row)
    session.flush()
    return token, row


#: The kinds of session a staff member owns; every other kind belongs to a candidate.
STAFF_KINDS = frozenset({SessionKind.STAFF_WEB})


@cache
def _session_statement(
    with_staff: bool, with_candidate: bool, with_policy: bool, with_enrollments: bool
) -> Any:
    """resolve_session's statement, built once per process (building it and its cache key
    cost more than the query): the token's hash is bound. Only the owners the asked kinds
    can have are joined: a staff page's lookup carries no candidate, enrollment or exam
    session columns, a candidate page's no staff or policy (about a third of the lookup's
    CPU, docs/performance.md round nine)."""
    options: list[Any] = []
    if with_staff:
        options.append(joinedload(AuthSession.staff))
    if with_candidate:
        candidate = joinedload(AuthSession.candidate)
        if with_enrollments:
            # exams sits above identity: reach Enrollment through the relationship
            enrollment = Candidate.enrollments.property.mapper.class_
            candidate = candidate.joinedload(Candidate.enrollments).joinedload(
                enrollment.exam_session
            )
        options.append(candidate)
    statement: Any = (
        select(AuthSession)
        .options(*options)
        .where(AuthSession.token_hash == bindparam("token_hash"))
    )
    if with_policy:
        statement = statement.add_columns(SecurityPolicy).outerjoin(
            SecurityPolicy, SecurityPolicy.id == POLICY_ID
        )
    return statement


def resolve_session(
    session: Session,
    *,
    token: str,
    now: datetime,
    kinds: tuple[SessionKind, ...],
    staff_idle: timedelta | None = None,
    with_policy: bool = False,
    with_enrollments: bool = False,
) -> AuthSession | None:
    """The live session of one of kinds for token, or None when unknown, expired, revoked,
    of another kind or inactive (a staff session also when idle longer than staff_idle).

    One statement: the row with its staff or candidate (only those kinds can have);
    with_policy also loads the desk's security policy when a staff kind is asked (into the
    session's identity map, or notes in session.info that there is none),
    with_enrollments the candidate's enrollments and their exam sessions when a candidate
    kind is.
    """
    if not token or len(token) > 200:
        return None
    with_staff = not STAFF_KINDS.isdisjoint(kinds)
    with_candidate = not STAFF_KINDS.issuperset(kinds)
    with_policy = with_policy and with_staff
    statement = _session_statement(
        with_staff, with_candidate, with_policy, with_enrollments and with_candidate
    )
    found = session.execute(statement, {"token_hash": _token_hash(token)}).unique().first()
    if found is None:
        return None
    row: AuthSession = found[0]
    if with_policy:
        session.info[POLICY_ABSENT] = found[1] is None
    if row.kind not in kinds or row.expires_at <= now:
        return None
    if row.staff is not None:
        if not row.staff.active:
            return None
        if staff_idle is not None and (row.last_seen_at or row.created_at) + staff_idle <= now:
            return None
    return row


def live_token(kind: SessionKind) -> Any:
    """The condition on AuthSession of a live session of kind for the token whose
    token_params() are bound: known, not expired, not revoked (a revoked one is deleted)."""
    return and_(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.kind == kind,
        AuthSession.expires_at > bindparam("now"),
    )


def token_params(token: str, now: datetime) -> dict[str, Any] | None:
    """What live_token() binds, or None for a string no token can be."""
    if not token or len(token) > 200:
        return None
    return {"token_hash": _token_hash(token), "now": now}


@cache
def _candidate_statement(kind: SessionKind) -> Any:
    """candidate_for_token's statement, built once per process."""
    return (
        select(Candidate)
        .join(AuthSession, AuthSession.candidate_id == Candidate.id)
        .where(live_token(kind))
    )


def candidate_for_token(
    session: Session, *, token: str, now: datetime, kind: SessionKind
) -> Candidate | None:
    """The candidate a live session of kind belongs to, or None when the token is unknown,
    expired, revoked or of another kind: resolve_session's answer for a candidate token in
    one entity instead of two (the session row itself is not needed: nothing touches it)."""
    params = token_params(token, now)
    if params is None:
        return None
    found: Candidate | None = session.scalars(_candidate_statement(kind), params).first()
    return found


def touch_session(row: AuthSession, *, now: datetime) -> bool:
    """Note a staff session's request for the idle timeout; True when the row changed."""
    if row.staff_id is None or (row.last_seen_at and now - row.last_seen_at < TOUCH_EVERY):
        return False
    row.last_seen_at = now
    return True


def end_session(session: Session, *, token: str) -> None:
    """Revoke token: every copy of the cookie or bearer token stops working."""
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def end_staff_sessions(session: Session, *, staff_id: int, keep: int | None = None) -> int:
    """End every session of a staff account (but keep, the one in use); returns how many."""
    statement = delete(AuthSession).where(AuthSession.staff_id == staff_id)
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def staff_sessions(
    session: Session, *, staff_id: int, now: datetime, idle: timedelta
) -> list[AuthSession]:
    """A staff member's open sessions, the latest used first."""
    rows = session.scalars(
        select(AuthSession).where(
            AuthSession.staff_id == staff_id,
            AuthSession.kind == SessionKind.STAFF_WEB,
            AuthSession.expires_at > now,
        )
    ).all()
    live = [r for r in rows if (r.last_seen_at or r.created_at) + idle > now]
    return sorted(live, key=lambda r: r.last_seen_at or r.created_at, reverse=True)


def purge_expired_sessions(session: Session, *, now: datetime) -> int:
    """Delete sessions past their expiry; returns how many."""
    result = session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def hash_password(password: str) -> str:
    return passwords.hash_secret(password)


def normalise_username(raw: str) -> str:
    return (raw or "").strip().lower()[:64]


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    display_name: str | None = None,
    min_length: int = 12,
) -> Staff:
    """Create a staff account; usernames are lowercase and unique, the password must meet
    the rules of helpdesk.identity.passwords."""
    username = (username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        message = str(_l("Use 2-64 lowercase letters, digits, dots, dashes or underscores."))
        raise ValidationFailed(message, fields={"username": message})
    display = (display_name or "").strip()[:100] or username
    passwords.check_new_password(password, min_length=min_length, names=(username, display))
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        message = str(_l("That username is taken."))
        raise Conflict(message, fields={"username": message})
    staff = Staff(
        username=username,
        display_name=display,
        password_hash=hash_password(password),
        role=Role(role),
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(staff)
    session.flush()
    return staff


class BadCredentials(passwords.CredentialsRefused):
    """One answer for an unknown username, a wrong password, a disabled account and an
    expired temporary password: nothing tells which."""

    def __init__(self) -> None:
        super().__init__(str(_l("Wrong username or password.")))


def authenticate_staff(session: Session, *, username: str, password: str, now: datetime) -> Staff:
    """Return the active staff account for the credentials, or raise BadCredentials; an
    unknown username costs the same argon2 verification as a known one."""
    staff = session.scalar(select(Staff).where(Staff.username == normalise_username(username)))
    matched = passwords.verify(staff.password_hash if staff is not None else None, password)
    if (
        staff is None
        or not matched
        or not staff.active
        or (staff.password_expires_at is not None and staff.password_expires_at <= now)
    ):
        raise BadCredentials()
    if passwords.needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff
