"""The retry flow for candidates (/uploads/help): readable without signing in, tied to the
candidate's exam and artifacts when signed in. Staff pages live in staff_views.py."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.exams.models import ExamSession
from helpdesk.forms import form_errors
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import candidate_required, current_candidate
from helpdesk.identity.models import Candidate
from helpdesk.uploads import escalation, guidance, services
from helpdesk.uploads.forms import AnswerForm, StartFlowForm, TicketOfferForm
from helpdesk.uploads.labels import ARTIFACT_LABELS
from helpdesk.uploads.models import ArtifactKind, FlowStatus, GuidanceKind, HelpFlow

bp = Blueprint("uploads", __name__)
COOKIE_KEY = "upload_help"
nav.add("uploads.help_start", _l("Upload problems"), order=30, audience="candidate")


def _kind(artifact: str) -> ArtifactKind:
    try:
        return ArtifactKind(artifact)
    except ValueError:
        abort(404)


def _owner_key() -> str:
    candidate = current_candidate()
    if candidate is not None:
        return guidance.candidate_key(candidate)
    token = session.get(COOKIE_KEY)
    if not isinstance(token, str) or len(token) < 16:
        token = session[COOKIE_KEY] = secrets.token_urlsafe(24)
    return "browser:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def _adopt_browser_flows() -> None:
    candidate, token = current_candidate(), session.get(COOKIE_KEY)
    if candidate is not None and isinstance(token, str):
        db = get_session()
        key = "browser:" + hashlib.sha256(token.encode()).hexdigest()[:40]
        guidance.adopt_flow(db, browser_key=key, candidate=candidate)
        db.commit()
        session.pop(COOKIE_KEY, None)


def _my_uploads() -> list[dict[str, Any]]:
    """A signed-in candidate's sessions with their artifacts and verdicts."""
    candidate = current_candidate()
    return [] if candidate is None else services.by_session(get_session(), candidate)


@bp.get("/uploads/help")
def help_start() -> ResponseReturnValue:
    _adopt_browser_flows()
    now = clock.utcnow()
    started = [item for item in _my_uploads() if item["exam"].starts <= now]
    return render_template(
        "uploads/help_start.html",
        labels=ARTIFACT_LABELS,
        reported=[item for item in started if item["result"].artifacts],
        quiet=[item for item in started if not item["result"].artifacts],
    )


def _start_form(kind: ArtifactKind) -> StartFlowForm:
    db, locale = get_session(), str(get_locale())
    form = StartFlowForm()
    form.error_code.choices = [
        SelectChoice(e.code, guidance.localised(e, locale)["title"])
        for e in guidance.entries(db, kind, GuidanceKind.FAILURE)
    ]
    targets = [SelectChoice("", str(_l("Not listed, or I do not know")))]
    for item in _my_uploads():
        for a in item["result"].artifacts:
            if a.artifact == kind and a.state != "completed":
                targets.append(
                    SelectChoice(
                        f"{item['exam'].code}|{a.artifact_id}",
                        f"{item['exam'].name} · {a.artifact_id}",
                    )
                )
    form.target.choices = targets
    return form


def _flow_page(
    kind: ArtifactKind,
    flow: HelpFlow | None,
    form: StartFlowForm | None = None,
    status: int = 200,
    ticket_form: TicketOfferForm | None = None,
) -> ResponseReturnValue:
    db, locale = get_session(), str(get_locale())
    context: dict[str, Any] = {
        "kind": kind,
        "label": ARTIFACT_LABELS[kind],
        "flow": flow,
        "form": form,
        "notes": [
            guidance.localised(e, locale) for e in guidance.entries(db, kind, GuidanceKind.NOTE)
        ],
    }
    if flow is not None:
        steps = guidance.entries(db, kind, GuidanceKind.STEP)
        context.update(
            steps=[dict(guidance.localised(s, locale), is_retry=s.is_retry) for s in steps],
            failure=guidance.localised(guidance.failure_entry(db, kind, flow.error_code), locale),
            answer_form=AnswerForm(step=flow.step, seq=flow.answers),
            retries_left=max(0, guidance.RETRIES_BEFORE_TICKET - flow.failed_retries),
            exam=db.get(ExamSession, flow.exam_session_id) if flow.exam_session_id else None,
        )
        if flow.status == FlowStatus.ESCALATED:
            context.update(_ticket_offer(flow, ticket_form))
    return render_template("uploads/flow.html", **context), status


def _ticket_offer(flow: HelpFlow, form: TicketOfferForm | None) -> dict[str, Any]:
    """The pre-filled ticket offered once retrying has not helped (form: the one posted)."""
    category = guidance.CATEGORY[ArtifactKind(flow.artifact)]
    if form is None:
        form = TicketOfferForm(description=escalation.suggested_description(get_session(), flow))
    return {
        "ticket_category": category,
        "ticket_codes": guidance.error_codes(get_session(), flow),
        "ticket_form": form,
        "ticket_url": (
            url_for("tickets.show", number=flow.ticket_number) if flow.ticket_number else None
        ),
        "full_form_url": url_for("tickets.new", category=category),
    }


@bp.get("/uploads/help/<artifact>")
def help_artifact(artifact: str) -> ResponseReturnValue:
    kind = _kind(artifact)
    _adopt_browser_flows()
    flow = guidance.get_flow(get_session(), owner_key=_owner_key(), artifact=kind)
    return _flow_page(kind, flow, None if flow is not None else _start_form(kind))


@bp.get("/uploads/help/<artifact>/new")
def help_new(artifact: str) -> ResponseReturnValue:
    kind = _kind(artifact)
    return _flow_page(kind, None, _start_form(kind))


@bp.post("/uploads/help/<artifact>/start")
def help_begin(artifact: str) -> ResponseReturnValue:
    kind = _kind(artifact)
    form = _start_form(kind)
    if not form.validate_on_submit():
        return _flow_page(kind, None, form, 422)
    db, candidate, exam, artifact_id = get_session(), current_candidate(), None, None
    if candidate is not None and form.target.data:
        code, _, artifact_id = str(form.target.data).partition("|")
        exam = exams.enrolled_session(db, candidate=candidate, code=code)
    elif candidate is not None:
        exam = _latest_session(candidate)
    guidance.start_flow(
        db,
        owner_key=_owner_key(),
        artifact=kind,
        error_code=str(form.error_code.data),
        now=clock.utcnow(),
        candidate=candidate,
        exam=exam,
        artifact_id=artifact_id or None,
    )
    db.commit()
    return redirect(url_for("uploads.help_artifact", artifact=kind.value))


def _latest_session(candidate: Candidate) -> ExamSession | None:
    """The session whose uploads matter now: the last one that started."""
    now = clock.utcnow()
    started = [e.exam_session for e in candidate.enrollments if e.exam_session.starts <= now]
    return max(started, key=lambda s: s.starts) if started else None


@bp.post("/uploads/help/<artifact>/answer")
def help_answer(artifact: str) -> ResponseReturnValue:
    kind = _kind(artifact)
    db = get_session()
    flow = guidance.get_flow(db, owner_key=_owner_key(), artifact=kind)
    if flow is None:
        return redirect(url_for("uploads.help_artifact", artifact=kind.value))
    form = AnswerForm()
    if not form.validate_on_submit():
        return _flow_page(kind, flow, status=422)
    guidance.answer(
        db,
        flow=flow,
        step=str(form.step.data),
        seq=int(form.seq.data or 0),
        worked=form.worked.data == "yes",
        now=clock.utcnow(),
    )
    db.commit()
    return redirect(url_for("uploads.help_artifact", artifact=kind.value) + "#step")


@bp.post("/uploads/help/<artifact>/ticket")
@candidate_required
def help_ticket(artifact: str) -> ResponseReturnValue:
    kind = _kind(artifact)
    db, candidate = get_session(), current_candidate()
    flow = guidance.get_flow(db, owner_key=_owner_key(), artifact=kind)
    if flow is None or flow.status != FlowStatus.ESCALATED or candidate is None:
        return redirect(url_for("uploads.help_artifact", artifact=kind.value))
    form = TicketOfferForm()
    if not form.validate_on_submit():
        return _flow_page(kind, flow, status=422, ticket_form=form)
    try:
        escalation.escalate(
            db,
            flow=flow,
            candidate=candidate,
            description=str(form.description.data),
            now=clock.utcnow(),
        )
    except DomainError as exc:
        form_errors(form, exc)
        return _flow_page(kind, flow, status=exc.status, ticket_form=form)
    db.commit()
    return redirect(url_for("uploads.help_artifact", artifact=kind.value) + "#ticket")
