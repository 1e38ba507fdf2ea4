"""Account administration in the admin pages and the CLI: create with a temporary
password, disable (sessions end at once), roles, resets, and the last active admin."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from helpdesk.audit.models import AuditEntry
from helpdesk.identity.models import AuthSession, Role, Staff
from tests.identity.conftest import PASSWORD

TEMPORARY = re.compile(r'id="temporary-password">([a-z2-9-]+)<')


def _actions(db_session) -> list[str]:
    return list(db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_admin_list_shows_role_last_sign_in_and_two_factor_state(
    admin_client, make_staff, admin
):
    make_staff("agent", username="li.agent")
    make_staff("supervisor", username="wang.sup", two_factor=False)

    page = admin_client.get("/admin/staff")

    assert page.status_code == 200
    row = re.search(r"<tr>.*?wang\.sup.*?</tr>", page.text, re.S).group(0)
    assert "值班主管" in row
    assert "需要但尚未设置" in row
    assert "从未" in re.search(r"<tr>.*?li\.agent.*?</tr>", page.text, re.S).group(0)


def test_an_admin_creates_an_agent_who_must_choose_a_password_at_first_sign_in(
    app, admin_client, db_session
):
    created = admin_client.post(
        "/admin/staff/new", data={"username": "Li.Lei", "display_name": "李雷", "role": "agent"}
    )

    assert created.status_code == 201
    temporary = TEMPORARY.search(created.text).group(1)
    staff = db_session.scalar(select(Staff).where(Staff.username == "li.lei"))
    assert staff.must_change_password
    assert staff.password_expires_at is not None
    agent = app.test_client()
    agent.post("/staff/signin", data={"username": "li.lei", "password": temporary})
    forced = agent.get("/staff/")
    assert forced.headers["Location"] == "/staff/account/password"
    changed = agent.post(
        "/staff/account/password",
        data={
            "current_password": temporary,
            "new_password": "paper lantern over the river",
            "confirm_password": "paper lantern over the river",
        },
    )
    assert changed.status_code == 302
    assert agent.get("/staff/").status_code == 200
    assert "staff.create" in _actions(db_session)
    assert "staff.password_change" in _actions(db_session)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"username": "ab cd", "role": "agent"}, 422),
        ({"username": "", "role": "agent"}, 422),
        ({"username": "ok.name", "role": "superuser"}, 422),
        ({"username": "ok.name", "role": "agent", "display_name": "x" * 101}, 422),
    ],
)
def test_a_bad_new_account_is_refused_with_a_message(admin_client, data, status):
    response = admin_client.post("/admin/staff/new", data=data)

    assert response.status_code == status
    assert 'role="alert"' in response.text


def test_a_taken_username_is_refused(admin_client, make_staff):
    make_staff("agent", username="li.agent")

    response = admin_client.post("/admin/staff/new", data={"username": "li.agent", "role": "agent"})

    assert response.status_code == 409
    assert "该用户名已被使用" in response.text


def test_disabling_an_account_ends_its_live_sessions_and_a_copied_cookie_stops_working(
    app, client, make_staff, sign_in_staff, admin_client, db_session
):
    agent = make_staff("agent")
    sign_in_staff(agent)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/staff/").status_code == 200

    disabled = admin_client.post(f"/admin/staff/{agent.id}/active", data={"active": "no"})

    assert disabled.status_code == 302
    assert client.get("/staff/").status_code == 302
    assert copy.get("/staff/").status_code == 302
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.staff_id == agent.id)
        )
        == 0
    )
    assert "staff.disable" in _actions(db_session)
    again = app.test_client()
    refused = again.post("/staff/signin", data={"username": agent.username, "password": PASSWORD})
    assert refused.status_code == 401
    admin_client.post(f"/admin/staff/{agent.id}/active", data={"active": "yes"})
    assert sign_in_staff(agent, test_client=again).status_code == 302


def test_the_last_active_admin_cannot_be_disabled_or_demoted(admin_client, admin, db_session):
    demote = admin_client.post(f"/admin/staff/{admin.id}/role", data={"role": "agent"})
    disable = admin_client.post(f"/admin/staff/{admin.id}/active", data={"active": "no"})

    assert demote.status_code == 409
    assert disable.status_code == 409
    assert "最后一名" in demote.text
    db_session.refresh(admin)
    assert admin.role == Role.ADMIN
    assert admin.active


def test_with_a_second_admin_the_first_may_be_demoted(admin_client, admin, make_staff, db_session):
    other = make_staff("admin")

    demoted = admin_client.post(f"/admin/staff/{other.id}/role", data={"role": "supervisor"})
    last = admin_client.post(f"/admin/staff/{admin.id}/role", data={"role": "agent"})

    assert demoted.status_code == 302
    db_session.refresh(other)
    assert other.role == Role.SUPERVISOR
    assert last.status_code == 409


def test_a_disabled_admin_does_not_count_as_the_other_admin(
    admin_client, admin, make_staff, db_session
):
    other = make_staff("admin")
    other.active = False
    db_session.flush()

    response = admin_client.post(f"/admin/staff/{admin.id}/active", data={"active": "no"})

    assert response.status_code == 409


def test_a_password_reset_shows_a_temporary_password_ends_sessions_and_keeps_two_factor(
    app, make_staff, sign_in_staff, admin_client, db_session, now
):
    supervisor = make_staff("supervisor")
    browser = app.test_client()
    sign_in_staff(supervisor, test_client=browser)

    reset = admin_client.post(f"/admin/staff/{supervisor.id}/password")

    assert reset.status_code == 200
    temporary = TEMPORARY.search(reset.text).group(1)
    assert browser.get("/staff/").status_code == 302
    fresh = app.test_client()
    step = fresh.post(
        "/staff/signin", data={"username": supervisor.username, "password": temporary}
    )
    assert step.headers["Location"] == "/staff/signin/code"  # the reset does not bypass it
    assert "staff.password_reset" in _actions(db_session)


def test_a_two_factor_reset_ends_sessions_and_leads_to_enrolment_at_next_sign_in(
    app, make_staff, sign_in_staff, admin_client, db_session
):
    supervisor = make_staff("supervisor")
    browser = app.test_client()
    sign_in_staff(supervisor, test_client=browser)

    reset = admin_client.post(f"/admin/staff/{supervisor.id}/two-factor")

    assert reset.status_code == 302
    assert browser.get("/staff/").status_code == 302
    db_session.refresh(supervisor)
    assert supervisor.totp_secret is None
    sign_in_staff(supervisor, test_client=browser)
    assert browser.get("/staff/").headers["Location"] == "/staff/account/two-factor"


def test_a_role_change_to_supervisor_asks_an_agent_to_enrol(
    client, make_staff, sign_in_staff, admin_client
):
    agent = make_staff("agent")
    sign_in_staff(agent)

    admin_client.post(f"/admin/staff/{agent.id}/role", data={"role": "supervisor"})

    assert client.get("/staff/").headers["Location"] == "/staff/account/two-factor"


def test_an_admin_ends_all_sessions_of_an_account(
    app, make_staff, sign_in_staff, admin_client, db_session
):
    agent = make_staff("agent")
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        sign_in_staff(agent, test_client=browser)

    response = admin_client.post(f"/admin/staff/{agent.id}/sessions")

    assert response.status_code == 302
    assert [b.get("/staff/").status_code for b in browsers] == [302, 302]
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "staff.sessions_end")
    ).one()
    assert entry.detail == {"username": agent.username, "sessions": 2}


def test_an_unknown_account_is_404_on_every_admin_action(admin_client):
    answers = [admin_client.get("/admin/staff/987654")] + [
        admin_client.post(f"/admin/staff/987654/{what}")
        for what in ("role", "active", "password", "two-factor", "sessions")
    ]

    assert {a.status_code for a in answers} == {404}


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_the_cli_lists_disables_resets_and_protects_the_last_admin(runner, make_staff, db_session):
    make_staff("admin", username="root.admin")
    make_staff("agent", username="li.agent")

    listed = runner.invoke(args=["staff", "list"])
    disabled = runner.invoke(args=["staff", "disable", "li.agent"])
    reset = runner.invoke(args=["staff", "reset-password", "li.agent"])
    last = runner.invoke(args=["staff", "set-role", "root.admin", "agent"])
    unknown = runner.invoke(args=["staff", "disable", "nobody.here"])

    assert "li.agent\tagent\tactive\t2fa off" in listed.output
    assert "root.admin\tadmin\tactive\t2fa on" in listed.output
    assert disabled.exit_code == 0
    assert "disabled" in disabled.output
    assert re.search(r"temporary password [a-z2-9-]{19}", reset.output)
    assert last.exit_code == 1
    assert "error:" in last.output
    assert unknown.exit_code == 1
    system = db_session.scalars(select(AuditEntry).where(AuditEntry.staff_id.is_(None))).all()
    assert [e.action for e in system] == ["staff.disable", "staff.password_reset"]


def test_the_cli_creates_with_a_temporary_password_and_requires_two_factor_of_everyone(
    runner, db_session
):
    created = runner.invoke(args=["staff", "create", "li.lei", "--role", "agent", "--temporary"])
    required = runner.invoke(args=["staff", "require-2fa", "--everyone"])
    listed = runner.invoke(args=["staff", "list"])

    assert created.exit_code == 0, created.output
    assert "temporary password" in created.output
    assert required.exit_code == 0
    assert "2fa required, not set up" in listed.output


def test_the_cli_ends_every_staff_session(runner, app, make_staff, sign_in_staff, db_session):
    agent = make_staff("agent")
    sign_in_staff(agent)

    result = runner.invoke(args=["staff", "end-sessions", "--all"])
    neither = runner.invoke(args=["staff", "end-sessions"])

    assert result.exit_code == 0, result.output
    assert f"{agent.username}: 1 sessions ended" in result.output
    assert neither.exit_code == 2
