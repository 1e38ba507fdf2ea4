"""An admin imports a roster of a few thousand rows: the upload answers at once with the
import's page, whose progress bar moves (desk.js polling its fragment) while the scheduler's
job applies the file chunk by chunk, and which then shows the report of every row in words,
with masked ID numbers. At 1366×768 and at 360×740."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk import clock, jobs
from helpdesk.demo import fake_id_number
from helpdesk.exams import jobs as exam_jobs
from helpdesk.exams.models import ExamKind, ExamSession
from helpdesk.identity.models import Candidate, Role
from tests.browser.checks import DESKTOP, PHONE, wait_for_check

pytestmark = pytest.mark.browser

ROWS = 3000
BAD_LINES = (10, 1500, 2999)


def roster_file() -> tuple[bytes, list[str]]:
    rng = random.Random(1616)
    lines = ["exam_session,name,id_number,admission_number,phone"]
    numbers = []
    for n in range(ROWS):
        number = fake_id_number(rng)
        numbers.append(number)
        phone = "not a phone" if n + 2 in BAD_LINES else f"1380013{n:04d}"
        lines.append(f"MOCK-D1,考生{n},{number},ZK{n:06d},{phone}")
    return ("\n".join(lines) + "\n").encode("utf-8"), numbers


def seed(live) -> None:
    now = clock.utcnow()
    with live.session() as session:
        session.add(
            ExamSession(
                code="MOCK-D1",
                name="在线模拟面试（第一天）",
                kind=ExamKind.MOCK,
                login_opens=now + timedelta(days=1),
                starts=now + timedelta(days=1, hours=1),
                login_closes=now + timedelta(days=1, hours=1),
                ends=now + timedelta(days=1, hours=2),
            )
        )
    live.staff("admin", "admin password 1", Role.ADMIN)


def run_job_slowly(live, monkeypatch) -> threading.Thread:
    """The scheduler's job, in a thread as `flask jobs run` would run it, with a longer
    pause between chunks, so the page can be seen between the first and the last."""
    monkeypatch.setattr(exam_jobs, "PAUSE", 0.4)
    thread = threading.Thread(
        target=jobs.run_job, args=(live.app, jobs.find("exams.apply_roster_imports"))
    )
    thread.start()
    return thread


_BAR_NOW = """() => {
    const bar = document.querySelector("#import-bar");
    return bar ? [bar.getAttribute("value"), bar.getAttribute("max")] : null;
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "360"])
def test_an_admin_imports_a_large_roster_and_watches_it_arrive(
    live, new_page, monkeypatch, viewport
):
    seed(live)
    data, numbers = roster_file()
    page = new_page(viewport=viewport)
    live.sign_in_staff(page, "admin", "admin password 1", "/admin/roster/import")

    page.locator("input[type=file]").set_input_files(
        files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_label("即使部分行无效，也导入有效的行").check()
    started = time.monotonic()
    page.get_by_role("button", name="校验并导入").click()
    page.wait_for_url("**/admin/roster/imports/*")
    answered = time.monotonic() - started

    bar = page.locator("#import-bar")
    assert bar.get_attribute("value") == "0"
    assert "等待开始" in page.locator("#import-state").inner_text()
    thread = run_job_slowly(live, monkeypatch)
    seen = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and page.locator("#report").count() == 0:
        # Both attributes in one read: the refresh may swap the bar for the report between
        # a count() and a get_attribute(), which would then wait for a bar that never returns.
        shown = page.evaluate(_BAR_NOW)
        if shown:
            seen.add(tuple(shown))
        page.wait_for_timeout(150)
    thread.join(timeout=60)

    between = {value for value, most in seen if value and most and 0 < int(value) < int(most)}
    assert between, f"the bar never showed a value between start and end: {seen}"
    report = page.locator("#report")
    assert "已导入" in report.locator("h2").inner_text()
    summary = report.locator(".summary").inner_text()
    assert f"新考生：{ROWS - len(BAD_LINES)}" in summary
    assert f"无效：{len(BAD_LINES)}" in summary
    rows = report.locator("tbody tr")
    assert rows.count() == len(BAD_LINES)  # the rows with problems first
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == [
        str(line) for line in BAD_LINES
    ]
    assert "电话" in rows.first.inner_text()
    masked = rows.first.locator("td.mono").inner_text()
    assert masked == numbers[BAD_LINES[0] - 2][:6] + "********" + numbers[BAD_LINES[0] - 2][-4:]
    body = page.content()
    assert not [n for n in numbers if n in body]
    with live.session() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == ROWS - 3

    wait_for_check(page)
    page.reload()  # the finished page, checked (axe, width) at both sizes like every page
    assert page.locator("#report .summary").count() == 1
    page.get_by_role("link", name="显示所有行").click()
    assert page.locator("#report tbody tr").count() == 50
    print(f"upload answered in {answered:.2f} s for {ROWS} rows")
