"""The SMS outbox: queued after commit, de-duplicated, retried, and refusing text that names
unknown numbers or ID numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from helpdesk.notify import settings as notify_settings
from helpdesk.notify.adapters import MemoryNotifier, TwilioNotifier
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.services import UnsafeSms, check_text, queue_sms, send_pending
from tests.twilio_http import RecordingHttpClient as _Recording

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)
ALLOWED = ["400-088-0028", "+862863201710", "+862862093080"]


def queue(db_session, key="k1", body="您的工单已有回复。"):
    return queue_sms(
        db_session,
        to="13800138000",
        body=body,
        purpose="test",
        dedupe_key=key,
        now=NOW,
        allowed_numbers=ALLOWED,
    )


def test_a_message_queued_twice_under_one_key_is_sent_once(db_session):
    queue(db_session)
    queue(db_session)
    notifier = MemoryNotifier()

    sent = send_pending(db_session, notifier=notifier, now=NOW)
    again = send_pending(db_session, notifier=notifier, now=NOW)

    assert (sent, again) == (1, 0)
    assert notifier.sent == [("+8613800138000", "您的工单已有回复。")]


def test_a_failed_send_stays_queued_and_is_retried(db_session):
    queue(db_session)
    notifier = MemoryNotifier()
    notifier.fail_next = 1

    assert send_pending(db_session, notifier=notifier, now=NOW) == 0
    assert send_pending(db_session, notifier=notifier, now=NOW) == 1
    message = db_session.scalar(select(OutboundSms))
    assert (message.status, message.attempts) == (SmsStatus.SENT, 2)


@pytest.mark.parametrize(
    "body",
    [
        "请回拨 13912345678 联系我们",
        "如有问题请致电 010-12345678",
        "身份证 110101199003078034 已登记",
    ],
)
def test_sms_text_with_an_unknown_number_or_an_id_number_is_refused(body):
    with pytest.raises(UnsafeSms):
        check_text(body, allowed_numbers=ALLOWED)


def test_sms_text_may_name_the_hotline_the_caller_ids_and_dates():
    check_text(
        "技术人员曾于 2023-01-10 11:05 使用 028-63201710 致电您；如有问题请拨打 400-088-0028。",
        allowed_numbers=ALLOWED,
    )


def RecordingHttpClient() -> _Recording:
    return _Recording(default=(201, {"sid": "SM123", "status": "queued"}))


def test_the_twilio_notifier_sends_the_exact_messages_request():
    http = RecordingHttpClient()
    notifier = TwilioNotifier("AC0123", "token", "+15005550006", http_client=http)

    sid = notifier.send_sms("+8613800138000", "您的工单已有回复。")

    assert sid == "SM123"
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json"
    assert request["data"] == {
        "To": "+8613800138000",
        "From": "+15005550006",
        "Body": "您的工单已有回复。",
    }
    assert request["auth"] == ("AC0123", "token")


def test_the_numbers_an_sms_may_name_are_the_hotline_and_the_configured_lines():
    settings = notify_settings.from_config(
        {"HOTLINE": "400-088-0028", "CALLER_IDS": "+862863201710, 028-62093080"}
    )

    check_text("我们从 028-62093080 给您回电，请拨打 400-088-0028。", **allowed(settings))
    with pytest.raises(UnsafeSms):
        check_text("请回拨 13800138000。", **allowed(settings))
    assert settings.allowed_numbers == ["400-088-0028", "+862863201710", "028-62093080"]


def test_the_callback_queue_texts_under_the_same_rule_the_app_built(app):
    assert app.extensions["callbacks.settings"].sms == app.extensions["notify.settings"]


def allowed(settings):
    return {"allowed_numbers": settings.allowed_numbers}
