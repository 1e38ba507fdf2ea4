"""The phone self-check in Chromium with fake camera and microphone, on a phone-sized screen,
and what staff then read."""

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
from tests.conftest import TEST_ID_HASH_KEY

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
}


def seed(live) -> dict[str, str]:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        exam = ExamSession(
            code="MOCK-D1",
            name="在线模拟面试（第一天）",
            kind=ExamKind.MOCK,
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
            session, username="agent", password="agent password 1", role=Role.AGENT, now=now
        )
    return {"name": "王小明", "id_number": number, "admission_number": "ZK20230001"}


def sign_in(page, live, identity, next_path: str) -> None:
    page.goto(f"{live.url}/signin?next={next_path}")
    page.get_by_label("姓名").fill(identity["name"])
    page.get_by_label("身份证号").fill(identity["id_number"])
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()


def test_a_candidate_checks_their_phone_and_staff_see_the_result(live, new_page):
    identity = seed(live)
    phone = new_page(**PHONE)

    sign_in(phone, live, identity, "/readiness/phone")
    assert phone.locator("#in-app-notice").is_hidden()
    phone.get_by_role("button", name="开始手机检测").click()
    outcome = phone.locator("#phone-outcome")
    outcome.locator(".report-code").wait_for(timeout=20_000)

    code = outcome.locator(".report-code").inner_text()
    assert code.startswith("P-")
    for check in ("phone_camera", "phone_microphone", "phone_recording"):
        assert "status-pass" in outcome.locator(f"[data-check={check}]").get_attribute("class")
    assert "摄像头" in outcome.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    desk = new_page()
    desk.goto(live.url + "/staff/signin")
    desk.get_by_label("用户名").fill("agent")
    desk.get_by_label("密码").fill("agent password 1")
    desk.get_by_role("button", name="登录").click()
    desk.goto(f"{live.url}/staff/readiness/reports/{code}")
    assert "王小明" in desk.content()
    assert "status-pass" in desk.locator("[data-check=phone_camera]").get_attribute("class")


def test_inside_wechat_the_page_says_to_open_the_system_browser(live, new_page):
    identity = seed(live)
    wechat = dict(PHONE, user_agent=PHONE["user_agent"] + " MicroMessenger/8.0.40.2420")
    phone = new_page(**wechat)

    sign_in(phone, live, identity, "/readiness/phone")

    notice = phone.locator("#in-app-notice")
    assert notice.is_visible()
    assert "微信" in notice.inner_text()
