"""The device check as a candidate meets it: the agent downloaded from a fresh desk, the QR code
scanned into a phone-sized browser that lands on the phone check signed in, once; the phone
self-check in Chromium with fake camera and microphone; and what staff then read."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from helpdesk import clock
from helpdesk.demo import WINDOWS_EXE, fake_id_number, publish_agent
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.identity.services import create_staff
from helpdesk.readiness import settings as readiness_settings
from tests.conftest import TEST_ID_HASH_KEY
from tests.readiness.qrcodes import read_png

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
}
SMALL_PHONE = dict(PHONE, viewport={"width": 360, "height": 740})
PC = {"viewport": {"width": 1366, "height": 768}, "accept_downloads": True}


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


@pytest.fixture
def desk(live, monkeypatch):
    """The live desk as `make run` leaves it: the agent published, its public address known."""
    key = readiness_settings.EXTENSION
    settings = replace(live.app.extensions[key], public_url=live.url)
    monkeypatch.setitem(live.app.extensions, key, settings)
    with live.session() as session:
        publish_agent(session, now=clock.utcnow(), folder=settings.builds_dir, server=live.url)
    return live


def scan(page) -> str:
    """What a phone's camera reads from the QR code on the screen."""
    return read_png(page.locator("#phone-qr svg").screenshot())


def test_a_candidate_downloads_the_agent_and_scans_the_qr_code_into_the_phone_check(desk, new_page):
    identity = seed(desk)
    pc = new_page(**PC)
    sign_in(pc, desk, identity, "/readiness")
    exe = WINDOWS_EXE.is_file()

    # The exe when `make agent-windows` built one (as `make run` publishes it), else the zipapp.
    with pc.expect_download() as download:
        pc.locator("#agent-windows a.button" if exe else "#agent-zipapp a.button").click()
    saved = Path(download.value.path())
    url = scan(pc)
    phone = new_page(**SMALL_PHONE)
    phone.goto(url)

    assert download.value.suggested_filename.endswith(".exe" if exe else ".pyz")
    if exe:
        assert saved.read_bytes() == WINDOWS_EXE.read_bytes()
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert digest in pc.content()
    assert url.startswith(desk.url + "/readiness/phone/link/")
    assert identity["id_number"] not in url
    assert identity["admission_number"] not in url
    assert phone.url == desk.url + "/readiness/phone"
    assert phone.locator(".who").inner_text() == "王小明"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="开始手机检测").click()
    phone.locator("#phone-outcome .report-code").wait_for(timeout=20_000)
    pc.reload()
    assert phone.locator("#phone-outcome .report-code").inner_text() in pc.content()


def test_the_qr_code_link_works_once_and_expires(desk, new_page):
    identity = seed(desk)
    pc = new_page(**PC)
    sign_in(pc, desk, identity, "/readiness")
    first = scan(pc)
    new_page(**SMALL_PHONE).goto(first)

    second_phone = new_page(**SMALL_PHONE)
    second_phone.goto(first)
    used = second_phone.locator("#phone-link-refused").inner_text()
    second_phone.get_by_role("link", name="登录并打开手机检测").click()
    refused_lands_on = second_phone.url
    pc.reload()
    later = scan(pc)
    clock.freeze(clock.utcnow() + timedelta(minutes=11))
    third_phone = new_page(**SMALL_PHONE)
    third_phone.goto(later)
    expired = third_phone.locator("#phone-link-refused").inner_text()
    third_phone.goto(desk.url + "/readiness/phone")

    assert "已经使用过" in used
    assert refused_lands_on.startswith(desk.url + "/signin")
    assert second_phone.get_by_label("身份证号").is_visible()
    assert later != first
    assert "已过期" in expired
    assert third_phone.url.startswith(desk.url + "/signin")
