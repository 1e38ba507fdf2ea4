"""Candidate pages: the 求助 page and the self-refreshing status page (staff pages are in
staff_views.py, on their own blueprint)."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from helpdesk import clock, nav
from helpdesk.callbacks import labels, services, standing
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.forms import ButtonForm, HelpForm, PhoneForm
from helpdesk.db import get_session, reads_only
from helpdesk.errors import DomainError
from helpdesk.exams.models import Phase
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones
from helpdesk.identity.auth import candidate_required, current_candidate
from helpdesk.identity.models import Candidate

bp = Blueprint("callbacks", __name__)
bp.context_processor(labels.template_labels)


def _candidate() -> Candidate:
    candidate = current_candidate()
    assert candidate is not None  # candidate_required let the request in
    return candidate


def _help_form() -> HelpForm:
    candidate, now = _candidate(), clock.utcnow()
    sessions = sorted(
        (
            e.exam_session
            for e in candidate.enrollments
            if e.exam_session.phase_at(now) != Phase.ENDED
        ),
        key=lambda s: s.starts,
    )
    form = HelpForm()
    form.exam_session.choices = [(s.code, s.name) for s in sessions]
    if not form.key.data:
        form.key.data = secrets.token_urlsafe(16)
    return form


def _help_page(form: HelpForm, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    """The 求助 page; requests still open are shown first ("您已在排队")."""
    open_requests = [
        r
        for r in services.list_for_candidate(get_session(), _candidate())
        if r.is_open and r.reason is None
    ]
    if open_requests and not form.is_submitted():
        form.exam_session.data = open_requests[0].exam_session.code
    return render_template(
        "callbacks/help.html", form=form, error=error, open_requests=open_requests
    ), status


@bp.route("/help", methods=["GET", "POST"])
@candidate_required
def help_page() -> ResponseReturnValue:
    form = _help_form()
    if not form.validate_on_submit():
        return _help_page(form, 422 if form.errors else 200)
    session, candidate = get_session(), _candidate()
    data = services.HelpInput(
        exam_session=form.exam_session.data or "",
        phone=form.phone.data or None,
        category=form.category.data or None,
        note=form.note.data or None,
    )
    try:
        request, created = services.request_help(
            session,
            candidate=candidate,
            data=data,
            idempotency_key=form.key.data or "",
            source="web",
            now=clock.utcnow(),
        )
    except DomainError as exc:
        return _help_page(form, exc.status, form_errors(form, exc))
    session.commit()
    if not created:
        flash(_("You are already in the queue; what you wrote was added to your request."), "info")
    return redirect(url_for("callbacks.status", request_id=request.public_id))


def _status_context(request_id: str, phone_error: str | None = None) -> dict[str, object]:
    session, now = get_session(), clock.utcnow()
    request = services.get_for_candidate(session, candidate=_candidate(), public_id=request_id)
    shown = standing.standing(session, request, settings=callbacks_settings.current(), now=now)
    return {
        "request": request,
        "info": shown["body"],
        "shown": shown,
        "cancel_form": ButtonForm(),
        "phone_form": PhoneForm(),
        "phone_error": phone_error,
    }


@bp.get("/help/<request_id>")
@reads_only
@candidate_required
def status(request_id: str) -> ResponseReturnValue:
    return render_template("callbacks/status.html", **_status_context(request_id))


@bp.get("/help/<request_id>/fragment")
@reads_only
@candidate_required
def status_fragment(request_id: str) -> ResponseReturnValue:
    return render_template("callbacks/_status.html", **_status_context(request_id))


@bp.post("/help/<request_id>/cancel")
@candidate_required
def cancel(request_id: str) -> ResponseReturnValue:
    session = get_session()
    request = services.get_for_candidate(session, candidate=_candidate(), public_id=request_id)
    if ButtonForm().validate_on_submit():
        try:
            services.cancel(session, request=request, now=clock.utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            session.commit()
            flash(_("Your request is cancelled. Nobody will call you for it."), "info")
    return redirect(url_for("callbacks.status", request_id=request.public_id))


@bp.post("/help/<request_id>/phone")
@candidate_required
def change_phone(request_id: str) -> ResponseReturnValue:
    session, form = get_session(), PhoneForm()
    request = services.get_for_candidate(session, candidate=_candidate(), public_id=request_id)
    if not form.validate_on_submit():
        message = "; ".join(str(m) for m in form.errors.get("phone", [])) or _(
            "Some fields need correcting."
        )
        return render_template("callbacks/status.html", **_status_context(request_id, message)), 422
    try:
        services.change_phone(
            session, request=request, phone=form.phone.data or "", now=clock.utcnow()
        )
    except DomainError as exc:
        message = exc.fields.get("phone") or exc.message
        return render_template(
            "callbacks/status.html", **_status_context(request_id, str(message))
        ), exc.status
    session.commit()
    flash(_("We will call %(number)s.", number=phones.mask(request.phone)), "info")
    return redirect(url_for("callbacks.status", request_id=request.public_id))


nav.add("callbacks.help_page", _l("Request a callback (求助)"), order=5, audience="candidate")
