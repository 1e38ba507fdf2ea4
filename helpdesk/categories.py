"""Problem categories, shared by tickets and help requests (API.md)."""

from __future__ import annotations

import enum

from helpdesk.i18n import lazy_gettext as _l


class Category(enum.StrEnum):
    LOGIN = "login"
    FACE_VERIFICATION = "face_verification"
    CANNOT_ANSWER = "cannot_answer"
    CHANGE_COMPUTER = "change_computer"
    EVIDENCE_UPLOAD = "evidence_upload"
    ANSWER_UPLOAD = "answer_upload"
    INSTALL = "install"
    OTHER = "other"


LABELS = {
    Category.LOGIN: _l("Cannot log in"),
    Category.FACE_VERIFICATION: _l("Face or identity verification fails"),
    Category.CANNOT_ANSWER: _l("Cannot answer"),
    Category.CHANGE_COMPUTER: _l("Must change computer"),
    Category.EVIDENCE_UPLOAD: _l("Evidence video upload fails"),
    Category.ANSWER_UPLOAD: _l("Answer data upload fails"),
    Category.INSTALL: _l("Download and installation"),
    Category.OTHER: _l("Other"),
}


def choices() -> list[tuple[str, object]]:
    """(value, label) pairs for select fields, in the order above."""
    return [(c.value, LABELS[c]) for c in Category]
