"""The follow-up job: reads its settings from the app, then calls the follow-up service."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.exams.models import ExamKind
from helpdesk.notify.jobs import allowed_numbers
from helpdesk.uploads import followup


def _setting(name: str, default: str) -> str:
    """HELPDESK_<name> from the app's config (tests) or the environment."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(f"HELPDESK_{name}", default)
    return str(value)


def settings() -> dict[str, object]:
    """UPLOAD_FOLLOWUP_GRACE_MINUTES (30), _HORIZON_HOURS (72), _KINDS ("formal")."""
    kinds = [k.strip() for k in _setting("UPLOAD_FOLLOWUP_KINDS", "formal").split(",")]
    return {
        "grace": timedelta(minutes=int(_setting("UPLOAD_FOLLOWUP_GRACE_MINUTES", "30"))),
        "horizon": timedelta(hours=int(_setting("UPLOAD_FOLLOWUP_HORIZON_HOURS", "72"))),
        "kinds": [ExamKind(k) for k in kinds if k],
    }


def follow_up(session: Session, now: datetime) -> int:
    """Job body (session, now): follow up every incomplete candidate of ended sessions."""
    return followup.follow_up(
        session,
        now=now,
        allowed_numbers=allowed_numbers(),
        hotline=str(current_app.config["HOTLINE"]),
        **settings(),
    )  # type: ignore[arg-type]
