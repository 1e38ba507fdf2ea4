"""The supervisors' canned replies: write, edit, retire and offer again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav
from helpdesk.audit import services as audit
from helpdesk.categories import LABELS as CATEGORY_LABELS
from helpdesk.categories import choices as category_choices
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role
from helpdesk.tickets.canned import services as canned_replies
from helpdesk.tickets.forms import CannedReplyForm

bp = Blueprint("canned_staff", __name__, url_prefix="/staff")
nav.add("canned_staff.canned_list", _l("Canned replies"), order=65, audience="supervisor")


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
        staff=current_staff(),
        action="canned_reply.save",
        now=clock.utcnow(),
        target_type="canned_reply",
        target_id=saved.id,
    )
    session.commit()
    flash(_("Canned reply saved."), "success")
    return redirect(url_for("canned_staff.canned_list"))


@bp.post("/canned-replies/<int:reply_id>/retire")
@staff_required(Role.SUPERVISOR)
def canned_retire(reply_id: int) -> ResponseReturnValue:
    session = get_session()
    reply = canned_replies.get_reply(session, reply_id)
    retire = request.form.get("retire", "1") != "0"
    canned_replies.retire_reply(session, reply=reply, now=clock.utcnow() if retire else None)
    audit.record(
        session,
        staff=current_staff(),
        action="canned_reply.retire" if retire else "canned_reply.restore",
        now=clock.utcnow(),
        target_type="canned_reply",
        target_id=reply.id,
    )
    session.commit()
    flash(_("Canned reply retired.") if retire else _("Canned reply offered again."), "success")
    return redirect(url_for("canned_staff.canned_list"))
