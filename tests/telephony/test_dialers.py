"""The Dialer adapters: the desk phone leaves dialing to the agent; the Twilio adapter sends
exactly the Calls API requests Twilio documents, and reports refusals, timeouts and lookups
in the port's words. Only the twilio library's HTTP client is replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from config import ConfigError
from helpdesk import create_app
from helpdesk.telephony import dialer as dialers
from helpdesk.telephony.dialer import (
    DeskDialer,
    DialerRefused,
    DialResult,
    ProviderCall,
    TwilioDialer,
)
from helpdesk.telephony.states import CallState, LegStatus
from tests.conftest import app_config
from tests.twilio_http import PUBLIC, SID, TOKEN, calls_client

AGENT = "+8613800000001"
LINE = "+862863201710"
SINCE = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)


def place(dialer, attempt_id: str = "a1b2c3", agent_phone: str | None = AGENT) -> DialResult:
    return dialer.place_call(
        attempt_id=attempt_id, agent_phone=agent_phone, to="+8613912345678", caller_id=LINE
    )


def test_placing_a_call_rings_the_agent_first_from_a_whitelisted_number():
    http = calls_client()
    http.answers.append((201, {"sid": "CA0001", "status": "queued"}))

    result = place(TwilioDialer(SID, TOKEN, PUBLIC, http_client=http), attempt_id="a1b2c3")

    (sent,) = http.requests
    assert sent["method"] == "POST"
    assert sent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
    base = f"{PUBLIC}/telephony/twilio"
    assert sent["data"] == {
        "To": "+8613800000001",
        "From": "+862863201710",
        "Url": f"{base}/voice/a1b2c3",
        "Method": "POST",
        "StatusCallback": f"{base}/status/a1b2c3",
        "StatusCallbackMethod": "POST",
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "Timeout": 20,
    }
    assert sent["auth"] == (SID, TOKEN)
    assert result == DialResult(CallState.QUEUED, "CA0001")


def test_a_call_twilio_refuses_is_reported_as_not_placed():
    http = calls_client()
    http.answers.append((400, {"code": 21211, "message": "Invalid 'To'", "status": 400}))

    with pytest.raises(DialerRefused, match="21211"):
        place(TwilioDialer(SID, TOKEN, PUBLIC, http_client=http))


def test_an_agent_without_a_phone_is_refused_before_twilio_hears_of_it():
    http = calls_client()

    with pytest.raises(DialerRefused):
        place(TwilioDialer(SID, TOKEN, PUBLIC, http_client=http), agent_phone=None)
    assert http.requests == []


def test_a_call_whose_placing_timed_out_is_unknown():
    http = calls_client()
    http.answers.append(requests.exceptions.ReadTimeout("read timed out"))

    result = place(TwilioDialer(SID, TOKEN, PUBLIC, http_client=http))

    assert result == DialResult(CallState.UNKNOWN)


def test_a_lost_call_with_a_sid_is_fetched_and_told_in_the_ports_words():
    http = calls_client()
    http.answers.append((200, {"sid": "CA0009", "status": "busy"}))
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    found = dialer.lookup(sid="CA0009", agent_phone=AGENT, caller_id=LINE, since=SINCE)

    (sent,) = http.requests
    assert sent["method"] == "GET"
    assert sent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls/CA0009.json"
    assert found == ProviderCall("CA0009", LegStatus(CallState.ENDED, failed=True))


def test_a_lost_call_without_a_sid_is_found_by_the_agents_phone_and_the_line():
    http = calls_client()
    page = {"next_page_uri": None, "page": 0, "page_size": 5}
    http.answers.append((200, {"calls": [{"sid": "CA0010", "status": "ringing"}], **page}))
    http.answers.append((200, {"calls": [], **page}))
    dialer = TwilioDialer(SID, TOKEN, PUBLIC, http_client=http)

    found = dialer.lookup(sid=None, agent_phone=AGENT, caller_id=LINE, since=SINCE)
    missing = dialer.lookup(sid=None, agent_phone=AGENT, caller_id=LINE, since=SINCE)

    first = http.requests[0]
    assert first["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
    assert first["params"]["To"] == AGENT
    assert first["params"]["From"] == LINE
    assert first["params"]["StartTime>"] == "2023-01-10T03:05:00Z"
    assert found == ProviderCall("CA0010", LegStatus(CallState.RINGING))
    assert missing is None


def test_the_desk_dialer_leaves_dialing_to_the_agent():
    desk = DeskDialer()

    result = place(desk)

    assert result == DialResult(CallState.MANUAL)
    assert desk.lookup(sid=None, agent_phone=AGENT, caller_id=LINE, since=SINCE) is None


def test_the_twilio_adapter_needs_its_credentials_to_start(app):
    with pytest.raises(ConfigError):
        create_app({**app_config("sqlite://", "/tmp"), "TELEPHONY": "twilio"})


def test_an_unknown_telephony_adapter_refuses_to_start():
    with pytest.raises(ConfigError):
        dialers.from_config({"TELEPHONY": "pbx"})


def test_the_configured_twilio_adapter_talks_to_the_api_base_with_its_timeout(monkeypatch):
    sent: list[tuple[str, str, float | None]] = []

    def transport(self, method, url, *args, **kwargs):
        sent.append((method, url, self.timeout))
        return Response(201, '{"sid": "CA0002", "status": "queued"}')

    monkeypatch.setattr(TwilioHttpClient, "request", transport)
    dialer = dialers.from_config(
        {
            "TELEPHONY": "twilio",
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_URL": PUBLIC,
            "TWILIO_API_BASE": "http://127.0.0.1:8765/",
            "TWILIO_TIMEOUT_SECONDS": 3,
        }
    )

    result = place(dialer)

    assert sent == [("POST", f"http://127.0.0.1:8765/2010-04-01/Accounts/{SID}/Calls.json", 3.0)]
    assert result == DialResult(CallState.QUEUED, "CA0002")
