"""Staff sessions end after the idle time and the maximum lifetime, are listed for their
owner and end everywhere on request; new passwords follow the length and guessing rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import ConfigError, from_env
from helpdesk import clock
from helpdesk.errors import ValidationFailed
from helpdesk.identity import passwords, settings
from helpdesk.identity.models import AuthSession
from tests.identity.conftest import PASSWORD


def test_a_staff_session_ends_after_the_idle_time(client, make_staff, sign_in_staff, now):
    sign_in_staff(make_staff("agent"))
    clock.freeze(now + timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200  # activity moves the idle clock
    clock.freeze(now + timedelta(minutes=29 + 29))
    assert client.get("/staff/").status_code == 200

    clock.freeze(now + timedelta(minutes=29 + 29 + 31))

    assert client.get("/staff/").status_code == 302


def test_a_staff_session_ends_after_its_maximum_lifetime_however_busy(
    client, make_staff, sign_in_staff, now
):
    sign_in_staff(make_staff("agent"))
    for minutes in range(20, 12 * 60, 20):
        clock.freeze(now + timedelta(minutes=minutes))
        assert client.get("/staff/").status_code == 200

    clock.freeze(now + timedelta(hours=12, seconds=1))

    assert client.get("/staff/").status_code == 302


def test_a_candidate_session_keeps_its_own_lifetime_and_no_idle_timeout(
    client, make_candidate, sign_in_candidate, now, db_session
):
    sign_in_candidate(make_candidate())
    row = db_session.scalars(select(AuthSession)).one()
    clock.freeze(now + timedelta(hours=2))

    assert client.get("/").status_code == 200
    assert row.last_seen_at is None
    assert row.ip_address is None
    assert row.expires_at == now + timedelta(hours=12)


def test_the_account_page_lists_ones_own_open_sessions(app, make_staff, sign_in_staff):
    agent = make_staff("agent")
    office, home = app.test_client(), app.test_client()
    office.environ_base.update(REMOTE_ADDR="10.1.1.1", HTTP_USER_AGENT="Office Chrome")
    home.environ_base.update(REMOTE_ADDR="10.2.2.2", HTTP_USER_AGENT="Home Firefox")
    sign_in_staff(agent, test_client=office)
    sign_in_staff(agent, test_client=home)

    page = home.get("/staff/account")

    assert page.status_code == 200
    assert "10.1.1.1" in page.text
    assert "Office Chrome" in page.text
    assert page.text.count('class="current"') == 1


def test_sign_out_everywhere_needs_the_password_and_ends_every_session(
    app, make_staff, sign_in_staff, db_session
):
    agent = make_staff("agent")
    here, there = app.test_client(), app.test_client()
    sign_in_staff(agent, test_client=here)
    sign_in_staff(agent, test_client=there)

    refused = here.post("/staff/account/signout-everywhere", data={"password": "not it at all"})
    done = here.post("/staff/account/signout-everywhere", data={"password": PASSWORD})

    assert refused.status_code == 401
    assert 'role="alert"' in refused.text
    assert done.status_code == 302
    assert here.get("/staff/").status_code == 302
    assert there.get("/staff/").status_code == 302


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(
    app, make_staff, sign_in_staff
):
    agent = make_staff("agent")
    here, there = app.test_client(), app.test_client()
    sign_in_staff(agent, test_client=here)
    sign_in_staff(agent, test_client=there)

    response = here.post(
        "/staff/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "seven quiet owls at dawn",
            "confirm_password": "seven quiet owls at dawn",
        },
    )

    assert response.status_code == 302
    assert here.get("/staff/").status_code == 200
    assert there.get("/staff/").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [
        ("wrong password!", "seven quiet owls at dawn", "seven quiet owls at dawn", "current"),
        (PASSWORD, "short one", "short one", "new"),
        (PASSWORD, "password1234", "password1234", "new"),
        (PASSWORD, "zhikaoyun2023", "zhikaoyun2023", "new"),
        (PASSWORD, "seven quiet owls at dawn", "seven quiet owls at noon", "confirm"),
        (PASSWORD, PASSWORD, PASSWORD, "new"),
        (PASSWORD, "x" * 129, "x" * 129, "new"),
    ],
)
def test_a_bad_password_change_is_refused_beside_its_field(
    client, make_staff, sign_in_staff, current, new, confirm, field
):
    sign_in_staff(make_staff("agent"))

    response = client.post(
        "/staff/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )

    assert 400 <= response.status_code < 500
    assert re.search(f'<input aria-invalid="true"[^>]* id="{field}_password"', response.text)


def test_64_characters_and_any_characters_are_allowed():
    passwords.check_new_password("草 原 上 的 风 吹 过 " * 4, min_length=12)
    passwords.check_new_password(
        "a quiet river that runs all the way down to the sea, 64 c", min_length=12
    )


def test_common_passwords_are_refused_whatever_their_length():
    for common in ("password123456", "qwertyuiopasdf", "iloveyou12345", "123456789012"):
        with pytest.raises(ValidationFailed):
            passwords.check_new_password(common, min_length=12)


def test_the_minimum_length_is_configurable_but_never_below_eight():
    base = from_env({"HELPDESK_SECRET_KEY": "k", "HELPDESK_ID_HASH_KEY": "h"})

    assert settings.from_config({**base, "STAFF_PASSWORD_MIN_LENGTH": 16}).password_min_length == 16
    with pytest.raises(ConfigError):
        settings.from_config({**base, "STAFF_PASSWORD_MIN_LENGTH": 6})
    with pytest.raises(ConfigError):
        settings.from_config({**base, "STAFF_SESSION_IDLE_MINUTES": 0})


def test_the_environment_sets_the_session_lifetimes():
    config = from_env(
        {
            "HELPDESK_SECRET_KEY": "k",
            "HELPDESK_ID_HASH_KEY": "h",
            "HELPDESK_STAFF_SESSION_IDLE_MINUTES": "15",
            "HELPDESK_STAFF_SESSION_MAX_HOURS": "8",
        }
    )

    loaded = settings.from_config(config)

    assert loaded.session_idle == timedelta(minutes=15)
    assert loaded.session_max == timedelta(hours=8)
    assert loaded.totp_key == "k"  # the session key unless HELPDESK_TOTP_KEY is set


def test_temporary_passwords_are_random_and_follow_the_rules():
    made = {passwords.temporary_password() for _ in range(50)}

    assert len(made) == 50
    for temporary in list(made)[:5]:
        passwords.check_new_password(temporary, min_length=12)
