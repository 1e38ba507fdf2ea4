"""An admin creates an agent; the agent signs in with the temporary password, chooses a
password, enrols an authenticator app, signs out and in again with a code; the admin
disables the account and the agent's open page stops working."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from helpdesk.identity.models import Role

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "admin password 1"
AGENT_PASSWORD = "lantern over the quiet river"


def test_an_admin_creates_an_agent_who_enrols_two_factor_and_is_then_disabled(live, new_page):
    live.staff("admin.wang", ADMIN_PASSWORD, Role.ADMIN)
    admin = new_page()
    live.sign_in_staff(admin, "admin.wang", ADMIN_PASSWORD)

    admin.goto(live.url + "/admin/staff")
    admin.get_by_label("用户名").fill("li.agent")
    admin.get_by_label("同事看到的姓名").fill("技术员 小李")
    admin.get_by_label("角色").select_option("agent")
    admin.get_by_role("button", name="创建账号").click()
    temporary = admin.locator("#temporary-password").inner_text().strip()

    agent = new_page()
    agent.goto(live.url + "/staff/signin")
    agent.get_by_label("用户名").fill("li.agent")
    agent.get_by_label("密码", exact=True).fill(temporary)
    agent.get_by_role("button", name="登录").click()
    expect(agent).to_have_url(live.url + "/staff/account/password")
    agent.get_by_label("当前密码", exact=True).fill(temporary)
    agent.get_by_label("新密码", exact=True).fill(AGENT_PASSWORD)
    agent.get_by_label("再次输入新密码", exact=True).fill(AGENT_PASSWORD)
    agent.get_by_role("button", name="修改密码").click()
    expect(agent.locator("h1")).to_have_text("我的账号")

    agent.goto(live.url + "/staff/account/two-factor")
    expect(agent.locator(".qr svg")).to_be_visible()
    secret = agent.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)  # what the phone's authenticator app computes
    agent.get_by_label("您的密码").fill(AGENT_PASSWORD)
    agent.get_by_label("应用中的 6 位验证码").fill(app.now())
    agent.get_by_role("button", name="开启两步验证").click()
    expect(agent.locator("#recovery-codes li")).to_have_count(10)

    agent.get_by_role("button", name="退出登录").click()
    agent.goto(live.url + "/staff/signin")
    agent.get_by_label("用户名").fill("li.agent")
    agent.get_by_label("密码", exact=True).fill(AGENT_PASSWORD)
    agent.get_by_role("button", name="登录").click()
    expect(agent.locator("h1")).to_have_text("登录第二步")
    # The enrolment's code is spent: the app's next code (within the accepted drift).
    agent.get_by_label("验证码", exact=True).fill(app.at(time.time() + app.interval))
    agent.get_by_role("button", name="登录").click()
    expect(agent).to_have_url(live.url + "/staff/")

    admin.goto(live.url + "/admin/staff")
    admin.get_by_role("link", name="技术员 小李").click()
    expect(admin.locator("#facts")).to_contain_text("已开启")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="停用账号").click()
    expect(admin.locator(".flash.success")).to_contain_text("已停用")

    agent.reload()
    expect(agent).to_have_url(re.compile(r"/staff/signin\?next=/staff/"))
    expect(agent.locator("h1")).to_have_text("工作人员登录")


def test_a_supervisor_signs_in_with_the_test_app_and_reads_the_audit_log(live, new_page):
    live.staff("wang.sup", "supervisor password 1", Role.SUPERVISOR)
    live.staff("admin.wang", ADMIN_PASSWORD, Role.ADMIN)
    supervisor, admin = new_page(), new_page()

    live.sign_in_staff(supervisor, "wang.sup", "supervisor password 1")
    live.sign_in_staff(admin, "admin.wang", ADMIN_PASSWORD, "/admin/audit")

    expect(supervisor).to_have_url(live.url + "/staff/")
    rows = admin.locator("#entries tbody tr")
    expect(rows.first).to_contain_text("登录")
    expect(admin.locator("#entries")).to_contain_text("身份验证器应用中的验证码")
