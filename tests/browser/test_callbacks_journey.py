"""A candidate presses 求助 on the web page; an agent's console shows it without reload; the
agent starts the call and records no answer; the candidate's page shows by itself the missed
call from the first line and when the next call comes; the request comes back after the retry
delay, the second attempt on the other line connects, and the candidate's page shows it."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk import clock
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from tests.conftest import TEST_ID_HASH_KEY

pytestmark = pytest.mark.browser


def seed(live) -> dict[str, str]:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        exam = ExamSession(
            code="FORMAL",
            name="在线正式面试",
            kind=ExamKind.FORMAL,
            login_opens=now - timedelta(minutes=55),
            starts=now - timedelta(minutes=5),
            login_closes=now - timedelta(minutes=5),
            ends=now + timedelta(minutes=5),
        )
        candidate = Candidate(
            name="赵小雨",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230077",
            phone="+8613912345678",
            created_at=now,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
        session.add(candidate)
        create_staff(
            session, username="li.agent", password="agent password 1", role=Role.AGENT, now=now
        )
    return {"name": "赵小雨", "id_number": number, "admission_number": "ZK20230077"}


def test_a_press_is_called_back_after_one_unanswered_attempt(live, new_page):
    start = clock.utcnow().replace(microsecond=0)
    clock.freeze(start)
    try:
        identity = seed(live)
        agent = new_page()
        agent.goto(live.url + "/staff/signin")
        agent.get_by_label("用户名").fill("li.agent")
        agent.get_by_label("密码").fill("agent password 1")
        agent.get_by_role("button", name="登录").click()
        agent.goto(live.url + "/staff/callbacks")
        expect(agent.locator("#queue")).to_contain_text("目前没有考生在等待")

        candidate = new_page()
        candidate.goto(live.url + "/signin")
        candidate.get_by_label("姓名").fill(identity["name"])
        candidate.get_by_label("身份证号").fill(identity["id_number"])
        candidate.get_by_label("准考证号").fill(identity["admission_number"])
        candidate.get_by_role("button", name="登录").click()
        candidate.goto(live.url + "/help")
        candidate.locator("#help-button").click()
        expect(candidate.locator("#help-status")).to_contain_text("028-63201710")
        expect(candidate.locator("#help-status")).to_contain_text("切勿回拨")

        expect(agent.locator("#queue")).to_contain_text("赵小雨", timeout=5_000)
        agent.locator("#claim-next").click()
        expect(agent.locator("#dial-link")).to_have_attribute("href", "tel:+8613912345678")
        expect(agent.locator("#line")).to_have_text("028-63201710")
        expect(agent.locator("#claim-countdown")).to_contain_text("秒内开始拨打")
        expect(agent.locator("[data-outcome]")).to_have_count(0)
        agent.locator("#start-call").click()
        expect(agent.locator("#call-state")).to_contain_text("用座机手动拨打")
        agent.locator("[data-outcome=no_answer]").click()
        expect(agent.get_by_role("status")).to_contain_text("已记录：无人接听")
        expect(agent.locator("#queue")).to_contain_text("后重拨")

        status = candidate.locator("#help-status")
        beijing = start + timedelta(hours=8)
        missed = f"我们于 {beijing:%H:%M} 使用 028-63201710 给您打过电话：无人接听"
        expect(status).to_contain_text(missed, timeout=10_000)
        expect(status).to_contain_text("使用 028-62093080 再次给您打电话")
        # A minute after the unanswered call, which was made some seconds after start (each
        # page the test opens is checked first), plus the pickup time the estimate adds
        # (HELPDESK_CALLBACK_PICKUP_SECONDS, 30) as of the poll that drew the page: any
        # minute from start + 60 s to now + 60 s + 30 s + a poll's worth of slack.
        minutes = {
            f"{start + timedelta(hours=8, seconds=60 + s):%H:%M}"
            for s in range(0, int((clock.utcnow() - start).total_seconds()) + 40)
        }
        expect(candidate.locator("#next-call")).to_have_text(
            re.compile("^(" + "|".join(sorted(minutes)) + ")$")
        )
        expect(candidate.locator("#call-history")).to_contain_text("无人接听")
        expect(candidate.locator("#phone-masked")).to_have_text("139****5678")
        Path("build/screenshots/14").mkdir(parents=True, exist_ok=True)
        candidate.screenshot(path="build/screenshots/14/missed-call.png", full_page=True)

        agent.locator("#claim-next").click()
        expect(agent.get_by_role("status")).to_contain_text("队列中没有待处理的求助")

        clock.freeze(start + timedelta(seconds=61))
        agent.locator("#claim-next").click()
        expect(agent.locator("#line")).to_have_text("028-62093080")
        agent.locator("#start-call").click()
        agent.screenshot(path="build/screenshots/14/second-attempt-panel.png", full_page=True)
        agent.locator("[data-outcome=resolved]").click()
        expect(agent.get_by_role("status")).to_contain_text("已记录：已接通并解决")

        expect(status).to_contain_text("通话已结束", timeout=10_000)
        expect(status).to_contain_text("放回原录制位置")
        expect(candidate.locator("#call-history")).to_contain_text("028-62093080")
        expect(candidate.locator("#ask-again")).to_have_text("重新求助")
    finally:
        clock.freeze(None)
