"""A supervisor reminds the candidates who never ran the agent: previews the segment (how many,
masked names, the message in words, when), sends it; the outbox holds one message per
candidate in words; a reminded candidate follows the link, signs in, lands on the device check
and runs the agent; the effect figure on the readiness view moves."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.identity.models import Role
from helpdesk.notify.models import OutboundSms
from tests.browser.candidates import mock_with_roster, send_report
from tests.readiness.conftest import report_body

pytestmark = pytest.mark.browser

NAMES = ["王小明", "李雷", "韩梅梅"]


def seed(live) -> list[dict[str, str]]:
    identities = mock_with_roster(
        live, NAMES, admission_prefix="ZK2023010", phone_prefix="+861380013800"
    )
    live.staff("boss", "boss password 12", Role.SUPERVISOR)
    return identities


def test_a_supervisor_reminds_the_never_ran_segment_and_sees_the_effect(live, new_page):
    identities = seed(live)
    clock.freeze(clock.utcnow().replace(hour=4, minute=0))  # 12:00 Beijing: not quiet hours
    boss = new_page()
    boss.on("dialog", lambda dialog: dialog.accept())

    live.sign_in_staff(boss, "boss", "boss password 12", "/staff/readiness/MOCK-R1")
    boss.get_by_role("link", name="从未运行检测工具").click()

    assert "将提醒 3 名考生" in boss.locator(".reminder-count").inner_text()
    assert boss.locator(".reminder-sample").inner_text() == "王**、李*、韩**"
    text = boss.locator(".reminder-text").inner_text()
    assert text.startswith("您还未检测考试用电脑")
    assert "/readiness" in text
    assert boss.locator(".reminder-when").inner_text()

    boss.get_by_role("button", name="发送提醒").click()

    assert "已为 3 名考生排队发送提醒" in boss.locator(".flash").inner_text()
    with live.session() as session:
        messages = session.scalars(select(OutboundSms).order_by(OutboundSms.to)).all()
        assert [m.to for m in messages] == [f"+861380013800{i}" for i in range(3)]
        assert all(m.body.startswith("您还未检测考试用电脑") for m in messages)
        link = messages[0].params["url"]
    boss.goto(f"{live.url}/staff/sms")
    assert boss.get_by_text("您还未检测考试用电脑").count() == 3

    candidate = new_page()
    candidate.goto(live.url + urlsplit(link).path)
    assert "/signin" in candidate.url
    candidate.get_by_label("姓名").fill(identities[0]["name"])
    candidate.get_by_label("身份证号").fill(identities[0]["id_number"])
    candidate.get_by_label("准考证号").fill(identities[0]["admission_number"])
    candidate.get_by_role("button", name="登录").click()
    assert urlsplit(candidate.url).path == "/readiness"
    clock.freeze(clock.utcnow() + timedelta(minutes=10))
    send_report(candidate, live, identities[0], report_body())

    boss.goto(f"{live.url}/staff/readiness/MOCK-R1")
    row = boss.locator(".reminder-effects tbody tr").first
    assert row.locator(".reached").inner_text() == "3"
    assert row.locator(".acted").inner_text() == "1 人运行了检测工具 (33%)"
    assert boss.locator("svg.effect-chart").count() == 1
