"""Sign-in pages for candidates and staff, the language switch, roster administration."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from helpdesk import clock
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.exams import services as exams
from helpdesk.extensions import LOCALES
from helpdesk.identity import roster, services
from helpdesk.identity.auth import current_staff, sign_in, sign_out, staff_required, throttle
from helpdesk.identity.forms import (
    CandidateSignInForm,
    PlainForm,
    RosterImportForm,
    StaffSignInForm,
)
from helpdesk.identity.models import Candidate, Enrollment, Role, SessionKind
from helpdesk.security import safe_next

bp = Blueprint("identity", __name__)
PAGE_SIZE = 50


@bp.route("/signin", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_candidate() -> ResponseReturnValue:
    form = CandidateSignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("identity/signin.html", form=form), 422 if form.errors else 200
    session = get_session()
    try:
        candidate = throttle().sign_in_candidate(
            session,
            name=form.name.data or "",
            id_number=form.id_number.data or "",
            admission_number=form.admission_number.data or "",
        )
    except TooManyRequests as exc:
        return (
            render_template("identity/signin.html", form=form, error=exc.message),
            429,
            {"Retry-After": str(exc.retry_after)},
        )
    except DomainError as exc:
        for field, message in exc.fields.items():
            getattr(form, field).errors = [message]
        return render_template("identity/signin.html", form=form, error=exc.message), exc.status
    sign_in(session, kind=SessionKind.CANDIDATE_WEB, candidate=candidate)
    return redirect(safe_next(form.next.data, url_for("exams.home")))


@bp.post("/signout", endpoint="sign_out")
def sign_out_view() -> ResponseReturnValue:
    was_staff = current_staff() is not None
    if PlainForm().validate_on_submit():
        sign_out(get_session())
    return redirect(url_for("identity.staff_sign_in" if was_staff else "exams.home"))


@bp.route("/staff/signin", methods=["GET", "POST"])
def staff_sign_in() -> ResponseReturnValue:
    form = StaffSignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("identity/staff_signin.html", form=form), 422 if form.errors else 200
    session = get_session()
    try:
        staff = services.authenticate_staff(
            session, username=form.username.data or "", password=form.password.data or ""
        )
    except DomainError as exc:
        return render_template("identity/staff_signin.html", form=form, error=exc.message), 401
    audit.record(session, staff=staff, action="staff.sign_in", now=clock.utcnow())
    sign_in(session, kind=SessionKind.STAFF_WEB, staff=staff)
    return redirect(safe_next(form.next.data, url_for("exams.staff_home")))


@bp.post("/lang")
def set_language() -> ResponseReturnValue:
    form = PlainForm()
    locale = request.form.get("locale", "")
    response = redirect(safe_next(form.next.data, url_for("exams.home")))
    if form.validate_on_submit() and locale in LOCALES:
        response.set_cookie(
            "lang",
            locale,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


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
        "identity/roster.html",
        candidates=candidates,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        sessions=exams.list_sessions(session),
        code=code,
        q=query_text,
    )


@bp.route("/admin/roster/import", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def roster_import() -> ResponseReturnValue:
    form = RosterImportForm()
    if not form.validate_on_submit():
        return render_template(
            "identity/roster_import.html", form=form
        ), 422 if form.errors else 200
    upload = form.file.data
    session = get_session()
    try:
        rows = roster.parse_roster(upload.filename or "", upload.read())
    except DomainError as exc:
        form.file.errors = [exc.message]
        return render_template("identity/roster_import.html", form=form), exc.status
    report = roster.import_roster(
        session,
        rows,
        id_hash_key=current_app.config["ID_HASH_KEY"],
        now=clock.utcnow(),
        skip_invalid=bool(form.skip_invalid.data),
    )
    if report.applied:
        audit.record(
            session,
            staff=current_staff(),
            action="roster.import",
            now=clock.utcnow(),
            detail={
                "file": (upload.filename or "")[:200],
                "rows": len(report.rows),
                "invalid": report.invalid,
            },
        )
        session.commit()
        flash(_("Roster imported."), "success")
    status = 200 if report.applied else 422
    return render_template("identity/roster_import.html", form=form, report=report), status
