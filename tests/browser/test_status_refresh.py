"""The candidate's status page asks for news at the pace its fragment sets: every 3 s at the
front of the queue, every 15 s far back; not at all while the page is hidden (at once when it
is shown again); after a failure, no sooner than the server's Retry-After. The page's clock is
Playwright's, paused once the page is up: each figure is the page's own timers, not the test's
patience."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from helpdesk import clock
from helpdesk.callbacks import services
from helpdesk.exams.models import Enrollment, ExamKind
from helpdesk.identity.models import Candidate
from tests.browser.candidates import enrol, session_row, sign_in
from tests.browser.checks import wait_for_check

pytestmark = pytest.mark.browser

FRAGMENT = re.compile(r"/help/[^/]+/fragment$")
HIDE = """hidden => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState",
                        {configurable: true, get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def waiting_page(live, new_page, ahead: int):
    """A signed-in candidate's status page with `ahead` requests waiting before theirs; its
    clock paused just after its first ask for news. Returns (page, fragment asks seen)."""
    now = clock.utcnow()
    with live.session() as session:
        exam = session_row(
            "FORMAL",
            "在线正式面试",
            ExamKind.FORMAL,
            now - timedelta(minutes=5),
            now + timedelta(minutes=55),
        )
        session.add(exam)
        for n in range(ahead):
            other = Candidate(
                name="考生",
                id_number_hash=f"hash-{n}",
                id_number_masked="1101**********001X",
                admission_number=f"ZK2023{n:04d}X",
                phone="+8613800138001",
                created_at=now,
            )
            other.enrollments.append(Enrollment(exam_session=exam, created_at=now))
            session.add(other)
            session.flush()
            services.request_help(
                session,
                candidate=other,
                data=services.HelpInput(exam_session="FORMAL"),
                idempotency_key=uuid.uuid4().hex,
                source="web",
                now=now - timedelta(seconds=ahead - n),
            )
    identity = enrol(live, [exam])
    page = new_page()
    asks: list = []
    page.on("request", lambda r: asks.append(r) if FRAGMENT.search(r.url) else None)
    page.clock.install()
    sign_in(page, live, identity, next_path="/help")
    page.locator("#help-button").click()
    page.locator("#help-status").wait_for()
    wait_for_check(page)  # the page checks run on the page's own timers
    page.clock.pause_at(page.evaluate("Date.now()") + 10)
    finished(page, asks)  # an ask sent before the pause, if any, has set its timer
    # one ask, whenever it falls due (15 s and a tenth at most): the paces count from here
    assert asks_during(page, asks, 17_000) == 1
    return page, asks


def finished(page, asks: list) -> None:
    """Wait, in real time, until these asks are answered and the page has set its next timer."""
    page.wait_for_timeout(200)  # an ask the timers started is on its way by now
    for ask in asks:
        answer = ask.response()
        if answer is not None:
            answer.finished()
    page.wait_for_timeout(200)  # the page's own promise chain after the body


def asks_during(page, asks: list, milliseconds: int) -> int:
    """How many asks the page's timers send while its clock runs `milliseconds`."""
    before = len(asks)
    page.clock.run_for(milliseconds)
    finished(page, asks[before:])
    return len(asks) - before


def test_at_the_front_the_page_asks_every_3_seconds(live, new_page):
    page, asks = waiting_page(live, new_page, ahead=0)
    assert page.locator(".position").inner_text() == "1"

    assert asks_during(page, asks, 2_500) == 0
    assert asks_during(page, asks, 1_000) == 1
    assert asks_during(page, asks, 3_500) == 1


def test_far_back_the_page_asks_every_15_seconds(live, new_page):
    page, asks = waiting_page(live, new_page, ahead=30)
    assert page.locator(".position").inner_text() == "31"

    assert asks_during(page, asks, 13_000) == 0
    assert asks_during(page, asks, 4_000) == 1


def test_a_hidden_page_asks_nothing_and_asks_at_once_when_shown(live, new_page):
    page, asks = waiting_page(live, new_page, ahead=0)
    page.evaluate(HIDE, True)

    assert asks_during(page, asks, 60_000) == 0

    with page.expect_request(FRAGMENT):
        page.evaluate(HIDE, False)  # no time passes on the page's clock


def test_after_a_failure_the_page_waits_as_long_as_retry_after_says(live, new_page):
    page, asks = waiting_page(live, new_page, ahead=0)
    page.route(
        FRAGMENT,
        lambda route: route.fulfill(status=503, headers={"Retry-After": "20"}, body="busy"),
    )

    assert asks_during(page, asks, 3_500) == 1  # fails
    assert asks_during(page, asks, 19_000) == 0
    page.unroute(FRAGMENT)
    assert asks_during(page, asks, 3_500) == 1  # 20-22 s after the failure: answered
    assert asks_during(page, asks, 3_500) == 1  # back at its pace
    assert page.locator(".position").inner_text() == "1"
