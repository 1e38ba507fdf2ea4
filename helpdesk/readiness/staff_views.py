"""Staff pages: an exam session's readiness, its attention list as CSV, its requirements
profile (supervisors), one report's facts, and the device checks in the candidate panel."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import charts, clock, nav, panel, streaming
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.forms import PlainForm
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role
from helpdesk.readiness import profiles, services, trend
from helpdesk.readiness.models import DeviceReport
from helpdesk.web import local_time

bp = Blueprint("readiness_staff", __name__, url_prefix="/staff/readiness")
nav.add("readiness_staff.sessions", _l("Readiness"), order=40, audience="agent")


def _panel_section(session: Session, candidate: Candidate) -> dict[str, Any]:
    return {"reports": services.recent_reports(session, candidate, limit=5)}


panel.add_section(
    "readiness", _l("Device checks"), "readiness/_panel.html", _panel_section, order=30
)


@bp.get("")
@staff_required(Role.AGENT)
def sessions() -> ResponseReturnValue:
    return render_template(
        "readiness/sessions.html", sessions=exams.list_sessions(get_session()), now=clock.utcnow()
    )


@bp.get("/<code>")
@staff_required(Role.AGENT)
def exam_readiness(code: str) -> ResponseReturnValue:
    session = get_session()
    exam = exams.get_by_code(session, code)
    r = services.readiness_of(session, exam)
    failed = sorted(
        ((title, counts["fail"]) for title, counts in r.checks.values() if counts["fail"]),
        key=lambda item: -item[1],
    )
    days, shares = trend.share_ready_by_day(
        session, exam, now=clock.utcnow(), zone=ZoneInfo(str(current_app.config["TIMEZONE"]))
    )
    return render_template(
        "readiness/exam.html",
        r=r,
        profile=profiles.stored_profile(session, exam),
        failed_chart=charts.hbars(_("Candidates whose latest PC check failed, by check"), failed)
        if failed
        else None,
        ready_chart=charts.lines(
            _("Share of the roster ready at the end of each day, in per cent"),
            days,
            [(_("Ready"), shares)],
            unit="%",
        ),
    )


@bp.get("/<code>/attention.csv")
@staff_required(Role.SUPERVISOR)
def attention_csv(code: str) -> ResponseReturnValue:
    session = get_session()
    exam = exams.get_by_code(session, code)
    header = [
        _("Admission number"),
        _("Name"),
        _("ID number"),
        _("Phone"),
        _("PC result"),
        _("PC report"),
        _("PC checked at"),
        _("Phone result"),
        _("Phone report"),
        _("Failed checks"),
    ]
    labels = {
        "pass": _("Ready"),
        "warn": _("Usable, with warnings"),
        "fail": _("Not ready"),
        None: _("Not checked yet"),
    }
    body = services.attention_csv(
        services.readiness_of(session, exam),
        header=header,
        local_time=local_time,
        verdict_label=labels.get,
    )
    safe_code = "".join(c for c in exam.code if c.isalnum() or c in "-_") or "exam"
    return streaming.response(
        [body],
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="readiness-{safe_code}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<code>/profile", methods=["GET", "POST"])
@staff_required(Role.SUPERVISOR)
def edit_profile(code: str) -> ResponseReturnValue:
    session = get_session()
    exam = exams.get_by_code(session, code)
    form = PlainForm()
    text = request.form.get("profile", "")
    if not form.validate_on_submit():
        current = profiles.profile_for(session, exam)
        return render_template(
            "readiness/profile.html",
            exam=exam,
            error=None,
            text=json.dumps(current, ensure_ascii=False, indent=2),
            stored=profiles.stored_profile(session, exam),
        )
    if request.form.get("action") == "reset":
        profiles.reset_profile(session, exam=exam)
        session.commit()
        return redirect(url_for("readiness_staff.edit_profile", code=exam.code))
    try:
        parsed = profiles.parse_profile(text)
    except DomainError as exc:
        return render_template(
            "readiness/profile.html",
            exam=exam,
            error=exc.message,
            text=text[: profiles.PROFILE_LIMIT],
            stored=profiles.stored_profile(session, exam),
        ), 422
    profiles.save_profile(
        session, exam=exam, profile=parsed, staff=current_staff(), now=clock.utcnow()
    )
    session.commit()
    return redirect(url_for("readiness_staff.exam_readiness", code=exam.code))


@bp.get("/reports/<code>")
@staff_required(Role.AGENT)
def staff_report(code: str) -> ResponseReturnValue:
    found = get_session().scalar(
        select(DeviceReport).where(DeviceReport.code == services.normalise_code(code))
    )
    if found is None:
        abort(404)
    return render_template(
        "readiness/staff_report.html",
        report=found,
        facts=json.dumps(found.facts, ensure_ascii=False, indent=2),
    )
