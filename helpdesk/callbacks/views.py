"""Candidate pages: the 求助 page and the self-refreshing status page (staff pages are in
staff_views.py, on their own blueprint)."""

from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from helpdesk import clock, nav
from helpdesk.callbacks import labels, services, standing
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.forms import ButtonForm, HelpForm
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams.models import Phase
from helpdesk.forms import form_errors
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


@bp.route("/help", methods=["GET", "POST"])
@candidate_required
def help_page() -> ResponseReturnValue:
    form = _help_form()
    if not form.validate_on_submit():
        return render_template("callbacks/help.html", form=form), 422 if form.errors else 200
    session, candidate = get_session(), _candidate()
    data = services.HelpInput(
        exam_session=form.exam_session.data or "",
        phone=form.phone.data or None,
        category=form.category.data or None,
        note=form.note.data or None,
    )
    try:
        request, _created = services.request_help(
            session,
            candidate=candidate,
            data=data,
            idempotency_key=form.key.data or "",
            source="web",
            now=clock.utcnow(),
        )
    except DomainError as exc:
        error = form_errors(form, exc)
        return render_template("callbacks/help.html", form=form, error=error), exc.status
    session.commit()
    return redirect(url_for("callbacks.status", request_id=request.public_id))


def _status_context(request_id: str) -> dict[str, object]:
    session, now = get_session(), clock.utcnow()
    request = services.get_for_candidate(session, candidate=_candidate(), public_id=request_id)
    shown = standing.standing(session, request, settings=callbacks_settings.current(), now=now)
    return {
        "request": request,
        "info": shown["body"],
        "shown": shown,
        "cancel_form": ButtonForm(),
    }


@bp.get("/help/<request_id>")
@candidate_required
def status(request_id: str) -> ResponseReturnValue:
    return render_template("callbacks/status.html", **_status_context(request_id))


@bp.get("/help/<request_id>/fragment")
@candidate_required
def status_fragment(request_id: str) -> ResponseReturnValue:
    return render_template("callbacks/_status.html", **_status_context(request_id))


@bp.post("/help/<request_id>/cancel")
@candidate_required
def cancel(request_id: str) -> ResponseReturnValue:
    session = get_session()
    request = services.get_for_candidate(session, candidate=_candidate(), public_id=request_id)
    if ButtonForm().validate_on_submit():
        services.cancel(session, request=request, now=clock.utcnow())
        session.commit()
    return redirect(url_for("callbacks.status", request_id=request.public_id))


nav.add("callbacks.help_page", _l("Request a callback (求助)"), order=5, audience="candidate")
