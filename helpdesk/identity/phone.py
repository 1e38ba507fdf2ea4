"""Mainland China phone numbers, normalised to E.164 (+86...)."""

from __future__ import annotations

import re
import unicodedata

from helpdesk.i18n import lazy_gettext as _l

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Area codes: 010, 02x (3 digits with the 0) or 0xxx (4 digits); subscriber 7-8 digits.
_LANDLINE = re.compile(r"0(10|2[0-9]|[3-9][0-9]{2})([1-9][0-9]{6,7})")


class InvalidPhone(ValueError):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def normalise(raw: str) -> str:
    """Return +86... for a mainland mobile or landline number, or raise InvalidPhone."""
    if not isinstance(raw, str):
        raise InvalidPhone(_l("Enter a mobile number."))
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidPhone(_l("Enter a mobile number."))
    if not re.fullmatch(r"[0-9+()\- ]{5,25}", text):
        raise InvalidPhone(_l("A phone number has only digits, spaces, dashes and a leading +."))
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        if not digits.startswith("86"):
            raise InvalidPhone(_l("Only mainland China numbers (+86) can be called."))
        digits = digits[2:]
        if not digits.startswith("1"):
            digits = "0" + digits
    elif digits.startswith("0086"):
        digits = digits[4:]
        digits = digits if digits.startswith("1") else "0" + digits
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return "+86" + digits
    if _LANDLINE.fullmatch(digits):
        return "+86" + digits[1:]
    raise InvalidPhone(_l("Enter an 11-digit mobile number or a landline with its area code."))


def display(e164: str) -> str:
    """A readable national form: 138 0013 8000, 028-63201710."""
    if not e164.startswith("+86"):
        return e164
    national = e164[3:]
    if national.startswith("1") and len(national) == 11:
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    area = 2 if national[0] in "12" else 3
    return f"0{national[:area]}-{national[area:]}"


def mask(e164: str) -> str:
    """A phone number with the middle hidden: 138****8000."""
    national = e164[3:] if e164.startswith("+86") else e164
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"
