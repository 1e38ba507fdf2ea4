"""Staff sign-in: throttled per username and per address, one answer whether the account
exists, and the second step with a code from the app or a recovery code."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk import clock, create_app
from helpdesk.audit.models import AuditEntry
from helpdesk.db import database
from helpdesk.identity import passwords, twofactor
from tests.conftest import TEST_TOTP_SECRET, app_config, totp_now
from tests.identity.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


def _try(client, username: str, password: str = "wrong password here"):
    return client.post("/staff/signin", data={"username": username, "password": password})


def test_an_agent_without_two_factor_signs_in_with_the_password(
    client, make_staff, db_session, now
):
    agent = make_staff("agent")

    response = _try(client, agent.username, PASSWORD)

    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    db_session.refresh(agent)
    assert agent.last_sign_in_at == now


def test_after_five_failures_the_username_is_throttled_with_429_and_retry_after(
    client, make_staff, browser_at
):
    agent = make_staff("agent")
    for _ in range(5):
        assert _try(client, agent.username).status_code == 401

    locked = _try(browser_at("10.9.9.9"), agent.username, PASSWORD)

    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 60
    assert "登录失败次数过多" in locked.text
    assert browser_at("10.9.9.9").get("/staff/").status_code == 302


def test_a_classmates_address_is_unaffected_when_one_address_is_throttled(
    app, make_staff, browser_at
):
    office, classmate = browser_at("10.0.0.1"), browser_at("10.0.0.2")
    agent = make_staff("agent")
    limit = app.config["STAFF_SIGNIN_FAILURES_PER_IP"]
    for n in range(limit):
        _try(office, f"nobody-{n}")

    refused = _try(office, agent.username, PASSWORD)
    allowed = _try(classmate, agent.username, PASSWORD)

    assert refused.status_code == 429
    assert allowed.status_code == 302


def test_a_right_password_from_one_address_does_not_reset_the_failures_from_another(
    make_staff, browser_at
):
    attacker, owner = browser_at("203.0.113.7"), browser_at("10.0.0.5")
    agent = make_staff("agent")
    for _ in range(4):
        _try(attacker, agent.username)
    assert _try(owner, agent.username, PASSWORD).status_code == 302

    fifth = _try(attacker, agent.username)
    after = _try(attacker, agent.username, PASSWORD)

    assert fifth.status_code == 401
    assert after.status_code == 429


def _normalised(response, username: str) -> tuple[int, str]:
    body = CSRF.sub("csrf", response.get_data(as_text=True)).replace(username, "USER")
    return response.status_code, body


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client, make_staff):
    agent = make_staff("agent", username="li.agent")

    known = _try(client, agent.username)
    unknown = _try(client, "li.agenx")

    assert known.status_code == 401
    assert _normalised(known, "li.agent") == _normalised(unknown, "li.agenx")
    assert "用户名或密码错误" in known.text


def test_throttled_unknown_and_known_usernames_get_the_same_answer(client, make_staff):
    make_staff("agent", username="li.agent")
    answers = []
    for username in ("li.agent", "li.agenx"):
        for _ in range(5):
            _try(client, username)
        answers.append(_normalised(_try(client, username), username))

    assert answers[0] == answers[1]
    assert answers[0][0] == 429


class CountingHasher:
    def __init__(self, real) -> None:
        self.real, self.verified = real, []

    def verify(self, stored: str, text: str) -> bool:
        self.verified.append(stored)
        return self.real.verify(stored, text)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_an_unknown_username_costs_one_argon2_verification_like_a_known_one(
    client, make_staff, monkeypatch
):
    make_staff("agent", username="li.agent")
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)

    _try(client, "li.agent")
    _try(client, "li.agenx")

    assert len(hasher.verified) == 2
    assert hasher.verified[1] == passwords._DUMMY_HASH


def test_a_disabled_account_gets_the_wrong_password_answer_even_with_the_right_one(
    client, make_staff, db_session
):
    agent = make_staff("agent", username="li.agent")
    agent.active = False
    db_session.flush()

    response = _try(client, "li.agent", PASSWORD)

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_an_enrolled_supervisor_needs_the_code_after_the_password(client, make_staff, now):
    supervisor = make_staff("supervisor")

    first = _try(client, supervisor.username, PASSWORD)
    halfway = client.get("/staff/")
    second = client.post("/staff/signin/code", data={"code": totp_now()})

    assert first.headers["Location"] == "/staff/signin/code"
    assert halfway.status_code == 302
    assert second.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_is_refused_with_a_message_and_counted(app, client, make_staff, now):
    supervisor = make_staff("supervisor")
    _try(client, supervisor.username, PASSWORD)
    wrong = f"{(int(totp_now()) + 1) % 1_000_000:06d}"

    answers = [client.post("/staff/signin/code", data={"code": wrong}) for _ in range(5)]
    locked = client.post("/staff/signin/code", data={"code": totp_now()})

    assert [a.status_code for a in answers] == [401] * 5
    assert "验证码不正确" in answers[0].text
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers


def test_a_code_works_only_once(app, make_staff, now):
    supervisor = make_staff("supervisor")
    first, second = app.test_client(), app.test_client()
    code = totp_now()

    _try(first, supervisor.username, PASSWORD)
    used = first.post("/staff/signin/code", data={"code": code})
    _try(second, supervisor.username, PASSWORD)
    replayed = second.post("/staff/signin/code", data={"code": code})

    assert used.status_code == 302
    assert replayed.status_code == 401
    assert second.get("/staff/").status_code == 302


def test_the_next_time_step_opens_again_and_an_old_one_never_does(app, make_staff, now):
    supervisor = make_staff("supervisor")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    browser = app.test_client()
    _try(browser, supervisor.username, PASSWORD)
    assert browser.post("/staff/signin/code", data={"code": totp.at(now)}).status_code == 302
    clock.freeze(now + timedelta(seconds=30))

    _try(browser, supervisor.username, PASSWORD)
    older = browser.post("/staff/signin/code", data={"code": totp.at(now - timedelta(seconds=30))})
    newer = browser.post("/staff/signin/code", data={"code": totp.at(now + timedelta(seconds=30))})

    assert older.status_code == 401
    assert newer.status_code == 302


def test_two_requests_racing_with_one_code_cannot_both_pass(app, db_session, make_staff, now):
    supervisor = make_staff("supervisor")
    key = app.config["TOTP_KEY"]

    first = twofactor.verify_code(db_session, supervisor, totp_now(), now=now, key=key)
    # A second request that read the row before the first one wrote it.
    set_committed_value(supervisor, "totp_last_step", None)
    with pytest.raises(twofactor.WrongCode):
        twofactor.verify_code(db_session, supervisor, totp_now(), now=now, key=key)

    assert first == "totp"


def test_a_recovery_code_signs_in_once_and_is_recorded(app, client, make_staff, db_session, now):
    supervisor = make_staff("supervisor")
    codes = twofactor.new_recovery_codes(db_session, supervisor, now=now)

    _try(client, supervisor.username, PASSWORD)
    used = client.post("/staff/signin/code", data={"code": codes[3].upper().replace("-", " ")})
    other = app.test_client()
    _try(other, supervisor.username, PASSWORD)
    again = other.post("/staff/signin/code", data={"code": codes[3]})

    assert used.status_code == 302
    assert again.status_code == 401
    assert twofactor.recovery_codes_left(db_session, supervisor) == 9
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "staff.sign_in")
    ).first()
    assert entry.detail == {"second_factor": "recovery_code"}


def test_the_second_step_lapses_after_five_minutes(client, make_staff, now):
    supervisor = make_staff("supervisor")
    _try(client, supervisor.username, PASSWORD)
    clock.freeze(now + timedelta(minutes=6))

    response = client.post("/staff/signin/code", data={"code": totp_now()})

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/signin"
    assert client.get("/staff/").status_code == 302


def test_the_second_step_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get("/staff/signin/code")

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/signin"


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "１２３４５６", "abc", "x" * 5000, "\x00"]
)
def test_malformed_codes_are_refused_with_a_message(client, make_staff, code, now):
    supervisor = make_staff("supervisor")
    _try(client, supervisor.username, PASSWORD)

    response = client.post("/staff/signin/code", data={"code": code})

    assert 400 <= response.status_code < 500
    assert 'role="alert"' in response.text or "error-page" in response.text


def test_a_temporary_password_stops_working_after_its_hours(
    app, client, make_staff, db_session, now
):
    agent = make_staff("agent")
    agent.password_expires_at = now + timedelta(hours=24)
    agent.must_change_password = True
    db_session.flush()
    clock.freeze(now + timedelta(hours=25))

    response = _try(client, agent.username, PASSWORD)

    assert response.status_code == 401


@pytest.mark.skipif(
    not os.environ.get("HELPDESK_TEST_REDIS_URL"), reason="HELPDESK_TEST_REDIS_URL not set"
)
def test_with_redis_the_failures_count_across_app_servers(app, tmp_path):
    """Two app servers sharing Redis: failures at one throttle the username at the other."""
    url = os.environ["HELPDESK_TEST_REDIS_URL"]
    servers = [
        create_app(
            {**app_config(app.config["DATABASE_URL"], str(tmp_path)), "RATELIMIT_STORAGE_URI": url}
        )
        for _ in range(2)
    ]
    username = f"nobody-{uuid.uuid4().hex[:8]}"
    for _ in range(5):
        assert _try(servers[0].test_client(), username).status_code == 401

    other = _try(servers[1].test_client(), username)

    assert other.status_code == 429
    for server in servers:
        database(server).engine.dispose()
