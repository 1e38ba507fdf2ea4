"""The support platform's whole journey in Chromium: a candidate files a problem with a
screenshot after reading the suggested article; an agent finds it by admission number and
answers with a canned reply; the candidate reads the answer and closes the ticket."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from helpdesk import clock
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from helpdesk.knowledge import content
from helpdesk.tickets import demo
from tests.conftest import TEST_ID_HASH_KEY
from tests.tickets.conftest import PNG

pytestmark = pytest.mark.browser


def arrange(live) -> dict[str, str]:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        exam = ExamSession(
            code="MOCK-D1",
            name="在线模拟面试（第一天）",
            kind=ExamKind.MOCK,
            download_opens=now - timedelta(hours=2),
            download_closes=now + timedelta(days=1),
            login_opens=now - timedelta(hours=1),
            starts=now - timedelta(hours=1),
            login_closes=now + timedelta(hours=8),
            ends=now + timedelta(hours=8),
        )
        candidate = Candidate(
            name="王小明",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230001",
            phone="+8613800138000",
            created_at=now,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
        session.add(candidate)
        create_staff(
            session,
            username="li.agent",
            password="agent password 1",
            role=Role.AGENT,
            now=now,
            display_name="技术员 小李",
        )
        content.seed(session, now)
        demo.seed(session, now)
    return {"name": "王小明", "id_number": number, "admission_number": "ZK20230001"}


def test_a_problem_goes_from_the_candidate_to_an_agent_and_back(live, new_page, tmp_path):
    identity = arrange(live)
    screenshot = tmp_path / "登录失败截图.png"
    screenshot.write_bytes(PNG)
    candidate = new_page()

    candidate.goto(live.url + "/signin")
    candidate.get_by_label("姓名").fill(identity["name"])
    candidate.get_by_label("身份证号").fill(identity["id_number"])
    candidate.get_by_label("准考证号").fill(identity["admission_number"])
    candidate.get_by_role("button", name="登录").click()
    candidate.get_by_role("link", name="我的问题").click()
    candidate.get_by_role("link", name="提交问题").click()
    candidate.get_by_role("link", name="无法登录").click()
    candidate.get_by_role("link", name="无法登录智考云怎么办").click()
    assert "每天只能登录一次" in candidate.locator("#article").inner_text()
    candidate.get_by_role("link", name="没有解决，提交问题").click()
    candidate.get_by_label("问题描述").fill("输入准考证号后提示“考生不存在”")
    candidate.get_by_label("截图或日志").set_input_files(str(screenshot))
    candidate.get_by_role("button", name="提交问题").click()
    number = candidate.locator("#ticket-number").inner_text()
    assert "登录失败截图.png" in candidate.locator("#thread").inner_text()
    candidate.get_by_role("link", name="我的问题").first.click()
    assert number in candidate.locator("#my-tickets").inner_text()
    assert "已提交" in candidate.locator("#my-tickets").inner_text()

    agent = new_page()
    agent.goto(live.url + "/staff/tickets")
    agent.get_by_label("用户名").fill("li.agent")
    agent.get_by_label("密码").fill("agent password 1")
    agent.get_by_role("button", name="登录").click()
    agent.get_by_role("searchbox").fill("zk20230001")
    agent.get_by_role("button", name="筛选").click()
    agent.get_by_role("link", name=number).click()
    assert "ZK20230001" in agent.locator("#candidate-panel").inner_text()
    agent.get_by_role("button", name="卸载杀毒软件").click()
    agent.get_by_role("button", name="发送回复").click()
    assert "短信通知考生" in agent.get_by_role("status").inner_text()

    candidate.get_by_role("link", name=number).click()
    assert "请先卸载 360安全卫士" in candidate.locator("#thread").inner_text()
    assert candidate.locator("#ticket-status").inner_text() == "等待您的回复"
    candidate.get_by_role("button", name="问题已解决，关闭工单").click()
    assert candidate.locator("#ticket-status").inner_text() == "已关闭"
    assert identity["id_number"] not in candidate.content()
