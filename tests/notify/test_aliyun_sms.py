"""Aliyun SMS through its official SDK, only the HTTP layer faked: the exact SendSms
request of each kind, the provider's error codes (throttled, invalid number, template not
approved, timeouts) read as retry or final failure, and delivery receipts from
QuerySendDetails moving messages to delivered or failed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.notify import adapters, registry
from helpdesk.notify.aliyun import AliyunSmsNotifier
from helpdesk.notify.jobs import check_receipts, send_pending
from helpdesk.notify.models import SmsStatus
from helpdesk.notify.services import queue_sms
from tests.aliyun_http import timeout

NOW = datetime(2023, 1, 10, 3, 30, tzinfo=UTC)  # 11:30 in Beijing
ALLOWED = ["400-088-0028", "+862863201710", "+862862093080"]
CODES = {"unreachable": "SMS_465001", "ticket_reply": "SMS_465002", "upload_followup": "SMS_465003"}
PARAMS = {
    "unreachable": {"count": "3", "numbers": "028-63201710、028-62093080", "url": "https://k.cn"},
    "ticket_reply": {"number": "T230110-0001", "hotline": "400-088-0028"},
    "upload_followup": {"what": "智考通的佐证视频", "hotline": "400-088-0028"},
}


def notifier(endpoint: str = "") -> AliyunSmsNotifier:
    return AliyunSmsNotifier(
        access_key_id="LTAI-test",
        access_key_secret="secret",
        sign_name="考试技术支持",
        template_codes=CODES,
        endpoint=endpoint or "dysmsapi.aliyuncs.com",
    )


def queue(db_session, kind="ticket_reply", key="k1"):
    return queue_sms(
        db_session,
        to="+8613800138000",
        kind=kind,
        params=PARAMS[kind],
        dedupe_key=key,
        now=NOW,
        allowed_numbers=ALLOWED,
    )


def sent(biz_id="BIZ1"):
    return (200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "R1"})


def refused(code, message="refused"):
    return (200, {"Code": code, "Message": message, "RequestId": "R1"})


@pytest.mark.parametrize("kind", ["unreachable", "ticket_reply", "upload_followup"])
def test_each_kind_is_the_exact_send_sms_request(db_session, aliyun_http, kind):
    message = queue(db_session, kind=kind)
    aliyun_http.answers = [sent("900619746936498440^0")]

    assert send_pending(db_session, notifier=notifier(), now=NOW) == 1

    (request,) = aliyun_http.requests
    assert (request["method"], request["url"]) == ("POST", "https://dysmsapi.aliyuncs.com/")
    assert (request["action"], request["version"]) == ("SendSms", "2017-05-25")
    assert request["signed"]
    params = aliyun_http.params()
    assert params == {
        "PhoneNumbers": "13800138000",
        "SignName": "考试技术支持",
        "TemplateCode": CODES[kind],
        "TemplateParam": json.dumps(PARAMS[kind], ensure_ascii=False, sort_keys=True),
        "OutId": str(message.id),
    }
    assert json.loads(params["TemplateParam"]) == PARAMS[kind]
    assert (message.status, message.provider_id) == (SmsStatus.SENT, "900619746936498440^0")


def test_the_endpoint_can_point_at_a_local_server(db_session, aliyun_http):
    queue(db_session)

    send_pending(db_session, notifier=notifier("http://127.0.0.1:8091"), now=NOW)

    assert aliyun_http.requests[0]["url"] == "http://127.0.0.1:8091/"


@pytest.mark.parametrize(
    "answer",
    [
        refused("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10"),
        (400, {"Code": "Throttling.User", "Message": "user flow control", "RequestId": "R"}),
        (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "R"}),
    ],
)
def test_throttling_and_outages_are_retried_after_the_backoff(db_session, aliyun_http, answer):
    message = queue(db_session)
    aliyun_http.answers = [answer, sent()]

    first = send_pending(db_session, notifier=notifier(), now=NOW)
    second = send_pending(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))

    assert (first, second) == (0, 1)
    assert len(aliyun_http.requests) == 2  # the SDK itself never sent one twice
    assert (message.status, message.attempts) == (SmsStatus.SENT, 2)


def outids(*refs):
    rows = [{"PhoneNum": "13800138000", "SendStatus": 1, "OutId": r} for r in refs]
    return (200, {"Code": "OK", "RequestId": "R3", "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}})


def test_a_send_that_timed_out_is_looked_up_by_its_out_id_before_it_is_sent_again(
    db_session, aliyun_http
):
    message = queue(db_session)
    aliyun_http.answers = [timeout(), outids(), sent("BIZ2")]

    first = send_pending(db_session, notifier=notifier(), now=NOW)
    second = send_pending(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))

    actions = [r["action"] for r in aliyun_http.requests]
    assert (first, second) == (0, 1)
    assert actions == ["SendSms", "QuerySendDetails", "SendSms"]
    assert aliyun_http.params(0)["OutId"] == str(message.id)
    assert aliyun_http.params(1) == {
        "PhoneNumber": "13800138000",
        "SendDate": "20230110",
        "PageSize": "50",
        "CurrentPage": "1",
    }
    assert (message.status, message.provider_id) == (SmsStatus.SENT, "BIZ2")


def test_a_send_that_timed_out_but_went_out_is_never_sent_twice(db_session, aliyun_http):
    message = queue(db_session)
    aliyun_http.answers = [timeout(), outids("999", str(message.id))]

    send_pending(db_session, notifier=notifier(), now=NOW)
    send_pending(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))

    assert [r["action"] for r in aliyun_http.requests] == ["SendSms", "QuerySendDetails"]
    assert (message.status, message.provider_id) == (SmsStatus.SENT, f"out:{message.id}")


@pytest.mark.parametrize(
    "code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL"]
)
def test_an_invalid_number_or_an_unapproved_template_fails_at_once(db_session, aliyun_http, code):
    message = queue(db_session)
    aliyun_http.answers = [refused(code)]

    send_pending(db_session, notifier=notifier(), now=NOW)

    assert (message.status, message.last_error, message.failed_at) == (SmsStatus.FAILED, code, NOW)
    assert send_pending(db_session, notifier=notifier(), now=NOW + timedelta(hours=2)) == 0
    assert len(aliyun_http.requests) == 1


def test_a_kind_without_an_approved_template_code_is_never_sent(db_session, aliyun_http):
    message = queue(db_session)
    partial = notifier()
    partial.template_codes.pop("ticket_reply")

    send_pending(db_session, notifier=partial, now=NOW)

    assert aliyun_http.requests == []
    assert message.status == SmsStatus.FAILED
    assert message.last_error == "no template code for ticket_reply"


def detail(status, err="DELIVERED", received="2023-01-10 11:30:09"):
    return (
        200,
        {
            "Code": "OK",
            "RequestId": "R2",
            "TotalCount": 1,
            "SmsSendDetailDTOs": {
                "SmsSendDetailDTO": [
                    {
                        "PhoneNum": "13800138000",
                        "SendStatus": status,
                        "ErrCode": err,
                        "TemplateCode": "SMS_465002",
                        "SendDate": "2023-01-10 11:30:00",
                        "ReceiveDate": received,
                        "Content": "【考试技术支持】您在客服平台提交的问题……",
                    }
                ]
            },
        },
    )


def test_a_delivery_receipt_is_read_with_the_exact_query_send_details_request(
    db_session, aliyun_http
):
    message = queue(db_session)
    aliyun_http.answers = [sent("BIZ7"), detail(3)]
    send_pending(db_session, notifier=notifier(), now=NOW)

    changed = check_receipts(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))
    db_session.refresh(message)

    assert changed == 1
    assert aliyun_http.requests[1]["action"] == "QuerySendDetails"
    assert aliyun_http.params(1) == {
        "PhoneNumber": "13800138000",
        "BizId": "BIZ7",
        "SendDate": "20230110",
        "PageSize": "10",
        "CurrentPage": "1",
    }
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2023, 1, 10, 3, 30, 9, tzinfo=UTC)


def test_an_undeliverable_receipt_fails_the_message_with_the_carriers_code(db_session, aliyun_http):
    message = queue(db_session)
    aliyun_http.answers = [sent("BIZ8"), detail(2, err="MK:0001", received="")]
    send_pending(db_session, notifier=notifier(), now=NOW)

    check_receipts(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))
    db_session.refresh(message)

    assert (message.status, message.last_error) == (SmsStatus.FAILED, "MK:0001")


def test_a_message_still_waiting_for_its_receipt_is_asked_about_again_later(
    db_session, aliyun_http
):
    message = queue(db_session)
    aliyun_http.answers = [sent(), detail(1, err="", received=""), detail(3)]
    send_pending(db_session, notifier=notifier(), now=NOW)

    check_receipts(db_session, notifier=notifier(), now=NOW + timedelta(minutes=1))
    too_soon = check_receipts(db_session, notifier=notifier(), now=NOW + timedelta(minutes=2))
    later = check_receipts(db_session, notifier=notifier(), now=NOW + timedelta(minutes=4))
    db_session.refresh(message)

    assert (too_soon, later) == (0, 1)
    assert len(aliyun_http.requests) == 3
    assert message.status == SmsStatus.DELIVERED


def test_the_log_notifier_has_no_receipts_to_ask_for(db_session):
    queue(db_session)
    send_pending(db_session, notifier=adapters.LogNotifier(), now=NOW)

    assert check_receipts(db_session, notifier=adapters.LogNotifier(), now=NOW) == 0


def test_the_aliyun_notifier_needs_credentials_a_signature_and_a_code_for_every_kind():
    config = {
        "NOTIFIER": "aliyun",
        "ALIYUN_ACCESS_KEY_ID": "LTAI-test",
        "ALIYUN_ACCESS_KEY_SECRET": "secret",
        "ALIYUN_SMS_SIGN_NAME": "考试技术支持",
        "SMS_TEMPLATE_CODES": "unreachable=SMS_1, ticket_reply=SMS_2",
    }

    with pytest.raises(RuntimeError, match="upload_followup"):
        adapters.from_config(config, kinds=registry.kinds())
    with pytest.raises(RuntimeError, match="HELPDESK_ALIYUN_SMS_SIGN_NAME"):
        adapters.from_config({**config, "ALIYUN_SMS_SIGN_NAME": ""}, kinds=registry.kinds())
    # Kinds other capabilities register (the reminders) need their codes too.
    others = [k for k in registry.kinds() if k not in ("unreachable", "ticket_reply")]
    extra = "".join(f",{kind}=SMS_{n}" for n, kind in enumerate(others, start=3))
    built = adapters.from_config(
        {**config, "SMS_TEMPLATE_CODES": config["SMS_TEMPLATE_CODES"] + extra},
        kinds=registry.kinds(),
    )
    assert isinstance(built, AliyunSmsNotifier)
    assert built.template_codes["unreachable"] == "SMS_1"
    assert built.template_codes["ticket_reply"] == "SMS_2"
    assert built.template_codes["upload_followup"] == "SMS_3"
    assert set(built.template_codes) == set(registry.kinds())
