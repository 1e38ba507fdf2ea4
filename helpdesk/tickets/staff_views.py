"""Staff pages: the inbox, a ticket with the candidate panel, actions, reports, CSV."""

from __future__ import annotations

import functools
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav, panel, streaming
from helpdesk.audit import services as audit
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import Category
from helpdesk.categories import choices as category_choices
from helpdesk.db import get_session
from helpdesk.errors import DomainError, NotFound
from helpdesk.exams.models import ExamSession
from helpdesk.forms import form_errors
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.notify.settings import allowed_numbers
from helpdesk.tickets import canned as canned_replies
from helpdesk.tickets import handling, reports, services
from helpdesk.tickets import inbox as inbox_queries
from helpdesk.tickets import settings as tickets_settings
from helpdesk.tickets.forms import (
    AssignForm,
    CannedReplyForm,
    MergeForm,
    NoteForm,
    StaffReplyForm,
    StatusForm,
)
from helpdesk.tickets.labels import PRIORITY_LABELS, SLA_LABELS, STAFF_STATUS_LABELS
from helpdesk.tickets.models import Ticket, TicketStatus
from helpdesk.web import local_time

bp = Blueprint("tickets_staff", __name__, url_prefix="/staff")
#: Times in exports: the desk's zone, to the second, as spreadsheets read them.
CSV_TIME = "yyyy-MM-dd HH:mm:ss"
nav.add("tickets_staff.inbox", _l("Tickets"), order=10, audience="agent")
nav.add("tickets_staff.reports_page", _l("Ticket reports"), order=60, audience="supervisor")
nav.add("tickets_staff.canned_list", _l("Canned replies"), order=65, audience="supervisor")


def _panel_section(session: Any, candidate: Candidate) -> dict[str, Any]:
    return {"tickets": services.tickets_for_candidate(session, candidate, limit=20)}


panel.add_section("tickets", _l("Tickets"), "tickets/_panel_tickets.html", _panel_section, order=10)


def _me() -> Staff:
    me = current_staff()
    assert me is not None
    return me


def _page_args() -> dict[str, Any]:
    """The inbox's filters, for the page links."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/tickets")
@staff_required(Role.AGENT)
def inbox() -> ResponseReturnValue:
    session = get_session()
    f = inbox_queries.InboxFilter(
        # A search looks through every status unless one is chosen.
        status=request.args.get("status", "all" if request.args.get("q") else "active")[:20],
        category=request.args.get("category") or None,
        exam_session_id=_int("exam_session"),
        priority=_int("priority"),
        assignee=(request.args.get("assignee") or None),
        sla=request.args.get("sla") or None,
        q=request.args.get("q", "")[:64],
        page=_int("page") or 1,
    )
    if f.assignee == "me":
        f.assignee = str(_me().id)
    result = inbox_queries.inbox(session, f, now=clock.utcnow())
    sessions, agents = inbox_queries.filter_choices(session)
    return render_template(
        "tickets/inbox.html",
        result=result,
        f=f,
        args=_page_args(),
        now=clock.utcnow(),
        sessions=sessions,
        agents=agents,
        status_labels=STAFF_STATUS_LABELS,
        priority_labels=PRIORITY_LABELS,
        sla_labels=SLA_LABELS,
        shown=inbox_queries.shown,
    )


def _page(ticket: Ticket, status: int = 200, **forms: Any) -> ResponseReturnValue:
    session = get_session()
    canned = canned_replies.offered(session, ticket.category)
    reply_form = forms.pop("reply_form", None) or StaffReplyForm()
    chosen = request.args.get("canned")
    if chosen and not reply_form.body.data:
        reply_form.body.data = next((c.body for c in canned if c.key == chosen), None)
    assign_form = AssignForm(assignee=str(ticket.assignee_id or ""))
    assign_form.assignee.choices = [SelectChoice("", _("Nobody (back to the queue)"))] + [
        SelectChoice(str(s.id), s.display_name)
        for s in session.scalars(
            select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name)
        )
    ]
    status_form = StatusForm(status=str(ticket.status))
    status_form.status.choices = [
        SelectChoice(s.value, str(STAFF_STATUS_LABELS[s])) for s in TicketStatus
    ]
    return render_template(
        "tickets/staff_ticket.html",
        ticket=ticket,
        canned=canned,
        reply_form=reply_form,
        note_form=forms.pop("note_form", None) or NoteForm(),
        assign_form=assign_form,
        status_form=status_form,
        merge_form=forms.pop("merge_form", None) or MergeForm(),
        panel=panel.render(session, ticket.candidate, now=clock.utcnow(), current=ticket),
        status_labels=STAFF_STATUS_LABELS,
        priority_labels=PRIORITY_LABELS,
        now=clock.utcnow(),
        error=forms.pop("error", None),
    ), status


@bp.get("/tickets/<number>")
@staff_required(Role.AGENT)
def ticket(number: str) -> ResponseReturnValue:
    return _page(handling.ticket_for_staff(get_session(), number))


def _done(ticket: Ticket, message: str) -> ResponseReturnValue:
    get_session().commit()
    flash(message, "success")
    return redirect(url_for("tickets_staff.ticket", number=ticket.number))


@bp.post("/tickets/<number>/claim")
@staff_required(Role.AGENT)
def claim(number: str) -> ResponseReturnValue:
    ticket = handling.ticket_for_staff(get_session(), number)
    handling.claim(get_session(), ticket=ticket, staff=_me(), now=clock.utcnow())
    return _done(ticket, _("The ticket is yours."))


@bp.post("/tickets/<number>/assign")
@staff_required(Role.AGENT)
def assign(number: str) -> ResponseReturnValue:
    session = get_session()
    ticket = handling.ticket_for_staff(session, number)
    raw = request.form.get("assignee", "")
    assignee = session.get(Staff, int(raw)) if raw.isdigit() else None
    if raw and assignee is None:
        raise NotFound(_("No such staff account."), code="staff_not_found")
    handling.assign(session, ticket=ticket, assignee=assignee, staff=_me(), now=clock.utcnow())
    return _done(ticket, _("Assignment saved."))


@bp.post("/tickets/<number>/auto-assign")
@staff_required(Role.AGENT)
def auto_assign(number: str) -> ResponseReturnValue:
    ticket = handling.ticket_for_staff(get_session(), number)
    handling.auto_assign(get_session(), ticket=ticket, staff=_me(), now=clock.utcnow())
    return _done(ticket, _("Assignment saved."))


@bp.post("/tickets/<number>/reply")
@staff_required(Role.AGENT)
def reply(number: str) -> ResponseReturnValue:
    session = get_session()
    ticket = handling.ticket_for_staff(session, number)
    form = StaffReplyForm()
    if not form.validate_on_submit():
        return _page(ticket, 422, reply_form=form)
    handling.reply(
        session,
        ticket=ticket,
        staff=_me(),
        body=form.body.data or "",
        now=clock.utcnow(),
        status=TicketStatus(form.status.data),
        sms_params=handling.reply_sms_params(
            ticket.number, hotline=tickets_settings.current().hotline
        ),
        allowed_numbers=allowed_numbers(),
    )
    return _done(ticket, _("Reply sent; the candidate is told by SMS."))


@bp.post("/tickets/<number>/note")
@staff_required(Role.AGENT)
def note(number: str) -> ResponseReturnValue:
    session = get_session()
    ticket = handling.ticket_for_staff(session, number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(ticket, 422, note_form=form)
    handling.add_note(
        session, ticket=ticket, staff=_me(), body=form.body.data or "", now=clock.utcnow()
    )
    return _done(ticket, _("Note saved."))


@bp.post("/tickets/<number>/status")
@staff_required(Role.AGENT)
def status(number: str) -> ResponseReturnValue:
    session = get_session()
    ticket = handling.ticket_for_staff(session, number)
    raw = request.form.get("status", "")
    if raw not in {s.value for s in TicketStatus}:
        raise DomainError(
            _("Choose a status."),
            code="validation_failed",
            fields={"status": _("Choose a status.")},
        )
    handling.set_status(
        session,
        ticket=ticket,
        status=TicketStatus(raw),
        staff=_me(),
        now=clock.utcnow(),
        policy=tickets_settings.current().sla,
    )
    return _done(ticket, _("Status saved."))


@bp.post("/tickets/<number>/merge")
@staff_required(Role.AGENT)
def merge(number: str) -> ResponseReturnValue:
    session = get_session()
    duplicate = handling.ticket_for_staff(session, number)
    form = MergeForm()
    if not form.validate_on_submit():
        return _page(duplicate, 422, merge_form=form)
    try:
        into = handling.ticket_for_staff(session, form.into.data or "")
        handling.merge(session, duplicate=duplicate, into=into, staff=_me(), now=clock.utcnow())
    except DomainError as exc:
        form.into.errors = [exc.message]
        return _page(duplicate, exc.status, merge_form=form)
    session.commit()
    flash(_("Merged into %(number)s.", number=into.number), "success")
    return redirect(url_for("tickets_staff.ticket", number=into.number))


@bp.get("/candidates/<int:candidate_id>/panel")
@staff_required(Role.AGENT)
def candidate_panel(candidate_id: int) -> ResponseReturnValue:
    session = get_session()
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound(_("No such candidate."), code="candidate_not_found")
    audit.record(
        session,
        staff=_me(),
        action="candidate.panel_view",
        now=clock.utcnow(),
        target_type="candidate",
        target_id=candidate.id,
    )
    session.commit()
    return render_template(
        "panel/page.html",
        candidate=candidate,
        panel=panel.render(session, candidate, now=clock.utcnow()),
    )


@bp.get("/ticket-reports")
@staff_required(Role.SUPERVISOR)
def reports_page() -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "tickets/reports.html",
        report=reports.report(session, exam_session_id=_int("exam_session")),
        categories=list(Category),
        sessions=session.scalars(select(ExamSession).order_by(ExamSession.starts)).all(),
    )


@bp.get("/ticket-reports/tickets.csv")
@staff_required(Role.SUPERVISOR)
def export_csv() -> ResponseReturnValue:
    session = get_session()
    audit.record(session, staff=_me(), action="ticket.export", now=clock.utcnow())
    session.commit()
    fetch = functools.partial(reports.export_page, local_time=lambda t: local_time(t, CSV_TIME))
    rows = streaming.batches(fetch)
    return streaming.csv_response(reports.csv_header(), rows, filename="tickets.csv")


@bp.get("/canned-replies")
@staff_required(Role.SUPERVISOR)
def canned_list() -> ResponseReturnValue:
    return render_template(
        "tickets/canned_list.html",
        replies=canned_replies.every_reply(get_session()),
        category_labels=CATEGORY_LABELS,
    )


@bp.route("/canned-replies/new", methods=["GET", "POST"], defaults={"reply_id": None})
@bp.route("/canned-replies/<int:reply_id>/edit", methods=["GET", "POST"])
@staff_required(Role.SUPERVISOR)
def canned_edit(reply_id: int | None) -> ResponseReturnValue:
    session = get_session()
    reply = canned_replies.get_reply(session, reply_id) if reply_id else None
    form = CannedReplyForm(obj=reply if request.method == "GET" else None)
    form.category.choices = [SelectChoice("", _("Every problem"))] + [
        SelectChoice(v, str(label)) for v, label in category_choices()
    ]
    if request.method == "GET" and reply:
        form.category.data = reply.category or ""
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("tickets/canned_edit.html", form=form, reply=reply), status
    try:
        saved = canned_replies.save_reply(
            session,
            reply=reply,
            title=form.title.data or "",
            body=form.body.data or "",
            category=form.category.data or None,
            now=clock.utcnow(),
        )
    except DomainError as exc:
        error = form_errors(form, exc)
        page = render_template("tickets/canned_edit.html", form=form, reply=reply, error=error)
        return page, exc.status
    audit.record(
        session,
        staff=_me(),
        action="canned_reply.save",
        now=clock.utcnow(),
        target_type="canned_reply",
        target_id=saved.id,
    )
    session.commit()
    flash(_("Canned reply saved."), "success")
    return redirect(url_for("tickets_staff.canned_list"))


@bp.post("/canned-replies/<int:reply_id>/retire")
@staff_required(Role.SUPERVISOR)
def canned_retire(reply_id: int) -> ResponseReturnValue:
    session = get_session()
    reply = canned_replies.get_reply(session, reply_id)
    retire = request.form.get("retire", "1") != "0"
    canned_replies.retire_reply(session, reply=reply, now=clock.utcnow() if retire else None)
    audit.record(
        session,
        staff=_me(),
        action="canned_reply.retire" if retire else "canned_reply.restore",
        now=clock.utcnow(),
        target_type="canned_reply",
        target_id=reply.id,
    )
    session.commit()
    flash(_("Canned reply retired.") if retire else _("Canned reply offered again."), "success")
    return redirect(url_for("tickets_staff.canned_list"))
