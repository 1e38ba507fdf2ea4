"""The staff outbox page: every message with its state in the staff member's language,
numbers masked, failed messages listed for staff, and only supervisors send one again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk import clock
from helpdesk.audit.models import AuditEntry
from helpdesk.notify.adapters import MemoryNotifier, NotifierError
from helpdesk.notify.jobs import send_pending
from helpdesk.notify.models import SmsStatus
from helpdesk.notify.services import IN_FLIGHT, queue_sms, take

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)


def queued(db_session, key: str = "page-1"):
    return queue_sms(
        db_session,
        to="13800138000",
        kind="ticket_reply",
        params={"number": "T230110-0001", "hotline": "400-088-0028"},
        dedupe_key=key,
        now=NOW,
        allowed_numbers=["400-088-0028"],
    )


def failed_message(db_session):
    message = queued(db_session)
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
    assert "短信服务商的答复：isv.TEMPLATE_MISSING_PARAMETERS" in page.text
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


def outbox_row(client, message_id: int) -> str:
    page = client.get("/staff/sms")
    assert page.status_code == 200
    return page.text.split(f'id="sms-{message_id}"', 1)[1].split("</tr>", 1)[0]


def test_a_message_with_the_provider_right_now_reads_as_being_sent(
    client, db_session, make_staff, sign_in_staff
):
    message = queued(db_session)
    assert take(db_session, message.id, now=NOW) is not None  # the provider has not answered
    sign_in_staff(make_staff())
    clock.freeze(NOW + timedelta(seconds=20))

    row = outbox_row(client, message.id)

    assert "正在交给短信服务商发送" in row
    assert "下次尝试" not in row  # the sender's lease is not a try the agent should wait for
    assert "may have been sent" not in row  # no code-like English


def test_a_message_whose_sender_never_heard_back_says_it_may_have_gone_out(
    client, db_session, make_staff, sign_in_staff
):
    message = queued(db_session)
    assert take(db_session, message.id, now=NOW) is not None  # ... and its sender died
    sign_in_staff(make_staff())
    clock.freeze(NOW + IN_FLIGHT + timedelta(seconds=1))

    row = outbox_row(client, message.id)

    assert "短信服务商没有回应，短信可能已经发出：下次尝试前会先向服务商核实" in row
    assert "正在交给短信服务商发送" not in row


def test_a_try_the_provider_timed_out_shows_when_the_next_one_is(
    client, db_session, make_staff, sign_in_staff
):
    message = queued(db_session)
    notifier = MemoryNotifier()
    notifier.errors = [NotifierError("read timeout", unsure=True)]
    send_pending(db_session, notifier=notifier, now=NOW)
    sign_in_staff(make_staff())
    clock.freeze(NOW + timedelta(seconds=5))

    row = outbox_row(client, message.id)

    assert message.status == SmsStatus.PENDING
    assert "短信服务商没有回应" in row
    assert "下次尝试" in row
