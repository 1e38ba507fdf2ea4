"""Staff pages of exam sessions: the desk's home, the sessions (admins edit them) and their
rosters."""

from __future__ import annotations

import functools
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import func, or_, select

from helpdesk import clock, nav
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import editing, labels, roster, roster_imports, services
from helpdesk.exams.forms import ExamSessionForm, RosterImportForm
from helpdesk.exams.models import Enrollment, ExamSession, RosterImport
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role

bp = Blueprint("exams_staff", __name__)
PAGE_SIZE = 50

nav.add("exams_staff.staff_home", _l("Desk"), order=0, audience="agent")
nav.add("exams_staff.sessions_list", _l("Exam sessions"), order=80, audience="supervisor")
nav.add("exams_staff.roster_list", _l("Roster"), order=81, audience="supervisor")


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
    me = current_staff()
    return render_template(
        "exams/sessions.html",
        sessions=services.list_sessions(get_session()),
        now=now,
        is_admin=me is not None and me.role == Role.ADMIN,
    )


@bp.get("/admin/roster")
@staff_required(Role.SUPERVISOR)
def roster_list() -> ResponseReturnValue:
    session = get_session()
    code = request.args.get("exam_session", "")
    query_text = request.args.get("q", "").strip()[:64]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    stmt = select(Candidate)
    if code:
        stmt = (
            stmt.join(Enrollment)
            .join(Enrollment.exam_session)
            .where(Enrollment.exam_session.has(code=code))
        )
    if query_text:
        like = f"%{query_text}%"
        stmt = stmt.where(
            or_(Candidate.name.like(like), Candidate.admission_number.like(like.upper()))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    candidates = session.scalars(
        stmt.order_by(Candidate.admission_number).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "exams/roster.html",
        candidates=candidates,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        sessions=services.list_sessions(session),
        code=code,
        q=query_text,
    )


@bp.route("/admin/roster/import", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def roster_import() -> ResponseReturnValue:
    """Check the file and hand it to the scheduler; its page follows the import."""
    form = RosterImportForm()
    session = get_session()
    page = functools.partial(
        render_template,
        "exams/roster_import.html",
        form=form,
        recent=roster_imports.recent(session),
        import_labels=labels.IMPORT_LABELS,
    )
    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    upload = form.file.data
    try:
        rows = roster.parse_roster(upload.filename or "", upload.read())
    except DomainError as exc:
        form.file.errors = [exc.message]
        return page(), exc.status
    job = roster_imports.stage(
        session,
        rows,
        filename=upload.filename or "",
        skip_invalid=bool(form.skip_invalid.data),
        staff=current_staff(),
        locale=str(get_locale() or "zh_CN"),
        id_hash_key=current_app.config["ID_HASH_KEY"],
        now=clock.utcnow(),
    )
    session.commit()
    return redirect(url_for("exams_staff.roster_import_status", import_id=job.id), 303)


def _import_context(import_id: int) -> dict[str, Any]:
    session = get_session()
    job = session.get(RosterImport, import_id)
    if job is None:
        abort(404)
    state = roster_imports.progress(session, job, now=clock.utcnow())
    problems_only = request.args.get("show", "problems" if state.counts["invalid"] else "all")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = roster_imports.rows_page(
        session, job, problems_only=problems_only == "problems", page=page, size=PAGE_SIZE
    )
    return {
        "state": state,
        "rows": rows if state.finished else [],
        "show": "problems" if problems_only == "problems" else "all",
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "row_labels": labels.ROW_LABELS,
        "column_labels": labels.COLUMN_LABELS,
    }


@bp.get("/admin/roster/imports/<int:import_id>")
@staff_required(Role.SUPERVISOR)
def roster_import_status(import_id: int) -> ResponseReturnValue:
    return render_template("exams/roster_import_status.html", **_import_context(import_id))


@bp.get("/admin/roster/imports/<int:import_id>/progress")
@staff_required(Role.SUPERVISOR)
def roster_import_progress(import_id: int) -> ResponseReturnValue:
    """The import's progress (or, once done, its report) alone, for desk.js to refresh."""
    body = render_template("exams/_roster_import_state.html", **_import_context(import_id))
    response = make_response(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def _session_form(existing: ExamSession | None) -> ExamSessionForm:
    if request.method != "GET" or existing is None:
        return ExamSessionForm()
    form = ExamSessionForm(code=existing.code, name=existing.name, kind=str(existing.kind))
    for name in ExamSessionForm.TIMES:
        value = getattr(existing, name)
        getattr(form, name).data = value.astimezone(_zone()).replace(tzinfo=None) if value else None
    return form


@bp.route("/admin/exams/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/admin/exams/<code>/edit", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def session_edit(code: str | None) -> ResponseReturnValue:
    db = get_session()
    existing = services.get_by_code(db, code) if code else None
    form = _session_form(existing)
    page = functools.partial(render_template, "exams/session_edit.html", form=form, exam=existing)
    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    values: dict[str, Any] = {
        "code": form.code.data,
        "name": form.name.data,
        "kind": form.kind.data,
    }
    for name in ExamSessionForm.TIMES:
        local = getattr(form, name).data
        values[name] = local.replace(tzinfo=_zone()) if local else None
    try:
        saved = editing.save_session(db, existing=existing, values=values)
    except DomainError as exc:
        return page(error=form_errors(form, exc)), exc.status
    audit.record(
        db,
        staff=current_staff(),
        action="exam_session.save",
        now=clock.utcnow(),
        target_type="exam_session",
        target_id=saved.code,
    )
    db.commit()
    flash(_("Exam session saved."), "success")
    return redirect(url_for("exams_staff.sessions_list"))
