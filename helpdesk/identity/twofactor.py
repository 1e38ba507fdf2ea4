"""Two-factor sign-in for staff: TOTP (RFC 6238) and one-time recovery codes.

Seeds come from a CSPRNG (pyotp, 160 bits) and are stored encrypted (Fernet, a key
derived from HELPDESK_TOTP_KEY); recovery codes are stored as argon2 hashes only. A code
is accepted once: the time step it belongs to is remembered, and only later steps count
after it, set with a conditional UPDATE so two requests racing with one code cannot both
pass.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.errors import Conflict
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import passwords
from helpdesk.identity.models import RecoveryCode, Role, SecurityPolicy, Staff

if TYPE_CHECKING:  # cryptography loads with the first seed sealed or read
    from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

STEP_SECONDS = 30
#: Steps accepted either side of now, for phones whose clock is a little off.
DRIFT_STEPS = 1
DIGITS = 6
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_NOT_CODE = re.compile(r"[\s\-]")


class WrongCode(passwords.CredentialsRefused):
    code = "bad_code"

    def __init__(self) -> None:
        message = str(
            _l(
                "That code is not right, or it was already used. Enter the code your "
                "authenticator app shows now, or one of your recovery codes."
            )
        )
        super().__init__(message, fields={"code": message})


def required_for(staff: Staff, policy: SecurityPolicy) -> bool:
    """Supervisors and admins always sign in with two factors; agents when the desk says so."""
    return Role(staff.role).includes(Role.SUPERVISOR) or bool(policy.two_factor_for_everyone)


# ------------------------------------------------------------------------------ seeds


def _fernet(key: str) -> Fernet:
    # cryptography's Rust core is about 9 MiB of every web worker that imports it, and only a
    # sign-in with a second factor or an enrolment needs it: loaded here, on first use.
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"helpdesk staff totp seeds"
    ).derive(key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, key: str) -> str:
    return _fernet(key).encrypt(secret.encode("ascii")).decode("ascii")


def unseal(sealed: str, key: str) -> str | None:
    """The seed, or None when it was sealed under another key (HELPDESK_TOTP_KEY changed)."""
    fernet = _fernet(key)
    from cryptography.fernet import InvalidToken  # loaded by _fernet: see there

    try:
        return fernet.decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        log.warning("a TOTP seed cannot be read with the configured HELPDESK_TOTP_KEY")
        return None


def provisioning_uri(secret: str, *, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str, *, title: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no style attribute)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title=title, svgclass="qr"))


def grouped(secret: str) -> str:
    """ABCD EFGH ...: the seed as a person types it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    digits = _NOT_CODE.sub("", code or "")
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def looks_like_totp(code: str) -> bool:
    return len(_NOT_CODE.sub("", code or "")) == DIGITS


def _use_step(session: Session, staff: Staff, step: int) -> bool:
    result = session.execute(
        update(Staff)
        .where(
            Staff.id == staff.id, or_(Staff.totp_last_step.is_(None), Staff.totp_last_step < step)
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    staff.totp_last_step = step
    return True


def verify_code(session: Session, staff: Staff, code: str, *, now: datetime, key: str) -> str:
    """Check a second-factor code (TOTP, else a recovery code); returns which was used,
    "totp" or "recovery_code", or raises WrongCode. A code works only once."""
    if staff.totp_secret is None:
        raise WrongCode()
    if looks_like_totp(code):
        secret = unseal(staff.totp_secret, key)
        step = None if secret is None else _matching_step(secret, code, now, staff.totp_last_step)
        if step is not None and _use_step(session, staff, step):
            return "totp"
        raise WrongCode()
    if use_recovery_code(session, staff, code, now=now):
        return "recovery_code"
    raise WrongCode()


# --------------------------------------------------------------------- recovery codes


def _normal_recovery(code: str) -> str:
    return _NOT_CODE.sub("", code or "").lower()


def new_recovery_codes(session: Session, staff: Staff, *, now: datetime) -> list[str]:
    """Replace the staff member's recovery codes; returns the new ones (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(
            RecoveryCode(staff_id=staff.id, code_hash=passwords.hash_secret(raw), created_at=now)
        )
    session.flush()
    return codes


def use_recovery_code(session: Session, staff: Staff, code: str, *, now: datetime) -> bool:
    """Spend one unused recovery code matching code."""
    raw = _normal_recovery(code)
    if len(raw) != _RECOVERY_LENGTH or any(c not in _RECOVERY_ALPHABET for c in raw):
        return False
    unused = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for row in unused:
        if passwords.verify(row.code_hash, raw):
            spent = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            return int(spent.rowcount or 0) == 1  # type: ignore[attr-defined]
    return False


def recovery_codes_left(session: Session, staff: Staff) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# ------------------------------------------------------------------ enrolment, removal


def pending_secret(session: Session, staff: Staff, *, key: str) -> str:
    """The seed the enrolment page shows: kept until confirmed, so a reload shows the same."""
    if staff.totp_pending_secret is not None:
        secret = unseal(staff.totp_pending_secret, key)
        if secret is not None:
            return secret
    secret = pyotp.random_base32(length=32)
    staff.totp_pending_secret = seal(secret, key)
    session.flush()
    return secret


def confirm_enrolment(
    session: Session, staff: Staff, *, password: str, code: str, now: datetime, key: str
) -> list[str]:
    """Switch two-factor sign-in on with the pending seed, proven by the current password
    and a code from the app; returns the new recovery codes."""
    if not passwords.verify(staff.password_hash, password):
        raise passwords.WrongPassword()
    secret = None if staff.totp_pending_secret is None else unseal(staff.totp_pending_secret, key)
    if secret is None:
        raise Conflict(str(_l("This page is out of date. Open it again and scan the new code.")))
    step = _matching_step(secret, code, now, None)
    if step is None:
        raise WrongCode()
    staff.totp_secret = staff.totp_pending_secret
    staff.totp_pending_secret = None
    staff.totp_last_step = step
    staff.totp_enrolled_at = now
    session.flush()
    return new_recovery_codes(session, staff, now=now)


def remove(session: Session, staff: Staff) -> None:
    """Forget the seed and the recovery codes (a reset by an admin, or switching it off)."""
    staff.totp_secret = None
    staff.totp_pending_secret = None
    staff.totp_last_step = None
    staff.totp_enrolled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    session.flush()
