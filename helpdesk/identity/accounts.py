"""Staff account administration and a staff member's own account: every change audited.

`actor` is the admin (or the staff member) acting; None for the operator's CLI. Ending
sessions deletes their rows, so a copied cookie stops working at the next request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit import services as audit
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import passwords, services, twofactor
from helpdesk.identity.models import AuthSession, Role, SecurityPolicy, SessionKind, Staff
from helpdesk.identity.phone import InvalidPhone
from helpdesk.identity.phone import normalise as normalise_phone
from helpdesk.identity.settings import Settings

POLICY_ID = services.POLICY_ID


@dataclass(frozen=True)
class StaffOverview:
    """A row of the admin's staff list."""

    staff: Staff
    open_sessions: int
    two_factor_required: bool


def _record(
    session: Session,
    actor: Staff | None,
    action: str,
    staff: Staff,
    now: datetime,
    **detail: object,
) -> None:
    audit.record(
        session,
        staff=actor,
        action=action,
        now=now,
        target_type="staff",
        target_id=staff.id,
        detail={"username": staff.username, **detail},
    )


def current_policy(session: Session) -> SecurityPolicy:
    """The desk's sign-in rules (defaults until an admin changes them); no statement when
    the sign-in lookup loaded them (services.resolve_session(with_policy=True))."""
    if session.info.get(services.POLICY_ABSENT):
        return SecurityPolicy(id=POLICY_ID, two_factor_for_everyone=False)
    policy = session.get(SecurityPolicy, POLICY_ID)
    return policy or SecurityPolicy(id=POLICY_ID, two_factor_for_everyone=False)


def set_policy(
    session: Session, *, actor: Staff | None, two_factor_for_everyone: bool, now: datetime
) -> SecurityPolicy:
    session.info.pop(services.POLICY_ABSENT, None)
    policy = session.get(SecurityPolicy, POLICY_ID)
    if policy is None:
        policy = SecurityPolicy(id=POLICY_ID, updated_at=now)
        session.add(policy)
    policy.two_factor_for_everyone = two_factor_for_everyone
    policy.updated_at = now
    audit.record(
        session,
        staff=actor,
        action="staff.policy",
        now=now,
        detail={"two_factor_for_everyone": two_factor_for_everyone},
    )
    session.flush()
    return policy


def overview(session: Session, *, now: datetime, idle: timedelta) -> list[StaffOverview]:
    """Every staff account with its open sessions: active ones first, admins first."""
    counts = dict(
        session.execute(
            select(AuthSession.staff_id, func.count())
            .where(
                AuthSession.kind == SessionKind.STAFF_WEB,
                AuthSession.expires_at > now,
                AuthSession.last_seen_at > now - idle,
            )
            .group_by(AuthSession.staff_id)
        ).all()
    )
    policy = current_policy(session)
    rank = {role.value: -role.rank for role in Role}
    rows = sorted(
        session.scalars(select(Staff)).all(),
        key=lambda s: (not s.active, rank.get(str(s.role), 0), s.username),
    )
    return [
        StaffOverview(s, int(counts.get(s.id, 0)), twofactor.required_for(s, policy)) for s in rows
    ]


def find_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(str(_l("No such staff account.")), code="staff_not_found")
    return staff


def find_by_username(session: Session, username: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    if staff is None:
        raise NotFound(str(_l("No such staff account.")), code="staff_not_found")
    return staff


def create_account(
    session: Session,
    *,
    actor: Staff | None,
    username: str,
    display_name: str,
    role: Role,
    now: datetime,
    settings: Settings,
) -> tuple[Staff, str]:
    """A new account with a temporary password (returned once), changed at first sign-in."""
    temporary = passwords.temporary_password()
    staff = services.create_staff(
        session,
        username=username,
        password=temporary,
        role=role,
        now=now,
        display_name=display_name.strip() or None,
        min_length=settings.password_min_length,
    )
    _hand_out(staff, now, settings)
    _record(session, actor, "staff.create", staff, now, role=str(staff.role))
    return staff, temporary


def _hand_out(staff: Staff, now: datetime, settings: Settings) -> None:
    staff.must_change_password = True
    staff.password_expires_at = now + settings.temporary_password_lifetime


def _ensure_another_admin(session: Session, staff: Staff) -> None:
    """Refuse to leave the desk without an active admin (locks the admins' rows on
    PostgreSQL, so two admins demoting each other at once cannot both succeed)."""
    if staff.role != Role.ADMIN or not staff.active:
        return
    admins = session.scalars(
        select(Staff.id).where(Staff.role == Role.ADMIN, Staff.active.is_(True)).with_for_update()
    ).all()
    if set(admins) <= {staff.id}:
        raise Conflict(
            str(
                _l(
                    "This is the last active admin. Make another account an admin first, "
                    "so that someone can still manage the desk."
                )
            ),
            code="last_admin",
        )


def change_role(
    session: Session, *, actor: Staff | None, staff: Staff, role: Role, now: datetime
) -> Staff:
    previous = Role(staff.role)
    if previous == role:
        return staff
    if previous == Role.ADMIN:
        _ensure_another_admin(session, staff)
    staff.role = role
    # A new role may need two-factor sign-in: the next page leads to enrolment.
    _record(session, actor, "staff.role", staff, now, previous=str(previous), role=str(role))
    session.flush()
    return staff


def set_active(
    session: Session, *, actor: Staff | None, staff: Staff, active: bool, now: datetime
) -> Staff:
    """Disable (every open session ends at once) or enable an account."""
    if staff.active == active:
        return staff
    if not active:
        _ensure_another_admin(session, staff)
        services.end_staff_sessions(session, staff_id=staff.id)
    staff.active = active
    staff.available = staff.available and active
    _record(session, actor, "staff.enable" if active else "staff.disable", staff, now)
    session.flush()
    return staff


_SEAT = re.compile(r"[0-9A-Za-z@._+-]{1,64}")


def set_telephony(
    session: Session,
    *,
    actor: Staff | None,
    staff: Staff,
    phone: str | None,
    seat: str | None,
    now: datetime,
) -> Staff:
    """Set what a calling adapter rings first for staff: their phone (E.164, mainland) and
    their contact-center seat (an extension or number on the instance); "" clears one,
    None leaves it. Audited when something changed."""
    before = (staff.phone, staff.seat)
    if phone is not None:
        try:
            staff.phone = normalise_phone(phone) if phone.strip() else None
        except InvalidPhone as exc:
            raise ValidationFailed(str(exc.message), fields={"phone": str(exc.message)}) from exc
    if seat is not None:
        seat = seat.strip()
        if seat and not _SEAT.fullmatch(seat):
            message = str(_l("A seat is 1 to 64 letters, digits or . _ @ + -."))
            raise ValidationFailed(message, fields={"seat": message})
        staff.seat = seat or None
    if (staff.phone, staff.seat) != before:
        _record(session, actor, "staff.telephony", staff, now, seat=staff.seat or "")
    session.flush()
    return staff


def reset_password(
    session: Session, *, actor: Staff | None, staff: Staff, now: datetime, settings: Settings
) -> str:
    """A temporary password (returned once) replaces the old one; sessions end. Two-factor
    sign-in stays as it was: a reset never bypasses it."""
    temporary = passwords.temporary_password()
    staff.password_hash = passwords.hash_secret(temporary)
    staff.password_changed_at = now
    _hand_out(staff, now, settings)
    services.end_staff_sessions(session, staff_id=staff.id)
    _record(session, actor, "staff.password_reset", staff, now)
    session.flush()
    return temporary


def reset_two_factor(session: Session, *, actor: Staff | None, staff: Staff, now: datetime) -> None:
    """For a lost phone: the app and recovery codes stop working, sessions end, and the
    next sign-in (password only) leads to enrolment where it is required."""
    twofactor.remove(session, staff)
    services.end_staff_sessions(session, staff_id=staff.id)
    _record(session, actor, "staff.two_factor_reset", staff, now)


def end_sessions(session: Session, *, actor: Staff | None, staff: Staff, now: datetime) -> int:
    ended = services.end_staff_sessions(session, staff_id=staff.id)
    _record(session, actor, "staff.sessions_end", staff, now, sessions=ended)
    return ended


# -------------------------------------------------------------------- one's own account


def _end_other_sessions(session: Session, staff: Staff, keep: AuthSession | None) -> None:
    """After a change of credentials, every session but the one making it ends (7.4.3)."""
    services.end_staff_sessions(session, staff_id=staff.id, keep=keep.id if keep else None)


def change_password(
    session: Session,
    *,
    staff: Staff,
    current: str,
    new: str,
    confirm: str,
    now: datetime,
    settings: Settings,
    keep_session: AuthSession | None,
) -> None:
    """Replace the password (the current one proves it is the owner); every other session
    of the account ends."""
    if not passwords.verify(staff.password_hash, current):
        raise passwords.WrongPassword(field="current_password")
    if new != confirm:
        message = str(_l("The two new passwords are not the same."))
        raise ValidationFailed(message, fields={"confirm_password": message})
    if new == current:
        message = str(_l("Choose a password different from the current one."))
        raise ValidationFailed(message, fields={"new_password": message})
    passwords.check_new_password(
        new,
        min_length=settings.password_min_length,
        names=(staff.username, staff.display_name),
        field="new_password",
    )
    staff.password_hash = passwords.hash_secret(new)
    staff.password_changed_at = now
    staff.must_change_password = False
    staff.password_expires_at = None
    _end_other_sessions(session, staff, keep_session)
    _record(session, staff, "staff.password_change", staff, now)
    session.flush()


def enrol_two_factor(
    session: Session,
    *,
    staff: Staff,
    password: str,
    code: str,
    now: datetime,
    settings: Settings,
    keep_session: AuthSession | None,
) -> list[str]:
    """Confirm enrolment; other sessions (signed in with the password alone) end."""
    codes = twofactor.confirm_enrolment(
        session, staff, password=password, code=code, now=now, key=settings.totp_key
    )
    _end_other_sessions(session, staff, keep_session)
    _record(session, staff, "staff.two_factor_enrol", staff, now)
    return codes


def replace_recovery_codes(
    session: Session, *, staff: Staff, password: str, now: datetime
) -> list[str]:
    if not passwords.verify(staff.password_hash, password):
        raise passwords.WrongPassword()
    if not staff.two_factor_enabled:
        raise Conflict(str(_l("Switch two-factor sign-in on first.")))
    codes = twofactor.new_recovery_codes(session, staff, now=now)
    _record(session, staff, "staff.recovery_codes", staff, now)
    return codes


def switch_off_two_factor(
    session: Session,
    *,
    staff: Staff,
    password: str,
    code: str,
    now: datetime,
    settings: Settings,
    keep_session: AuthSession | None,
) -> None:
    """An agent may switch it off when the desk does not require it (password and a code)."""
    if twofactor.required_for(staff, current_policy(session)):
        raise Conflict(
            str(_l("Your role requires two-factor sign-in: it cannot be switched off.")),
            code="two_factor_required",
        )
    if not passwords.verify(staff.password_hash, password):
        raise passwords.WrongPassword()
    twofactor.verify_code(session, staff, code, now=now, key=settings.totp_key)
    twofactor.remove(session, staff)
    _end_other_sessions(session, staff, keep_session)
    _record(session, staff, "staff.two_factor_off", staff, now)


def sign_out_everywhere(session: Session, *, staff: Staff, password: str, now: datetime) -> int:
    """End every session of the account, this one included (the password proves it)."""
    if not passwords.verify(staff.password_hash, password):
        raise passwords.WrongPassword()
    ended = services.end_staff_sessions(session, staff_id=staff.id)
    _record(session, staff, "staff.sign_out_everywhere", staff, now, sessions=ended)
    return ended
