"""The staff outbox page: every message with its state in the staff member's language,
numbers masked, failed messages listed for staff, and only supervisors send one again."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.audit.models import AuditEntry
from helpdesk.notify.adapters import MemoryNotifier, NotifierError
from helpdesk.notify.jobs import send_pending
from helpdesk.notify.models import SmsStatus
from helpdesk.notify.services import queue_sms

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)


def failed_message(db_session):
    message = queue_sms(
        db_session,
        to="13800138000",
        kind="ticket_reply",
        params={"number": "T230110-0001", "hotline": "400-088-0028"},
        dedupe_key="page-1",
        now=NOW,
        allowed_numbers=["400-088-0028"],
    )
    notifier = MemoryNotifier()
    notifier.errors = [NotifierError("isv.TEMPLATE_MISSING_PARAMETERS", permanent=True)]
    send_pending(db_session, notifier=notifier, now=NOW)
    return message


def test_an_agent_sees_the_failed_message_in_chinese_with_the_number_masked(
    client, db_session, make_staff, sign_in_staff
):
    message = failed_message(db_session)
    sign_in_staff(make_staff())

    page = client.get("/staff/sms?status=failed")

    assert page.status_code == 200
    assert "短信发件箱" in page.text
    assert "发送失败 (1)" in page.text
    assert "工单回复通知" in page.text
    assert "工单号 T230110-0001" in page.text
    assert "isv.TEMPLATE_MISSING_PARAMETERS" in page.text
    assert "13800138000" not in page.text
    assert f'id="sms-{message.id}"' in page.text
    assert "/retry" not in page.text  # agents cannot send it again


def test_the_outbox_reads_in_english_for_an_english_speaking_agent(
    client, db_session, make_staff, sign_in_staff
):
    failed_message(db_session)
    sign_in_staff(make_staff())

    page = client.get("/staff/sms", headers={"Accept-Language": "en"})

    assert "Reply to a ticket" in page.text
    assert "Your ticket T230110-0001 on the exam support desk has a new reply." in page.text


def test_an_unknown_status_filter_is_a_translated_422(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff())

    page = client.get("/staff/sms?status=lost")

    assert page.status_code == 422
    assert "短信发件箱" in page.text


def test_a_supervisor_sends_a_failed_message_again_and_it_is_audited(
    client, db_session, make_staff, sign_in_staff
):
    message = failed_message(db_session)
    sign_in_staff(make_staff("supervisor"))

    response = client.post(f"/staff/sms/{message.id}/retry")
    db_session.refresh(message)

    assert response.status_code == 302
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 0)
    assert db_session.query(AuditEntry).filter_by(action="sms.retry").count() == 1


def test_an_agent_may_not_send_a_message_again(client, db_session, make_staff, sign_in_staff):
    message = failed_message(db_session)
    sign_in_staff(make_staff())

    response = client.post(f"/staff/sms/{message.id}/retry")

    assert response.status_code == 403
    assert message.status == SmsStatus.FAILED


def test_sending_again_a_message_that_does_not_exist_is_404(client, make_staff, sign_in_staff):
    sign_in_staff(make_staff("supervisor"))

    assert client.post("/staff/sms/999999/retry").status_code == 404
