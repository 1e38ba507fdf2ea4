"""The candidate's home (what phase the exam is in, what to do now), staff home, sessions."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from helpdesk import clock
from helpdesk.db import get_session
from helpdesk.exams import services
from helpdesk.identity.auth import current_candidate, current_staff, staff_required
from helpdesk.identity.models import Role

bp = Blueprint("exams", __name__)


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


@bp.get("/staff/")
@staff_required(Role.AGENT)
def staff_home() -> ResponseReturnValue:
    now = clock.utcnow()
    sessions = services.list_sessions(get_session())
    return render_template("exams/staff_home.html", sessions=sessions, now=now)


@bp.get("/admin/exams")
@staff_required(Role.SUPERVISOR)
def sessions_list() -> ResponseReturnValue:
    now = clock.utcnow()
    return render_template(
        "exams/sessions.html", sessions=services.list_sessions(get_session()), now=now
    )
