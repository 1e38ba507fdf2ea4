"""The SMS outbox in Chromium at desktop and phone sizes: a supervisor finds the message that
failed for good (its text in Chinese, the number masked, the provider's code) from the menu,
sends it again, and sees it waiting to be sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk import clock
from helpdesk.identity.models import Role
from helpdesk.notify.adapters import MemoryNotifier, NotifierError
from helpdesk.notify.jobs import send_pending
from helpdesk.notify.services import queue_sms

pytestmark = pytest.mark.browser

SIZES = [
    pytest.param({"width": 1366, "height": 768}, id="desktop"),
    pytest.param({"width": 360, "height": 740}, id="phone"),
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "15"


def arrange_messages(live) -> None:
    now = clock.utcnow()
    with live.session() as session:
        for n, phone in enumerate(("+8613800138000", "+8613900139000")):
            queue_sms(
                session,
                to=phone,
                kind="ticket_reply",
                params={"number": f"T230110-000{n + 1}", "hotline": "400-088-0028"},
                dedupe_key=f"browser-{n}",
                now=now,
                allowed_numbers=["400-088-0028"],
            )
        notifier = MemoryNotifier()
        notifier.errors = [NotifierError("isv.MOBILE_NUMBER_ILLEGAL", permanent=True)]
        send_pending(session, notifier=notifier, now=now)


@pytest.mark.parametrize("viewport", SIZES)
def test_a_supervisor_finds_a_failed_sms_and_sends_it_again(live, new_page, viewport):
    arrange_messages(live)
    live.staff("zhang.sup", "supervisor password 1", Role.SUPERVISOR)
    sup = new_page(viewport=viewport)
    live.sign_in_staff(sup, "zhang.sup", "supervisor password 1")
    sup.goto(live.url + "/staff/sms")

    sup.locator("#filter-failed").click()
    row = sup.locator("#outbox tbody tr")
    text = row.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    sup.screenshot(path=str(SHOTS / f"outbox-failed-{viewport['width']}.png"), full_page=True)
    row.get_by_role("button", name="重新发送").click()

    assert "发送失败" in text
    assert "isv.MOBILE_NUMBER_ILLEGAL" in text
    assert "工单号 T230110-0001" in text
    assert "13800138000" not in text
    assert "短信已重新排队发送。" in sup.locator("body").inner_text()
    sup.get_by_role("link", name="全部").click()
    assert sup.locator("#outbox tbody tr", has_text="等待发送").count() == 1
    assert sup.locator("#outbox tbody tr", has_text="已发送").count() == 1
