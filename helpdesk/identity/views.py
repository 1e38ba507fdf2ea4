"""Sign-in pages for candidates and staff (password, then the second factor), and the
language switch."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.extensions import LOCALES
from helpdesk.forms import PlainForm, form_errors
from helpdesk.i18n import gettext as _
from helpdesk.identity import services, twofactor
from helpdesk.identity.auth import current_staff, settings, sign_in, sign_out, throttle
from helpdesk.identity.forms import CandidateSignInForm, SignInCodeForm, StaffSignInForm
from helpdesk.identity.models import SessionKind, Staff
from helpdesk.security import safe_next

bp = Blueprint("identity", __name__)
log = logging.getLogger(__name__)
#: The signed browser session holds the half-done staff sign-in (password checked).
PENDING = "staff_second_step"
PENDING_SECONDS = 5 * 60


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
        flash(_("You are signed out."), "success")
    return redirect(url_for("identity.staff_sign_in" if was_staff else "exams.home"))


def _staff_page(
    template: str, form: Any, status: int, error: str | None = None, **headers: str
) -> ResponseReturnValue:
    return render_template(template, form=form, error=error), status, headers


@bp.route("/staff/signin", methods=["GET", "POST"])
def staff_sign_in() -> ResponseReturnValue:
    form = StaffSignInForm(next=request.args.get("next", ""))
    page = "identity/staff_signin.html"
    if not form.validate_on_submit():
        return _staff_page(page, form, 422 if form.errors else 200)
    session = get_session()
    username = form.username.data or ""
    try:
        with throttle().counting(username):
            staff = services.authenticate_staff(
                session, username=username, password=form.password.data or "", now=clock.utcnow()
            )
    except TooManyRequests as exc:
        return _staff_page(page, form, 429, exc.message, **{"Retry-After": str(exc.retry_after)})
    except DomainError as exc:
        log.info("staff sign-in refused from %s", request.remote_addr)
        return _staff_page(page, form, exc.status, exc.message)
    target = safe_next(form.next.data, url_for("exams_staff.staff_home"))
    if not staff.two_factor_enabled:
        return _signed_in(session, staff, target, second_factor="none")
    session.commit()  # a password hash upgraded to current parameters
    flask_session[PENDING] = {
        "staff": staff.id,
        "at": int(clock.utcnow().timestamp()),
        "next": target,
        "password": _fingerprint(staff),
    }
    return redirect(url_for("identity.staff_sign_in_code"))


@bp.route("/staff/signin/code", methods=["GET", "POST"])
def staff_sign_in_code() -> ResponseReturnValue:
    session = get_session()
    staff = _pending_staff(session)
    if staff is None:
        flash(_("Sign in again: the second step must follow the password within minutes."))
        return redirect(url_for("identity.staff_sign_in"))
    form = SignInCodeForm()
    page = "identity/staff_signin_code.html"
    if not form.validate_on_submit():
        return _staff_page(page, form, 422 if form.errors else 200)
    try:
        with throttle().counting(staff.username):
            used = twofactor.verify_code(
                session, staff, form.code.data or "", now=clock.utcnow(), key=settings().totp_key
            )
    except TooManyRequests as exc:
        return _staff_page(page, form, 429, exc.message, **{"Retry-After": str(exc.retry_after)})
    except DomainError as exc:
        return _staff_page(page, form, exc.status, form_errors(form, exc))
    if used == "recovery_code":
        left = twofactor.recovery_codes_left(session, staff)
        flash(_("You have %(n)d recovery codes left. Make new ones on your account page.", n=left))
    return _signed_in(session, staff, flask_session[PENDING]["next"], second_factor=used)


def _fingerprint(staff: Staff) -> str:
    """Ties the pending second step to the password it followed: a reset in between ends it."""
    return hashlib.sha256(staff.password_hash.encode("utf-8")).hexdigest()[:16]


def _pending_staff(session: Session) -> Staff | None:
    pending = flask_session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    age = clock.utcnow().timestamp() - float(pending.get("at", 0))
    staff = session.get(Staff, int(pending.get("staff", 0)))
    if (
        not 0 <= age <= PENDING_SECONDS
        or staff is None
        or not staff.active
        or not staff.two_factor_enabled
        or pending.get("password") != _fingerprint(staff)
    ):
        flask_session.pop(PENDING, None)
        return None
    return staff


def _signed_in(
    session: Session, staff: Staff, target: str, *, second_factor: str
) -> ResponseReturnValue:
    now = clock.utcnow()
    staff.last_sign_in_at = now
    audit.record(
        session,
        staff=staff,
        action="staff.sign_in",
        now=now,
        detail={"second_factor": second_factor},
    )
    flask_session.pop(PENDING, None)
    sign_in(session, kind=SessionKind.STAFF_WEB, staff=staff)
    return redirect(safe_next(target, url_for("exams_staff.staff_home")))


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
