"""Admins create and edit exam sessions in the desk, checked by the same rules as
`flask exams import` (ExamSessionIn), each problem named beside its field in words."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.exams.models import ExamSession
from helpdesk.exams.services import ExamSessionIn
from helpdesk.i18n import lazy_gettext as _l

#: ExamSessionIn's order rules: the field each one is shown beside, and the words.
ORDER_RULES = {
    "starts_order": ("starts", _l("The exam starts after login opens and before it ends.")),
    "login_closes_order": (
        "login_closes",
        _l("Login closes after it opens and no later than the end of the exam."),
    ),
    "download_pair": ("download_closes", _l("Give both ends of the download window, or none.")),
    "download_order": ("download_closes", _l("The download window closes after it opens.")),
}
FIELD_PROBLEMS = {
    "code": _l("Letters, digits, dots, dashes and underscores; at most 40."),
    "name": _l("Between 1 and 200 characters."),
    "kind": _l("Choose mock or formal exam."),
}
FIELDS = (
    "name",
    "kind",
    "download_opens",
    "download_closes",
    "login_opens",
    "starts",
    "login_closes",
    "ends",
)


def _problems(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        if error["type"] in ORDER_RULES:
            name, words = ORDER_RULES[error["type"]]
        else:
            name = str(error["loc"][0]) if error["loc"] else "starts"
            words = FIELD_PROBLEMS.get(name, _l("Enter a date and time."))
        fields.setdefault(name, str(words))
    return fields


def save_session(
    session: Session, *, existing: ExamSession | None, values: dict[str, Any]
) -> ExamSession:
    """Create a session (existing None) or change one; its code never changes once made."""
    data = dict(values, code=existing.code if existing else values.get("code"))
    try:
        item = ExamSessionIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            str(_l("Some fields need correcting.")), fields=_problems(exc)
        ) from None
    row = existing
    if row is None:
        if session.scalar(select(ExamSession.id).where(ExamSession.code == item.code)):
            raise Conflict(
                str(_l("An exam session with this code exists already.")),
                code="exam_session_exists",
                fields={"code": str(_l("An exam session with this code exists already."))},
            )
        row = ExamSession(code=item.code)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, getattr(item, name))
    session.flush()
    return row
