"""Fixtures for the callback queue: a formal exam in progress, help requests, settings, and
a desk on Twilio whose webhooks are signed like Twilio's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from helpdesk import clock, create_app
from helpdesk.callbacks import calls, presence, queue, services
from helpdesk.callbacks.settings import Settings
from helpdesk.db import database
from helpdesk.telephony.dialer import TwilioDialer
from tests.conftest import app_config
from tests.twilio_http import PUBLIC, SID, TOKEN, calls_client

#: 2023-01-10 11:05 Beijing time: the formal exam is in progress.
IN_EXAM = datetime(2023, 1, 10, 3, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _app_context(app):
    """Services run inside the app (a request or a job); outside a request the desk speaks
    Chinese, as jobs do."""
    with app.app_context():
        yield


@pytest.fixture
def in_exam() -> datetime:
    clock.freeze(IN_EXAM)
    return IN_EXAM


@pytest.fixture
def settings() -> Settings:
    return Settings(public_url="https://desk.example.cn")


@pytest.fixture
def formal(make_exam):
    return make_exam("FORMAL-T", kind="formal")


@pytest.fixture
def on_duty(db_session, make_staff, settings):
    """Put n agents on duty (console open, not paused) at a moment; returns them."""

    def make(n: int = 1, *, now: datetime = IN_EXAM) -> list:
        agents = [make_staff() for _ in range(n)]
        for agent in agents:
            presence.heartbeat(db_session, staff=agent, settings=settings, now=now)
        return agents

    return make


@pytest.fixture
def press(db_session) -> Callable[..., services.HelpRequest]:
    """Press 求助 for a candidate (a new key each time unless given)."""

    def make(
        candidate,
        exam,
        *,
        now: datetime = IN_EXAM,
        key: str | None = None,
        phone: str | None = None,
        category: str | None = None,
    ):
        request, _created = services.request_help(
            db_session,
            candidate=candidate,
            now=now,
            source="api",
            idempotency_key=key or uuid.uuid4().hex,
            data=services.HelpInput(exam_session=exam.code, phone=phone, category=category),
        )
        return request

    return make


def later(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def twilio_app(app, tmp_path_factory):
    config = {
        **app_config(str(app.config["DATABASE_URL"]), str(tmp_path_factory.mktemp("t"))),
        "TELEPHONY": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_URL": PUBLIC,
    }
    application = create_app(config)
    yield application
    database(application).engine.dispose()


@pytest.fixture
def http(twilio_app):
    client = calls_client()
    twilio_app.extensions["dialer"] = TwilioDialer(SID, TOKEN, PUBLIC, http_client=client)
    return client


@pytest.fixture
def tclient(twilio_app, db_session):
    db = database(twilio_app)
    db.bind_to(db_session.bind)
    yield twilio_app.test_client()
    db.sessionmaker.configure(bind=db.engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture
def calling(db_session, make_candidate, make_staff, formal, press, settings, in_exam):
    """A request claimed by an agent whose phone Twilio rings first; attempt recorded."""
    request = press(make_candidate(sessions=[formal], phone="+8613912345678").candidate, formal)
    agent = make_staff()
    agent.phone = "+8613800000001"
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    attempt = calls.start_call(
        db_session, request=request, staff=agent, adapter="twilio", settings=settings, now=IN_EXAM
    )
    return request, agent, attempt


def signed(url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def webhook(tclient, kind: str, attempt, params: dict[str, str], headers=None):
    path = f"/telephony/twilio/{kind}/{attempt.public_id}"
    headers = signed(PUBLIC + path, params) if headers is None else headers
    return tclient.post(
        path,
        data=urlencode(params),
        headers=headers,
        content_type="application/x-www-form-urlencoded",
    )
