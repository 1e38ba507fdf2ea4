"""Pages: the candidate's device check (agent download, results, phone self-check) and the
staff's readiness view of an exam session."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk import clock, nav, panel
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.extensions import limiter
from helpdesk.forms import PlainForm
from helpdesk.identity.auth import (
    candidate_required,
    current_candidate,
    current_staff,
    staff_required,
)
from helpdesk.identity.models import Role
from helpdesk.readiness import builds, profiles, services
from helpdesk.readiness.api import (
    FACTS_LIMIT,
    facts_fingerprint,
    idempotency_key,
    sender_key,
)
from helpdesk.readiness.models import Device, DeviceReport
from helpdesk.readiness.phone import detect_os, in_app_browser
from helpdesk.web import local_time

bp = Blueprint("readiness", __name__)


def ticket_url(code: str) -> str:
    """Where a candidate files a problem about this report, with the code filled in."""
    query = {"category": "install", "report_code": code}
    for endpoint in ("tickets.new", "tickets.new_ticket", "tickets.create"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **query)
    return "/tickets/new?" + urlencode(query)


@bp.get("/readiness")
@candidate_required
def home() -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    session = get_session()
    return render_template(
        "readiness/home.html",
        candidate=candidate,
        builds=builds.latest_builds(session),
        latest=services.latest_reports(session, candidate),
        server=current_app.config["PUBLIC_URL"],
        ticket_url=ticket_url,
    )


@bp.get("/readiness/reports/<code>")
@candidate_required
def report(code: str) -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    found = services.find_report(get_session(), candidate=candidate, code=code)
    if found is None:
        abort(404)
    return render_template("readiness/report.html", report=found, ticket_url=ticket_url)


@bp.get("/readiness/agent/<int:build_id>")
def download(build_id: int) -> ResponseReturnValue:
    build = get_session().get(builds.AgentBuild, build_id)
    path = (
        builds.build_file(builds.builds_folder(current_app.config["UPLOAD_DIR"]), build)
        if build is not None
        else None
    )
    if build is None or path is None:
        abort(404)
    response = send_file(
        path,
        as_attachment=True,
        download_name=build.filename,
        mimetype="application/octet-stream",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/readiness/phone")
@candidate_required
def phone() -> ResponseReturnValue:
    return render_template(
        "readiness/phone.html", in_app=in_app_browser(request.headers.get("User-Agent", ""))
    )


def phone_platform(facts: dict) -> str:  # type: ignore[type-arg]
    found = detect_os(facts.get("user_agent"), facts.get("client_hints"))
    return f"{found['family']} {found.get('version') or ''}".strip()[:40]


@bp.post("/readiness/phone/report")
@limiter.limit(
    lambda: str(current_app.config["REPORT_RATE_LIMIT"]),
    key_func=lambda: sender_key(),
)
@candidate_required
def phone_report() -> ResponseReturnValue:
    """The phone page's facts (JSON, CSRF token in X-CSRFToken), judged here."""
    candidate = current_candidate()
    assert candidate is not None
    raw = request.get_data(cache=True)
    if len(raw) > FACTS_LIMIT:
        raise DomainError(_("The report is too large."), code="too_large", status=413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DomainError(
            _("The report is not valid JSON."), code="malformed_json", status=400
        ) from None
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        message = _("Must be a JSON object.")
        raise DomainError(message, code="validation_failed", fields={"facts": message})
    facts["user_agent"] = request.headers.get("User-Agent", "")[:400]
    sha, _size = facts_fingerprint({"facts": facts})
    session, now = get_session(), clock.utcnow()
    found, created = services.submit_report(
        session,
        candidate=candidate,
        device=Device.PHONE,
        locale="",
        now=now,
        exam=services.exam_for_report(session, candidate=candidate, code=None, now=now),
        upload=services.Upload(
            facts=facts,
            body_sha256=sha,
            platform=phone_platform(facts),
            idempotency_key=idempotency_key(),
        ),
    )
    session.commit()
    return jsonify(
        {"report_code": found.code, "verdict": found.verdict, "checks": found.checks}
    ), 201 if created else 200


# --- staff -----------------------------------------------------------------------------------


@bp.get("/staff/readiness")
@staff_required(Role.AGENT)
def sessions() -> ResponseReturnValue:
    return render_template(
        "readiness/sessions.html", sessions=exams.list_sessions(get_session()), now=clock.utcnow()
    )


@bp.get("/staff/readiness/<code>")
@staff_required(Role.AGENT)
def exam_readiness(code: str) -> ResponseReturnValue:
    session = get_session()
    exam = exams.get_by_code(session, code)
    return render_template(
        "readiness/exam.html",
        r=services.readiness_of(session, exam),
        profile=profiles.stored_profile(session, exam),
    )


@bp.get("/staff/readiness/<code>/attention.csv")
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
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="readiness-{safe_code}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/staff/readiness/<code>/profile", methods=["GET", "POST"])
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
        return redirect(url_for("readiness.edit_profile", code=exam.code))
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
    return redirect(url_for("readiness.exam_readiness", code=exam.code))


@bp.get("/staff/readiness/reports/<code>")
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


def _panel(session, candidate):  # type: ignore[no-untyped-def]
    return {"reports": services.recent_reports(session, candidate, limit=5)}


panel.add_section("readiness", _l("Device checks"), "readiness/_panel.html", _panel, order=30)
nav.add("readiness.home", _l("Device check"), order=20, audience="candidate")
nav.add("readiness.sessions", _l("Readiness"), order=40, audience="agent")
