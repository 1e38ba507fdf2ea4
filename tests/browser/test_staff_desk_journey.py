"""The technician's ticket page in Chromium at desktop and phone sizes: a canned reply is
inserted where the cursor is without a reload and what was typed stays; the internal-note
label focuses the note box, not the reply; supervisors write and retire canned replies."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.categories import Category
from helpdesk.demo import fake_id_number
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate, Role
from helpdesk.tickets import services
from helpdesk.tickets.canned import services as canned
from tests.browser.candidates import overflowing, page_width
from tests.conftest import TEST_ID_HASH_KEY

pytestmark = pytest.mark.browser

SIZES = [
    pytest.param({"width": 1366, "height": 768}, id="desktop"),
    pytest.param({"width": 360, "height": 740}, id="phone"),
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "16"


def shot(page, name: str, viewport: dict[str, int]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)


def arrange_ticket(live) -> str:
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        candidate = Candidate(
            name="王小明",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230001",
            phone="+8613800138000",
            created_at=now,
        )
        session.add(candidate)
        session.flush()
        canned.save_reply(
            session,
            reply=None,
            title="卸载杀毒软件",
            body="您好，请先卸载 360安全卫士。",
            category="install",
            now=now,
        )
        ticket = services.open_ticket(
            session,
            candidate=candidate,
            exam_session=None,
            category=Category.INSTALL,
            description="智考云打不开",
            now=now,
        )
        return ticket.number


@pytest.mark.parametrize("viewport", SIZES)
def test_a_canned_reply_is_inserted_without_a_reload_and_the_typed_text_stays(
    live, new_page, viewport
):
    number = arrange_ticket(live)
    live.staff("li.agent", "agent password 1", Role.AGENT)
    agent = new_page(viewport=viewport)
    live.sign_in_staff(agent, "li.agent", "agent password 1")
    agent.goto(live.url + f"/staff/tickets/{number}")
    agent.evaluate("window.notReloaded = true")

    agent.get_by_label("回复考生").fill("王同学：")
    agent.get_by_role("button", name="卸载杀毒软件").click()
    agent.get_by_text("内部备注（考生看不到）").click()

    assert agent.evaluate("window.notReloaded") is True
    assert agent.get_by_label("回复考生").input_value() == "王同学：\n您好，请先卸载 360安全卫士。"
    assert agent.evaluate("document.activeElement.id") == "note-body"
    shot(agent, "staff-ticket", viewport)
    agent.get_by_role("button", name="发送回复").click()
    assert "王同学：" in agent.locator("#thread").inner_text()


def test_a_note_is_saved_as_a_note_and_looks_unlike_a_reply(live, new_page):
    number = arrange_ticket(live)
    live.staff("li.agent", "agent password 1", Role.AGENT)
    agent = new_page(viewport={"width": 1366, "height": 768})
    live.sign_in_staff(agent, "li.agent", "agent password 1")
    agent.goto(live.url + f"/staff/tickets/{number}")

    agent.get_by_label("内部备注（考生看不到）").fill("考生电脑是双系统")
    agent.get_by_role("button", name="保存备注").click()

    note = agent.locator("#thread li.internal")
    assert "考生电脑是双系统" in note.inner_text()
    reply_bg = agent.locator("#reply").evaluate("e => getComputedStyle(e).backgroundColor")
    note_bg = agent.locator("#note").evaluate("e => getComputedStyle(e).backgroundColor")
    assert reply_bg != note_bg
    assert agent.locator("#note").evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"


@pytest.mark.parametrize("viewport", SIZES)
def test_a_supervisor_writes_and_retires_a_canned_reply_in_the_desk(live, new_page, viewport):
    live.staff("zhang.sup", "supervisor password 1", Role.SUPERVISOR)
    sup = new_page(viewport=viewport)
    live.sign_in_staff(sup, "zhang.sup", "supervisor password 1")
    sup.goto(live.url + "/staff/canned-replies")

    sup.get_by_role("link", name="新建常用回复").click()
    sup.get_by_label("标题").fill("摄像头被占用")
    sup.get_by_label("适用的问题").select_option(label="无法作答")
    sup.get_by_label("插入回复的文字").fill("您好，请先关闭微信和QQ的视频通话，再重新打开智考云。")
    sup.get_by_role("button", name="保存").click()
    row = sup.locator("#canned-replies tr", has_text="摄像头被占用")
    row.get_by_role("button", name="停用").click()

    assert "常用回复已停用" in sup.get_by_role("status").inner_text()
    assert "已停用" in sup.locator("#canned-replies tr", has_text="摄像头被占用").inner_text()
    assert page_width(sup) <= viewport["width"], overflowing(sup, viewport["width"])
    shot(sup, "canned-replies", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_an_agent_finds_a_ticket_by_chinese_words_from_its_text(live, new_page, viewport):
    number = arrange_ticket(live)
    live.staff("li.agent", "agent password 1", Role.AGENT)
    agent = new_page(viewport=viewport)
    live.sign_in_staff(agent, "li.agent", "agent password 1")
    agent.goto(live.url + "/staff/tickets")

    agent.get_by_role("searchbox").fill("打不开")
    agent.get_by_role("button", name="筛选").click()

    assert agent.get_by_role("link", name=number).is_visible()
    shot(agent, "inbox-search", viewport)
    agent.get_by_role("searchbox").fill("黑屏")
    agent.get_by_role("button", name="筛选").click()
    assert agent.get_by_role("link", name=number).count() == 0


def test_a_candidate_finds_an_article_by_a_question_without_spaces(live, new_page):
    from helpdesk.knowledge import content

    with live.session() as session:
        content.seed(session, clock.utcnow())
    reader = new_page(viewport={"width": 360, "height": 740})

    reader.goto(live.url + "/articles?q=无法登录")

    assert reader.get_by_role("link", name="无法登录智考云怎么办").is_visible()


@pytest.mark.parametrize("viewport", SIZES)
def test_an_admin_creates_an_exam_session_in_the_desk(live, new_page, viewport):
    live.staff("wang.admin", "admin password 1", Role.ADMIN)
    admin = new_page(viewport=viewport)
    live.sign_in_staff(admin, "wang.admin", "admin password 1")
    admin.goto(live.url + "/admin/exams")

    admin.get_by_role("link", name="新建考试场次").click()
    admin.get_by_label("代码").fill("FORMAL-2")
    admin.get_by_label("场次名称").fill("正式面试（补考）")
    admin.get_by_label("类型").select_option(label="正式考试")
    admin.get_by_label("开始登录").fill("2023-01-10T10:10")
    admin.get_by_label("开考时间").fill("2023-01-10T10:00")
    admin.get_by_label("截止登录").fill("2023-01-10T11:00")
    admin.get_by_label("交卷时间").fill("2023-01-10T11:10")
    admin.get_by_role("button", name="保存").click()
    assert "开考时间须在开放登录之后" in admin.locator("#session-form").inner_text()
    admin.get_by_label("开考时间").fill("2023-01-10T11:00")
    admin.get_by_role("button", name="保存").click()

    assert "考试场次已保存" in admin.get_by_role("status").inner_text()
    assert "正式面试（补考）" in admin.locator("table").inner_text()
    assert page_width(admin) <= viewport["width"], overflowing(admin, viewport["width"])
    shot(admin, "exam-sessions", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_a_new_ticket_appears_in_the_inbox_without_a_reload_marked_unread(live, new_page, viewport):
    first = arrange_ticket(live)
    live.staff("li.agent", "agent password 1", Role.AGENT)
    agent = new_page(viewport=viewport)
    live.sign_in_staff(agent, "li.agent", "agent password 1")
    agent.goto(live.url + f"/staff/tickets/{first}")
    agent.goto(live.url + "/staff/tickets")
    agent.evaluate("window.notReloaded = true")
    assert agent.locator("#inbox tr.unread").count() == 0

    with live.session() as session:
        candidate = session.scalars(select(Candidate)).one()
        second = services.open_ticket(
            session,
            candidate=candidate,
            exam_session=None,
            category=Category.LOGIN,
            description="人脸验证一直失败",
            now=clock.utcnow(),
        ).number
    # The page polls every 15 s; coming back to the tab asks at once.
    agent.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    row = agent.locator("#inbox tr", has_text=second)
    row.get_by_text("未读").wait_for()
    assert agent.evaluate("window.notReloaded") is True
    assert "本页有 1 个未读工单" in agent.locator("#inbox-news").inner_text()
    assert "还剩" in row.inner_text()
    shot(agent, "inbox-live", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_supervisors_read_the_charts_of_tickets_and_the_wallboard(live, new_page, viewport):
    arrange_ticket(live)
    live.staff("zhang.sup", "supervisor password 1", Role.SUPERVISOR)
    sup = new_page(viewport=viewport)
    live.sign_in_staff(sup, "zhang.sup", "supervisor password 1")

    sup.goto(live.url + "/staff/ticket-reports")
    bars = sup.locator("#hourly svg.chart")
    assert bars.count() == 1
    assert "下载安装：每小时工单数" in bars.first.locator("title").text_content()
    assert page_width(sup) <= viewport["width"], overflowing(sup, viewport["width"])
    shot(sup, "ticket-reports", viewport)
    sup.goto(live.url + "/staff/callbacks/wallboard")
    assert sup.locator("#day-charts svg.chart").count() == 2
    assert page_width(sup) <= viewport["width"], overflowing(sup, viewport["width"])
    shot(sup, "wallboard", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_past_the_count_cap_the_last_inbox_page_says_how_to_find_the_rest(
    live, new_page, viewport, monkeypatch
):
    from helpdesk.tickets import inbox

    arrange_ticket(live)
    with live.session() as session:
        candidate = session.scalars(select(Candidate)).one()
        for _ in range(2):
            services.open_ticket(
                session,
                candidate=candidate,
                exam_session=None,
                category=Category.LOGIN,
                description="人脸验证一直失败",
                now=clock.utcnow(),
            )
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    live.staff("li.agent", "agent password 1", Role.AGENT)
    agent = new_page(viewport=viewport)
    live.sign_in_staff(agent, "li.agent", "agent password 1")

    agent.goto(live.url + "/staff/tickets?status=all")

    assert "共 2+ 个工单" in agent.locator("#inbox-total").inner_text()
    assert agent.locator("#inbox-capped").inner_text() == (
        "这里只列出前 2 个工单。请选择筛选条件或搜索，以找到其余的工单。"
    )
    shot(agent, "inbox-capped", viewport)
