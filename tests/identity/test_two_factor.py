"""Two-factor enrolment: the QR code inside the desk's CSP, confirmation with the password
and a code, recovery codes shown once, roles that need it blocked until it is done."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEntry
from helpdesk.identity import twofactor
from helpdesk.identity.models import RecoveryCode
from tests.conftest import totp_now
from tests.identity.conftest import PASSWORD

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


def _shown_secret(page: str) -> str:
    match = SECRET.search(page)
    assert match, "the enrolment page shows no key"
    return match.group(1).replace(" ", "")


def test_the_enrolment_page_shows_an_inline_svg_qr_code_and_the_key(
    client, make_staff, sign_in_staff
):
    sign_in_staff(make_staff("agent"))

    page = client.get("/staff/account/two-factor")

    assert page.status_code == 200
    assert '<svg width="' in page.text
    assert 'class="qr"' in page.text
    assert "<script" not in page.text.split("</head>", 1)[1]
    assert " style=" not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert len(_shown_secret(page.text)) == 32
    assert _shown_secret(client.get("/staff/account/two-factor").text) == _shown_secret(page.text)


def test_an_agent_enrols_with_the_password_and_a_code_and_gets_ten_recovery_codes(
    app, client, make_staff, sign_in_staff, db_session, now
):
    agent = make_staff("agent")
    sign_in_staff(agent)
    secret = _shown_secret(client.get("/staff/account/two-factor").text)

    response = client.post(
        "/staff/account/two-factor", data={"password": PASSWORD, "code": pyotp.TOTP(secret).at(now)}
    )

    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.text)
    assert len(set(codes)) == 10
    db_session.refresh(agent)
    assert agent.two_factor_enabled
    assert secret not in (agent.totp_secret or "")  # encrypted at rest
    assert twofactor.unseal(agent.totp_secret, app.config["TOTP_KEY"]) == secret
    stored = db_session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    assert (
        db_session.scalar(
            select(AuditEntry.action)
            .where(AuditEntry.staff_id == agent.id)
            .order_by(AuditEntry.id.desc())
        )
        == "staff.two_factor_enrol"
    )


def test_enrolment_refuses_a_wrong_password_or_code_with_a_message(
    client, make_staff, sign_in_staff, db_session, now
):
    agent = make_staff("agent")
    sign_in_staff(agent)
    secret = _shown_secret(client.get("/staff/account/two-factor").text)
    code = pyotp.TOTP(secret).at(now)

    wrong_password = client.post(
        "/staff/account/two-factor", data={"password": "nope nope", "code": code}
    )
    wrong_code = client.post(
        "/staff/account/two-factor",
        data={"password": PASSWORD, "code": "000000" if code != "000000" else "111111"},
    )
    empty = client.post("/staff/account/two-factor", data={})

    assert wrong_password.status_code == 401
    assert wrong_code.status_code == 401
    assert empty.status_code == 422
    for answer in (wrong_password, wrong_code, empty):
        assert 'role="alert"' in answer.text
    db_session.refresh(agent)
    assert not agent.two_factor_enabled


def test_a_supervisor_without_two_factor_is_led_to_enrolment_from_every_page(
    app, client, make_staff, sign_in_staff, now
):
    supervisor = make_staff("supervisor", two_factor=False)
    sign_in_staff(supervisor)

    blocked = [client.get(p) for p in ("/staff/", "/admin/exams", "/staff/account")]
    enrol = client.get("/staff/account/two-factor")
    secret = _shown_secret(enrol.text)
    client.post(
        "/staff/account/two-factor", data={"password": PASSWORD, "code": pyotp.TOTP(secret).at(now)}
    )

    assert all(r.status_code == 302 for r in blocked)
    assert all(r.headers["Location"] == "/staff/account/two-factor" for r in blocked)
    assert enrol.status_code == 200
    assert client.get("/staff/").status_code == 200


def test_the_first_sign_in_of_an_unenrolled_admin_goes_through_enrolment(client, make_staff):
    admin = make_staff("admin", two_factor=False)

    signed = client.post("/staff/signin", data={"username": admin.username, "password": PASSWORD})
    landing = client.get(signed.headers["Location"])

    assert landing.status_code == 302
    assert landing.headers["Location"] == "/staff/account/two-factor"


def test_an_admin_can_require_two_factor_of_agents_too(
    app, client, make_staff, sign_in_staff, admin_client
):
    agent = make_staff("agent")
    sign_in_staff(agent)
    assert client.get("/staff/").status_code == 200

    saved = admin_client.post("/admin/staff/policy", data={"two_factor_for_everyone": "y"})

    assert saved.status_code == 302
    answer = client.get("/staff/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/staff/account/two-factor"


def test_an_agent_switches_it_off_with_password_and_code_but_a_supervisor_cannot(
    client, app, make_staff, sign_in_staff, db_session, now
):
    agent = make_staff("agent", two_factor=True)
    supervisor = make_staff("supervisor")
    sign_in_staff(agent)
    clock.freeze(now + timedelta(seconds=30))  # the sign-in's code is spent

    off = client.post(
        "/staff/account/two-factor/off", data={"password": PASSWORD, "code": totp_now()}
    )
    other = app.test_client()
    sign_in_staff(supervisor, test_client=other)
    refused = other.post(
        "/staff/account/two-factor/off", data={"password": PASSWORD, "code": totp_now()}
    )

    assert off.status_code == 302
    db_session.refresh(agent)
    assert not agent.two_factor_enabled
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text


def test_new_recovery_codes_replace_the_old_ones(
    client, make_staff, sign_in_staff, db_session, now
):
    supervisor = make_staff("supervisor")
    old = twofactor.new_recovery_codes(db_session, supervisor, now=now)
    sign_in_staff(supervisor)

    response = client.post("/staff/account/two-factor/recovery-codes", data={"password": PASSWORD})

    assert response.status_code == 200
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.text)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert not twofactor.use_recovery_code(db_session, supervisor, old[0], now=now)
    assert twofactor.use_recovery_code(db_session, supervisor, new[0], now=now)
