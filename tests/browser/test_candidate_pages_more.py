"""More of a candidate's pages at 1366×768 and 360×740: the articles quote the exam sessions'
dates, the candidate platform and the two callback numbers; the device check and the phone
check fit a phone; every control shows where the keyboard focus is and a skip link leads to
the content; the roster import's checkbox sits beside its label."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from helpdesk import clock
from helpdesk.demo import publish_agent
from helpdesk.exams.models import ExamKind
from helpdesk.identity.models import Role
from helpdesk.knowledge import content
from helpdesk.readiness import settings as readiness_settings
from tests.browser.candidates import (
    SIZES,
    ZONE,
    bottom_in_document,
    enrol,
    label_beside_control,
    lines,
    page_width,
    screen,
    session_row,
    sign_in,
)

pytestmark = pytest.mark.browser


def moved_mock_days(live) -> None:
    """Mock days on 8 and 9 March, the download closing on the 9th at 23:00: not the notice's
    January dates, so an article that still says "1 月 4 日" is caught."""
    first = datetime(2031, 3, 8, 10, 0, tzinfo=ZONE)
    window = {"download_opens": first, "download_closes": first + timedelta(days=1, hours=13)}
    enrol(
        live,
        [
            session_row(
                "M1", "模拟一", ExamKind.MOCK, first, first + timedelta(hours=14), **window
            ),
            session_row(
                "M2",
                "模拟二",
                ExamKind.MOCK,
                first + timedelta(days=1),
                first + timedelta(days=1, hours=14),
                **window,
            ),
        ],
    )
    with live.session() as session:
        content.seed(session, clock.utcnow())


@pytest.mark.parametrize("size", SIZES)
def test_the_articles_quote_the_sessions_dates_the_platform_and_the_two_numbers(
    live, new_page, size
):
    moved_mock_days(live)
    page = new_page(**SIZES[size])

    page.goto(live.url + "/articles/login-tips")
    login = page.locator("#article").inner_text()
    page.goto(live.url + "/articles/download-and-install")
    download = page.locator("#article").inner_text()
    link = page.locator("#article a[href='https://vict.zhikaocn.com']")
    link_count = link.count()
    page.goto(live.url + "/articles/help-button-and-callbacks")
    help_text = page.locator("#article").inner_text()
    numbers = page.locator("#article .nowrap")
    number_lines = [lines(numbers.nth(i)) for i in range(numbers.count())]

    assert "模拟考试在 3 月 8 日和 9 日每天 10:00 至 24:00 开放" in login
    assert "1 月 4 日" not in login
    assert "3 月 9 日 23:00" in download
    assert link_count == 1
    assert "求助" in help_text
    assert "028-63201710、028-62093080" in help_text
    assert "请勿回拨" in help_text
    assert number_lines == [1, 1, 1]  # the two callback numbers and the hotline
    assert page_width(page) <= screen(size)["width"]


@pytest.fixture
def desk(live, monkeypatch):
    """The agent published, as `make run` leaves the desk."""
    key = readiness_settings.EXTENSION
    settings = replace(live.app.extensions[key], public_url=live.url)
    monkeypatch.setitem(live.app.extensions, key, settings)
    with live.session() as session:
        publish_agent(session, now=clock.utcnow(), folder=settings.builds_dir, server=live.url)
    return live


@pytest.mark.parametrize("size", SIZES)
def test_the_device_check_and_the_phone_check_fit_the_screen(desk, new_page, size):
    now = clock.utcnow()
    identity = enrol(
        desk,
        [
            session_row(
                "M1", "模拟一", ExamKind.MOCK, now - timedelta(hours=1), now + timedelta(hours=8)
            )
        ],
    )
    page = new_page(**SIZES[size])
    view = screen(size)

    sign_in(page, desk, identity, "/readiness")
    download = page.locator(".agent-download a.button").first
    download_bottom = bottom_in_document(download)
    for summary in page.locator(".agent-download summary").all():
        summary.click()  # the SHA-256 checksums, opened
    checksums = page.locator(".agent-download details code").first
    check_width = page_width(page)
    checksum_right = checksums.evaluate("e => e.getBoundingClientRect().right")
    page.goto(desk.url + "/readiness/phone")
    start = page.get_by_role("button", name="开始手机检测")
    start_bottom = bottom_in_document(start)
    start.click()
    page.locator("#phone-outcome .report-code").wait_for(timeout=20_000)
    preview = page.locator("#phone-preview")
    preview_right = preview.evaluate("e => e.getBoundingClientRect().right")
    phone_width = page_width(page)

    assert download_bottom <= view["height"]
    assert start_bottom <= view["height"]
    assert check_width <= view["width"]
    assert checksum_right <= view["width"]
    assert preview_right <= view["width"]
    assert phone_width <= view["width"]


FOCUS = """() => {
  const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {tag: e.tagName, text: (e.innerText || e.value || "").trim(), id: e.id,
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
          inView: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
          header: !!e.closest(".topbar")};
}"""


@pytest.mark.parametrize("size", SIZES)
def test_the_keyboard_focus_is_always_visible_and_a_skip_link_leads_to_the_content(
    live, new_page, size
):
    now = clock.utcnow()
    identity = enrol(
        live,
        [
            session_row(
                "M1", "模拟一", ExamKind.MOCK, now - timedelta(hours=1), now + timedelta(hours=8)
            )
        ],
    )
    page = new_page(**SIZES[size])
    sign_in(page, live, identity)

    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS)
    page.keyboard.press("Enter")
    after_skip = page.evaluate("document.activeElement.id")
    page.goto(live.url + "/")
    page.keyboard.press("Tab")  # the skip link again; then the header's controls
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if not focus["header"]:
            break
        seen.append(focus)
        if focus["tag"] == "BUTTON" and focus["text"] == "菜单":
            page.keyboard.press("Enter")  # the phone's folded menu opens

    assert skip["text"] == "跳到正文"
    assert skip["inView"]
    assert skip["outline"]
    assert after_skip == "main"
    names = [f["text"] for f in seen]
    assert "考生技术支持服务台" in names
    assert "我的考试" in names  # the menu's links, opened on a phone
    assert "退出登录" in names
    assert "English" in names
    assert [f["text"] for f in seen if not f["outline"]] == []


@pytest.mark.parametrize("size", SIZES)
def test_the_roster_imports_checkbox_sits_beside_its_label(live, new_page, size):
    live.staff("admin", "admin password 1", Role.ADMIN)
    page = new_page(**SIZES[size])

    live.sign_in_staff(page, "admin", "admin password 1", "/admin/roster/import")
    layout = label_beside_control(page.locator("input[type=checkbox]"))

    assert 0 <= layout["gap"] <= 16
    assert layout["off"] <= 8
    assert page_width(page) <= screen(size)["width"]
