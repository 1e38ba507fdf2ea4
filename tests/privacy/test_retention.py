"""Retention (PIPL): once an exam session's results have been published for the configured
number of days, its candidates' phone numbers, ticket texts and attachments, device facts and
upload events are erased (counts stay), with an audit row; a dry run says what would go;
attachment files without a committed row are removed."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.models import AuditEntry
from helpdesk.callbacks.models import CallAttempt, HelpRequest
from helpdesk.notify.models import OutboundSms
from helpdesk.privacy import jobs
from helpdesk.privacy import settings as privacy_settings
from helpdesk.readiness.models import DeviceReport
from helpdesk.telephony.states import CallState
from helpdesk.tickets.models import AuthorKind, Ticket, TicketAttachment, TicketMessage
from helpdesk.uploads.models import UploadArtifact, UploadEvent

PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"


def _uid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch) -> Path:
    """An upload folder of this test's own (files outlive the rolled-back rows)."""
    settings = app.extensions[privacy_settings.EXTENSION]
    monkeypatch.setitem(
        app.extensions, privacy_settings.EXTENSION, replace(settings, upload_dir=tmp_path)
    )
    return tmp_path


@pytest.fixture
def sitting(db_session, make_exam, make_candidate, make_staff, upload_dir, now):
    """A formal exam whose results were published 40 days ago, with every kind of personal
    data; one candidate also sits a later exam whose results are not out yet."""
    exam = make_exam(starts=now - timedelta(days=50))
    later = make_exam(starts=now + timedelta(days=5))
    exam.results_published_at = now - timedelta(days=40)
    only = make_candidate(sessions=[exam], phone=PHONE).candidate
    both = make_candidate(sessions=[exam, later], phone=OTHER_PHONE).candidate
    agent = make_staff("agent")
    stored = f"tickets/{_uid()}"
    (upload_dir / "tickets").mkdir(parents=True, exist_ok=True)
    (upload_dir / stored).write_bytes(b"%PDF-1.4 screenshot")
    for candidate in (only, both):
        ticket = Ticket(
            number=_uid()[:12],
            candidate=candidate,
            exam_session_id=exam.id,
            category="login",
            priority=3,
            phone=candidate.phone,
            subject="我叫张三，无法登录",
            created_at=now,
            updated_at=now,
        )
        message = TicketMessage(
            author_kind=AuthorKind.CANDIDATE, body="身份证后四位1234", created_at=now
        )
        ticket.messages.append(message)
        db_session.add(ticket)
        help_request = HelpRequest(
            public_id=_uid(),
            candidate_id=candidate.id,
            exam_session_id=exam.id,
            source="web",
            phone=candidate.phone,
            note="家里断网",
            priority=1,
            due_at=now,
            created_at=now,
        )
        db_session.add(help_request)
        db_session.flush()
        db_session.add(
            CallAttempt(
                public_id=_uid(),
                help_request_id=help_request.id,
                staff_id=agent.id,
                adapter="desk",
                caller_id="+862863201710",
                to_phone=candidate.phone,
                state=CallState.MANUAL,
                started_at=now,
                note="已回电",
            )
        )
        db_session.add(
            DeviceReport(
                code=_uid()[:16],
                candidate_id=candidate.id,
                exam_session_id=exam.id,
                device="pc",
                verdict="warn",
                checks=[{"id": "memory", "title": "内存", "status": "warn", "message": "3.1 GB"}],
                facts={"hostname": "ZHANGSAN-PC", "memory_gb": 3.1},
                profile_version="v1",
                received_at=now,
                body_sha256="0" * 64,
            )
        )
        db_session.add(
            UploadEvent(
                event_id=_uid(),
                candidate_id=candidate.id,
                exam_session_id=exam.id,
                artifact="evidence_video",
                artifact_id="video-1",
                state="failed",
                error_code="E_NETWORK",
                occurred_at=now,
                received_at=now,
            )
        )
        db_session.add(
            UploadArtifact(
                candidate_id=candidate.id,
                exam_session_id=exam.id,
                artifact="evidence_video",
                artifact_id="video-1",
                state="failed",
                state_at=now,
                updated_at=now,
            )
        )
        db_session.add(
            OutboundSms(
                to=candidate.phone,
                body="【考试服务】您的工单已回复",
                kind="ticket_reply",
                params={"ticket": "T-1"},
                dedupe_key=_uid(),
                status="sent",
                created_at=now,
            )
        )
    db_session.flush()
    first = db_session.scalars(select(TicketMessage).order_by(TicketMessage.id)).first()
    db_session.add(
        TicketAttachment(
            public_id=_uid(),
            ticket_id=first.ticket_id,
            message_id=first.id,
            stored_name=stored,
            original_name="截图.pdf",
            content_type="application/pdf",
            size=19,
            sha256="0" * 64,
            created_at=now,
        )
    )
    db_session.flush()
    old = (now - timedelta(days=2)).timestamp()
    os.utime(upload_dir / stored, (old, old))
    return {"exam": exam, "later": later, "only": only, "both": both, "file": upload_dir / stored}


def _count(db_session, entity, *where) -> int:
    return int(db_session.scalar(select(func.count()).select_from(entity).where(*where)))


def test_the_retention_job_erases_a_sessions_personal_data_and_keeps_the_counts(
    app, db_session, sitting, now
):
    exam = sitting["exam"]

    with app.app_context():
        done = jobs.erase_due(db_session, now)

    db_session.expire_all()
    assert done == 2  # one session, one attachment file
    assert sitting["only"].phone == ""
    assert sitting["both"].phone == OTHER_PHONE  # the later exam still needs it
    tickets = db_session.scalars(select(Ticket).where(Ticket.exam_session_id == exam.id)).all()
    assert len(tickets) == 2
    assert {(t.subject, t.phone, t.category) for t in tickets} == {("", "", "login")}
    assert {m.body for t in tickets for m in t.messages} == {""}
    assert _count(db_session, TicketAttachment) == 0
    assert not sitting["file"].exists()
    reports = db_session.scalars(select(DeviceReport)).all()
    assert [r.facts for r in reports] == [{}, {}]
    assert reports[0].checks == [{"id": "memory", "title": "内存", "status": "warn"}]
    assert reports[0].verdict == "warn"
    assert _count(db_session, UploadEvent) == 0
    assert _count(db_session, UploadArtifact) == 2
    helps = db_session.scalars(select(HelpRequest)).all()
    assert {(h.phone, h.note) for h in helps} == {("", None)}
    assert {(c.to_phone, c.note) for c in db_session.scalars(select(CallAttempt))} == {("", None)}
    assert {(s.to, s.body, str(s.params)) for s in db_session.scalars(select(OutboundSms))} == {
        ("", "", "{}")
    }
    assert exam.personal_data_erased_at == now
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
    assert entry.target_id == exam.code
    assert entry.detail["candidate_phones"] == 1
    assert entry.detail["tickets"] == 2
    assert entry.detail["attachments"] == 1
    assert entry.detail["upload_events"] == 2


def test_a_second_run_finds_nothing_left(app, db_session, sitting, now):
    with app.app_context():
        jobs.erase_due(db_session, now)

        second = jobs.erase_due(db_session, now + timedelta(hours=1))

    assert second == 0


def test_nothing_goes_before_the_retention_period_has_passed(
    app, db_session, sitting, upload_dir, now
):
    sitting["exam"].results_published_at = now - timedelta(days=29)

    with app.app_context():
        done = jobs.erase_due(db_session, now)

    assert done == 0
    assert sitting["only"].phone == PHONE
    assert sitting["file"].exists()


def test_a_session_whose_results_are_not_published_is_kept(app, db_session, sitting, now):
    sitting["exam"].results_published_at = None

    with app.app_context():
        assert jobs.erase_due(db_session, now) == 0

    assert _count(db_session, UploadEvent) == 2


def test_the_dry_run_says_what_would_go_and_changes_nothing(
    app, db_session, sitting, upload_dir, now
):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["privacy", "erase", "--dry-run"])

    db_session.expire_all()
    assert result.exit_code == 0, result.output
    assert f"{sitting['exam'].code}: candidate_phones 1, tickets 2, ticket_messages 2" in (
        result.output
    )
    assert "attachments 1" in result.output
    assert "upload_events 2" in result.output
    assert "nothing changed" in result.output
    assert sitting["only"].phone == PHONE
    assert sitting["exam"].personal_data_erased_at is None
    assert sitting["file"].exists()


def test_the_cli_erases_for_real_without_dry_run(app, db_session, sitting, upload_dir):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["privacy", "erase"])

    db_session.expire_all()
    assert result.exit_code == 0, result.output
    assert "erased: 1 sessions; 1 files removed" in result.output
    assert sitting["only"].phone == ""


def test_attachment_files_whose_row_never_committed_are_removed_once_old(
    app, db_session, upload_dir, now
):
    folder = upload_dir / "tickets"
    folder.mkdir(parents=True, exist_ok=True)
    abandoned, in_flight, half = folder / _uid(), folder / _uid(), folder / f"{_uid()}.part"
    for path in (abandoned, in_flight, half):
        path.write_bytes(b"data")
    old = (now - timedelta(hours=2)).timestamp()
    os.utime(abandoned, (old, old))
    os.utime(half, (old, old))
    young = (now - timedelta(minutes=5)).timestamp()
    os.utime(in_flight, (young, young))

    with app.app_context():
        removed = jobs.erase_due(db_session, now)

    assert removed == 2
    assert not abandoned.exists()
    assert not half.exists()
    assert in_flight.exists()


def test_results_published_is_recorded_from_the_cli_with_an_audit_row(app, db_session, make_exam):
    exam = make_exam()
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=["exams", "results-published", exam.code, "--at", "2023-01-20T10:00+08:00"]
    )

    db_session.expire_all()
    assert result.exit_code == 0, result.output
    assert exam.results_published_at.isoformat() == "2023-01-20T02:00:00+00:00"
    assert _count(db_session, AuditEntry, AuditEntry.action == "exam.results_published") == 1


def test_a_results_time_without_an_offset_is_refused(app, make_exam, db_session):
    exam = make_exam()

    result = app.test_cli_runner().invoke(
        args=["exams", "results-published", exam.code, "--at", "2023-01-20T10:00"]
    )

    assert result.exit_code == 1
    assert "offset" in result.output
    assert clock.utcnow() is not None
