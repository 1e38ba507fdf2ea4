"""The audit log for admins: filtered by staff member, action and day, and as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav, streaming
from helpdesk.audit import labels, services
from helpdesk.audit.forms import AuditFilterForm
from helpdesk.db import get_session
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role, Staff
from helpdesk.web import local_time

bp = Blueprint("audit_staff", __name__)
PAGE_SIZE = 100

nav.add("audit_staff.entries", _l("Audit log"), order=90, audience="admin")


def _filter_form() -> tuple[AuditFilterForm, list[Staff]]:
    session = get_session()
    staff = list(session.scalars(select(Staff).order_by(Staff.username)))
    form = AuditFilterForm(request.args)
    form.staff.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(str(s.id), f"{s.display_name} ({s.username})") for s in staff
    ]
    codes = sorted(set(labels.ACTION_LABELS) | set(services.actions_in_use(session)))
    named = sorted((SelectChoice(c, labels.action_label(c)) for c in codes), key=lambda c: c.label)
    form.action.choices = [SelectChoice("", _("All actions")), *named]
    return form, staff


def _moment(day: date | None, *, days_after: int = 0) -> datetime | None:
    """The start of day (plus days_after) in the desk's time zone, in UTC."""
    if day is None:
        return None
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))
    return datetime.combine(day + timedelta(days=days_after), time.min, zone).astimezone(UTC)


def _filters(form: AuditFilterForm) -> services.Filters:
    return services.Filters(
        staff_id=int(form.staff.data) if form.staff.data else None,
        action=form.action.data or None,
        since=_moment(form.since.data),
        until=_moment(form.until.data, days_after=1),
    )


@bp.get("/admin/audit")
@staff_required(Role.ADMIN)
def entries() -> ResponseReturnValue:
    form, _staff = _filter_form()
    valid = form.validate()
    filters = _filters(form) if valid else services.Filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    session = get_session()
    total = services.count(session, filters)
    rows = services.search(session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/entries.html",
        form=form,
        entries=rows,
        labels=labels,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=query,
    ), (200 if valid else 422)


def _csv(filters: services.Filters) -> Response:
    header = [_("Time"), _("Username"), _("Name"), _("Action"), _("Action code")]
    header += [_("Target"), _("Detail")]
    rows = (
        (
            local_time(e.at, "yyyy-MM-dd HH:mm:ss"),
            e.staff.username if e.staff else _("system"),
            e.staff.display_name if e.staff else "",
            labels.action_label(e.action),
            e.action,
            labels.target_label(e.target_type, e.target_id, e.detail or {}),
            "; ".join(f"{k}: {v}" for k, v in labels.describe(e.detail or {})),
        )
        for e in streaming.batches(partial(services.export_page, filters=filters))
    )
    return streaming.csv_response(header, rows, filename="audit-log.csv")


@bp.get("/admin/audit.csv")
@staff_required(Role.ADMIN)
def export_csv() -> ResponseReturnValue:
    form, _staff = _filter_form()
    if not form.validate():
        return entries()
    filters = _filters(form)
    session = get_session()
    services.record(
        session,
        staff=current_staff(),
        action="audit.export",
        now=clock.utcnow(),
        detail={"filters": {k: str(v)[:64] for k, v in form.data.items() if v}},
    )
    session.commit()
    return _csv(filters)
