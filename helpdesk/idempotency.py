"""The Idempotency-Key rule, one for every endpoint that takes the header (API.md)."""

from __future__ import annotations

import re

from helpdesk.errors import ValidationFailed
from helpdesk.i18n import lazy_gettext as _l

HEADER = "Idempotency-Key"
#: 8 to 64 visible ASCII characters: a UUID, a ULID or any client's own scheme.
_KEY = re.compile(r"[\x21-\x7e]{8,64}")


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        str(_l("Send an Idempotency-Key header of 8 to 64 visible characters.")),
        code="idempotency_key_invalid",
        fields={HEADER: str(_l("8 to 64 visible characters."))},
    )


def required_key(raw: str | None) -> str:
    """The client's key, or a ValidationFailed naming the header."""
    key = (raw or "").strip()
    if not _KEY.fullmatch(key):
        raise _invalid()
    return key


def optional_key(raw: str | None) -> str | None:
    """The client's key when it sent one; a malformed one is refused like a missing one."""
    if raw is None:
        return None
    return required_key(raw)


def key_reused() -> ValidationFailed:
    """The answer to a key sent again with another body."""
    message = str(
        _l("This Idempotency-Key was already used for a different request. Use a new key.")
    )
    return ValidationFailed(message, code="idempotency_key_reused", fields={HEADER: message})
