"""Supervisors' reminders: preview a segment's reminder, send it; the effect figures and
chart the readiness view shows per exam session (a template global, so readiness, which
comes first, needs no import of this capability)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from helpdesk import charts, clock
from helpdesk.db import get_session
from helpdesk.exams import services as exams
from helpdesk.exams.models import ExamSession
from helpdesk.forms import PlainForm
from helpdesk.i18n import gettext as _
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Role
from helpdesk.notify.settings import allowed_numbers
from helpdesk.reminders import effect, labels, segments, services
from helpdesk.reminders import settings as reminders_settings
from helpdesk.reminders.models import Segment

bp = Blueprint("reminders_staff", __name__, url_prefix="/staff/reminders")


def _preview(exam: ExamSession, source: Any) -> services.Preview:
    segment, check_id = segments.parse(
        str(source.get("segment", ""))[:40], str(source.get("check", ""))
    )
    return services.preview(
        get_session(),
        exam=exam,
        segment=segment,
        check_id=check_id,
        now=clock.utcnow(),
        settings=reminders_settings.current(),
        allowed_numbers=allowed_numbers(),
    )


@bp.get("/<code>/new")
@staff_required(Role.SUPERVISOR)
def preview(code: str) -> ResponseReturnValue:
    exam = exams.get_by_code(get_session(), code)
    found = _preview(exam, request.args)
    return render_template(
        "reminders/preview.html",
        p=found,
        locale=str(get_locale() or "zh_CN"),
        segment_labels=labels.SEGMENT_LABELS,
        checks=[
            (c, segments.check_title(c, str(get_locale() or "zh_CN"))) for c in segments.check_ids()
        ],
    )


@bp.post("/<code>")
@staff_required(Role.SUPERVISOR)
def send(code: str) -> ResponseReturnValue:
    session = get_session()
    exam = exams.get_by_code(session, code)
    if not PlainForm().validate_on_submit():
        return preview(code)
    found = _preview(exam, request.form)
    reminder = services.send(
        session,
        preview=found,
        staff=current_staff(),
        now=clock.utcnow(),
        settings=reminders_settings.current(),
        allowed_numbers=allowed_numbers(),
    )
    session.commit()
    assert reminder is not None  # only automatic reminders can collide
    flash(_("Reminder queued for %(n)d candidates.", n=reminder.recipients))
    if found.segment == Segment.UPLOADS_INCOMPLETE:
        return redirect(url_for("uploads_staff.staff_overview", exam_session=exam.code))
    return redirect(url_for("readiness_staff.exam_readiness", code=exam.code))


@bp.app_template_global("reminder_effects")
def reminder_effects(exam: ExamSession) -> dict[str, Any]:
    """The effect rows and chart of exam's reminders, for the readiness view."""
    rows = effect.effects(get_session(), exam=exam, now=clock.utcnow())
    bars = [
        (
            f"#{e.reminder.id} {labels.SEGMENT_LABELS[Segment(e.reminder.segment)]}"[:28],
            e.acted_rate,
            e.others_rate,
        )
        for e in rows
    ]
    drawn = charts.paired_hbars(
        _("Reminders and what candidates did afterwards"),
        bars,
        series=(_("reminded"), _("not reminded yet")),
        css="effect-chart",
    )
    return {
        "rows": rows,
        "chart": drawn if rows else None,
        "segments": labels.SEGMENT_LABELS,
        "acted": labels.ACTED_LABELS,
        "origins": labels.ORIGIN_LABELS,
        "can_send": _is_supervisor(),
        "checks": _checks(),
    }


def _checks() -> list[tuple[str, str]]:
    locale = str(get_locale() or "zh_CN")
    return [(c, segments.check_title(c, locale)) for c in segments.check_ids()]


def _is_supervisor() -> bool:
    staff = current_staff()
    return staff is not None and Role(staff.role).includes(Role.SUPERVISOR)


@bp.app_template_global("reminder_uploads_open")
def reminder_uploads_open(exam: ExamSession) -> bool:
    """Whether the uploads view offers the incomplete-uploads reminder (after the exam)."""
    return _is_supervisor() and exam.ends <= clock.utcnow()
