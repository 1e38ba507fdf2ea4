"""A candidate's pages on a desktop (1366×768) and a phone (360×740): the mock-day home page
says what to install, where, by when and that the mock is required, with its main action in
the first screen; the upload guide speaks in words and puts its choice first; the ticket keeps
the technician's paragraphs; the whole page always fits the screen's width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.exams.models import ExamKind
from helpdesk.identity.models import Candidate, Role, Staff
from helpdesk.identity.services import create_staff
from helpdesk.tickets import handling
from helpdesk.tickets.models import Ticket
from helpdesk.uploads import guidance, services
from helpdesk.uploads.models import ArtifactKind, UploadState
from tests.browser.candidates import (
    SIZES,
    ZONE,
    bottom_in_document,
    enrol,
    label_beside_control,
    lines,
    local_midnight_after,
    page_width,
    screen,
    session_row,
    sign_in,
)
from tests.browser.checks import wait_for_check

pytestmark = pytest.mark.browser


def mock_day(live) -> dict[str, str]:
    """The first mock day, open now until 24:00; the download window closes tomorrow 23:00."""
    now = clock.utcnow()
    midnight = local_midnight_after(now)
    closes = midnight + timedelta(hours=23)
    window = {"download_opens": now - timedelta(hours=3), "download_closes": closes}
    day = midnight - timedelta(days=1)
    return enrol(
        live,
        [
            session_row(
                "MOCK-D1",
                "在线模拟面试（第一天）",
                ExamKind.MOCK,
                now - timedelta(hours=1),
                midnight,
                **window,
            ),
            session_row(
                "MOCK-D2",
                "在线模拟面试（第二天）",
                ExamKind.MOCK,
                midnight + timedelta(hours=10),
                midnight + timedelta(days=1),
                **window,
            ),
            session_row(
                "FORMAL",
                "在线正式面试",
                ExamKind.FORMAL,
                midnight + timedelta(days=5, hours=11),
                midnight + timedelta(days=5, hours=11, minutes=10),
                **window,
            ),
        ],
    ) | {"day": f"{day:%Y-%m-%d}", "closes": f"{closes.astimezone(ZONE):%Y-%m-%d} 23:00"}


@pytest.mark.parametrize("size", SIZES)
def test_on_mock_day_the_home_page_says_what_to_install_where_by_when_and_that_it_counts(
    live, new_page, size
):
    identity = mock_day(live)
    page = new_page(**SIZES[size])
    view = screen(size)
    number = identity["id_number"]

    sign_in(page, live, identity, id_typed=f"{number[:6]} {number[6:14]} {number[14:]}")
    now_card = page.locator("#now")
    action = now_card.get_by_role("link", name="提交问题")
    platform = now_card.locator(".platform a")
    header = page.locator(".topbar").bounding_box()
    cells = page.locator("table.timetable td").evaluate_all(
        "tds => tds.map(td => td.getBoundingClientRect().width)"
    )
    numbers = page.locator(".footer .nowrap")
    number_lines = [lines(numbers.nth(i)) for i in range(numbers.count())]
    said, reminder = now_card.inner_text(), now_card.locator("#download-reminder").inner_text()
    href, action_bottom = platform.get_attribute("href"), bottom_in_document(action)
    width = page_width(page)
    page.get_by_role("button", name="退出登录").click()

    assert f"模拟考试开放至 {identity['day']} 24:00" in said
    assert "未参加模拟考试的考生不能参加正式考试" in said
    assert identity["closes"] in reminder
    assert "智考云" in reminder
    assert "智考通" in reminder
    assert href == "https://vict.zhikaocn.com"
    assert action_bottom <= view["height"]
    assert width <= view["width"]
    assert header is not None
    assert header["height"] <= view["height"] / 6
    assert min(cells) >= 100  # never one character per line
    assert number_lines == [1, 1, 1]  # the hotline and the two callback numbers
    assert page.locator(".flash.success").inner_text() == "您已退出登录。"


def failed_upload(live) -> dict[str, str]:
    """The formal exam ended ten minutes ago and its video failed; a mock day with nothing
    reported; a make-up session still to come."""
    now = clock.utcnow()
    formal = session_row(
        "FORMAL",
        "在线正式面试",
        ExamKind.FORMAL,
        now - timedelta(minutes=20),
        now - timedelta(minutes=10),
    )
    identity = enrol(
        live,
        [
            session_row(
                "MOCK-D1",
                "在线模拟面试（第一天）",
                ExamKind.MOCK,
                now - timedelta(days=6),
                now - timedelta(days=5, hours=10),
            ),
            formal,
            session_row(
                "MAKEUP",
                "补考面试",
                ExamKind.FORMAL,
                now + timedelta(days=3),
                now + timedelta(days=3, minutes=10),
            ),
        ],
        name="赵小雨",
    )
    with live.session() as session:
        guidance.seed_guidance(session, now)
        candidate = session.scalar(select(Candidate).where(Candidate.name == "赵小雨"))
        services.record_event(
            session,
            candidate=candidate,
            now=now,
            event=services.EventIn(
                event_id="phone-evt-0001",
                exam_session="FORMAL",
                artifact=ArtifactKind.EVIDENCE_VIDEO,
                artifact_id="video-0110-1",
                state=UploadState.FAILED,
                occurred_at=now - timedelta(minutes=2),
                bytes_total=900_000_000,
                bytes_sent=310_000_000,
                error_code="E_NETWORK",
            ),
        )
    return identity


@pytest.mark.parametrize("size", SIZES)
def test_the_upload_guide_puts_its_choice_first_and_files_a_ticket_in_words(live, new_page, size):
    identity = failed_upload(live)
    page = new_page(**SIZES[size])
    view = screen(size)

    sign_in(page, live, identity, "/uploads/help")
    first = page.get_by_role("link", name="佐证视频（手机，智考通）")
    choice_bottom = bottom_in_document(first)
    start_width = page_width(page)
    start_text = page.locator("main").inner_text()
    quiet_hidden = page.locator("#nothing-reported li").first.is_hidden()
    first.click()
    radio = page.get_by_label("在线正式面试 · video-0110-1")
    radio_layout = label_beside_control(radio)
    radio.check()
    shown = page.get_by_label("网络连接失败（E_NETWORK）")  # 屏幕上显示什么？
    shown_layout = label_beside_control(shown)
    shown.check()
    page.get_by_role("button", name="查看处理步骤").click()
    for _ in range(6):
        page.get_by_role("button", name="没有，仍然失败").click()
    offer = page.locator("#ticket dl").inner_text()
    offer_width = page_width(page)
    page.locator("#ticket").get_by_role("button", name="提交问题").click()
    page.locator("#ticket").get_by_role("link", name="查看进度").click()
    heading = page.locator("h1").inner_text()
    details = page.locator("#thread .details").inner_text()

    assert choice_bottom <= view["height"]
    assert max(start_width, offer_width, page_width(page)) <= view["width"]
    assert "补考面试" not in start_text  # a session still to come has nothing to upload
    assert quiet_hidden  # the mock day with nothing reported is folded away
    assert 0 <= radio_layout["gap"] <= 16
    assert radio_layout["off"] <= 8
    assert 0 <= shown_layout["gap"] <= 16
    assert shown_layout["off"] <= 8
    assert "佐证视频上传失败" in offer
    assert "在线正式面试" in offer
    assert "佐证视频（手机，智考通） · video-0110-1" in offer
    assert "evidence" not in offer
    assert "FORMAL" not in offer
    assert heading.startswith("我的问题：")
    assert "佐证视频（手机，智考通）" in details
    assert "evidence_video" not in details


@pytest.mark.parametrize("size", SIZES)
def test_the_candidate_reads_the_technicians_paragraphs_under_a_heading(live, new_page, size):
    identity = mock_day(live)
    page = new_page(**SIZES[size])
    sign_in(page, live, identity, "/tickets/new?category=login")
    page.get_by_label("问题描述").fill("智考云登录时提示密码错误。")
    page.get_by_role("button", name="提交问题").click()
    with live.session() as session:
        ticket = session.scalar(select(Ticket))
        agent = create_staff(
            session,
            username="tech",
            password="tech password 1",
            role=Role.AGENT,
            now=clock.utcnow(),
        )
        handling.reply(
            session,
            ticket=ticket,
            staff=session.get(Staff, agent.id),
            now=clock.utcnow(),
            body="第一步：关闭智考云。\n\n第二步：重新打开后再登录。",
        )
    wait_for_check(page)
    page.reload()
    reply = page.locator("#thread .message-staff .body")

    assert page.locator("h1").inner_text().startswith("我的问题：")
    assert reply.inner_text().splitlines()[0] == "第一步：关闭智考云。"
    assert reply.inner_text().splitlines()[-1] == "第二步：重新打开后再登录。"
    assert reply.evaluate("e => e.getBoundingClientRect().height") > 2.5 * float(
        reply.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    )
    assert page_width(page) <= screen(size)["width"]
