"""The follow-up job: reads its settings from the app, then calls the follow-up service."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.exams.models import ExamKind
from helpdesk.notify.jobs import allowed_numbers
from helpdesk.uploads import followup


def settings() -> dict[str, object]:
    """UPLOAD_FOLLOWUP_GRACE_MINUTES, _HORIZON_HOURS and _KINDS, as config.py read them."""
    config = current_app.config
    kinds = [k.strip() for k in str(config["UPLOAD_FOLLOWUP_KINDS"]).split(",")]
    return {
        "grace": timedelta(minutes=int(config["UPLOAD_FOLLOWUP_GRACE_MINUTES"])),
        "horizon": timedelta(hours=int(config["UPLOAD_FOLLOWUP_HORIZON_HOURS"])),
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
