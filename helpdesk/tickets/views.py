"""Candidate pages: file a ticket (after the suggested articles), follow it, reply, close."""

from __future__ import annotations

import io
import secrets

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import Category
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams.models import ExamSession, Phase
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import phone as phones
from helpdesk.identity.auth import candidate_required, current_candidate, current_staff
from helpdesk.identity.models import Candidate
from helpdesk.knowledge import services as knowledge
from helpdesk.tickets import files, services
from helpdesk.tickets import settings as tickets_settings
from helpdesk.tickets.forms import ReplyForm, TicketForm
from helpdesk.tickets.labels import (
    DETAIL_LABELS,
    STAFF_STATUS_LABELS,
    STATUS_LABELS,
    detail_value,
    system_message,
)
from helpdesk.tickets.models import Ticket, TicketAttachment

bp = Blueprint("tickets", __name__)
DONE = {
    "submitted": _l("Your problem was submitted. Keep the ticket number below."),
    "sent": _l("Your message was sent."),
    "closed": _l("The ticket is closed. You can reopen it if the problem comes back."),
}
#: A refused attachment shows the whole message beside the field ("too large", not "this file").
ATTACHMENTS = ("attachments",)
nav.add("tickets.mine", _l("My tickets"), order=10, audience="candidate")


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {
        "ticket_status_labels": STATUS_LABELS,
        "category_labels": CATEGORY_LABELS,
        "staff_status_labels": STAFF_STATUS_LABELS,
        "detail_labels": DETAIL_LABELS,
        "detail_value": detail_value,
        "system_message": system_message,
    }


def _incoming(name: str = "attachments") -> list[files.IncomingFile]:
    """The non-empty files of the request's multipart field name."""
    return [
        files.IncomingFile(f.filename or "", f.stream)
        for f in request.files.getlist(name)
        if f and f.filename
    ]


def _own(number: str) -> Ticket:
    candidate = current_candidate()
    assert candidate is not None
    return services.ticket_for_candidate(get_session(), candidate=candidate, number=number)


@bp.get("/tickets")
@candidate_required
def mine() -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    return render_template(
        "tickets/mine.html", tickets=services.tickets_for_candidate(get_session(), candidate)
    )


def _session_choices(candidate: Candidate) -> list[SelectChoice]:
    sessions = sorted((e.exam_session for e in candidate.enrollments), key=lambda s: s.starts)
    return [SelectChoice("", _("Not about one exam session"))] + [
        SelectChoice(s.code, s.name) for s in sessions
    ]


def _default_session(candidate: Candidate) -> str:
    now = clock.utcnow()
    live = [
        e.exam_session for e in candidate.enrollments if e.exam_session.phase_at(now) != Phase.ENDED
    ]
    if live:
        return min(live, key=lambda s: s.starts).code
    ended = [e.exam_session for e in candidate.enrollments]
    return max(ended, key=lambda s: s.starts).code if ended else ""


def _exam(candidate: Candidate, code: str | None) -> ExamSession | None:
    for enrollment in candidate.enrollments:
        if enrollment.exam_session.code == code:
            return enrollment.exam_session
    return None


@bp.route("/tickets/new", methods=["GET", "POST"])
@candidate_required
def new() -> ResponseReturnValue:
    candidate = current_candidate()
    assert candidate is not None
    session = get_session()
    form = TicketForm()
    form.exam_session.choices = _session_choices(candidate)
    if request.method == "GET":
        category = request.args.get("category", "")
        form.category.data = category if category in {c.value for c in Category} else None
        form.exam_session.data = _default_session(candidate)
        form.phone.data = phones.display(candidate.phone)
        form.key.data = secrets.token_urlsafe(16)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        articles = knowledge.for_category(session, form.category.data)
        return render_template("tickets/new.html", form=form, articles=articles), status
    settings = tickets_settings.current()
    stored: list[files.StoredFile] = []
    try:
        stored = files.store_all(settings.upload_dir, _incoming())
        ticket = services.open_ticket(
            session,
            candidate=candidate,
            exam_session=_exam(candidate, form.exam_session.data),
            category=Category(form.category.data),
            description=form.description.data or "",
            now=clock.utcnow(),
            phone=form.phone.data,
            source="web",
            attachments=stored,
            details={
                "old_computer": form.old_computer.data,
                "new_computer": form.new_computer.data,
                "client_message": form.client_message.data,
            },
            idempotency_key=form.key.data or None,
            sla_policy=settings.sla,
        )
    except DomainError as exc:
        files.remove(settings.upload_dir, stored)
        error = form_errors(form, exc, summary_for=ATTACHMENTS)
        articles = knowledge.for_category(session, form.category.data)
        return render_template(
            "tickets/new.html", form=form, articles=articles, error=error
        ), exc.status
    session.commit()
    return redirect(url_for("tickets.show", number=ticket.number, done="submitted"))


@bp.get("/tickets/<number>", endpoint="show")
@candidate_required
def show_ticket(number: str) -> ResponseReturnValue:
    ticket = _own(number)
    # Confirmations ride on the redirect's address, not in the session: a confirmation
    # never surfaces on some later, unrelated page.
    done = DONE.get(request.args.get("done", ""))
    return render_template("tickets/show.html", ticket=ticket, form=ReplyForm(), done=done)


@bp.post("/tickets/<number>/reply")
@candidate_required
def reply(number: str) -> ResponseReturnValue:
    session = get_session()
    ticket = _own(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_template("tickets/show.html", ticket=ticket, form=form), 422
    settings = tickets_settings.current()
    stored: list[files.StoredFile] = []
    try:
        stored = files.store_all(settings.upload_dir, _incoming(), already=0)
        services.reply_as_candidate(
            session,
            ticket=ticket,
            body=form.body.data or "",
            now=clock.utcnow(),
            attachments=stored,
            sla_policy=settings.sla,
        )
    except DomainError as exc:
        files.remove(settings.upload_dir, stored)
        error = form_errors(form, exc, summary_for=ATTACHMENTS)
        return render_template(
            "tickets/show.html", ticket=ticket, form=form, error=error
        ), exc.status
    session.commit()
    return redirect(url_for("tickets.show", number=ticket.number, done="sent"))


@bp.post("/tickets/<number>/close")
@candidate_required
def close(number: str) -> ResponseReturnValue:
    session = get_session()
    services.close_ticket(session, ticket=_own(number), now=clock.utcnow())
    session.commit()
    return redirect(url_for("tickets.show", number=number, done="closed"))


@bp.post("/tickets/<number>/reopen")
@candidate_required
def reopen(number: str) -> ResponseReturnValue:
    session = get_session()
    services.reopen_ticket(
        session, ticket=_own(number), now=clock.utcnow(), sla_policy=tickets_settings.current().sla
    )
    session.commit()
    return redirect(url_for("tickets.show", number=number))


@bp.get("/tickets/<number>/attachments/<public_id>")
def attachment(number: str, public_id: str) -> ResponseReturnValue:
    """The owner and staff may download; everyone else gets the same 404 as a missing file."""
    candidate, staff = current_candidate(), current_staff()
    if candidate is None and staff is None:
        return redirect(url_for("identity.sign_in", next=request.full_path))
    ticket = services.find_ticket(get_session(), number)
    found = (
        None
        if ticket is None
        else get_session().scalar(
            select(TicketAttachment).where(
                TicketAttachment.ticket_id == ticket.id, TicketAttachment.public_id == public_id
            )
        )
    )
    if (
        found is None
        or ticket is None
        or (staff is None and (candidate is None or ticket.candidate_id != candidate.id))
    ):
        abort(404)
    if staff is None and found.message is not None and found.message.internal:
        abort(404)
    return _download(found)


def _download(attachment: TicketAttachment) -> Response:
    """The file as a download: never rendered by the browser, original name kept."""
    path = files.path_of(tickets_settings.current().upload_dir, attachment.stored_name)
    # At most 10 MB: read it whole so no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=attachment.content_type.split(";")[0],
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
        etag=False,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
