"""What an SMS may say: no ID number, and no phone number but those the desk allows."""

from __future__ import annotations

import re

# Mainland mobiles, landlines with area code and 400 service numbers; dates do not match.
_NUMBER = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?"
    r"(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|400-?[0-9]{3}-?[0-9]{4})"
    r"(?![0-9])"
)


#: A resident ID number (18 characters, the last may be X), whatever checksum it has.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def has_id_number(text: str) -> bool:
    """Whether text holds something shaped like a resident ID number."""
    return _ID_NUMBER.search(text) is not None


def _national(number: str) -> str:
    digits = re.sub(r"[^0-9]", "", number)
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    return digits.lstrip("0")


class UnsafeSms(ValueError):
    """The message breaks a carrier rule, would leak an ID number or would point the
    candidate at an unknown number."""


def check_text(body: str, *, allowed_numbers: list[str]) -> None:
    """Refuse text with an ID number, or with a phone number not in allowed_numbers.

    Candidates must never be asked to call back any number but the hotline; the
    whitelisted caller IDs may be named as the numbers the desk calls from.
    """
    if has_id_number(body):
        raise UnsafeSms("SMS text contains an ID number")
    allowed = {_national(n) for n in allowed_numbers}
    for match in _NUMBER.finditer(body):
        if _national(match.group()) not in allowed:
            raise UnsafeSms(f"SMS text names a number that is not allowed: {match.group()}")
