"""Sign-in pages for candidates and staff, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from helpdesk import clock
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.extensions import LOCALES
from helpdesk.forms import PlainForm
from helpdesk.identity import services
from helpdesk.identity.auth import current_staff, sign_in, sign_out, throttle
from helpdesk.identity.forms import CandidateSignInForm, StaffSignInForm
from helpdesk.identity.models import SessionKind
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
    return redirect(safe_next(form.next.data, url_for("exams_staff.staff_home")))


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
