"""Staff passwords: argon2id hashes, the rules a new password must meet, temporary ones.

A new password needs the configured minimum length and must not be easy to guess:
zxcvbn estimates how many guesses it takes, with its shipped lists of common passwords,
names and words, plus the desk's own context words and the staff member's names. No
rules about character classes (ASVS 5.0 6.2.5) and no expiry of chosen passwords
(6.2.10).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpdesk.errors import Unauthorized, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password")

#: Longest password accepted (ASVS asks for at least 64).
MAX_LENGTH = 128
#: zxcvbn's score from 0 to 4; 3 is "safely unguessable: moderate protection from an
#: offline slow-hash attack".
MIN_SCORE = 3
#: zxcvbn reads at most this many characters (its own limit); the rest only adds strength.
_SCORED = 72
#: Words of this desk's world that make a password easy to guess (ASVS 5.0 6.1.2, 6.2.11);
#: docs/security.md lists them.
CONTEXT_WORDS = (
    "helpdesk",
    "desk",
    "support",
    "exam",
    "kaoshi",
    "mianshi",
    "zhikao",
    "zhikaoyun",
    "zhikaotong",
    "kefu",
    "kefupingtai",
    "qiuzhu",
    "jishu",
    "staff",
    "agent",
    "supervisor",
    "admin",
    "password",
    "mima",
    "4000880028",
    "02863201710",
    "02862093080",
    "63201710",
    "62093080",
)
#: Temporary passwords: no look-alike characters (0/o, 1/l/i), read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class CredentialsRefused(Unauthorized):
    """A password or code did not match: counted by the sign-in throttle wherever typed."""

    code = "bad_credentials"


class WrongPassword(CredentialsRefused):
    def __init__(self, message: str | None = None, *, field: str = "password") -> None:
        text = message or str(_l("That is not your current password."))
        super().__init__(text, fields={field: text})


def hash_secret(text: str) -> str:
    return _hasher.hash(text)


def verify(stored: str | None, text: str) -> bool:
    """Whether text matches the stored hash; with no hash, a dummy one is verified so
    that an unknown account takes as long as a known one."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, text) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return False


def check_new_password(
    password: str,
    *,
    min_length: int,
    names: tuple[str, ...] = (),
    field: str = "password",
) -> None:
    """Refuse a password that is too short, too long or easy to guess (names: the
    account's username and display name, which must not make up the password)."""
    if len(password) < min_length:
        message = _l(
            "Use at least %(n)d characters; a phrase of several words is easiest to remember.",
            n=min_length,
        )
    elif len(password) > MAX_LENGTH:
        message = _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    elif _guessable(password, names):
        message = _l(
            "This password is too easy to guess: it is a common password, or made of the "
            "desk's name, your username or a simple pattern. Try a phrase of four or more "
            "unrelated words."
        )
    else:
        return
    raise ValidationFailed(str(message), code="weak_password", fields={field: str(message)})


def _guessable(password: str, names: tuple[str, ...]) -> bool:
    # Imported here, when a password is chosen: its word lists take 12 MiB in every worker
    # that would otherwise hold them for nothing.
    from zxcvbn import zxcvbn

    words = [n.lower() for n in names if n and len(n) >= 3]
    result = zxcvbn(password[:_SCORED], user_inputs=[*CONTEXT_WORDS, *words])
    return int(result["score"]) < MIN_SCORE


def temporary_password() -> str:
    """A random password an admin hands over once, e.g. k7mp-3xq9-wd4h-a2nc (about 79 bits)."""
    groups = ["".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)
