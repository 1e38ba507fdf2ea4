"""Staff pages: the inbox, a ticket with the candidate panel, actions, reports, CSV."""

from __future__ import annotations

import functools
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from helpdesk import charts, clock, nav, panel, streaming
from helpdesk.audit import services as audit
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import Category
from helpdesk.db import get_session, reads_only
from helpdesk.errors import DomainError, NotFound
from helpdesk.exams.models import ExamSession
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.notify.settings import allowed_numbers
from helpdesk.tickets import handling, reports, services, unread
from helpdesk.tickets import inbox as inbox_queries
from helpdesk.tickets import settings as tickets_settings
from helpdesk.tickets.canned import services as canned_replies
from helpdesk.tickets.forms import (
    AssignForm,
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


def _inbox_context() -> dict[str, Any]:
    """The inbox's rows for the filters in the address, with this technician's unread marks."""
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
    result = inbox_queries.inbox(session, f, now=clock.utcnow(), reader_id=_me().id)
    return {
        "result": result,
        "f": f,
        "args": _page_args(),
        "now": clock.utcnow(),
        "unread": result.unread,
        # Each label translated once per page, not once per row that shows it.
        "status_labels": _words(STAFF_STATUS_LABELS),
        "priority_labels": _words(PRIORITY_LABELS),
        "category_labels": _words(CATEGORY_LABELS),
        "shown": inbox_queries.shown,
    }


def _words(labels: dict[Any, Any]) -> dict[Any, str]:
    """Lazy labels as this request's words."""
    return {key: str(label) for key, label in labels.items()}


@bp.get("/tickets")
@reads_only
@staff_required(Role.AGENT)
def inbox() -> ResponseReturnValue:
    sessions, agents = inbox_queries.filter_choices(get_session())
    return render_template(
        "tickets/inbox.html",
        sessions=sessions,
        agents=agents,
        sla_labels=SLA_LABELS,
        **_inbox_context(),
    )


@bp.get("/tickets/live")
@reads_only
@staff_required(Role.AGENT)
def inbox_live() -> ResponseReturnValue:
    """The inbox's rows alone, for the page's script to refresh them without a reload."""
    response = make_response(render_template("tickets/_inbox_results.html", **_inbox_context()))
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
    session = get_session()
    found = handling.ticket_for_staff(session, number, for_page=True)
    unread.mark_read(session, staff=_me(), ticket=found, now=clock.utcnow())
    session.commit()
    return _page(found)


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
    volume = reports.per_hour(
        session,
        now=clock.utcnow(),
        zone=ZoneInfo(str(current_app.config["TIMEZONE"])),
        exam_session_id=_int("exam_session"),
    )
    hourly = []
    for category, counts in volume.by_category.items():
        title = _("%(category)s: tickets per hour", category=CATEGORY_LABELS[Category(category)])
        hourly.append((title, charts.bars(title, volume.hours, counts)))
    return render_template(
        "tickets/reports.html",
        hourly=hourly,
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
