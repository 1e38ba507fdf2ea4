"""On a phone, a candidate whose evidence video will not upload walks the retry flow and ends
with a pre-filled ticket."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.demo import fake_id_number
from helpdesk.exams.models import Enrollment, ExamKind, ExamSession
from helpdesk.identity import idnumber
from helpdesk.identity.models import Candidate
from helpdesk.tickets.models import Ticket
from helpdesk.uploads import guidance, services
from helpdesk.uploads.models import ArtifactKind, UploadState
from tests.conftest import TEST_ID_HASH_KEY

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def seed_failed_upload(live) -> dict[str, str]:
    """A formal exam that ended ten minutes ago and a candidate whose video upload failed."""
    now = clock.utcnow()
    number = fake_id_number(random.Random())
    with live.session() as session:
        guidance.seed_guidance(session, now)
        exam = ExamSession(
            code="FORMAL",
            name="在线正式面试",
            kind=ExamKind.FORMAL,
            login_opens=now - timedelta(minutes=70),
            starts=now - timedelta(minutes=20),
            login_closes=now - timedelta(minutes=20),
            ends=now - timedelta(minutes=10),
        )
        candidate = Candidate(
            name="赵小雨",
            id_number_hash=idnumber.keyed_hash(number, TEST_ID_HASH_KEY),
            id_number_masked=idnumber.mask(number),
            admission_number="ZK20230077",
            phone="+8613800138077",
            created_at=now,
        )
        candidate.enrollments.append(Enrollment(exam_session=exam, created_at=now))
        session.add(candidate)
        session.flush()
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
    return {"name": "赵小雨", "id_number": number, "admission_number": "ZK20230077"}


def test_a_candidate_walks_the_evidence_video_flow_to_a_prefilled_ticket(live, new_page):
    identity = seed_failed_upload(live)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)

    page.goto(live.url + "/signin?next=/uploads/help")
    page.get_by_label("姓名").fill(identity["name"])
    page.get_by_label("身份证号").fill(identity["id_number"])
    page.get_by_label("准考证号").fill(identity["admission_number"])
    page.get_by_role("button", name="登录").click()
    assert "video-0110-1" in page.locator("#mine-FORMAL").inner_text()
    page.get_by_role("link", name="佐证视频（手机，智考通）").click()
    page.get_by_label("在线正式面试 · video-0110-1").check()
    page.get_by_label("网络连接失败（E_NETWORK）").check()
    page.get_by_role("button", name="查看处理步骤").click()
    titles = []
    for _ in range(6):
        titles.append(page.locator("#step h2").inner_text())
        page.get_by_role("button", name="没有，仍然失败").click()
    offer = page.locator("#ticket")
    prefilled = offer.locator("textarea").input_value()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    offer.get_by_role("button", name="提交问题").click()

    assert titles == [
        "保持智考通打开，设备不休眠并接上电源",
        "检查网络",
        "释放存储空间",
        "点“重新上传”",
        "重启智考通后重新上传",
        "点“重新上传”",
    ]
    assert "E_NETWORK" in prefilled
    assert "video-0110-1" in prefilled
    assert page_width <= PHONE["width"]
    assert "400-088-0028" in page.locator("#ticket").inner_text()
    with live.session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket is not None
        assert (ticket.category, ticket.source) == ("evidence_upload", "upload")
        number = ticket.number
    assert number in page.locator("#ticket").inner_text()
