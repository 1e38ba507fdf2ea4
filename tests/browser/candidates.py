"""What the candidate-page browser tests share: the two screen sizes, a candidate on the
roster of sessions placed around now, signing in, and the measurements of a page's fit."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from helpdesk import clock
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate
from tests.browser.checks import DESKTOP, PHONE
from tests.conftest import TEST_ID_HASH_KEY

ZONE = ZoneInfo("Asia/Shanghai")
#: The two screens every candidate point is shown on: (page options, its height).
SIZES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
}


def local_midnight_after(moment: datetime) -> datetime:
    """The next 00:00 Beijing time after moment: when a mock day "10:00—24:00" ends."""
    day: date = moment.astimezone(ZONE).date() + timedelta(days=1)
    return datetime.combine(day, time(0), ZONE)


def session_row(code: str, name: str, kind: ExamKind, starts: datetime, ends: datetime, **extra):
    return ExamSession(
        code=code,
        name=name,
        kind=kind,
        login_opens=starts,
        starts=starts,
        login_closes=extra.pop("login_closes", ends),
        ends=ends,
        **extra,
    )


def enrol(live, sessions: list[ExamSession], name: str = "王小明") -> dict[str, str]:
    """A candidate on the roster of these sessions; returns what they type to sign in."""
    number = fake_id_number(random.Random())
    with live.session() as session:
        candidate = Candidate(
            name=name,
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230001",
            phone="+8613800138000",
            created_at=clock.utcnow(),
        )
        for exam in sessions:
            candidate.enrollments.append(Enrollment(exam_session=exam, created_at=clock.utcnow()))
        session.add(candidate)
    return {"name": name, "id_number": number, "admission_number": "ZK20230001"}


def sign_in(page, live, identity: dict[str, str], next_path: str = "", id_typed: str = "") -> None:
    page.goto(live.url + "/signin" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("姓名").fill(identity["name"])
    page.get_by_label("身份证号").fill(id_typed or identity["id_number"])
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def page_width(page) -> int:
    """How wide the document is: more than the screen means sideways scrolling."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


#: The innermost elements that reach past the right edge of the screen (none of their
#: children does), for the message of a failed width assertion: what scrolls sideways.
_OVERFLOWING = """width => {
  const over = e => e.getBoundingClientRect().right > width + 0.5
    && !e.parentElement.closest('.scroll, .table-scroll, .chart-box');
  return [...document.body.querySelectorAll('*')].filter(over)
  .filter(e => ![...e.children].some(over))
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
    + [...e.classList].map(c => '.' + c).join('')
    + ` right=${Math.round(e.getBoundingClientRect().right)}`
    + ` "${(e.innerText || '').trim().slice(0, 40)}"`);
}"""


def overflowing(page, width: int) -> list[str]:
    """The elements wider than width (outside the page's sideways-scrolling boxes)."""
    return list(page.evaluate(_OVERFLOWING, width))


def bottom_in_document(locator) -> float:
    """Where the element ends, measured from the top of the page (not of the scrolled view)."""
    return float(locator.evaluate("e => e.getBoundingClientRect().bottom + window.scrollY"))


def screen(size: str) -> dict[str, int]:
    return dict(SIZES[size]["viewport"])


def lines(locator) -> int:
    """How many line boxes the element's text takes (1: it never broke)."""
    return int(locator.evaluate("e => new Set([...e.getClientRects()].map(r => r.top)).size"))


def label_beside_control(locator) -> dict[str, Any]:
    """The gap between a radio/checkbox and the start of its label's text, and how far
    their vertical centres are apart."""
    return locator.evaluate(
        """input => {
          const label = input.closest("label")
            || document.querySelector(`label[for="${input.id}"]`);
          const F = NodeFilter;
          const words = n => n.textContent.trim() ? F.FILTER_ACCEPT : F.FILTER_SKIP;
          const walker = document.createTreeWalker(label, F.SHOW_TEXT, {acceptNode: words});
          const range = document.createRange();
          range.selectNodeContents(walker.nextNode());
          const box = input.getBoundingClientRect(), text = range.getClientRects()[0];
          return {gap: text.left - box.right,
                  off: Math.abs((text.top + text.bottom) / 2 - (box.top + box.bottom) / 2)};
        }"""
    )


def mock_with_roster(
    live, names: list[str], *, admission_prefix: str, phone_prefix: str
) -> list[dict[str, str]]:
    """MOCK-R1, its download window open now, with one candidate per name on its roster
    (admission number and phone: the prefix + index); returns what each types to sign in."""
    now = clock.utcnow()
    identities = []
    with live.session() as session:
        exam = ExamSession(
            code="MOCK-R1",
            name="在线模拟面试",
            kind=ExamKind.MOCK,
            download_opens=now - timedelta(days=1),
            download_closes=now + timedelta(days=1),
            login_opens=now + timedelta(days=2),
            starts=now + timedelta(days=2, hours=1),
            login_closes=now + timedelta(days=2, hours=1),
            ends=now + timedelta(days=2, hours=2),
        )
        for index, name in enumerate(names):
            admission = f"{admission_prefix}{index}"
            number = fake_id_number(random.Random(admission))
            candidate = Candidate(
                name=name,
                id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
                id_number_masked=idnumber.mask(number),
                admission_number=admission,
                phone=f"{phone_prefix}{index}",
                created_at=now,
            )
            candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
            session.add(candidate)
            identities.append({"name": name, "id_number": number, "admission_number": admission})
    return identities


def send_report(page, live, identity: dict[str, str], body: Any) -> None:
    """The candidate's agent signs in through the API and sends its report."""
    token = page.request.post(f"{live.url}/api/v1/candidate-tokens", data=identity)
    assert token.status == 201, token.text()
    sent = page.request.post(
        f"{live.url}/api/v1/diagnostics/reports",
        data=body,
        headers={"Authorization": f"Bearer {token.json()['token']}"},
    )
    assert sent.status == 201, sent.text()
