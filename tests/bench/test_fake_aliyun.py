"""The rehearsal's fake Aliyun answers the real adapters over real HTTP: an SMS sent and its
receipt, a call placed from a whitelisted line and its record once it ended, throttling,
errors, and a hanging API that leaves a call unknown but placed exactly once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bench.fakes import aliyun as fake
from helpdesk.notify.aliyun import AliyunSmsNotifier
from helpdesk.notify.port import NotifierError, Sms
from helpdesk.telephony.aliyun import AliyunCccDialer
from helpdesk.telephony.port import DialerRefused
from helpdesk.telephony.states import CallState, DialOutcome


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(fake, "HANG_SECONDS", 3.0)
    server = fake.serve(0, talk_seconds=0.2)
    yield server
    server.shutdown()
    server.server_close()


def endpoint(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def sms(server) -> AliyunSmsNotifier:
    return AliyunSmsNotifier(
        access_key_id="LTAI-rehearsal",
        access_key_secret="secret",
        sign_name="考试技术支持",
        template_codes={"ticket_reply": "SMS_465002"},
        endpoint=endpoint(server),
        timeout_seconds=1,
    )


def ccc(server) -> AliyunCccDialer:
    return AliyunCccDialer(
        access_key_id="LTAI-rehearsal",
        access_key_secret="secret",
        instance_id="ccc-rehearsal",
        endpoint=endpoint(server),
        timeout_seconds=1,
    )


MESSAGE = Sms("+8613800138000", "ticket_reply", {"number": "T1", "hotline": "400-088-0028"}, "x")


def test_an_sms_is_sent_signed_and_its_receipt_says_delivered(server):
    notifier = sms(server)

    biz = notifier.send(MESSAGE)
    receipt = notifier.receipt(provider_id=biz, to=MESSAGE.to, sent_at=datetime.now(UTC))

    (message,) = server.state()["messages"]
    assert (message["phone"], message["template_code"]) == ("13800138000", "SMS_465002")
    assert message["sign_name"] == "考试技术支持"
    assert receipt is not None
    assert receipt.delivered


def test_an_sms_whose_answer_hung_is_found_by_its_out_id_and_not_sent_again(server):
    server.mode = "hang"
    notifier = sms(server)
    message = Sms(MESSAGE.to, MESSAGE.kind, MESSAGE.params, MESSAGE.text, ref="42")

    with pytest.raises(NotifierError) as lost:
        notifier.send(message)
    server.mode = "ok"
    found = notifier.find_sent(message, since=datetime.now(UTC))

    assert lost.value.unsure
    assert found == "out:42"
    assert len(server.state()["messages"]) == 1


def test_the_triple_mode_throttles_each_messages_first_try(server):
    server.mode = "triple"
    notifier = sms(server)

    with pytest.raises(NotifierError) as refused:
        notifier.send(MESSAGE)
    notifier.send(MESSAGE)

    assert (str(refused.value), refused.value.permanent) == ("isv.BUSINESS_LIMIT_CONTROL", False)
    assert len(server.state()["messages"]) == 1


def test_a_call_is_placed_from_a_whitelisted_line_and_its_record_appears_when_it_ends(server):
    dialer = ccc(server)

    result = dialer.place_call(
        attempt_id="a1", agent_phone="8001", to="+8613912345678", caller_id="+862863201710"
    )
    during = dialer.record(str(result.sid))
    time.sleep(1.0)
    after = dialer.record(str(result.sid))

    assert result.state == CallState.QUEUED
    assert during is None
    assert after is not None
    assert after.outcome in (DialOutcome.CONNECTED, DialOutcome.NO_ANSWER)
    assert server.state()["problems"] == []


def test_an_erroring_contact_center_refuses_the_call(server):
    server.mode = "error"

    with pytest.raises(DialerRefused, match="ServiceUnavailable"):
        ccc(server).place_call(
            attempt_id="a1", agent_phone="8001", to="+8613912345678", caller_id="+862863201710"
        )


def test_a_hanging_contact_center_leaves_the_call_unknown_but_placed_once(server):
    server.mode = "hang"
    dialer = ccc(server)

    result = dialer.place_call(
        attempt_id="a1", agent_phone="8001", to="+8613912345678", caller_id="+862863201710"
    )
    server.mode = "ok"
    time.sleep(1.0)
    found = dialer.lookup(
        sid=None, agent_phone="8001", caller_id="+862863201710", since=datetime.now(UTC)
    )
    later = dialer.lookup(
        sid=None,
        agent_phone="8001",
        caller_id="+862863201710",
        since=datetime.fromtimestamp(time.time() - 60, UTC),
    )

    assert result.state == CallState.UNKNOWN
    assert found is None  # nothing placed after that moment
    assert later is not None
    assert len(server.state()["calls"]) == 1
