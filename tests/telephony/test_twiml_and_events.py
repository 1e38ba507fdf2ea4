"""The port's Twilio side: the TwiML it answers, the signature it trusts, Twilio's status words
in the port's call states (which only move forward), and provider events remembered once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from helpdesk.telephony.models import TelephonyEvent
from helpdesk.telephony.services import remember_event
from helpdesk.telephony.states import (
    CallState,
    DialOutcome,
    LegStatus,
    lower_than,
    twilio_call_status,
    twilio_dial_outcome,
)
from helpdesk.telephony.twiml import bridge_twiml, hangup_twiml, signature_valid
from tests.twilio_http import PUBLIC, TOKEN

NOW = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)
URL = f"{PUBLIC}/telephony/twilio/status/a1b2c3"
PARAMS = {"CallSid": "CA0001", "CallStatus": "ringing"}


def test_the_bridge_dials_the_candidate_with_the_line_as_caller_id():
    twiml = bridge_twiml(to="+8613912345678", caller_id="+862863201710", dial_url=f"{PUBLIC}/d")

    assert twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="zh-CN">正在接通考生，请稍候。</Say>'
        f'<Dial action="{PUBLIC}/d" '
        'answerOnBridge="true" callerId="+862863201710" method="POST" timeout="30">'
        "<Number>+8613912345678</Number></Dial></Response>"
    )


def test_a_hangup_says_its_message_in_chinese_first():
    assert hangup_twiml("无需再拨。") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="zh-CN">无需再拨。</Say><Hangup /></Response>'
    )
    assert hangup_twiml() == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'


def test_only_a_signature_made_with_the_accounts_token_on_that_url_is_trusted():
    good = RequestValidator(TOKEN).compute_signature(URL, PARAMS)

    assert signature_valid(auth_token=TOKEN, url=URL, params=PARAMS, signature=good)
    assert not signature_valid(auth_token="other", url=URL, params=PARAMS, signature=good)
    assert not signature_valid(auth_token=TOKEN, url=URL + "x", params=PARAMS, signature=good)
    assert not signature_valid(
        auth_token=TOKEN, url=URL, params={**PARAMS, "CallStatus": "completed"}, signature=good
    )
    assert not signature_valid(auth_token=TOKEN, url=URL, params=PARAMS, signature="")
    assert not signature_valid(auth_token="", url=URL, params=PARAMS, signature=good)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("queued", LegStatus(CallState.QUEUED)),
        ("initiated", LegStatus(CallState.QUEUED)),
        ("ringing", LegStatus(CallState.RINGING)),
        ("in-progress", LegStatus(CallState.IN_PROGRESS)),
        ("answered", LegStatus(CallState.IN_PROGRESS)),
        ("completed", LegStatus(CallState.ENDED)),
        ("busy", LegStatus(CallState.ENDED, failed=True)),
        ("no-answer", LegStatus(CallState.ENDED, failed=True)),
        ("failed", LegStatus(CallState.ENDED, failed=True)),
        ("canceled", LegStatus(CallState.ENDED, failed=True)),
        ("ringing-loudly", None),
    ],
)
def test_twilios_call_status_is_told_in_the_ports_words(word, status):
    assert twilio_call_status(word) == status


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("completed", DialOutcome.CONNECTED),
        ("answered", DialOutcome.CONNECTED),
        ("busy", DialOutcome.BUSY),
        ("no-answer", DialOutcome.NO_ANSWER),
        ("failed", DialOutcome.FAILED),
        ("canceled", DialOutcome.FAILED),
        ("", None),
    ],
)
def test_twilios_dial_status_is_told_in_the_ports_words(word, outcome):
    assert twilio_dial_outcome(word) == outcome


def test_a_call_state_is_only_replaced_by_a_later_one():
    assert set(lower_than(CallState.RINGING)) == {
        CallState.MANUAL,
        CallState.UNKNOWN,
        CallState.QUEUED,
    }
    assert CallState.ENDED not in lower_than(CallState.IN_PROGRESS)
    assert lower_than(CallState.QUEUED) == [CallState.MANUAL, CallState.UNKNOWN]


def test_a_delivery_is_remembered_once_and_another_one_is_new(db_session):
    first = remember_event(db_session, url=URL, params=PARAMS, now=NOW)
    replay = remember_event(db_session, url=URL, params=dict(reversed(PARAMS.items())), now=NOW)
    later = remember_event(
        db_session, url=URL, params={**PARAMS, "CallStatus": "completed"}, now=NOW
    )

    events = db_session.scalars(select(TelephonyEvent).order_by(TelephonyEvent.id)).all()
    assert (first, replay, later) == (True, False, True)
    assert [(e.call_sid, e.status) for e in events] == [
        ("CA0001", "ringing"),
        ("CA0001", "completed"),
    ]
