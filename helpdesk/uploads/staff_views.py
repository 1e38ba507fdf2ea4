"""Staff pages: upload completeness per exam session, a candidate's timeline, CSV export,
the guidance editor (supervisors), and the uploads section of the candidate panel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from helpdesk import clock, nav, panel, streaming
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError
from helpdesk.exams import services as exams
from helpdesk.exams.models import Enrollment, ExamSession
from helpdesk.forms import form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity.auth import current_staff, staff_required
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.identity.phone import mask as mask_phone
from helpdesk.uploads import guidance, services
from helpdesk.uploads.forms import GuidanceEntryForm, NewFailureForm
from helpdesk.uploads.labels import ARTIFACT_LABELS as LABELS
from helpdesk.uploads.labels import VERDICT_LABELS
from helpdesk.uploads.models import ArtifactKind, GuidanceEntry, GuidanceKind

bp = Blueprint("uploads_staff", __name__, url_prefix="/staff/uploads")
PAGE_SIZE = 100
FILTERS = ("incomplete", "complete", *[v.value for v in services.Verdict])
nav.add("uploads_staff.staff_overview", _l("Uploads"), order=40, audience="agent")
nav.add("uploads_staff.guidance_list", _l("Upload guidance"), order=85, audience="supervisor")


def _panel_section(session: Session, candidate: Candidate) -> dict[str, Any]:
    return {"upload_sessions": services.by_session(session, candidate), "candidate": candidate}


panel.add_section("uploads", _l("Uploads"), "uploads/_panel.html", _panel_section, order=40)


def _me() -> Staff:
    me = current_staff()
    assert me is not None
    return me


def _selected_session() -> tuple[list[ExamSession], ExamSession | None]:
    db = get_session()
    sessions = exams.list_sessions(db)
    code = request.args.get("exam_session", "")[:40]
    chosen = next((s for s in sessions if s.code == code), None)
    if chosen is None and not code:
        ended = [s for s in sessions if s.ends <= clock.utcnow()]
        chosen = ended[-1] if ended else (sessions[0] if sessions else None)
    return sessions, chosen


def _filtered(lines: list[services.RosterLine]) -> list[services.RosterLine]:
    status = request.args.get("status", "")
    artifact = request.args.get("artifact", "")
    text = request.args.get("q", "").strip()[:64]
    kinds = [ArtifactKind(artifact)] if artifact in set(ArtifactKind) else list(ArtifactKind)
    if text:
        lines = [
            ln
            for ln in lines
            if text in ln.candidate.name or text.upper() in ln.candidate.admission_number
        ]
    if status == "complete":
        return [ln for ln in lines if all(ln.result.verdicts[k] == "completed" for k in kinds)]
    if status == "incomplete":
        return [ln for ln in lines if any(ln.result.verdicts[k] != "completed" for k in kinds)]
    if status in set(services.Verdict):
        return [ln for ln in lines if any(ln.result.verdicts[k] == status for k in kinds)]
    return lines


@bp.get("")
@staff_required(Role.AGENT)
def staff_overview() -> ResponseReturnValue:
    sessions, exam = _selected_session()
    lines = services.roster_completeness(get_session(), exam_session_id=exam.id) if exam else []
    shown = _filtered(lines)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "uploads/staff_overview.html",
        sessions=sessions,
        exam=exam,
        labels=LABELS,
        verdict_labels=VERDICT_LABELS,
        summary=services.summary(lines),
        total=len(lines),
        matched=len(shown),
        lines=shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        pages=max(1, -(-len(shown) // PAGE_SIZE)),
        filters=FILTERS,
        args=_args(),
    )


def _args() -> dict[str, str]:
    return {k: request.args.get(k, "")[:64] for k in ("exam_session", "status", "artifact", "q")}


@bp.get("/export.csv")
@staff_required(Role.SUPERVISOR)
def staff_export() -> ResponseReturnValue:
    _sessions, exam = _selected_session()
    if exam is None:
        abort(404)
    db = get_session()
    lines = _filtered(services.roster_completeness(db, exam_session_id=exam.id))
    header = [
        _("Exam session"),
        _("Admission number"),
        _("Name"),
        _("ID number"),
        _("Phone"),
        str(LABELS[ArtifactKind.ANSWER_DATA]),
        str(LABELS[ArtifactKind.EVIDENCE_VIDEO]),
        _("Evidence videos uploaded"),
        _("Evidence videos reported"),
        _("Last errors"),
        _("Followed up"),
    ]
    rows = []
    for ln in lines:
        videos = [a for a in ln.result.artifacts if a.artifact == ArtifactKind.EVIDENCE_VIDEO]
        errors = sorted({a.last_error_code for a in ln.result.artifacts if a.last_error_code})
        rows.append(
            (
                exam.name,
                ln.candidate.admission_number,
                ln.candidate.name,
                ln.candidate.id_number_masked,
                mask_phone(ln.candidate.phone),
                VERDICT_LABELS[ln.result.verdicts[ArtifactKind.ANSWER_DATA]],
                VERDICT_LABELS[ln.result.verdicts[ArtifactKind.EVIDENCE_VIDEO]],
                sum(1 for a in videos if a.state == "completed"),
                len(videos),
                " ".join(errors),
                _("Yes") if ln.followed_up else _("No"),
            )
        )
    audit.record(
        db,
        staff=_me(),
        action="uploads.export",
        now=clock.utcnow(),
        detail={"exam_session": exam.code, "rows": len(lines)},
    )
    db.commit()
    return streaming.csv_response(header, rows, filename=f"uploads-{exam.code}.csv")


@bp.get("/candidates/<int:candidate_id>")
@staff_required(Role.AGENT)
def staff_timeline(candidate_id: int) -> ResponseReturnValue:
    db = get_session()
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    enrolled = list(
        db.scalars(
            select(ExamSession)
            .join(Enrollment)
            .where(Enrollment.candidate_id == candidate.id)
            .order_by(ExamSession.starts)
        )
    )
    code = request.args.get("exam_session", "")
    exam = next((s for s in enrolled if s.code == code), enrolled[-1] if enrolled else None)
    return render_template(
        "uploads/staff_timeline.html",
        candidate=candidate,
        sessions=enrolled,
        exam=exam,
        labels=LABELS,
        events=services.timeline(db, candidate_id=candidate.id, exam_session_id=exam.id)
        if exam
        else [],
        result=services.completeness(
            services.artifacts_of(db, candidate_id=candidate.id, exam_session_id=exam.id)
        )
        if exam
        else None,
    )


@bp.get("/guidance")
@staff_required(Role.SUPERVISOR)
def guidance_list() -> ResponseReturnValue:
    db = get_session()
    groups = [
        (kind, gk, guidance.entries(db, kind, gk, include_inactive=True))
        for kind in ArtifactKind
        for gk in GuidanceKind
    ]
    return render_template("uploads/guidance_list.html", groups=groups, labels=LABELS)


def _entry_data(form: GuidanceEntryForm) -> guidance.EntryIn:
    return guidance.EntryIn(
        title_zh=str(form.title_zh.data).strip(),
        title_en=str(form.title_en.data).strip(),
        body_zh=str(form.body_zh.data).strip(),
        body_en=str(form.body_en.data).strip(),
        position=int(form.position.data or 0),
        is_retry=bool(form.is_retry.data),
        active=bool(form.active.data),
    )


def _saved(db: Session, entry: GuidanceEntry, *, action: str) -> ResponseReturnValue:
    """Audit the edit, commit, and go back to the list."""
    audit.record(
        db,
        staff=_me(),
        action=action,
        now=clock.utcnow(),
        detail={"entry": entry.id, "code": entry.code},
    )
    db.commit()
    flash(_("Guidance saved. Candidates see it from now on."), "success")
    return redirect(url_for("uploads_staff.guidance_list"))


@bp.route("/guidance/<int:entry_id>", methods=["GET", "POST"])
@staff_required(Role.SUPERVISOR)
def guidance_edit(entry_id: int) -> ResponseReturnValue:
    db = get_session()
    entry = guidance.get_entry(db, entry_id)
    form = GuidanceEntryForm(obj=entry)
    if not form.validate_on_submit():
        return render_template(
            "uploads/guidance_edit.html", form=form, entry=entry, labels=LABELS
        ), 422 if form.errors else 200
    try:
        guidance.update_entry(
            db, entry=entry, data=_entry_data(form), staff=_me(), now=clock.utcnow()
        )
    except DomainError as exc:
        db.rollback()
        form_errors(form, exc)
        return render_template(
            "uploads/guidance_edit.html", form=form, entry=entry, labels=LABELS
        ), exc.status
    return _saved(db, entry, action="uploads.guidance_edit")


@bp.route("/guidance/new", methods=["GET", "POST"])
@staff_required(Role.SUPERVISOR)
def guidance_new() -> ResponseReturnValue:
    form = NewFailureForm(is_retry=False)
    form.artifact.choices = [SelectChoice(k.value, str(LABELS[k])) for k in ArtifactKind]
    if not form.validate_on_submit():
        return render_template(
            "uploads/guidance_edit.html", form=form, entry=None, labels=LABELS
        ), 422 if form.errors else 200
    db = get_session()
    try:
        entry = guidance.add_failure_code(
            db,
            artifact=ArtifactKind(str(form.artifact.data)),
            code=str(form.code.data),
            data=_entry_data(form),
            staff=_me(),
            now=clock.utcnow(),
        )
    except DomainError as exc:
        form_errors(form, exc)
        return render_template(
            "uploads/guidance_edit.html", form=form, entry=None, labels=LABELS
        ), exc.status
    return _saved(db, entry, action="uploads.guidance_add")
