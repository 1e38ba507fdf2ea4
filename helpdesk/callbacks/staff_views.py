"""Staff pages: the queue console (claim, call panel, outcomes, notes, escalation) and the
supervisor's wallboard. Lists refresh themselves (static/callbacks.js) every 2 seconds."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session

from helpdesk import clock, nav, panel
from helpdesk.callbacks import calls, labels, queue, services, stats
from helpdesk.callbacks import settings as callbacks_settings
from helpdesk.callbacks.forms import (
    OUTCOME_LABELS,
    AgentForm,
    ButtonForm,
    EscalateForm,
    NoteForm,
    OutcomeForm,
)
from helpdesk.callbacks.models import HelpStatus, Outcome
from helpdesk.db import get_session
from helpdesk.errors import ValidationFailed
from helpdesk.identity import phone as phones
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.telephony.states import CallState

bp = Blueprint("callbacks_staff", __name__)
bp.context_processor(labels.template_labels)


def _refuse(form: FlaskForm) -> NoReturn:
    """A form that did not validate: a 422 naming each field, never a silent redirect."""
    raise ValidationFailed(
        _("Some fields need correcting."),
        fields={
            name: "; ".join(str(m) for m in messages) for name, messages in form.errors.items()
        },
    )


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None  # staff_required let the request in
    return staff


@bp.get("/staff/callbacks")
@staff_required(Role.AGENT)
def console() -> ResponseReturnValue:
    session, staff = get_session(), _staff()
    return render_template(
        "callbacks/console.html",
        mine=queue.current_claim(session, staff=staff),
        button=ButtonForm(),
        agent_form=AgentForm(obj=staff),
        **stats.queue_view(session, now=clock.utcnow()),
    )


@bp.get("/staff/callbacks/queue")
@staff_required(Role.AGENT)
def queue_fragment() -> ResponseReturnValue:
    return render_template(
        "callbacks/_queue.html",
        button=ButtonForm(),
        **stats.queue_view(get_session(), now=clock.utcnow()),
    )


@bp.post("/staff/callbacks/claim")
@staff_required(Role.AGENT)
def claim_next() -> ResponseReturnValue:
    session = get_session()
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("callbacks_staff.console"))
    request = queue.claim_next(
        session, staff=_staff(), settings=callbacks_settings.current(), now=clock.utcnow()
    )
    session.commit()
    if request is None:
        flash(_("The queue is empty."), "info")
        return redirect(url_for("callbacks_staff.console"))
    return redirect(url_for("callbacks_staff.detail", request_id=request.public_id))


@bp.post("/staff/callbacks/me")
@staff_required(Role.AGENT)
def agent_settings() -> ResponseReturnValue:
    session, staff, form = get_session(), _staff(), AgentForm()
    if not form.validate_on_submit():
        _refuse(form)
    try:
        staff.phone = phones.normalise(form.phone.data) if form.phone.data else None
    except phones.InvalidPhone as exc:
        raise ValidationFailed(str(exc.message), fields={"phone": str(exc.message)}) from None
    staff.available = bool(form.available.data)
    session.commit()
    return redirect(url_for("callbacks_staff.console"))


def _panel(session: Session, candidate: Candidate) -> list[tuple[panel.Section, Markup]]:
    return [
        (
            section,
            Markup(  # noqa: S704 - our own rendered template
                render_template(
                    section.template, **{"candidate": candidate, "current": None, **context}
                )
            ),
        )
        for section, context in panel.sections(session, candidate)
    ]


@bp.get("/staff/callbacks/r/<request_id>")
@staff_required(Role.AGENT)
def detail(request_id: str) -> ResponseReturnValue:
    session, staff = get_session(), _staff()
    request = queue.get_request(session, request_id)
    escalate_form = EscalateForm(
        category=request.category or "other",
        description=_(
            "Help request %(id)s. Candidate's note: %(note)s",
            id=request.public_id,
            note=request.note or "-",
        ),
    )
    attempt = calls.open_attempt(request)
    line = attempt.caller_id if attempt else callbacks_settings.current().line_for(request.attempts)
    return render_template(
        "callbacks/detail.html",
        request=request,
        mine=request.claimed_by_id == staff.id,
        attempt=attempt,
        line=line,
        button=ButtonForm(),
        outcome_form=OutcomeForm(),
        note_form=NoteForm(),
        escalate_form=escalate_form,
        outcome_labels=OUTCOME_LABELS,
        adapter=callbacks_settings.dialer().kind,
        sections=_panel(session, request.candidate),
        HelpStatus=HelpStatus,
    )


@bp.post("/staff/callbacks/r/<request_id>/claim")
@staff_required(Role.AGENT)
def claim(request_id: str) -> ResponseReturnValue:
    session = get_session()
    if ButtonForm().validate_on_submit():
        queue.claim_next(
            session,
            staff=_staff(),
            settings=callbacks_settings.current(),
            now=clock.utcnow(),
            public_id=request_id,
        )
        session.commit()
    return redirect(url_for("callbacks_staff.detail", request_id=request_id))


@bp.post("/staff/callbacks/r/<request_id>/call")
@staff_required(Role.AGENT)
def call(request_id: str) -> ResponseReturnValue:
    session, staff, now = get_session(), _staff(), clock.utcnow()
    request, dialer = queue.get_request(session, request_id), callbacks_settings.dialer()
    if ButtonForm().validate_on_submit():
        attempt = calls.start_call(
            session,
            request=request,
            staff=staff,
            adapter=dialer.kind,
            settings=callbacks_settings.current(),
            now=now,
        )
        session.commit()  # the attempt exists before any provider hears of it
        if attempt.state == CallState.QUEUED:
            calls.dispatch(
                session,
                attempt=attempt,
                dialer=dialer,
                agent_phone=dialer.agent_of(staff),
                settings=callbacks_settings.current(),
                now=clock.utcnow(),
            )
            session.commit()
    return redirect(url_for("callbacks_staff.detail", request_id=request_id))


@bp.post("/staff/callbacks/r/<request_id>/outcome")
@staff_required(Role.AGENT)
def outcome(request_id: str) -> ResponseReturnValue:
    session, staff, now = get_session(), _staff(), clock.utcnow()
    request, form = queue.get_request(session, request_id), OutcomeForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Choose an outcome."), fields={"outcome": _("Choose an outcome.")})
    if request.status == HelpStatus.CLAIMED and callbacks_settings.dialer().kind == "desk":
        calls.start_call(
            session,
            request=request,
            staff=staff,
            adapter="desk",
            settings=callbacks_settings.current(),
            now=now,
        )
    calls.record_outcome(
        session,
        request=request,
        staff=staff,
        outcome=Outcome(form.outcome.data),
        note=form.note.data,
        settings=callbacks_settings.current(),
        now=now,
    )
    session.commit()
    return redirect(url_for("callbacks_staff.console"))


@bp.post("/staff/callbacks/r/<request_id>/note")
@staff_required(Role.AGENT)
def note(request_id: str) -> ResponseReturnValue:
    session, form = get_session(), NoteForm()
    request = queue.get_request(session, request_id)
    if not form.validate_on_submit():
        _refuse(form)
    queue.add_note(
        session, request=request, staff=_staff(), text=form.note.data or "", now=clock.utcnow()
    )
    session.commit()
    return redirect(url_for("callbacks_staff.detail", request_id=request_id))


@bp.post("/staff/callbacks/r/<request_id>/escalate")
@staff_required(Role.AGENT)
def escalate(request_id: str) -> ResponseReturnValue:
    session, form = get_session(), EscalateForm()
    request = queue.get_request(session, request_id)
    if not form.validate_on_submit():
        _refuse(form)
    number = queue.escalate(
        session,
        request=request,
        staff=_staff(),
        category=form.category.data or "other",
        description=form.description.data or "",
        settings=callbacks_settings.current(),
        now=clock.utcnow(),
    )
    session.commit()
    flash(_("Escalated to ticket %(number)s.", number=number), "info")
    return redirect(url_for("callbacks_staff.console"))


@bp.post("/staff/callbacks/r/<request_id>/release")
@staff_required(Role.AGENT)
def release(request_id: str) -> ResponseReturnValue:
    session = get_session()
    request = queue.get_request(session, request_id)
    if ButtonForm().validate_on_submit():
        queue.release(session, request=request, staff=_staff(), now=clock.utcnow())
        session.commit()
    return redirect(url_for("callbacks_staff.console"))


@bp.get("/staff/callbacks/wallboard")
@staff_required(Role.SUPERVISOR)
def wallboard() -> ResponseReturnValue:
    return render_template(
        "callbacks/wallboard.html", **stats.wallboard(get_session(), now=clock.utcnow())
    )


@bp.get("/staff/callbacks/wallboard/fragment")
@staff_required(Role.SUPERVISOR)
def wallboard_fragment() -> ResponseReturnValue:
    return render_template(
        "callbacks/_wallboard.html", **stats.wallboard(get_session(), now=clock.utcnow())
    )


def _panel_section(session: Session, candidate: Candidate) -> dict[str, Any]:
    return {
        "help_requests": services.list_for_candidate(session, candidate),
        **labels.template_labels(),
    }


panel.add_section(
    "callbacks", _l("Help requests and calls"), "callbacks/_panel.html", _panel_section, order=20
)
nav.add("callbacks_staff.console", _l("Callback queue"), order=5, audience="agent")
nav.add("callbacks_staff.wallboard", _l("Wallboard"), order=6, audience="supervisor")
