"""Opening a ticket: its number, the roster phone, details and attachments from other capabilities,
retries, foreign sessions."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from helpdesk.categories import Category
from helpdesk.errors import ValidationFailed
from helpdesk.tickets import files, services
from helpdesk.tickets.models import TicketSource, TicketStatus

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_opened_ticket_has_a_readable_random_number_and_the_roster_phone(
    db_session, make_exam, make_candidate, now
):
    exam = make_exam(kind="mock", starts=now - timedelta(hours=2), ends=now + timedelta(hours=8))
    candidate = make_candidate(sessions=[exam]).candidate

    first = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=exam,
        category=Category.LOGIN,
        description="登录时提示密码错误",
        now=now,
    )
    second = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=exam,
        category=Category.LOGIN,
        description="又一次",
        now=now,
    )

    assert first.number != second.number
    assert services.normalise_number(first.number) == first.number
    assert first.phone == candidate.phone
    assert first.status == TicketStatus.NEW
    assert services.tickets_for_candidate(db_session, candidate)[0].id in (first.id, second.id)


def test_details_and_attachments_from_another_capability_land_in_the_first_message(
    db_session, make_exam, make_candidate, now, tmp_path
):
    candidate = make_candidate().candidate
    stored = files.store_all(tmp_path, [files.IncomingFile("截图.png", io.BytesIO(PNG))])

    ticket = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=None,
        category=Category.ANSWER_UPLOAD,
        description="交卷数据上传失败",
        now=now,
        phone="139 1234 5678",
        source="upload",
        attachments=stored,
        details={"artifact": "answer_data", "error_codes": ["E42"]},
    )

    assert ticket.source == TicketSource.UPLOAD
    assert ticket.phone == "+8613912345678"
    assert ticket.messages[0].details == {"artifact": "answer_data", "error_codes": ["E42"]}
    assert [a.original_name for a in ticket.messages[0].attachments] == ["截图.png"]


def test_a_retried_ticket_with_the_same_key_returns_the_first_one(db_session, make_candidate, now):
    candidate = make_candidate().candidate

    first = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=None,
        category=Category.OTHER,
        description="a",
        now=now,
        idempotency_key="retry-key-1",
    )
    again = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=None,
        category=Category.OTHER,
        description="a",
        now=now,
        idempotency_key="retry-key-1",
    )

    assert again.id == first.id


def test_a_ticket_for_someone_elses_exam_session_is_refused(
    db_session, make_exam, make_candidate, now
):
    exam = make_exam()
    candidate = make_candidate().candidate

    with pytest.raises(ValidationFailed) as error:
        services.open_ticket(
            db_session,
            candidate=candidate,
            exam_session=exam,
            category=Category.OTHER,
            description="a",
            now=now,
        )

    assert "exam_session" in error.value.fields


def test_a_long_idempotency_key_from_another_capability_still_dedupes(
    db_session, make_candidate, now
):
    candidate = make_candidate().candidate
    key = "upload-flow-" + "x" * 100

    first = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=None,
        category=Category.OTHER,
        description="a",
        now=now,
        idempotency_key=key,
    )
    again = services.open_ticket(
        db_session,
        candidate=candidate,
        exam_session=None,
        category=Category.OTHER,
        description="a",
        now=now,
        idempotency_key=key,
    )

    assert again.id == first.id


def test_a_keyed_ticket_whose_number_is_taken_is_filed_under_a_new_one(
    db_session, make_candidate, now, monkeypatch
):
    one, other = make_candidate().candidate, make_candidate().candidate
    first = services.open_ticket(
        db_session,
        candidate=one,
        exam_session=None,
        category=Category.OTHER,
        description="第一个",
        now=now,
        idempotency_key="form-key-1",
    )
    drawn = iter([first.number, "T-2345-6789"])
    monkeypatch.setattr(services, "new_number", lambda: next(drawn))

    # the same key from another candidate is another ticket, and its first number is taken
    second = services.open_ticket(
        db_session,
        candidate=other,
        exam_session=None,
        category=Category.OTHER,
        description="第二个",
        now=now,
        idempotency_key="form-key-1",
    )

    assert second.id != first.id
    assert second.number == "T-2345-6789"
    assert second.candidate_id == other.id
    assert [m.body for m in second.messages] == ["第二个"]
