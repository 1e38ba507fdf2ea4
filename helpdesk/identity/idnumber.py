"""Resident ID numbers (GB 11643-1999): validation, normalisation, keyed hash and mask.

A full ID number lives only in memory while a request is handled: the database keeps the
keyed hash (to match a sign-in against the roster) and the masked form (to show staff).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date

from helpdesk.i18n import lazy_gettext as _l

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class InvalidIdNumber(ValueError):
    """The text is not a valid resident ID number; str() is a translated message."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(raw: str) -> str:
    """Return the canonical 18-character form, or raise InvalidIdNumber with a reason.

    Full-width digits and a lowercase x are accepted; spaces (around or between the digits,
    as people group them: "110101 19900307 8034") are removed; any other character (other
    scripts' digits, letters, symbols) is refused.
    """
    if not isinstance(raw, str):
        raise InvalidIdNumber(_l("Enter your 18-character resident ID number."))
    text = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if not text:
        raise InvalidIdNumber(_l("Enter your 18-character resident ID number."))
    if any(not ("0" <= c <= "9" or c == "X") for c in text):
        raise InvalidIdNumber(_l("An ID number has only the digits 0-9 and a final X."))
    if len(text) != 18:
        raise InvalidIdNumber(_l("An ID number has 18 characters; you entered %(n)d.", n=len(text)))
    if "X" in text[:17]:
        raise InvalidIdNumber(_l("Only the last character of an ID number can be X."))
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > date.today():
        raise InvalidIdNumber(_l("The birth date inside this ID number is not a real date."))
    if check_digit(text[:17]) != text[17]:
        raise InvalidIdNumber(
            _l("The last character of this ID number does not match; check each digit.")
        )
    return text


def is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def keyed_hash(id_number: str, key: str) -> str:
    """HMAC-SHA256 of the canonical number: matches sign-ins without storing the number."""
    return hmac.new(key.encode("utf-8"), id_number.encode("ascii"), hashlib.sha256).hexdigest()


def mask(id_number: str) -> str:
    """The display form: region code and last four, e.g. 110101********1234."""
    return f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"
