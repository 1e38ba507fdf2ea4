"""The device-check pages with data in them: a candidate's /readiness with fresh PC and phone
reports fits a 360 px phone, and the staff readiness view's SVG charts are drawn, titled and
described, at 1366×768 and 360×740 (the page checks run axe and the width check on both)."""

from __future__ import annotations

import pytest

from helpdesk.identity.models import Role
from tests.browser.candidates import mock_with_roster, send_report
from tests.browser.checks import DESKTOP, PHONE, wait_for_check
from tests.readiness.conftest import ready_pc, report_body

pytestmark = pytest.mark.browser

#: Device names are what the PC reports; Chinese ones here, since the page check reads an
#: English device name ("Integrated Camera") in a zh-CN page as untranslated text.
DEVICES = {
    "cameras": {"count": 1, "names": ["内置摄像头"]},
    "microphones": {"count": 1, "names": ["麦克风阵列"]},
}


def pc(**facts):
    return ready_pc(**DEVICES, **facts)


def seed(live, count: int = 3) -> list[dict[str, str]]:
    return mock_with_roster(
        live,
        [f"考生{index}" for index in range(count)],
        admission_prefix="ZK2023020",
        phone_prefix="+861380013810",
    )


def sign_in(page, live, identity) -> None:
    page.goto(f"{live.url}/signin?next=/readiness")
    page.get_by_label("姓名").fill(identity["name"])
    page.get_by_label("身份证号").fill(identity["id_number"])
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "360"])
def test_the_device_check_page_with_fresh_reports_fits_a_phone(live, new_page, viewport):
    identity = seed(live, 1)[0]
    page = new_page(viewport=viewport)
    sign_in(page, live, identity)
    send_report(page, live, identity, report_body(pc(displays={"count": 3})))

    page.goto(f"{live.url}/readiness")

    assert page.locator("#pc-result .report-code").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"/readiness is {width} px wide"


def test_the_readiness_view_charts_are_drawn_titled_and_described(live, new_page):
    identities = seed(live, 3)
    live.staff("boss", "boss password 12", Role.SUPERVISOR)
    page = new_page()
    send_report(page, live, identities[0], report_body(pc()))
    send_report(page, live, identities[1], report_body(pc(displays={"count": 3})))
    live.sign_in_staff(page, "boss", "boss password 12", "/staff/readiness/MOCK-R1")

    for viewport in (DESKTOP, PHONE):
        wait_for_check(page)
        page.set_viewport_size(viewport)
        page.reload()  # checked again at this size (and the other)
        charts = page.locator("#readiness-charts svg.chart")
        assert charts.count() == 2
        for index in range(2):
            chart = charts.nth(index)
            assert chart.is_visible()
            title = chart.locator("title").first.text_content() or ""
            assert title.strip()
            assert chart.get_attribute("role") == "img"
            labelled = chart.get_attribute("aria-labelledby") or chart.get_attribute("aria-label")
            assert labelled
            assert (chart.locator("desc").first.text_content() or "").strip()
            # On a phone a chart keeps a readable size and scrolls inside its box (which a
            # keyboard can focus), never the page.
            figure = page.locator("#readiness-charts figure.chart-box").nth(index)
            box = figure.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= viewport["width"]
            assert figure.get_attribute("tabindex") == "0"
        assert "33.3%" in page.locator("#readiness-charts").inner_text() or "33.3%" in (
            page.locator("#readiness-charts").inner_html()
        )
