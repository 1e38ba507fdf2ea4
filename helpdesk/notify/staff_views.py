"""The SMS outbox for staff: what was sent to whom, and what failed for good."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from helpdesk import clock, nav
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role
from helpdesk.notify import labels, registry, services
from helpdesk.notify.models import OutboundSms, SmsStatus

bp = Blueprint("notify_staff", __name__, url_prefix="/staff/sms")
nav.add("notify_staff.outbox", _l("SMS outbox"), order=45, audience="agent")


@bp.get("")
@staff_required()
def outbox() -> ResponseReturnValue:
    raw = request.args.get("status", "")[:12]
    status = SmsStatus(raw) if raw in set(SmsStatus) else None
    session = get_session()
    locale = str(get_locale() or "zh_CN")
    rows = [
        (m, registry.render(m.kind, m.params, locale=locale) if m.params else m.body)
        for m in services.outbox(session, status=status)
    ]
    return render_template(
        "notify/outbox.html",
        rows=rows,
        status=status,
        counts=services.counts(session),
        labels=labels,
        statuses=list(SmsStatus),
        can_retry=_may_retry(),
        now=clock.utcnow(),
    ), (200 if raw in ("", *SmsStatus) else 422)


def _may_retry() -> bool:
    staff = current_staff()
    return staff is not None and Role(staff.role).includes(Role.SUPERVISOR)


@bp.post("/<int:message_id>/retry")
@staff_required(Role.SUPERVISOR)
def retry(message_id: int) -> ResponseReturnValue:
    session = get_session()
    message = session.get(OutboundSms, message_id)
    if message is None:
        abort(404)
    now = clock.utcnow()
    if services.retry(session, message=message, now=now):
        audit.record(
            session,
            staff=current_staff(),
            action="sms.retry",
            now=now,
            target_type="sms",
            target_id=str(message.id),
        )
        session.commit()
        flash(_("The message is queued again."))
    else:
        flash(_("Only a failed message can be sent again."))
    return redirect(url_for("notify_staff.outbox", status="failed"))
