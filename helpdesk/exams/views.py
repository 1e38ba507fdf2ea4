"""The candidate's home: what phase the exam is in, and what to do now."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from helpdesk import clock, nav
from helpdesk.exams import services
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_candidate, current_staff

bp = Blueprint("exams", __name__)

nav.add("exams.home", _l("My exam"), order=0, audience="candidate")


@bp.get("/")
def home() -> ResponseReturnValue:
    candidate = current_candidate()
    if candidate is None:
        return render_template("exams/landing.html", staff=current_staff())
    now = clock.utcnow()
    sessions = sorted((e.exam_session for e in candidate.enrollments), key=lambda s: s.starts)
    return render_template(
        "exams/home.html",
        candidate=candidate,
        sessions=sessions,
        now=now,
        stage=services.current_stage(sessions, now),
    )
