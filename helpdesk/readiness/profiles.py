"""Requirements profiles: the built-in one from the agent, or the one stored for an exam."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.profile import default_profile
from diagnostics.rules import EVALUATORS
from helpdesk.errors import ValidationFailed
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.models import Staff
from helpdesk.readiness.models import ReadinessProfile

PROFILE_LIMIT = 64 * 1024
_VERSION = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")


def profile_for(session: Session, exam: ExamSession | None) -> dict[str, Any]:
    """The profile an exam session's PCs are judged against (the built-in one by default)."""
    if exam is not None:
        row = session.scalar(
            select(ReadinessProfile).where(ReadinessProfile.exam_session_id == exam.id)
        )
        if row is not None:
            return dict(row.body)
    return default_profile()


def stored_profile(session: Session, exam: ExamSession) -> ReadinessProfile | None:
    return session.scalar(
        select(ReadinessProfile).where(ReadinessProfile.exam_session_id == exam.id)
    )


def parse_profile(text: str) -> dict[str, Any]:
    """Check a profile typed by staff; raise ValidationFailed saying what to fix."""
    if len(text.encode("utf-8")) > PROFILE_LIMIT:
        raise _invalid(str(_l("The profile is too large (at most 64 KB).")))
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise _invalid(str(_l("The profile is not valid JSON."))) from None
    if not isinstance(data, dict):
        raise _invalid(str(_l("The profile must be a JSON object with version and checks.")))
    version = data.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise _invalid(str(_l("version must be 1 to 80 letters, digits or . _ : -.")))
    checks = data.get("checks")
    if not isinstance(checks, list) or not checks:
        raise _invalid(str(_l("checks must be a non-empty list.")))
    seen: set[str] = set()
    clean = []
    for index, check in enumerate(checks, start=1):
        if not isinstance(check, dict):
            raise _invalid(str(_l("Check %(n)d is not an object.", n=index)))
        check_id = check.get("id")
        if check_id not in EVALUATORS:
            raise _invalid(
                str(
                    _l(
                        "Check %(n)d: unknown id %(id)s. Known ids: %(known)s.",
                        n=index,
                        id=json.dumps(check_id, ensure_ascii=False)[:40],
                        known=", ".join(EVALUATORS),
                    )
                )
            )
        if check_id in seen:
            raise _invalid(str(_l("Check %(id)s appears twice.", id=check_id)))
        seen.add(str(check_id))
        if check.get("severity") not in ("fail", "warn"):
            raise _invalid(str(_l("Check %(id)s: severity must be fail or warn.", id=check_id)))
        params = check.get("params", {})
        if not isinstance(params, dict):
            raise _invalid(str(_l("Check %(id)s: params must be an object.", id=check_id)))
        clean.append({"id": check_id, "severity": check["severity"], "params": params})
    return {"version": version, "checks": clean}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: the database's JSON refuses them


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"profile": message})


def save_profile(
    session: Session,
    *,
    exam: ExamSession,
    profile: dict[str, Any],
    staff: Staff | None,
    now: datetime,
) -> ReadinessProfile:
    """Store (or replace) the exam session's profile; profile comes from parse_profile."""
    row = stored_profile(session, exam)
    if row is None:
        row = ReadinessProfile(
            exam_session_id=exam.id, version=profile["version"], body=profile, updated_at=now
        )
        session.add(row)
    row.version, row.body, row.updated_at = profile["version"], profile, now
    row.updated_by_id = staff.id if staff is not None else None
    session.flush()
    return row


def reset_profile(session: Session, *, exam: ExamSession) -> None:
    """Go back to the built-in profile for this exam session."""
    row = stored_profile(session, exam)
    if row is not None:
        session.delete(row)
        session.flush()
