"""The SMS outbox: templated messages queued after commit, de-duplicated, retried with
exponential backoff until a final failure, receipts applied forward only, and text that
names unknown numbers or ID numbers refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from config import ConfigError
from helpdesk.notify import registry
from helpdesk.notify import settings as notify_settings
from helpdesk.notify.adapters import MemoryNotifier, NotifierError, Sms, TwilioNotifier
from helpdesk.notify.jobs import send_pending
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.notify.services import (
    MAX_ATTEMPTS,
    UnsafeSms,
    check_text,
    queue_sms,
    record_receipt,
)
from tests.twilio_http import RecordingHttpClient as _Recording

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)
ALLOWED = ["400-088-0028", "+862863201710", "+862862093080"]
REPLY = {"number": "T230110-0001", "hotline": "400-088-0028"}
REPLY_TEXT = (
    "您在客服平台提交的问题（工单号 T230110-0001）有新的回复，请登录客服平台查看。"
    "技术服务热线：400-088-0028"
)


def queue(db_session, key="k1", kind="ticket_reply", params=REPLY):
    return queue_sms(
        db_session,
        to="13800138000",
        kind=kind,
        params=params,
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
    (message,) = db_session.scalars(select(OutboundSms)).all()
    assert notifier.sent == [
        Sms("+8613800138000", "ticket_reply", REPLY, REPLY_TEXT, ref=str(message.id))
    ]


def test_a_failed_send_waits_one_then_two_minutes_before_the_next_tries(db_session):
    message = queue(db_session)
    notifier = MemoryNotifier()
    notifier.fail_next = 2

    send_pending(db_session, notifier=notifier, now=NOW)
    too_soon = send_pending(db_session, notifier=notifier, now=NOW + timedelta(seconds=59))
    send_pending(db_session, notifier=notifier, now=NOW + timedelta(seconds=60))
    waiting = message.next_attempt_at
    sent = send_pending(db_session, notifier=notifier, now=NOW + timedelta(seconds=180))

    assert too_soon == 0
    assert waiting == NOW + timedelta(seconds=60 + 120)
    assert sent == 1
    assert (message.status, message.attempts, message.next_attempt_at) == (SmsStatus.SENT, 3, None)


def test_a_message_that_keeps_failing_ends_failed_for_staff_to_see(db_session):
    message = queue(db_session)
    notifier = MemoryNotifier()
    notifier.fail_next = MAX_ATTEMPTS
    moment = NOW

    for _ in range(MAX_ATTEMPTS):
        send_pending(db_session, notifier=notifier, now=moment)
        moment = moment + timedelta(hours=1)

    assert (message.status, message.attempts) == (SmsStatus.FAILED, MAX_ATTEMPTS)
    assert message.failed_at is not None
    assert message.last_error == "simulated failure"
    assert send_pending(db_session, notifier=notifier, now=moment + timedelta(days=1)) == 0


def test_a_permanent_refusal_fails_the_message_at_once(db_session):
    message = queue(db_session)
    notifier = MemoryNotifier()
    notifier.errors = [NotifierError("isv.MOBILE_NUMBER_ILLEGAL", permanent=True)]

    send_pending(db_session, notifier=notifier, now=NOW)

    assert (message.status, message.attempts, message.failed_at) == (SmsStatus.FAILED, 1, NOW)
    assert message.last_error == "isv.MOBILE_NUMBER_ILLEGAL"


def test_receipts_move_a_message_forward_once_and_never_back(db_session):
    message = queue(db_session)
    send_pending(db_session, notifier=MemoryNotifier(), now=NOW)
    later = NOW + timedelta(seconds=20)

    first = record_receipt(
        db_session, provider_id="mem-1", delivered=True, code="DELIVERED", at=later
    )
    duplicate = record_receipt(
        db_session, provider_id="mem-1", delivered=True, code="DELIVERED", at=later
    )
    out_of_order = record_receipt(
        db_session, provider_id="mem-1", delivered=False, code="MK:0001", at=NOW
    )
    db_session.refresh(message)

    assert (first, duplicate, out_of_order) == (True, False, False)
    assert (message.status, message.delivered_at) == (SmsStatus.DELIVERED, later)


def test_a_failure_receipt_makes_the_message_failed(db_session):
    message = queue(db_session)
    send_pending(db_session, notifier=MemoryNotifier(), now=NOW)

    record_receipt(db_session, provider_id="mem-1", delivered=False, code="MK:0004", at=NOW)
    db_session.refresh(message)

    assert (message.status, message.last_error) == (SmsStatus.FAILED, "MK:0004")


@pytest.mark.parametrize(
    ("kind", "params", "rule"),
    [
        ("free_text", {"body": "您好"}, "unknown SMS kind"),
        ("ticket_reply", {"number": "T1"}, "takes"),
        ("ticket_reply", {**REPLY, "extra": "x"}, "takes"),
        ("ticket_reply", {**REPLY, "number": "T" * 21}, "characters"),
        ("ticket_reply", {**REPLY, "number": ""}, "characters"),
        ("ticket_reply", {**REPLY, "number": "https://e.cn"}, "no link"),
        ("ticket_reply", {**REPLY, "number": "t.cn/abc"}, "no link"),
        ("ticket_reply", {**REPLY, "hotline": "13912345678"}, "not allowed"),
        ("upload_followup", {"what": "110101199003078034", "hotline": "400"}, "ID number"),
        ("unreachable", {"count": "三", "numbers": "028-63201710", "url": "x"}, "digits"),
    ],
)
def test_parameters_that_break_a_carrier_rule_are_refused(db_session, kind, params, rule):
    with pytest.raises(UnsafeSms, match=rule):
        queue(db_session, kind=kind, params=params)

    assert db_session.scalar(select(OutboundSms)) is None


def test_only_the_parameter_the_template_declares_a_link_may_hold_one(db_session):
    message = queue(
        db_session,
        kind="unreachable",
        params={"count": 3, "numbers": "028-63201710、028-62093080", "url": "https://desk.cn"},
    )

    assert message.params == {
        "count": "3",
        "numbers": "028-63201710、028-62093080",
        "url": "https://desk.cn",
    }
    assert message.body == (
        "考试技术支持服务台使用 028-63201710、028-62093080 给您打了 3 次电话，均未能接通。"
        "请勿回拨这些号码。如需帮助，请登录 https://desk.cn，在客服平台提交问题。"
    )


@pytest.mark.parametrize("kind", registry.kinds())
def test_every_kind_has_its_chinese_template_with_every_parameter(kind):
    template = registry.get(kind)
    params = {p.name: f"<{p.name}>" for p in template.params}

    chinese = registry.render(kind, params)
    english = registry.render(kind, params, locale="en")

    assert chinese != english
    assert all(f"<{p.name}>" in chinese and f"<{p.name}>" in english for p in template.params)
    assert len(chinese) <= registry.CARRIER_TEXT_LENGTH


def test_the_desk_sends_the_three_kinds_of_message():
    assert {"unreachable", "ticket_reply", "upload_followup"} <= set(registry.kinds())


def test_a_kind_cannot_be_registered_twice_with_another_text():
    template = registry.get("ticket_reply")

    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.Template("ticket_reply", "other", template.params, "x"))


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


def test_the_twilio_notifier_sends_the_templates_text_as_the_exact_messages_request():
    http = RecordingHttpClient()
    notifier = TwilioNotifier("AC0123", "token", "+15005550006", http_client=http)

    sid = notifier.send(Sms("+8613800138000", "ticket_reply", REPLY, REPLY_TEXT))

    assert sid == "SM123"
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json"
    assert request["data"] == {"To": "+8613800138000", "From": "+15005550006", "Body": REPLY_TEXT}
    assert request["auth"] == ("AC0123", "token")


def test_the_numbers_an_sms_may_name_are_the_hotline_and_the_configured_lines():
    settings = notify_settings.from_config(
        {"HOTLINE": "400-088-0028", "CALLER_IDS": "+862863201710, 028-62093080"}
    )

    check_text("我们从 028-62093080 给您回电，请拨打 400-088-0028。", **allowed(settings))
    with pytest.raises(UnsafeSms):
        check_text("请回拨 13800138000。", **allowed(settings))
    assert settings.allowed_numbers == ["400-088-0028", "+862863201710", "028-62093080"]


def test_a_desk_address_too_long_for_the_carriers_stops_the_desk_from_starting():
    config = {"PUBLIC_URL": "https://" + "k" * 60 + ".cn", "HOTLINE": "400-088-0028"}

    with pytest.raises(ConfigError, match="HELPDESK_PUBLIC_URL"):
        notify_settings.check(config, notify_settings.from_config(config))
    notify_settings.check({"PUBLIC_URL": "https://kaoshi.example.cn"}, notify_settings.Settings())


def test_the_callback_queue_texts_under_the_same_rule_the_app_built(app):
    assert app.extensions["callbacks.settings"].sms == app.extensions["notify.settings"]


def allowed(settings):
    return {"allowed_numbers": settings.allowed_numbers}
