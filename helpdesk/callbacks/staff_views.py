"""Staff pages: the queue console (claim, call panel, outcomes, notes, escalation) and the
supervisor's wallboard. Lists refresh themselves (static/callbacks.js) every 2 seconds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.orm import Session

from helpdesk import charts, clock, nav, panel
from helpdesk.callbacks import calls, daycharts, labels, presence, queue, services, stats
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
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import accounts
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.tickets import settings as tickets_settings
from helpdesk.web import local_time

bp = Blueprint("callbacks_staff", __name__)
bp.context_processor(labels.template_labels)


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None  # staff_required let the request in
    return staff


@bp.get("/staff/callbacks")
@staff_required(Role.AGENT)
def console() -> ResponseReturnValue:
    _heartbeat()
    return _console_page()


def _console_page(
    status: int = 200, *, form: AgentForm | None = None, error: str | None = None
) -> ResponseReturnValue:
    session, staff = get_session(), _staff()
    return render_template(
        "callbacks/console.html",
        mine=queue.current_claim(session, staff=staff),
        button=ButtonForm(),
        agent_form=form or AgentForm(obj=staff),
        needs_agent_phone=getattr(callbacks_settings.dialer(), "needs_agent_phone", False),
        uses_seat=getattr(callbacks_settings.dialer(), "uses_seat", False),
        on_duty=staff.available,
        error=error,
        **stats.queue_view(session, now=clock.utcnow()),
    ), status


@bp.get("/staff/callbacks/queue")
@staff_required(Role.AGENT)
def queue_fragment() -> ResponseReturnValue:
    _heartbeat()
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
        said = [str(message) for messages in form.errors.values() for message in messages]
        return _console_page(422, form=form, error=" ".join(said))
    dialer = callbacks_settings.dialer()
    if getattr(dialer, "needs_agent_phone", False):
        try:
            accounts.set_telephony(
                session,
                actor=staff,
                staff=staff,
                phone=form.phone.data or "",
                seat=(form.seat.data or "") if getattr(dialer, "uses_seat", False) else None,
                now=clock.utcnow(),
            )
        except ValidationFailed as exc:  # the console again, with what was typed and why not
            session.rollback()
            return _console_page(exc.status, form=form, error=exc.message)
    presence.set_paused(session, staff=staff, paused=not form.available.data, now=clock.utcnow())
    session.commit()
    flash(
        _("You are on duty: candidates are told you are there.")
        if staff.available
        else _("You are paused: you are not counted in candidates' wait estimates."),
        "info",
    )
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


def _detail_context(request_id: str) -> dict[str, Any]:
    session, staff = get_session(), _staff()
    request = queue.get_request(session, request_id)
    attempt = calls.open_attempt(request)
    settings = callbacks_settings.current()
    return {
        "request": request,
        "mine": request.claimed_by_id == staff.id,
        "attempt": attempt,
        "line": attempt.caller_id if attempt else settings.line_for(request.attempts),
        "button": ButtonForm(),
        "outcome_form": OutcomeForm(),
        "adapter": callbacks_settings.dialer().kind,
        "now": clock.utcnow(),
        "HelpStatus": HelpStatus,
    }


@bp.get("/staff/callbacks/r/<request_id>")
@staff_required(Role.AGENT)
def detail(request_id: str) -> ResponseReturnValue:
    _heartbeat()
    return _detail_page(request_id)


def _detail_page(
    request_id: str,
    status: int = 200,
    *,
    note_form: NoteForm | None = None,
    escalate_form: EscalateForm | None = None,
) -> ResponseReturnValue:
    """The call panel; a refused note or escalation comes back in its form, with what the
    agent typed and why it was refused beside the field."""
    context = _detail_context(request_id)
    request = context["request"]
    return render_template(
        "callbacks/detail.html",
        note_form=note_form or NoteForm(formdata=None),
        escalate_form=escalate_form
        or EscalateForm(
            formdata=None,
            category=request.category or "other",
            description=_(
                "Help request %(id)s. Candidate's note: %(note)s",
                id=request.public_id,
                note=request.note or "-",
            ),
        ),
        sections=_panel(get_session(), request.candidate),
        **context,
    ), status


@bp.get("/staff/callbacks/r/<request_id>/fragment")
@staff_required(Role.AGENT)
def detail_fragment(request_id: str) -> ResponseReturnValue:
    """The call panel's live part: the claim's countdown, the call's state as the provider
    reports it, and the outcome buttons once the call has started."""
    _heartbeat()
    return render_template("callbacks/_call.html", **_detail_context(request_id))


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
    """Record the attempt and return at once: a provider's call is placed after commit by
    the callbacks.place_calls job, so the agent never waits on the provider."""
    session, staff, now = get_session(), _staff(), clock.utcnow()
    request, dialer = queue.get_request(session, request_id), callbacks_settings.dialer()
    if ButtonForm().validate_on_submit():
        calls.start_call(
            session,
            request=request,
            staff=staff,
            adapter=dialer.kind,
            settings=callbacks_settings.current(),
            now=now,
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
    chosen = Outcome(form.outcome.data)
    calls.record_outcome(
        session,
        request=request,
        staff=staff,
        outcome=chosen,
        note=form.note.data,
        settings=callbacks_settings.current(),
        now=now,
    )
    session.commit()
    again_at = local_time(request.due_at, "HH:mm:ss") if request.due_at else ""
    most = callbacks_settings.current().max_attempts
    flash(labels.confirmation(request, chosen, again_at=again_at, most=most), "info")
    return redirect(url_for("callbacks_staff.console"))


@bp.post("/staff/callbacks/r/<request_id>/note")
@staff_required(Role.AGENT)
def note(request_id: str) -> ResponseReturnValue:
    session, form = get_session(), NoteForm()
    request = queue.get_request(session, request_id)
    if not form.validate_on_submit():
        return _detail_page(request_id, 422, note_form=form)
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
        return _detail_page(request_id, 422, escalate_form=form)
    try:
        number = queue.escalate(
            session,
            request=request,
            staff=_staff(),
            category=form.category.data or "other",
            description=form.description.data or "",
            settings=callbacks_settings.current(),
            now=clock.utcnow(),
            sla_policy=tickets_settings.current().sla,
        )
    except ValidationFailed as exc:  # e.g. a description of blanks only: beside its field
        session.rollback()
        for name, text in exc.fields.items():
            if name in form:
                form[name].errors = [*form[name].errors, text]
        return _detail_page(request_id, exc.status, escalate_form=form)
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


def _board() -> dict[str, Any]:
    session, now = get_session(), clock.utcnow()
    day = daycharts.today(session, now=now)
    return {
        **stats.wallboard(session, settings=callbacks_settings.current(), now=now),
        "waiting_chart": charts.lines(
            _("Candidates waiting for a first call, by hour"),
            day.hours,
            [(_("Waiting"), day.waiting)],
        ),
        "first_call_chart": charts.lines(
            _("Time from the press to the first call, median by hour (minutes)"),
            day.hours,
            [(_("Minutes"), [None if v is None else round(v / 60, 1) for v in day.median_to_call])],
        ),
    }


def _heartbeat() -> None:
    """This agent's console is open (the estimate counts them on duty unless paused)."""
    session = get_session()
    presence.heartbeat(
        session, staff=_staff(), settings=callbacks_settings.current(), now=clock.utcnow()
    )
    session.commit()


@bp.get("/staff/callbacks/wallboard")
@staff_required(Role.SUPERVISOR)
def wallboard() -> ResponseReturnValue:
    return render_template("callbacks/wallboard.html", **_board())


@bp.get("/staff/callbacks/wallboard/fragment")
@staff_required(Role.SUPERVISOR)
def wallboard_fragment() -> ResponseReturnValue:
    return render_template("callbacks/_wallboard.html", **_board())


def _panel_section(session: Session, candidate: Candidate) -> dict[str, Any]:
    return {
        "help_requests": services.list_for_candidate(session, candidate),
        "outcome_labels": OUTCOME_LABELS,
        **labels.template_labels(),
    }


panel.add_section(
    "callbacks", _l("Help requests and calls"), "callbacks/_panel.html", _panel_section, order=20
)
nav.add("callbacks_staff.console", _l("Callback queue"), order=5, audience="agent")
nav.add("callbacks_staff.wallboard", _l("Wallboard"), order=6, audience="supervisor")
